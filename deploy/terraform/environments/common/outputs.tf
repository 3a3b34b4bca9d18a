output "shop_url" {
  description = "The shop, once DNS points the host name at the load balancer."
  value       = "https://${var.shop_host_name}/"
}

output "keycloak_url" {
  description = "Keycloak (KEYCLOAK_URL of the shop)."
  value       = local.keycloak_url
}

output "alb_dns_name" {
  description = "Point both host names here (CNAME or alias) when route53_zone_id is null."
  value       = module.edge.alb_dns_name
}

output "ecr_repository_url" {
  description = "Push the shop's image here, tagged with shop_image_tag."
  value       = module.shop.ecr_repository_url
}

output "cluster_name" {
  description = "The ECS cluster of both services."
  value       = module.shop.cluster_name
}

output "db_address" {
  description = "The RDS server's host name."
  value       = module.rds.address
}

output "db_replica_address" {
  description = "The read replica's host name, or null."
  value       = module.rds.replica_address
}

output "db_master_secret_arn" {
  description = "RDS-managed secret of the master user (only the bootstrap task reads it)."
  value       = module.rds.master_user_secret_arn
}

output "db_app_secret_name" {
  description = "The shop's database secret (ecom_app_user), SECRETS_MANAGER_SECRET_NAME."
  value       = module.rds.app_secret_name
}

output "alarm_topic_arn" {
  description = "SNS topic every alarm notifies."
  value       = module.rds.alarm_topic_arn
}

output "dashboard_name" {
  description = "CloudWatch dashboard of the environment."
  value       = module.monitoring.dashboard_name
}

output "media_domain_name" {
  description = "Domain serving product images (CloudFront)."
  value       = module.edge.media_domain_name
}

# The one-off tasks of deploy/RUNBOOK.md, ready to paste: the same subnets and security group as
# the shop's tasks, so they reach the database.
locals {
  run_task_network = jsonencode({
    awsvpcConfiguration = {
      subnets        = module.network.private_subnet_ids
      securityGroups = [module.shop.security_group_id]
      assignPublicIp = "DISABLED"
    }
  })
}

output "bootstrap_command" {
  description = "Creates the databases and their users (run once, then again any time: it changes nothing)."
  value       = "aws ecs run-task --region ${var.aws_region} --cluster ${module.shop.cluster_name} --launch-type FARGATE --task-definition ${module.shop.bootstrap_task_definition_arn} --network-configuration '${local.run_task_network}'"
}

output "scheduled_task_commands" {
  description = "Runs a scheduled task now, by hand (housekeeping, low-stock-digest)."
  value = {
    for task, arn in module.shop.scheduled_task_definition_arns :
    task => "aws ecs run-task --region ${var.aws_region} --cluster ${module.shop.cluster_name} --launch-type FARGATE --task-definition ${arn} --network-configuration '${local.run_task_network}'"
  }
}

output "schedule_group_name" {
  description = "EventBridge Scheduler group of the shop's scheduled tasks (null when switched off)."
  value       = module.shop.schedule_group_name
}

output "migrate_command" {
  description = "Applies the shop's migrations (before each deploy of a new image)."
  value       = "aws ecs run-task --region ${var.aws_region} --cluster ${module.shop.cluster_name} --launch-type FARGATE --task-definition ${module.shop.migrate_task_definition_arn} --network-configuration '${local.run_task_network}'"
}

output "keycloak_smtp_secret_arn" {
  description = "Put the SMTP relay's credentials here as JSON {username, password} before Keycloak's first start (RUNBOOK)."
  value       = module.keycloak.smtp_secret_arn
}

output "shop_email_url_secret_arn" {
  description = "Put the shop's SMTP URL (smtp+tls://USER:PASSWORD@email-smtp.<region>.amazonaws.com:587) here before the first deployment (RUNBOOK)."
  value       = module.shop.email_url_secret_arn
}
