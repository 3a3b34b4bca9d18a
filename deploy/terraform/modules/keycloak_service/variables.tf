variable "name" {
  description = "Prefix for resource names, e.g. \"ecommerce-dev\"."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,22}[a-z0-9]$", var.name))
    error_message = "name must be 3-24 characters of lower-case letters, digits and hyphens (target group names are limited to 32)."
  }
}

variable "aws_region" {
  description = "Region of the deployment (awslogs region, KMS ViaService condition)."
  type        = string
}

variable "cluster_arn" {
  description = "ECS cluster the service runs in (the shop's cluster)."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the tasks; its CIDR is Keycloak's trusted proxy range (the ALB's addresses)."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets for the tasks."
  type        = list(string)

  validation {
    condition     = length(var.private_subnet_ids) >= 1
    error_message = "At least one private subnet is needed (two or more for availability)."
  }
}

variable "alb_security_group_id" {
  description = "Security group of the ALB; the only source admitted to ports 8080 (HTTP) and 9000 (health)."
  type        = string
}

variable "https_listener_arn" {
  description = "HTTPS listener of the ALB that gets Keycloak's host-header rule(s)."
  type        = string
}

variable "listener_rule_priority" {
  description = "Priority of Keycloak's host-header rule. With admin_console_allowed_cidrs set, this and the next two priorities are used."
  type        = number
  default     = 200

  validation {
    condition     = var.listener_rule_priority >= 1 && var.listener_rule_priority <= 49998
    error_message = "listener_rule_priority must be between 1 and 49998."
  }
}

variable "host_name" {
  description = "Public host name of Keycloak, e.g. sso.example.com (KC_HOSTNAME is https://<host_name>)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$", var.host_name))
    error_message = "host_name must be a bare DNS name (no scheme, port or path)."
  }
}

variable "shop_host_name" {
  description = "Public host name of the shop: the realm's client gets https://<shop_host_name>/oidc/callback/ as its only redirect URI."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$", var.shop_host_name))
    error_message = "shop_host_name must be a bare DNS name (no scheme, port or path)."
  }
}

variable "image" {
  description = "Official Keycloak 26 image, pinned (mirror it to ECR with a pull-through cache if quay.io should not be on the path)."
  type        = string
  default     = "quay.io/keycloak/keycloak:26.4.6"
  nullable    = false

  validation {
    condition     = can(regex(":26\\.[0-9]+\\.[0-9]+$|@sha256:[0-9a-f]{64}$", var.image))
    error_message = "Pin a Keycloak 26.x.y tag (or a digest)."
  }
}

variable "image_repository_arn" {
  description = "ARN of an ECR repository (e.g. a pull-through cache of quay.io) the image comes from; null when the image is pulled from quay.io."
  type        = string
  default     = null
}

variable "desired_count" {
  description = "Number of Keycloak tasks (they form one cluster through the database, jdbc-ping)."
  type        = number
  default     = 2

  validation {
    condition     = var.desired_count >= 0
    error_message = "desired_count must not be negative."
  }
}

variable "cpu" {
  description = "Task CPU units (Fargate sizes)."
  type        = number
  default     = 1024

  validation {
    condition     = contains([512, 1024, 2048, 4096, 8192, 16384], var.cpu)
    error_message = "cpu must be a Fargate CPU size of at least 512: 512, 1024, 2048, 4096, 8192 or 16384."
  }
}

variable "memory" {
  description = "Task memory in MiB; Keycloak takes 70 % of it as heap."
  type        = number
  default     = 2048

  validation {
    condition     = var.memory >= 1024 && var.memory <= 122880
    error_message = "memory must be at least 1024 MiB (Keycloak needs it) and at most 122880."
  }
}

variable "health_check_grace_period_seconds" {
  description = "Seconds ECS ignores failing ALB health checks of a new task: the official image re-augments itself at start and the first start migrates the database."
  type        = number
  default     = 300

  validation {
    condition     = var.health_check_grace_period_seconds >= 60
    error_message = "Give Keycloak at least 60 seconds to start."
  }
}

variable "db_host" {
  description = "Address of the PostgreSQL server (KC_DB_URL_HOST)."
  type        = string
}

variable "db_port" {
  description = "Port of the PostgreSQL server (KC_DB_URL_PORT)."
  type        = number
  default     = 5432
}

variable "db_name" {
  description = "Keycloak's database on the server (KC_DB_URL_DATABASE)."
  type        = string
  default     = "keycloak"
}

variable "database_security_group_id" {
  description = "Security group of the database (modules/rds): the tasks' only PostgreSQL destination."
  type        = string
}

variable "db_secret_arn" {
  description = "ARN of keycloak_user's JSON secret; ECS injects its username and password keys as KC_DB_USERNAME / KC_DB_PASSWORD."
  type        = string
}

variable "db_ssl_mode" {
  description = "PostgreSQL JDBC sslmode. The server forces TLS; verify-full needs the RDS CA bundle in the image (a derived image), which the official image lacks."
  type        = string
  default     = "require"

  validation {
    condition     = contains(["require", "verify-ca", "verify-full"], var.db_ssl_mode)
    error_message = "db_ssl_mode must be require, verify-ca or verify-full (the server refuses unencrypted connections)."
  }
}

variable "db_pool_max_size" {
  description = "Maximum database connections per Keycloak task (KC_DB_POOL_MAX_SIZE); keep desired_count x this below the server's max_connections share."
  type        = number
  default     = 20

  validation {
    condition     = var.db_pool_max_size >= 5
    error_message = "db_pool_max_size must be at least 5."
  }
}

variable "realm_file" {
  description = "Path of the realm export to import (deploy/keycloak/realm-shop.json). Its users are dropped and its storefront client is pointed at https://<shop_host_name>."
  type        = string
}

variable "oidc_client_id" {
  description = "Client id of the shop in the realm file."
  type        = string
  default     = "storefront"
}

variable "admin_username" {
  description = "Name of Keycloak's temporary bootstrap admin in the master realm (its password is generated into Secrets Manager)."
  type        = string
  default     = "bootstrap-admin"
}

variable "admin_console_allowed_cidrs" {
  description = "If set, only these CIDRs reach /admin/ (admin console and admin REST API) through the ALB; others get 403. null leaves it open (protected by the admin's credentials only)."
  type        = list(string)
  default     = null

  validation {
    condition     = var.admin_console_allowed_cidrs == null || (length(coalesce(var.admin_console_allowed_cidrs, [])) >= 1 && length(coalesce(var.admin_console_allowed_cidrs, [])) <= 4 && alltrue([for cidr in coalesce(var.admin_console_allowed_cidrs, []) : can(cidrhost(cidr, 0))]))
    error_message = "admin_console_allowed_cidrs must be null or 1-4 CIDR blocks (an ALB condition takes at most 5 values, one is the path)."
  }
}

variable "secret_prefix" {
  description = "Prefix of the secrets' names (\"<prefix>/keycloak-admin\", \"<prefix>/oidc-client-secret\", \"<prefix>/keycloak-smtp\"); null uses name."
  type        = string
  default     = null
}

variable "secret_recovery_window_days" {
  description = "Days a deleted secret can be restored (0 deletes at once, for throwaway environments)."
  type        = number
  default     = 30

  validation {
    condition     = var.secret_recovery_window_days == 0 || (var.secret_recovery_window_days >= 7 && var.secret_recovery_window_days <= 30)
    error_message = "secret_recovery_window_days must be 0 or between 7 and 30."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for the log group and the generated secrets."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of Keycloak's log group in days."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ...)."
  }
}

variable "smtp_host" {
  description = "SMTP relay Keycloak sends its e-mails through (address verification, password reset), e.g. email-smtp.eu-central-1.amazonaws.com (Amazon SES). Always with STARTTLS and authentication."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$", var.smtp_host))
    error_message = "smtp_host must be a bare DNS name."
  }
}

variable "smtp_port" {
  description = "Port of the SMTP relay: submission with STARTTLS (587, or 2587 on SES)."
  type        = number
  default     = 587

  validation {
    condition     = contains([25, 587, 2587], var.smtp_port)
    error_message = "smtp_port must be a STARTTLS submission port: 587, 2587 or 25."
  }
}

variable "smtp_from" {
  description = "Sender address of Keycloak's e-mails, e.g. no-reply@shop.example.com (a verified identity of the relay)."
  type        = string

  validation {
    condition     = can(regex("^[^@\\s]+@[a-z0-9]([a-z0-9.-]*[a-z0-9])?$", var.smtp_from))
    error_message = "smtp_from must be an e-mail address."
  }
}

variable "enable_metrics_collector" {
  description = "Run the AWS Distro for OpenTelemetry collector beside Keycloak: it scrapes Keycloak's /metrics on the management port (9000) and writes a few series to CloudWatch (metrics_namespace). Off: no sidecar, no task role, no metrics log group; /metrics and /health stay reachable inside the task only (RUNBOOK)."
  type        = bool
  default     = true
}

variable "collector_image" {
  description = "AWS Distro for OpenTelemetry collector image of the metrics sidecar, pinned by tag or digest."
  type        = string
  default     = "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3"

  validation {
    condition     = can(regex(":v[0-9]+\\.[0-9]+\\.[0-9]+$|@sha256:[0-9a-f]{64}$", var.collector_image))
    error_message = "Pin the collector image to a vX.Y.Z tag or a digest."
  }
}

variable "collector_memory" {
  description = "Hard memory limit of the collector sidecar in MiB; Keycloak's container gets the task's memory minus this."
  type        = number
  default     = 256

  validation {
    condition     = var.collector_memory >= 64 && var.collector_memory <= 1024
    error_message = "collector_memory must be between 64 and 1024 MiB."
  }
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of Keycloak's scraped metrics (the dashboard's keycloak_metrics_namespace)."
  type        = string
  default     = "Keycloak"
}

variable "metrics_log_retention_days" {
  description = "Retention of the log group holding the collector's embedded-metric-format lines (the metrics themselves are kept by CloudWatch Metrics)."
  type        = number
  default     = 7

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.metrics_log_retention_days)
    error_message = "metrics_log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, ...)."
  }
}
