variable "name" {
  description = "Prefix for resource names, e.g. \"ecommerce-dev\"; also the ECS cluster's name."
  type        = string
  default     = "ecommerce-dev"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,22}[a-z0-9]$", var.name))
    error_message = "name must be 3-24 characters of lower-case letters, digits and hyphens (target group names are limited to 32)."
  }
}

variable "aws_region" {
  description = "Region of the deployment (AWS_REGION in the container, awslogs region)."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the tasks."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets for the tasks (no public IPs; outbound through NAT or VPC endpoints)."
  type        = list(string)

  validation {
    condition     = length(var.private_subnet_ids) >= 1
    error_message = "At least one private subnet is needed (two or more for availability)."
  }
}

variable "alb_security_group_id" {
  description = "Security group of the ALB; the only source admitted to the container port."
  type        = string
}

variable "https_listener_arn" {
  description = "HTTPS listener of the ALB that gets the host-header rule for host_name."
  type        = string
}

variable "alb_arn_suffix" {
  description = "ARN suffix of the ALB, for the ALBRequestCountPerTarget scaling metric."
  type        = string
}

variable "listener_rule_priority" {
  description = "Priority of the host-header rule on the HTTPS listener (unique per listener)."
  type        = number
  default     = 100

  validation {
    condition     = var.listener_rule_priority >= 1 && var.listener_rule_priority <= 50000
    error_message = "listener_rule_priority must be between 1 and 50000."
  }
}

variable "host_name" {
  description = "Public host name of the shop, e.g. shop.example.com (DJANGO_ALLOWED_HOSTS, CSRF origin, listener rule)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$", var.host_name))
    error_message = "host_name must be a bare DNS name (no scheme, port or path)."
  }
}

variable "image" {
  description = "Container image of the shop, pinned by tag or digest; null: the ECR repository this module creates, tagged image_tag."
  type        = string
  default     = null

  validation {
    condition     = var.image == null || !endswith(coalesce(var.image, "-"), ":latest")
    error_message = "Pin the image by tag or digest; ':latest' cannot be rolled back."
  }
}

variable "image_tag" {
  description = "Tag of the shop's image in this module's ECR repository (tags are immutable: the release's git commit); used when image is null."
  type        = string
  default     = null

  validation {
    condition     = var.image_tag == null || can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", coalesce(var.image_tag, "-")))
    error_message = "image_tag must be a valid image tag."
  }

  validation {
    condition     = var.image_tag != "latest"
    error_message = "Tag the image with its release (e.g. the git commit); 'latest' cannot be rolled back."
  }
}

variable "container_name" {
  description = "Name of the container in the task definition (used by ECS run-task overrides)."
  type        = string
  default     = "storefront"
}

variable "desired_count" {
  description = "Initial number of web tasks (autoscaling owns it afterwards)."
  type        = number
  default     = 2

  validation {
    condition     = var.desired_count >= 0
    error_message = "desired_count must not be negative."
  }
}

variable "min_capacity" {
  description = "Autoscaling minimum of web tasks."
  type        = number
  default     = 2

  validation {
    condition     = var.min_capacity >= 0
    error_message = "min_capacity must not be negative."
  }
}

variable "max_capacity" {
  description = "Autoscaling maximum of web tasks."
  type        = number
  default     = 6

  validation {
    condition     = var.max_capacity >= 1
    error_message = "max_capacity must be at least 1."
  }
}

variable "cpu" {
  description = "Task CPU units (Fargate: 256, 512, 1024, 2048, 4096, 8192, 16384)."
  type        = number
  default     = 512

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096, 8192, 16384], var.cpu)
    error_message = "cpu must be a Fargate CPU size: 256, 512, 1024, 2048, 4096, 8192 or 16384."
  }
}

variable "memory" {
  description = "Task memory in MiB (must be a valid Fargate combination with cpu)."
  type        = number
  default     = 1024

  validation {
    condition     = var.memory >= 512 && var.memory <= 122880
    error_message = "memory must be between 512 and 122880 MiB."
  }
}

variable "cpu_target_percent" {
  description = "Target average CPU utilisation of the service for target-tracking scaling."
  type        = number
  default     = 60

  validation {
    condition     = var.cpu_target_percent >= 10 && var.cpu_target_percent <= 90
    error_message = "cpu_target_percent must be between 10 and 90."
  }
}

variable "requests_per_target" {
  description = "Target ALB requests per task per minute (ALBRequestCountPerTarget) for target-tracking scaling."
  type        = number
  default     = 1000

  validation {
    condition     = var.requests_per_target >= 1
    error_message = "requests_per_target must be positive."
  }
}

variable "enable_autoscaling" {
  description = "Scale the web service between min_capacity and max_capacity on CPU and ALB requests per target. Only the moto test turns it off (moto's server has no Application Auto Scaling ListTagsForResource)."
  type        = bool
  default     = true
}

variable "health_check_grace_period_seconds" {
  description = "Seconds ECS ignores failing ALB health checks of a new task (gunicorn start-up)."
  type        = number
  default     = 60

  validation {
    condition     = var.health_check_grace_period_seconds >= 0 && var.health_check_grace_period_seconds <= 2147483647
    error_message = "health_check_grace_period_seconds must not be negative."
  }
}

variable "db_host" {
  description = "Address of the PostgreSQL server (DB_HOST)."
  type        = string
}

variable "db_port" {
  description = "Port of the PostgreSQL server (DB_PORT)."
  type        = number
  default     = 5432
}

variable "db_name" {
  description = "Database of the shop (DB_NAME)."
  type        = string
  default     = "ecommerce"
}

variable "db_username" {
  description = "Database user of the shop (DB_USERNAME), the least-privilege app user, not the master."
  type        = string
  default     = "ecom_app_user"
}

variable "db_secret_arn" {
  description = "ARN of the app user's JSON secret; the task role may read it (the app reads it at start-up and after a rotation)."
  type        = string
}

variable "db_secret_name" {
  description = "Name of the app user's JSON secret (SECRETS_MANAGER_SECRET_NAME)."
  type        = string
}

variable "database_security_group_id" {
  description = "Security group of the database (modules/rds): the tasks' only PostgreSQL destination."
  type        = string
}

variable "cache_security_group_id" {
  description = "Security group of Redis (modules/cache): the tasks' only Redis destination."
  type        = string
}

variable "db_replica_host" {
  description = "Host name of the read replica (DB_REPLICA_HOST: catalog reads go there); null for none."
  type        = string
  default     = null
}

variable "bootstrap_secret_arns" {
  description = "Secrets the one-off bootstrap task reads: the RDS-managed master secret and the app, Keycloak and backup users' secrets."
  type = object({
    master   = string
    app      = string
    keycloak = string
    backup   = string
  })
}

variable "media_bucket_name" {
  description = "Media bucket (AWS_STORAGE_BUCKET_NAME)."
  type        = string
}

variable "media_bucket_arn" {
  description = "ARN of the media bucket; the task role may read, write and delete its objects."
  type        = string
}

variable "media_domain_name" {
  description = "Domain serving the media bucket, e.g. the CloudFront domain (AWS_S3_CUSTOM_DOMAIN)."
  type        = string
}

variable "keycloak_url" {
  description = "Public base URL of Keycloak, e.g. https://sso.example.com (KEYCLOAK_URL)."
  type        = string

  validation {
    condition     = startswith(var.keycloak_url, "https://")
    error_message = "keycloak_url must be an https:// URL."
  }
}

variable "keycloak_realm" {
  description = "Keycloak realm of the shop (KEYCLOAK_REALM)."
  type        = string
  default     = "shop"
}

variable "oidc_client_id" {
  description = "OIDC client id of the shop in the realm (OIDC_RP_CLIENT_ID)."
  type        = string
  default     = "storefront"
}

variable "oidc_client_secret_arn" {
  description = "ARN of the plain-string secret holding the OIDC client secret (injected as OIDC_RP_CLIENT_SECRET)."
  type        = string
}

variable "redis_url_secret_arn" {
  description = "ARN of the plain-string secret holding rediss://:token@host:6379/0 (injected as REDIS_URL)."
  type        = string
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key: encrypts the log group, the ECR repository and the Django secret key; the roles may decrypt through Secrets Manager only."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the service's log group in days."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ...)."
  }
}

variable "secret_prefix" {
  description = "Prefix of the Django secret key's name in Secrets Manager (\"<prefix>/django-secret-key\"); null uses name."
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

variable "ecr_force_delete" {
  description = "Let terraform destroy delete the ECR repository with its images. Keep false in production."
  type        = bool
  default     = false
}

variable "ecr_keep_images" {
  description = "Number of tagged images the ECR lifecycle policy keeps (older ones are expired; untagged ones after 7 days)."
  type        = number
  default     = 30

  validation {
    condition     = var.ecr_keep_images >= 5
    error_message = "Keep at least 5 images so that rollbacks stay possible."
  }
}

variable "staff_emails" {
  description = "Addresses of the shop's staff (SHOP_STAFF_EMAILS, Django's MANAGERS): the low-stock digest goes to them. Empty: no digest (its schedule is disabled)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for address in var.staff_emails : can(regex("^[^@,\\s]+@[^@,\\s]+\\.[^@,\\s]+$", address))])
    error_message = "staff_emails must be plain e-mail addresses (no names, no commas)."
  }
}

variable "enable_scheduled_tasks" {
  description = "Run the scheduled tasks (housekeeping, low-stock digest) with EventBridge Scheduler. Their task definitions exist either way, for aws ecs run-task by hand."
  type        = bool
  default     = true
}

variable "housekeeping_schedule" {
  description = "When the housekeeping task (clearsessions, then clearcarts) runs, in UTC: an EventBridge Scheduler cron() or rate() expression."
  type        = string
  default     = "cron(30 3 * * ? *)"

  validation {
    condition     = can(regex("^(cron|rate)\\(.+\\)$", var.housekeeping_schedule))
    error_message = "housekeeping_schedule must be a cron(...) or rate(...) expression."
  }
}

variable "low_stock_digest_schedule" {
  description = "When the low-stock digest is e-mailed, in low_stock_digest_timezone: an EventBridge Scheduler cron() or rate() expression."
  type        = string
  default     = "cron(0 7 * * ? *)"

  validation {
    condition     = can(regex("^(cron|rate)\\(.+\\)$", var.low_stock_digest_schedule))
    error_message = "low_stock_digest_schedule must be a cron(...) or rate(...) expression."
  }
}

variable "low_stock_digest_timezone" {
  description = "IANA time zone of low_stock_digest_schedule, e.g. \"Europe/Berlin\" (daylight saving time followed)."
  type        = string
  default     = "UTC"
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of the shop's embedded-format metrics (METRICS_NAMESPACE); the dashboard and alarms (modules/monitoring) read the same one."
  type        = string
  default     = "Storefront"
}

variable "enable_tracing" {
  description = "Run the AWS Distro for OpenTelemetry collector beside the shop in the web task, point the shop's OTLP exporter at it (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME) and let the task role write to X-Ray. Off: no sidecar, no OTEL_* variable, no X-Ray permission."
  type        = bool
  default     = false
}

variable "collector_image" {
  description = "AWS Distro for OpenTelemetry collector image of the tracing sidecar, pinned by tag or digest."
  type        = string
  default     = "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3"

  validation {
    condition     = can(regex(":v[0-9]+\\.[0-9]+\\.[0-9]+$|@sha256:[0-9a-f]{64}$", var.collector_image))
    error_message = "Pin the collector image to a vX.Y.Z tag or a digest."
  }
}

variable "collector_memory" {
  description = "Hard memory limit of the collector sidecar in MiB (taken from the task's memory)."
  type        = number
  default     = 256

  validation {
    condition     = var.collector_memory >= 64
    error_message = "collector_memory must be at least 64 MiB."
  }
}

variable "otel_service_name" {
  description = "Service name of the shop's traces (OTEL_SERVICE_NAME; the X-Ray service map's node)."
  type        = string
  default     = "storefront"
}

variable "from_email" {
  description = "Sender of the shop's e-mails (DJANGO_DEFAULT_FROM_EMAIL, also SERVER_EMAIL), a verified identity of the mail relay; null: shop@<host_name>."
  type        = string
  default     = null

  validation {
    condition     = var.from_email == null || can(regex("^[^@,\\s]+@[^@,\\s]+\\.[^@,\\s]+$", coalesce(var.from_email, "x@y.z")))
    error_message = "from_email must be a plain e-mail address (no name)."
  }
}

variable "email_smtp_port" {
  description = "Port of the mail relay in the shop-email-url secret (submission with STARTTLS: 587, or 2587 on SES); the tasks' security group lets it out."
  type        = number
  default     = 587

  validation {
    condition     = contains([25, 587, 2587], var.email_smtp_port)
    error_message = "email_smtp_port must be a STARTTLS submission port: 587, 2587 or 25."
  }
}
