output "cluster_arn" {
  description = "ARN of the ECS cluster (Keycloak's service runs in it too)."
  value       = aws_ecs_cluster.this.arn
}

output "cluster_name" {
  description = "Name of the ECS cluster."
  value       = aws_ecs_cluster.this.name
}

output "service_name" {
  description = "Name of the shop's ECS service."
  value       = aws_ecs_service.this.name
}

output "security_group_id" {
  description = "Security group of the shop tasks (web and one-off); the database and cache admit it."
  value       = aws_security_group.tasks.id
}

output "task_definition_arn" {
  description = "ARN (with revision) of the web task definition."
  value       = aws_ecs_task_definition.web.arn
}

output "task_definition_family" {
  description = "Family of the web task definition."
  value       = aws_ecs_task_definition.web.family
}

output "migrate_task_definition_arn" {
  description = "ARN of the one-off task definition running `manage.py migrate --no-input`."
  value       = aws_ecs_task_definition.one_off["migrate"].arn
}

output "migrate_task_definition_family" {
  description = "Family of the migrate task definition."
  value       = aws_ecs_task_definition.one_off["migrate"].family
}

output "bootstrap_task_definition_arn" {
  description = "ARN of the one-off task definition running `manage.py bootstrap_databases` with the four secrets."
  value       = aws_ecs_task_definition.one_off["bootstrap"].arn
}

output "bootstrap_task_definition_family" {
  description = "Family of the bootstrap task definition."
  value       = aws_ecs_task_definition.one_off["bootstrap"].family
}

output "one_off_network_configuration" {
  description = "awsvpcConfiguration for `aws ecs run-task` of the migrate and bootstrap tasks."
  value = {
    subnets        = var.private_subnet_ids
    securityGroups = [aws_security_group.tasks.id]
    assignPublicIp = "DISABLED"
  }
}

output "log_group_name" {
  description = "CloudWatch log group of the web and one-off tasks (stream prefixes storefront/, migrate/, bootstrap/)."
  value       = aws_cloudwatch_log_group.this.name
}

output "target_group_arn" {
  description = "ARN of the shop's target group."
  value       = aws_lb_target_group.this.arn
}

output "target_group_arn_suffix" {
  description = "ARN suffix of the target group (TargetGroup dimension of ALB metrics)."
  value       = aws_lb_target_group.this.arn_suffix
}

output "django_secret_key_arn" {
  description = "ARN of the generated Django secret key (injected as DJANGO_SECRET_KEY)."
  value       = aws_secretsmanager_secret.django_secret_key.arn
}

output "ecr_repository_url" {
  description = "URL of the shop's ECR repository (push images here, tag = git sha)."
  value       = aws_ecr_repository.this.repository_url
}

output "ecr_repository_arn" {
  description = "ARN of the shop's ECR repository."
  value       = aws_ecr_repository.this.arn
}

output "task_role_arn" {
  description = "Role of the web and migrate tasks (database secret, media bucket)."
  value       = aws_iam_role.task.arn
}

output "bootstrap_task_role_arn" {
  description = "Role of the bootstrap task (the four database secrets only)."
  value       = aws_iam_role.bootstrap.arn
}

output "execution_role_arn" {
  description = "ECS execution role (image pull, logs, the five injected secrets)."
  value       = aws_iam_role.execution.arn
}

output "scheduled_task_definition_arns" {
  description = "ARNs of the scheduled tasks' task definitions, by name (housekeeping, low-stock-digest); they exist also with enable_scheduled_tasks = false."
  value       = { for task in ["housekeeping", "low-stock-digest"] : task => aws_ecs_task_definition.one_off[task].arn }
}

output "schedule_group_name" {
  description = "EventBridge Scheduler group of the scheduled tasks, or null when enable_scheduled_tasks is false."
  value       = one(aws_scheduler_schedule_group.this[*].name)
}

output "scheduler_role_arn" {
  description = "Role EventBridge Scheduler assumes to run the scheduled tasks (RunTask on their families in this cluster, PassRole of the execution and task roles), or null."
  value       = one(aws_iam_role.scheduler[*].arn)
}

output "email_url_secret_arn" {
  description = "ARN of the secret <prefix>/shop-email-url (DJANGO_EMAIL_URL): put the SMTP URL there before the first deployment (RUNBOOK)."
  value       = aws_secretsmanager_secret.email_url.arn
}
