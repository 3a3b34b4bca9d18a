# --- Naming and placement ----------------------------------------------------------------------

variable "name" {
  description = "Prefix for resource names and the DB instance identifier, e.g. \"ecommerce-dev\"."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,38}[a-z0-9]$", var.name)) && !strcontains(var.name, "--")
    error_message = "name must be 3-40 characters of lowercase letters, digits and single hyphens, starting with a letter (an RDS identifier rule)."
  }
}

variable "secret_prefix" {
  description = "Prefix of the Secrets Manager secret names, e.g. \"ecommerce/dev\" gives ecommerce/dev/database."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9/_+=.@-]+[^/]$", var.secret_prefix))
    error_message = "secret_prefix may contain letters, digits and /_+=.@- and must not end with a slash."
  }
}

variable "vpc_id" {
  description = "VPC of the database."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets (two or more zones) for the DB subnet group and the rotation Lambda. The Lambda reaches Secrets Manager through them, so they need a NAT gateway or a Secrets Manager VPC endpoint."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "subnet_ids needs at least two subnets in different zones (an RDS requirement, and Multi-AZ needs them)."
  }
}

variable "allowed_security_group_ids" {
  description = "Security groups admitted to PostgreSQL (5432), keyed by a static name, e.g. { shop = sg-..., keycloak = sg-... }. Each key gets its own ingress rule; keys must be known at plan time."
  type        = map(string)

  validation {
    condition     = alltrue([for id in values(var.allowed_security_group_ids) : can(regex("^sg-[0-9a-f]+$", id))])
    error_message = "Every value of allowed_security_group_ids must be a security group id (sg-...)."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for storage, Performance Insights, the master-user secret, the user secrets, the log groups and the SNS topic."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>)."
  }
}

# --- Engine and instance -----------------------------------------------------------------------

variable "engine_version" {
  description = "PostgreSQL version: a major version (\"15\", RDS picks the default minor and auto_minor_version_upgrade keeps it current) or a full one (\"15.10\"). The parameter group family follows the major version."
  type        = string
  default     = "15"

  validation {
    condition     = can(regex("^[0-9]{2}(\\.[0-9]+)?$", var.engine_version)) && tonumber(split(".", var.engine_version)[0]) >= 15
    error_message = "engine_version must be PostgreSQL 15 or later, e.g. \"15\" or \"15.10\"."
  }
}

variable "instance_class" {
  description = "DB instance class of the primary."
  type        = string
  default     = "db.t3.micro"

  validation {
    condition     = startswith(var.instance_class, "db.")
    error_message = "instance_class must be an RDS instance class such as db.t3.micro."
  }
}

variable "master_username" {
  description = "Name of the master user. Its password is generated, stored and rotated by RDS in Secrets Manager; the application never uses this user."
  type        = string
  default     = "dbadmin"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,62}$", var.master_username)) && !contains(["postgres", "rdsadmin", "admin"], var.master_username)
    error_message = "master_username must start with a letter, use lowercase letters, digits and underscores, and not be a reserved name."
  }
}

variable "allocated_storage" {
  description = "Initial gp3 storage in GiB."
  type        = number
  default     = 20

  validation {
    condition     = var.allocated_storage >= 20 && var.allocated_storage <= 65536
    error_message = "allocated_storage must be between 20 and 65536 GiB."
  }
}

variable "max_allocated_storage" {
  description = "Upper bound in GiB for storage autoscaling (must be at least 10% above allocated_storage for RDS to scale)."
  type        = number
  default     = 100

  validation {
    condition     = var.max_allocated_storage >= var.allocated_storage * 1.1 && var.max_allocated_storage <= 65536
    error_message = "max_allocated_storage must be at least 10% larger than allocated_storage and at most 65536 GiB."
  }
}

variable "multi_az" {
  description = "Run a synchronous standby in a second zone with automatic failover."
  type        = bool
  default     = true
}

variable "ca_cert_identifier" {
  description = "Certificate authority of the server certificate that clients verify (sslmode=verify-full)."
  type        = string
  default     = "rds-ca-rsa2048-g1"
}

variable "iam_database_authentication_enabled" {
  description = "Allow users granted rds_iam to log in with short-lived IAM tokens (useful for operators instead of reading the master secret). The application keeps using its password."
  type        = bool
  default     = true
}

variable "apply_immediately" {
  description = "Apply modifications now instead of in the next maintenance window. Keep false in production."
  type        = bool
  default     = false
}

# --- Backups and deletion ----------------------------------------------------------------------

variable "backup_retention_period" {
  description = "Days of automated backups (point-in-time recovery window)."
  type        = number
  default     = 7

  validation {
    condition     = var.backup_retention_period >= 1 && var.backup_retention_period <= 35
    error_message = "backup_retention_period must be between 1 and 35 days (0 would disable backups and point-in-time recovery)."
  }
}

variable "backup_window" {
  description = "Daily backup window in UTC, hh24:mi-hh24:mi, at least 30 minutes, not overlapping maintenance_window."
  type        = string
  default     = "03:00-04:00"

  validation {
    condition     = can(regex("^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$", var.backup_window))
    error_message = "backup_window must look like 03:00-04:00 (UTC)."
  }
}

variable "maintenance_window" {
  description = "Weekly maintenance window in UTC, ddd:hh24:mi-ddd:hh24:mi."
  type        = string
  default     = "sun:04:30-sun:05:30"

  validation {
    condition     = can(regex("^(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]-(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]$", var.maintenance_window))
    error_message = "maintenance_window must look like sun:04:30-sun:05:30 (UTC)."
  }
}

variable "deletion_protection" {
  description = "Refuse to delete the instance (and the replica) until this is turned off."
  type        = bool
  default     = true
}

variable "skip_final_snapshot" {
  description = "Delete without a final snapshot. Leave false except for throwaway environments."
  type        = bool
  default     = false
}

variable "final_snapshot_identifier" {
  description = "Name of the snapshot taken when the instance is deleted; null means \"<name>-final\". Snapshot names are unique per account and region: delete or rename an old one before destroying a re-created instance again."
  type        = string
  default     = null
}

# --- Parameters and observability --------------------------------------------------------------

variable "slow_statement_ms" {
  description = "log_min_duration_statement: statements running at least this many milliseconds are logged (-1 turns it off)."
  type        = number
  default     = 500

  validation {
    condition     = var.slow_statement_ms >= -1 && floor(var.slow_statement_ms) == var.slow_statement_ms
    error_message = "slow_statement_ms must be a whole number >= -1."
  }
}

variable "performance_insights_retention_period" {
  description = "Days of Performance Insights data: 7 (free tier), or a multiple of 31 up to 731."
  type        = number
  default     = 7

  validation {
    condition     = contains([7, 731], var.performance_insights_retention_period) || (var.performance_insights_retention_period % 31 == 0 && var.performance_insights_retention_period >= 31 && var.performance_insights_retention_period <= 713)
    error_message = "performance_insights_retention_period must be 7, a multiple of 31 up to 713, or 731."
  }
}

variable "monitoring_interval" {
  description = "Enhanced Monitoring interval in seconds (0 turns it off)."
  type        = number
  default     = 60

  validation {
    condition     = contains([0, 1, 5, 10, 15, 30, 60], var.monitoring_interval)
    error_message = "monitoring_interval must be one of 0, 1, 5, 10, 15, 30, 60."
  }
}

variable "log_retention_days" {
  description = "Days the exported PostgreSQL logs (and the rotation Lambda's logs) are kept in CloudWatch Logs."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of the retention periods CloudWatch Logs supports (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ...)."
  }
}

# --- Read replica ------------------------------------------------------------------------------

variable "create_read_replica" {
  description = "Create an asynchronous read replica of the primary (same region)."
  type        = bool
  default     = false
}

variable "replica_instance_class" {
  description = "Instance class of the read replica; null means the primary's class."
  type        = string
  default     = null
}

# --- Alarms ------------------------------------------------------------------------------------

variable "alarm_email" {
  description = "E-mail address subscribed to the alarm topic (AWS sends a confirmation mail first); \"\" for no subscription."
  type        = string
  default     = ""

  validation {
    condition     = var.alarm_email == "" || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.alarm_email))
    error_message = "alarm_email must be an e-mail address or \"\"."
  }
}

variable "cpu_alarm_threshold" {
  description = "Alarm when average CPUUtilization (%) stays above this for 15 minutes."
  type        = number
  default     = 80
}

variable "connections_alarm_threshold" {
  description = "Alarm when DatabaseConnections stays above this for 15 minutes. Set it to about 80% of max_connections of the instance class (db.t3.micro: about 80 of ~110)."
  type        = number
  default     = 80
}

variable "free_storage_alarm_bytes" {
  description = "Alarm when FreeStorageSpace falls below this many bytes (storage autoscaling normally acts first; this catches the case where max_allocated_storage is reached)."
  type        = number
  default     = 2147483648
}

variable "replica_lag_alarm_seconds" {
  description = "Alarm when the read replica's ReplicaLag stays above this many seconds for 15 minutes."
  type        = number
  default     = 300
}

variable "enable_event_subscription" {
  description = "Send RDS events (failover, failure, low storage, maintenance, ...) to the alarm topic. The KMS key policy must allow events.rds.amazonaws.com to use the key, or the events are dropped."
  type        = bool
  default     = true
}

# --- Database users and their secrets ----------------------------------------------------------

variable "app_db_name" {
  description = "The shop's database."
  type        = string
  default     = "ecommerce"
}

variable "app_db_user" {
  description = "The shop's database user (owns app_db_name, nothing else)."
  type        = string
  default     = "ecom_app_user"
}

variable "keycloak_db_name" {
  description = "Keycloak's database."
  type        = string
  default     = "keycloak"
}

variable "keycloak_db_user" {
  description = "Keycloak's database user (owns keycloak_db_name, nothing else)."
  type        = string
  default     = "keycloak_user"
}

variable "backup_db_user" {
  description = "Read-only user for pg_dump of both databases."
  type        = string
  default     = "backup_user"
}

variable "user_password_version" {
  description = "Bump to write fresh generated passwords (and the current host) into the three user secrets; re-run the database bootstrap afterwards so the users get them."
  type        = number
  default     = 1
}

variable "secret_recovery_window_days" {
  description = "Days a deleted user secret can be restored (7-30), or 0 to delete at once (throwaway environments: a secret pending deletion blocks re-creating its name)."
  type        = number
  default     = 30

  validation {
    condition     = var.secret_recovery_window_days == 0 || (var.secret_recovery_window_days >= 7 && var.secret_recovery_window_days <= 30)
    error_message = "secret_recovery_window_days must be 0 or between 7 and 30."
  }
}

# --- Rotation of the users' passwords ----------------------------------------------------------

variable "enable_user_rotation" {
  description = "Rotate the app user's password with AWS's single-user rotation Lambda from the Serverless Application Repository. moto cannot emulate it; only the moto test sets this false."
  type        = bool
  default     = true
}

variable "rotation_days" {
  description = "Days between automatic rotations of the rotated user secrets."
  type        = number
  default     = 30

  validation {
    condition     = var.rotation_days >= 1 && var.rotation_days <= 1000
    error_message = "rotation_days must be between 1 and 1000."
  }
}

variable "rotation_app_semantic_version" {
  description = "Version of SecretsManagerRDSPostgreSQLRotationSingleUser to deploy; null picks the version pinned in this module for the current partition."
  type        = string
  default     = null
}
