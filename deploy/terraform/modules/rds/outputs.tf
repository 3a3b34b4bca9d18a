output "address" {
  description = "Host name of the primary instance."
  value       = aws_db_instance.this.address
}

output "port" {
  description = "PostgreSQL port."
  value       = aws_db_instance.this.port
}

output "instance_identifier" {
  description = "Identifier of the primary instance (CloudWatch dimension DBInstanceIdentifier)."
  value       = aws_db_instance.this.identifier
}

output "instance_arn" {
  description = "ARN of the primary instance."
  value       = aws_db_instance.this.arn
}

output "instance_resource_id" {
  description = "Resource id of the primary (dbi-resource-id), for rds-db:connect IAM policies."
  value       = aws_db_instance.this.resource_id
}

output "replica_address" {
  description = "Host name of the read replica, or null without one."
  value       = one(aws_db_instance.replica[*].address)
}

output "replica_identifier" {
  description = "Identifier of the read replica, or null without one."
  value       = one(aws_db_instance.replica[*].identifier)
}

output "security_group_id" {
  description = "Security group of the database (5432 admitted from allowed_security_group_ids and the rotation Lambda)."
  value       = aws_security_group.db.id
}

output "parameter_group_name" {
  description = "Name of the DB parameter group."
  value       = aws_db_parameter_group.this.name
}

output "master_user_secret_arn" {
  description = "ARN of the RDS-managed secret of the master user (JSON with username and password; RDS rotates it)."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}

output "app_secret_arn" {
  description = "ARN of the shop user's secret (JSON: engine, host, port, username, password, dbname)."
  value       = aws_secretsmanager_secret.db_user["app"].arn
}

output "app_secret_name" {
  description = "Name of the shop user's secret (the shop's SECRETS_MANAGER_SECRET_NAME)."
  value       = aws_secretsmanager_secret.db_user["app"].name
}

output "keycloak_secret_arn" {
  description = "ARN of Keycloak's database secret (same JSON shape)."
  value       = aws_secretsmanager_secret.db_user["keycloak"].arn
}

output "backup_secret_arn" {
  description = "ARN of the backup user's secret (same JSON shape)."
  value       = aws_secretsmanager_secret.db_user["backup"].arn
}

output "alarm_topic_arn" {
  description = "SNS topic of the environment's alarms; pass it to the other modules."
  value       = aws_sns_topic.alarms.arn
}

output "app_db_name" {
  description = "The shop's database name."
  value       = var.app_db_name
}

output "app_db_user" {
  description = "The shop's database user."
  value       = var.app_db_user
}

output "keycloak_db_name" {
  description = "Keycloak's database name."
  value       = var.keycloak_db_name
}

output "keycloak_db_user" {
  description = "Keycloak's database user."
  value       = var.keycloak_db_user
}

output "backup_db_user" {
  description = "The read-only backup user."
  value       = var.backup_db_user
}

output "rotation_lambda_arn" {
  description = "ARN of the rotation Lambda, or null when enable_user_rotation is false."
  value       = one(aws_serverlessapplicationrepository_cloudformation_stack.rotation[*].outputs["RotationLambdaARN"])
}
