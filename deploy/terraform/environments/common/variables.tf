# The root's inputs. Each environment's terraform.tfvars gives its values; the RDS settings keep
# the names of deployment-docs/rds-implementation-summary.md ("Terraform Variables").

# --- Where and what ------------------------------------------------------------------------------

variable "aws_region" {
  description = "AWS region of the whole environment."
  type        = string
  default     = "us-east-1"
}

variable "project" {
  description = "Project name: the first part of every resource name and secret path."
  type        = string
  default     = "ecommerce"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}$", var.project))
    error_message = "project: lower-case letters, digits and dashes, 2-21 characters."
  }
}

variable "environment" {
  description = "Environment name (dev, prod): the second part of every name, e.g. ecommerce-dev and the secret ecommerce/dev/database."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,9}$", var.environment))
    error_message = "environment: lower-case letters and digits, 2-10 characters."
  }

  # Load balancer and target group names ("<project>-<environment>-shop") allow 32 characters.
  validation {
    condition     = length("${var.project}-${var.environment}") <= 27
    error_message = "project and environment together may have at most 26 characters."
  }
}

variable "shop_host_name" {
  description = "Host name shoppers use, e.g. shop.example.com (ALB host rule, DJANGO_ALLOWED_HOSTS, Keycloak redirect URIs)."
  type        = string
}

variable "keycloak_host_name" {
  description = "Host name of Keycloak, e.g. sso.example.com (ALB host rule, KEYCLOAK_URL)."
  type        = string
}

variable "certificate_arn" {
  description = "ACM certificate for the ALB's HTTPS listener, covering shop_host_name and keycloak_host_name."
  type        = string
}

variable "route53_zone_id" {
  description = "Hosted zone in which to create alias records for the two host names; null leaves DNS to you."
  type        = string
  default     = null
}

variable "alarm_email" {
  description = "E-mail address subscribed to the alarm topic (confirm the subscription mail); empty for none."
  type        = string
  default     = ""
}

# --- Images ----------------------------------------------------------------------------------------

variable "shop_image" {
  description = "The shop's image. Null: the ECR repository this configuration creates, tagged shop_image_tag."
  type        = string
  default     = null
}

variable "shop_image_tag" {
  description = "Tag of the shop's image in the ECR repository this creates (tags are immutable: the release's git commit). Required; give any value with shop_image, which then wins."
  type        = string
}

variable "keycloak_image" {
  description = "Keycloak's image; null: the official one at the version modules/keycloak_service pins."
  type        = string
  default     = null
}

# --- Network ---------------------------------------------------------------------------------------

variable "vpc_cidr" {
  description = "CIDR block of the VPC created when existing_vpc_id is null."
  type        = string
  default     = "10.0.0.0/16"
}

variable "az_count" {
  description = "Availability zones to spread subnets over (at least 2: the ALB and Multi-AZ RDS need them)."
  type        = number
  default     = 2
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all zones (cheaper) instead of one per zone (survives a zone outage)."
  type        = bool
  default     = true
}

variable "existing_vpc_id" {
  description = "Use this VPC instead of creating one (then give the subnet ids too)."
  type        = string
  default     = null
}

variable "existing_public_subnet_ids" {
  description = "Public subnets of existing_vpc_id, for the ALB."
  type        = list(string)
  default     = []
}

variable "existing_private_subnet_ids" {
  description = "Private subnets of existing_vpc_id (with a NAT route), for tasks, database and cache."
  type        = list(string)
  default     = []
}

# --- Database (names as in the RDS document) -------------------------------------------------------

variable "rds_instance_class" {
  description = "RDS instance class."
  type        = string
}

variable "rds_engine_version" {
  description = "PostgreSQL version: a major version (\"15\") lets RDS choose and upgrade the minor one."
  type        = string
}

variable "rds_allocated_storage" {
  description = "Initial storage in GB."
  type        = number
}

variable "rds_max_allocated_storage" {
  description = "Storage autoscaling ceiling in GB."
  type        = number
}

variable "rds_multi_az" {
  description = "A standby in a second zone with automatic failover."
  type        = bool
}

variable "rds_backup_retention_period" {
  description = "Days of automated backups (point-in-time recovery window)."
  type        = number
}

variable "rds_deletion_protection" {
  description = "Refuse to delete the instance (and this Terraform's destroy) until turned off."
  type        = bool
}

variable "rds_backup_window" {
  description = "Daily backup window (UTC), before the maintenance window."
  type        = string
  default     = "02:00-03:00"
}

variable "rds_maintenance_window" {
  description = "Weekly maintenance window (UTC), at low traffic."
  type        = string
  default     = "sun:03:30-sun:04:30"
}

variable "rds_create_read_replica" {
  description = "Create a read replica; the shop sends catalog reads to it (DB_REPLICA_HOST)."
  type        = bool
  default     = false
}

variable "rds_enable_user_rotation" {
  description = "Rotate the shop database user's password with Secrets Manager (AWS's single-user rotation function)."
  type        = bool
  default     = true
}

# --- Cache -----------------------------------------------------------------------------------------

variable "cache_node_type" {
  description = "ElastiCache node type."
  type        = string
  default     = "cache.t4g.micro"
}

variable "cache_num_cache_clusters" {
  description = "Redis nodes (primary + replicas); 2 or more turns on automatic failover across zones."
  type        = number
  default     = 1
}

variable "cache_create_replication_group" {
  description = "Create the Redis replication group (its security group and secrets exist either way)."
  type        = bool
  default     = true
}

variable "cache_auth_token_version" {
  description = "Bump to rotate Redis' auth token (deploy/RUNBOOK.md, \"Rotating secrets\")."
  type        = number
  default     = 1
}

# --- Services --------------------------------------------------------------------------------------

variable "shop_desired_count" {
  description = "Shop tasks to start with (autoscaling moves it between min and max)."
  type        = number
  default     = 2
}

variable "shop_min_capacity" {
  description = "Fewest shop tasks autoscaling keeps."
  type        = number
  default     = 2
}

variable "shop_max_capacity" {
  description = "Most shop tasks autoscaling starts."
  type        = number
  default     = 6
}

variable "shop_enable_autoscaling" {
  description = "Scale the shop's tasks between min and max on CPU and requests per task."
  type        = bool
  default     = true
}

variable "shop_cpu" {
  description = "CPU units of a shop task (1024 = one vCPU)."
  type        = number
  default     = 512
}

variable "shop_memory" {
  description = "Memory of a shop task in MiB."
  type        = number
  default     = 1024
}

variable "shop_staff_emails" {
  description = "Staff addresses (SHOP_STAFF_EMAILS) that get the daily low-stock digest; empty: no digest."
  type        = list(string)
  default     = []
}

variable "shop_from_email" {
  description = "Sender of the shop's e-mails (DJANGO_DEFAULT_FROM_EMAIL), a verified identity of the mail relay; null: shop@<shop_host_name>. The relay's SMTP URL goes into the secret <project>/<environment>/shop-email-url (RUNBOOK)."
  type        = string
  default     = null
}

variable "shop_enable_scheduled_tasks" {
  description = "Run the shop's scheduled tasks (daily housekeeping, low-stock digest) with EventBridge Scheduler."
  type        = bool
  default     = true
}

variable "shop_housekeeping_schedule" {
  description = "When housekeeping (clearsessions, then clearcarts) runs, in UTC (EventBridge Scheduler expression)."
  type        = string
  default     = "cron(30 3 * * ? *)"
}

variable "shop_low_stock_digest_schedule" {
  description = "When the low-stock digest is sent, in shop_low_stock_digest_timezone (EventBridge Scheduler expression)."
  type        = string
  default     = "cron(0 7 * * ? *)"
}

variable "shop_low_stock_digest_timezone" {
  description = "IANA time zone of shop_low_stock_digest_schedule, e.g. \"Europe/Berlin\"."
  type        = string
  default     = "UTC"
}

variable "keycloak_desired_count" {
  description = "Keycloak tasks (they form one cluster through the database)."
  type        = number
  default     = 1
}

variable "keycloak_admin_console_allowed_cidrs" {
  description = "Only these CIDRs (1-4, e.g. your office) reach Keycloak's /admin/ through the load balancer; null leaves it open, guarded by the admin's password alone."
  type        = list(string)
  default     = null
}

variable "keycloak_smtp_host" {
  description = "SMTP relay of Keycloak's e-mails (address verification, password reset), STARTTLS with authentication; null: Amazon SES in aws_region (email-smtp.<region>.amazonaws.com). Its credentials go into the secret <project>/<environment>/keycloak-smtp (RUNBOOK)."
  type        = string
  default     = null
}

variable "keycloak_smtp_port" {
  description = "Port of Keycloak's SMTP relay (submission with STARTTLS)."
  type        = number
  default     = 587
}

variable "keycloak_smtp_from" {
  description = "Sender of Keycloak's e-mails (a verified identity of the relay); null: no-reply@<shop_host_name>."
  type        = string
  default     = null
}

variable "keycloak_cpu" {
  description = "CPU units of a Keycloak task."
  type        = number
  default     = 1024
}

variable "keycloak_memory" {
  description = "Memory of a Keycloak task in MiB."
  type        = number
  default     = 2048
}

# --- Edge and logs ---------------------------------------------------------------------------------

variable "alb_deletion_protection" {
  description = "Refuse to delete the load balancer until turned off."
  type        = bool
  default     = true
}

variable "force_destroy_buckets" {
  description = "Let terraform destroy delete the access-log and media buckets with their objects (disposable environments only)."
  type        = bool
  default     = false
}

variable "enable_cloudfront" {
  description = "Serve product images through CloudFront (else straight from the bucket's domain, which is private: use only for tests)."
  type        = bool
  default     = true
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the services', the database's, WAF's and the VPC's logs."
  type        = number
  default     = 365
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of the shop's own metrics (its METRICS_NAMESPACE; the dashboard and the shop's alarms read it)."
  type        = string
  default     = "Storefront"
}

variable "shop_enable_tracing" {
  description = "Traces: the AWS Distro for OpenTelemetry collector beside the shop, the shop exporting OTLP to it, the collector sending to X-Ray (modules/shop_service, enable_tracing)."
  type        = bool
  default     = false
}

variable "keycloak_enable_metrics_collector" {
  description = "Scrape Keycloak's /metrics (management port) into CloudWatch with a collector sidecar (modules/keycloak_service, enable_metrics_collector)."
  type        = bool
  default     = true
}

variable "shop_alarm_thresholds" {
  description = "Thresholds of the alarms on the shop's own metrics (modules/monitoring, shop_thresholds); every attribute optional."
  type = object({
    server_error_rate_percent    = optional(number)
    server_error_min_requests    = optional(number)
    p99_latency_ms               = optional(number)
    sign_in_failure_rate_percent = optional(number)
    sign_in_min_attempts         = optional(number)
    db_connection_failures       = optional(number)
    period_seconds               = optional(number)
    evaluation_periods           = optional(number)
  })
  default = {}
}

variable "waf_managed_rules_action" {
  description = "What the WAF's AWS managed rule groups (Common, Known Bad Inputs, IP reputation, SQL injection) do with a matching request: \"block\" or \"count\" (only counted and logged, to try them on live traffic first)."
  type        = string
  default     = "block"
}
