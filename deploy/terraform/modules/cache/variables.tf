variable "name" {
  description = "Prefix for resource names and the replication group id, e.g. \"ecommerce-dev\"."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,34}[a-z0-9]$", var.name)) && !strcontains(var.name, "--")
    error_message = "name must be 2-36 characters of lowercase letters, digits and single hyphens, starting with a letter (the replication group id allows 40, and its node ids add \"-00N\")."
  }
}

variable "secret_prefix" {
  description = "Prefix of the Secrets Manager secret names, e.g. \"ecommerce/dev\" gives ecommerce/dev/redis-url."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9/_+=.@-]+[^/]$", var.secret_prefix))
    error_message = "secret_prefix may contain letters, digits and /_+=.@- and must not end with a slash."
  }
}

variable "vpc_id" {
  description = "VPC of the cache."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets (two or more zones) for the cache subnet group."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "subnet_ids needs at least two subnets in different zones."
  }
}

variable "allowed_security_group_ids" {
  description = "Security groups admitted to Redis (6379), keyed by a static name, e.g. { shop = sg-... }. Each key gets its own ingress rule; keys must be known at plan time."
  type        = map(string)

  validation {
    condition     = alltrue([for id in values(var.allowed_security_group_ids) : can(regex("^sg-[0-9a-f]+$", id))])
    error_message = "Every value of allowed_security_group_ids must be a security group id (sg-...)."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for encryption at rest, the secrets and the slow-log group."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>)."
  }
}

variable "node_type" {
  description = "ElastiCache node type."
  type        = string
  default     = "cache.t4g.micro"

  validation {
    condition     = startswith(var.node_type, "cache.")
    error_message = "node_type must be an ElastiCache node type such as cache.t4g.micro."
  }
}

variable "engine_version" {
  description = "Redis OSS engine version (major.minor)."
  type        = string
  default     = "7.1"

  validation {
    condition     = can(regex("^[6-9]\\.[0-9x]+$", var.engine_version))
    error_message = "engine_version must be Redis OSS 6.x or later, e.g. \"7.1\"."
  }
}

variable "num_cache_clusters" {
  description = "Nodes in the replication group: 1 = a single primary (dev); 2 or more = primary plus replicas in other zones with automatic failover and Multi-AZ."
  type        = number
  default     = 2

  validation {
    condition     = var.num_cache_clusters >= 1 && var.num_cache_clusters <= 6 && floor(var.num_cache_clusters) == var.num_cache_clusters
    error_message = "num_cache_clusters must be a whole number from 1 to 6."
  }
}

variable "snapshot_retention_limit" {
  description = "Days of automatic snapshots (0 turns them off)."
  type        = number
  default     = 7

  validation {
    condition     = var.snapshot_retention_limit >= 0 && var.snapshot_retention_limit <= 35
    error_message = "snapshot_retention_limit must be between 0 and 35."
  }
}

variable "snapshot_window" {
  description = "Daily snapshot window in UTC (hh24:mi-hh24:mi), not overlapping maintenance_window."
  type        = string
  default     = "02:00-03:00"

  validation {
    condition     = can(regex("^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$", var.snapshot_window))
    error_message = "snapshot_window must look like 02:00-03:00 (UTC)."
  }
}

variable "maintenance_window" {
  description = "Weekly maintenance window in UTC (ddd:hh24:mi-ddd:hh24:mi)."
  type        = string
  default     = "sun:05:30-sun:06:30"

  validation {
    condition     = can(regex("^(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]-(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]$", var.maintenance_window))
    error_message = "maintenance_window must look like sun:05:30-sun:06:30 (UTC)."
  }
}

variable "apply_immediately" {
  description = "Apply modifications now instead of in the next maintenance window."
  type        = bool
  default     = false
}

variable "auth_token_version" {
  description = "Bump to generate a new auth token. The replication group accepts old and new token (ROTATE strategy) until the next change; redeploy the tasks so they read the new REDIS_URL."
  type        = number
  default     = 1
}

variable "enable_slow_log_delivery" {
  description = "Deliver the Redis slow log to an encrypted CloudWatch log group."
  type        = bool
  default     = true
}

variable "log_retention_days" {
  description = "Days the slow log is kept in CloudWatch Logs."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of the retention periods CloudWatch Logs supports (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ...)."
  }
}

variable "secret_recovery_window_days" {
  description = "Days a deleted secret can be restored (7-30), or 0 to delete at once (throwaway environments)."
  type        = number
  default     = 30

  validation {
    condition     = var.secret_recovery_window_days == 0 || (var.secret_recovery_window_days >= 7 && var.secret_recovery_window_days <= 30)
    error_message = "secret_recovery_window_days must be 0 or between 7 and 30."
  }
}

variable "alarm_topic_arn" {
  description = "SNS topic for the cache alarms (the rds module's alarm_topic_arn)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:sns:", var.alarm_topic_arn))
    error_message = "alarm_topic_arn must be an SNS topic ARN."
  }
}

variable "cpu_alarm_threshold" {
  description = "Alarm when EngineCPUUtilization (%) of a node stays above this for 15 minutes."
  type        = number
  default     = 80
}

variable "memory_alarm_threshold" {
  description = "Alarm when DatabaseMemoryUsagePercentage of a node stays above this for 15 minutes (evictions follow)."
  type        = number
  default     = 85
}

variable "create_replication_group" {
  description = "Create the replication group and its subnet group (and the REDIS_URL value and node alarms that depend on them). Always true in real use; only the moto test sets it false: moto's server creates no member clusters for a replication group (the AWS provider reads the first one back and fails) and cannot delete a cache subnet group (the destroy waits for its 15-minute timeout)."
  type        = bool
  default     = true
}
