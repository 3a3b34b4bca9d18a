variable "name" {
  description = "Prefix for the dashboard's and alarms' names, e.g. \"ecommerce-dev\"."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,200}$", var.name))
    error_message = "name may hold letters, digits, '-' and '_' (a CloudWatch dashboard name)."
  }
}

variable "aws_region" {
  description = "Region the dashboard's widgets read metrics from."
  type        = string
}

variable "alb_arn_suffix" {
  description = "ARN suffix of the ALB (LoadBalancer dimension)."
  type        = string
}

variable "target_group_arn_suffixes" {
  description = "Target groups to watch, by a static label, e.g. { shop = \"targetgroup/...\", keycloak = \"targetgroup/...\" }."
  type        = map(string)

  validation {
    condition     = length(var.target_group_arn_suffixes) >= 1
    error_message = "Give at least one target group."
  }
}

variable "cluster_name" {
  description = "ECS cluster of the services."
  type        = string
}

variable "service_names" {
  description = "ECS services to chart, by a static label, e.g. { shop = \"ecommerce-dev-shop\", keycloak = \"ecommerce-dev-keycloak\" }."
  type        = map(string)
}

variable "db_instance_identifier" {
  description = "RDS instance of the databases."
  type        = string
}

variable "replica_identifier" {
  description = "RDS read replica, or null when there is none (its lag widget is then left out)."
  type        = string
  default     = null
}

variable "cache_replication_group_id" {
  description = "ElastiCache replication group (its member clusters are charted through a metric search); null leaves the cache widgets out."
  type        = string
  default     = null
}

variable "alarm_topic_arn" {
  description = "SNS topic every alarm notifies, on ALARM and on OK."
  type        = string
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of the shop's own metrics (embedded metric format in its log lines; the shop's METRICS_NAMESPACE)."
  type        = string
  default     = "Storefront"

  validation {
    condition     = can(regex("^[A-Za-z0-9._/#:-]{1,255}$", var.metrics_namespace)) && !startswith(var.metrics_namespace, "AWS/")
    error_message = "metrics_namespace must be a custom CloudWatch namespace (letters, digits, . _ / # : -; not AWS/...)."
  }
}

variable "keycloak_metrics_namespace" {
  description = "CloudWatch namespace Keycloak's scraped metrics go to (modules/keycloak_service's collector); null leaves the Keycloak metric widgets out (its target group health is charted either way)."
  type        = string
  default     = null
}

variable "shop_thresholds" {
  description = "Thresholds of the alarms on the shop's own metrics. server_error_rate_percent: ServerErrors / Requests; server_error_min_requests: fewer requests in a period never alarm; p99_latency_ms: p99 of Latency; sign_in_failure_rate_percent: SignInFailures / (SignIns + SignInFailures); sign_in_min_attempts: fewer attempts never alarm; db_connection_failures: DbConnectFailures + DbConnectionsBroken per period; period_seconds and evaluation_periods: the window."
  type = object({
    server_error_rate_percent    = optional(number, 5)
    server_error_min_requests    = optional(number, 20)
    p99_latency_ms               = optional(number, 2000)
    sign_in_failure_rate_percent = optional(number, 50)
    sign_in_min_attempts         = optional(number, 10)
    db_connection_failures       = optional(number, 5)
    period_seconds               = optional(number, 300)
    evaluation_periods           = optional(number, 1)
  })
  default = {}

  validation {
    condition     = contains([60, 300, 900, 3600], var.shop_thresholds.period_seconds) && var.shop_thresholds.evaluation_periods >= 1
    error_message = "shop_thresholds.period_seconds must be 60, 300, 900 or 3600 and evaluation_periods at least 1."
  }

  validation {
    condition = (
      var.shop_thresholds.server_error_rate_percent > 0 && var.shop_thresholds.server_error_rate_percent <= 100
      && var.shop_thresholds.sign_in_failure_rate_percent > 0 && var.shop_thresholds.sign_in_failure_rate_percent <= 100
      && var.shop_thresholds.server_error_min_requests >= 1 && var.shop_thresholds.sign_in_min_attempts >= 1
      && var.shop_thresholds.p99_latency_ms > 0 && var.shop_thresholds.db_connection_failures >= 0
    )
    error_message = "Rates must be in (0, 100], the minimum volumes at least 1, the latency positive and the failure count not negative."
  }
}

variable "thresholds" {
  description = "Alarm thresholds. alb_5xx_count / target_5xx_count: 5xx responses per period; p99_latency_seconds: TargetResponseTime p99; period_seconds and evaluation_periods: how long a breach must last."
  type = object({
    alb_5xx_count       = optional(number, 10)
    target_5xx_count    = optional(number, 10)
    p99_latency_seconds = optional(number, 2)
    period_seconds      = optional(number, 60)
    evaluation_periods  = optional(number, 5)
    datapoints_to_alarm = optional(number, 3)
  })
  default = {}

  validation {
    condition     = contains([10, 30, 60, 300, 900, 3600], var.thresholds.period_seconds)
    error_message = "thresholds.period_seconds must be 10, 30, 60 or a multiple of 60 such as 300, 900, 3600."
  }

  validation {
    condition     = var.thresholds.datapoints_to_alarm >= 1 && var.thresholds.datapoints_to_alarm <= var.thresholds.evaluation_periods
    error_message = "thresholds.datapoints_to_alarm must be between 1 and evaluation_periods."
  }

  validation {
    condition     = var.thresholds.alb_5xx_count >= 0 && var.thresholds.target_5xx_count >= 0 && var.thresholds.p99_latency_seconds > 0
    error_message = "Counts must not be negative and the latency threshold must be positive."
  }
}
