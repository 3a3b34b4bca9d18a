output "service_name" {
  description = "Name of Keycloak's ECS service."
  value       = aws_ecs_service.this.name
}

output "security_group_id" {
  description = "Security group of the Keycloak tasks; the database admits it."
  value       = aws_security_group.tasks.id
}

output "target_group_arn" {
  description = "ARN of Keycloak's target group."
  value       = aws_lb_target_group.this.arn
}

output "target_group_arn_suffix" {
  description = "ARN suffix of Keycloak's target group (TargetGroup dimension of ALB metrics)."
  value       = aws_lb_target_group.this.arn_suffix
}

output "url" {
  description = "Public base URL of Keycloak (the shop's KEYCLOAK_URL)."
  value       = local.url
}

output "realm" {
  description = "Name of the imported realm (the shop's KEYCLOAK_REALM)."
  value       = local.realm_name
}

output "oidc_client_id" {
  description = "Client id of the shop in the realm (the shop's OIDC_RP_CLIENT_ID)."
  value       = var.oidc_client_id
}

output "oidc_client_secret_arn" {
  description = "ARN of the generated plain-string client secret (the shop's OIDC_RP_CLIENT_SECRET, Keycloak's STOREFRONT_CLIENT_SECRET)."
  value       = aws_secretsmanager_secret.client.arn
}

output "admin_secret_arn" {
  description = "ARN of the bootstrap admin's JSON secret {username, password}."
  value       = aws_secretsmanager_secret.admin.arn
}

output "log_group_name" {
  description = "CloudWatch log group of Keycloak (JSON console logs)."
  value       = aws_cloudwatch_log_group.this.name
}

output "task_definition_arn" {
  description = "ARN (with revision) of Keycloak's task definition."
  value       = aws_ecs_task_definition.this.arn
}

output "execution_role_arn" {
  description = "ECS execution role of Keycloak (logs, the four injected secrets)."
  value       = aws_iam_role.execution.arn
}

output "realm_import_json" {
  description = "The realm as imported (no users; the client secret is a STOREFRONT_CLIENT_SECRET placeholder Keycloak fills from the environment)."
  value       = local.realm_json
}

output "smtp_secret_arn" {
  description = "ARN of the SMTP relay's JSON secret {username, password}; its value is put by hand (RUNBOOK)."
  value       = aws_secretsmanager_secret.smtp.arn
}

output "metrics_namespace" {
  description = "CloudWatch namespace of Keycloak's scraped metrics, or null without the collector."
  value       = var.enable_metrics_collector ? var.metrics_namespace : null
}

output "task_role_arn" {
  description = "Task role of Keycloak (the metrics collector's CloudWatch Logs writes), or null without the collector."
  value       = var.enable_metrics_collector ? aws_iam_role.task[0].arn : null
}
