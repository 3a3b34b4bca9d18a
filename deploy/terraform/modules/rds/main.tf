# PostgreSQL on RDS: the primary (optionally Multi-AZ), an optional read replica, their
# parameter group, subnet group, security group, Enhanced Monitoring role and log groups.
# Secrets: secrets.tf and rotation.tf. Alarms and events: alarms.tf.

data "aws_region" "current" {}
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.name
  partition  = data.aws_partition.current.partition
  dns_suffix = data.aws_partition.current.dns_suffix

  major_version = split(".", var.engine_version)[0]
  port          = 5432

  replica_identifier = "${var.name}-replica"
  log_exports        = ["postgresql", "upgrade"]

  final_snapshot_identifier = coalesce(var.final_snapshot_identifier, "${var.name}-final")
}

# --- Network -----------------------------------------------------------------------------------

resource "aws_db_subnet_group" "this" {
  name        = var.name
  description = "Private subnets of ${var.name}'s PostgreSQL"
  subnet_ids  = var.subnet_ids

  tags = { Name = var.name }
}

resource "aws_security_group" "db" {
  name        = "${var.name}-db"
  description = "PostgreSQL of ${var.name}: 5432 from the listed security groups only"
  vpc_id      = var.vpc_id

  # No egress rules: RDS never opens connections into the VPC; replies to admitted connections
  # pass because security groups are stateful.

  tags = { Name = "${var.name}-db" }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "db" {
  for_each = var.allowed_security_group_ids

  security_group_id            = aws_security_group.db.id
  description                  = "PostgreSQL from ${each.key}"
  ip_protocol                  = "tcp"
  from_port                    = local.port
  to_port                      = local.port
  referenced_security_group_id = each.value

  tags = { Name = "${var.name}-db-from-${each.key}" }
}

# --- Parameters --------------------------------------------------------------------------------

resource "aws_db_parameter_group" "this" {
  name_prefix = "${var.name}-pg${local.major_version}-"
  family      = "postgres${local.major_version}"
  description = "${var.name}: TLS only, slow statement logging"

  # Refuse every connection that is not TLS (the shop and Keycloak connect with sslmode=require
  # or stricter).
  parameter {
    name         = "rds.force_ssl"
    value        = "1"
    apply_method = "pending-reboot"
  }

  parameter {
    name         = "log_min_duration_statement"
    value        = tostring(var.slow_statement_ms)
    apply_method = "immediate"
  }

  # Schema changes are rare and worth an audit line; data statements are not logged (volume,
  # and they would carry personal data into the logs).
  parameter {
    name         = "log_statement"
    value        = "ddl"
    apply_method = "immediate"
  }

  parameter {
    name         = "log_lock_waits"
    value        = "1"
    apply_method = "immediate"
  }

  parameter {
    name         = "log_autovacuum_min_duration"
    value        = "10000"
    apply_method = "immediate"
  }

  tags = { Name = "${var.name}-pg${local.major_version}" }

  # A major-version upgrade needs a group of the new family before the old one can go.
  lifecycle {
    create_before_destroy = true
  }
}

# --- Enhanced Monitoring role ------------------------------------------------------------------

data "aws_iam_policy_document" "monitoring_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["monitoring.rds.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "monitoring" {
  count = var.monitoring_interval > 0 ? 1 : 0

  name_prefix        = "${substr(var.name, 0, 24)}-rds-monitor-"
  description        = "Enhanced Monitoring of ${var.name}'s RDS instances publishes OS metrics to CloudWatch Logs."
  assume_role_policy = data.aws_iam_policy_document.monitoring_assume.json
}

resource "aws_iam_role_policy_attachment" "monitoring" {
  count = var.monitoring_interval > 0 ? 1 : 0

  role       = aws_iam_role.monitoring[0].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}

# --- Log groups --------------------------------------------------------------------------------
# Created here rather than by RDS on first export, so they are KMS-encrypted, have a retention
# and are removed with the stack.

resource "aws_cloudwatch_log_group" "primary" {
  for_each = toset(local.log_exports)

  name              = "/aws/rds/instance/${var.name}/${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_cloudwatch_log_group" "replica" {
  for_each = var.create_read_replica ? toset(local.log_exports) : toset([])

  name              = "/aws/rds/instance/${local.replica_identifier}/${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

# --- Primary -----------------------------------------------------------------------------------

resource "aws_db_instance" "this" {
  #checkov:skip=CKV_AWS_157:Multi-AZ is var.multi_az (true by default, false only in dev to halve the cost).
  identifier     = var.name
  engine         = "postgres"
  engine_version = var.engine_version
  instance_class = var.instance_class
  port           = local.port

  # No initial database: the bootstrap creates ecommerce and keycloak with their owners, so
  # that neither belongs to the master user.
  username                      = var.master_username
  manage_master_user_password   = true
  master_user_secret_kms_key_id = var.kms_key_arn

  storage_type          = "gp3"
  allocated_storage     = var.allocated_storage
  max_allocated_storage = var.max_allocated_storage
  storage_encrypted     = true
  kms_key_id            = var.kms_key_arn

  multi_az               = var.multi_az
  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = [aws_security_group.db.id]
  publicly_accessible    = false
  network_type           = "IPV4"
  ca_cert_identifier     = var.ca_cert_identifier

  parameter_group_name                = aws_db_parameter_group.this.name
  iam_database_authentication_enabled = var.iam_database_authentication_enabled

  backup_retention_period  = var.backup_retention_period
  backup_window            = var.backup_window
  maintenance_window       = var.maintenance_window
  copy_tags_to_snapshot    = true
  delete_automated_backups = false # keep point-in-time recovery for the retention period after a delete
  deletion_protection      = var.deletion_protection

  skip_final_snapshot       = var.skip_final_snapshot
  final_snapshot_identifier = var.skip_final_snapshot ? null : local.final_snapshot_identifier

  auto_minor_version_upgrade  = true
  allow_major_version_upgrade = false
  apply_immediately           = var.apply_immediately

  enabled_cloudwatch_logs_exports = local.log_exports

  performance_insights_enabled          = true
  performance_insights_retention_period = var.performance_insights_retention_period
  performance_insights_kms_key_id       = var.kms_key_arn

  monitoring_interval = var.monitoring_interval
  monitoring_role_arn = var.monitoring_interval > 0 ? aws_iam_role.monitoring[0].arn : null

  tags = { Name = var.name }

  depends_on = [
    aws_cloudwatch_log_group.primary,
    aws_iam_role_policy_attachment.monitoring,
  ]
}

# --- Read replica ------------------------------------------------------------------------------

resource "aws_db_instance" "replica" {
  #checkov:skip=CKV_AWS_133:A read replica cannot take automated backups of its own; the primary's backups cover the data.
  #checkov:skip=CKV_AWS_157:The replica is a read-scaling copy; availability comes from the Multi-AZ primary.
  #checkov:skip=CKV2_AWS_60:Snapshots of a replica are not taken; the primary copies tags to its snapshots.
  count = var.create_read_replica ? 1 : 0

  identifier          = local.replica_identifier
  replicate_source_db = aws_db_instance.this.identifier
  instance_class      = coalesce(var.replica_instance_class, var.instance_class)
  port                = local.port

  # Encrypted like the primary; a same-region replica always uses the source's KMS key, and
  # RDS asks that KmsKeyId not be given for it.
  storage_type          = "gp3"
  max_allocated_storage = var.max_allocated_storage
  storage_encrypted     = true

  multi_az               = false
  vpc_security_group_ids = [aws_security_group.db.id]
  publicly_accessible    = false
  network_type           = "IPV4"
  ca_cert_identifier     = var.ca_cert_identifier

  parameter_group_name                = aws_db_parameter_group.this.name
  iam_database_authentication_enabled = var.iam_database_authentication_enabled

  backup_retention_period = 0
  maintenance_window      = var.maintenance_window
  copy_tags_to_snapshot   = true
  deletion_protection     = var.deletion_protection
  skip_final_snapshot     = true # a replica cannot take a final snapshot

  auto_minor_version_upgrade = true
  apply_immediately          = var.apply_immediately

  enabled_cloudwatch_logs_exports = local.log_exports

  performance_insights_enabled          = true
  performance_insights_retention_period = var.performance_insights_retention_period
  performance_insights_kms_key_id       = var.kms_key_arn

  monitoring_interval = var.monitoring_interval
  monitoring_role_arn = var.monitoring_interval > 0 ? aws_iam_role.monitoring[0].arn : null

  tags = { Name = local.replica_identifier }

  depends_on = [aws_cloudwatch_log_group.replica]
}
