# ElastiCache for Redis OSS: a replication group with TLS, encryption at rest (KMS) and an auth
# token kept in Secrets Manager, plus the REDIS_URL secret the shop's container reads.

locals {
  port     = 6379
  failover = var.num_cache_clusters >= 2

  # Redis OSS 6 and later share parameter group families by major version (default.redis7).
  parameter_group_name = "default.redis${split(".", var.engine_version)[0]}"

  # Non-cluster-mode replication groups name their nodes <id>-001, <id>-002, ...
  member_ids = [for i in range(var.num_cache_clusters) : format("%s-%03d", var.name, i + 1)]
}

resource "aws_elasticache_subnet_group" "this" {
  count = var.create_replication_group ? 1 : 0

  name        = var.name
  description = "Private subnets of ${var.name}'s Redis"
  subnet_ids  = var.subnet_ids

  tags = { Name = var.name }
}

resource "aws_security_group" "cache" {
  name        = "${var.name}-redis"
  description = "Redis of ${var.name}: 6379 from the listed security groups only"
  vpc_id      = var.vpc_id

  # No egress rules: the cache never opens connections; security groups are stateful.

  tags = { Name = "${var.name}-redis" }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "cache" {
  for_each = var.allowed_security_group_ids

  security_group_id            = aws_security_group.cache.id
  description                  = "Redis from ${each.key}"
  ip_protocol                  = "tcp"
  from_port                    = local.port
  to_port                      = local.port
  referenced_security_group_id = each.value

  tags = { Name = "${var.name}-redis-from-${each.key}" }
}

# --- Auth token --------------------------------------------------------------------------------
# Generated as an ephemeral value and written write-only, then read back through a data source
# because aws_elasticache_replication_group has no write-only auth token: the token is in the
# Terraform state (data source, replication group, URL secret). Keep the state encrypted and
# access-controlled.

ephemeral "aws_secretsmanager_random_password" "auth_token" {
  password_length     = 64
  exclude_punctuation = true # ElastiCache refuses some punctuation, and the token goes into a URL
}

resource "aws_secretsmanager_secret" "auth_token" {
  #checkov:skip=CKV2_AWS_57:No rotation Lambda exists for ElastiCache auth tokens; rotate by bumping auth_token_version (the ROTATE strategy keeps the old token valid meanwhile).
  name                    = "${var.secret_prefix}/redis-auth-token"
  description             = "AUTH token of ${var.name}'s Redis."
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.secret_recovery_window_days

  tags = { Name = "${var.secret_prefix}/redis-auth-token" }
}

resource "aws_secretsmanager_secret_version" "auth_token" {
  secret_id                = aws_secretsmanager_secret.auth_token.id
  secret_string_wo         = ephemeral.aws_secretsmanager_random_password.auth_token.random_password
  secret_string_wo_version = var.auth_token_version
}

data "aws_secretsmanager_secret_version" "auth_token" {
  secret_id  = aws_secretsmanager_secret.auth_token.id
  version_id = aws_secretsmanager_secret_version.auth_token.version_id
}

# --- Slow log ----------------------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "slow_log" {
  count = var.enable_slow_log_delivery ? 1 : 0

  name              = "/aws/elasticache/${var.name}/slow-log"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

# --- Replication group -------------------------------------------------------------------------

resource "aws_elasticache_replication_group" "this" {
  #checkov:skip=CKV2_AWS_50:Automatic failover and Multi-AZ are on whenever num_cache_clusters >= 2 (the default); a single-node dev cache cannot fail over.
  count = var.create_replication_group ? 1 : 0

  replication_group_id = var.name
  description          = "Redis of ${var.name} (page cache, shared state)"

  engine               = "redis"
  engine_version       = var.engine_version
  parameter_group_name = local.parameter_group_name
  node_type            = var.node_type
  num_cache_clusters   = var.num_cache_clusters
  port                 = local.port

  subnet_group_name  = aws_elasticache_subnet_group.this[0].name
  security_group_ids = [aws_security_group.cache.id]

  automatic_failover_enabled = local.failover
  multi_az_enabled           = local.failover

  at_rest_encryption_enabled = true
  kms_key_id                 = var.kms_key_arn
  transit_encryption_enabled = true
  auth_token                 = data.aws_secretsmanager_secret_version.auth_token.secret_string
  auth_token_update_strategy = "ROTATE"

  snapshot_retention_limit   = var.snapshot_retention_limit
  snapshot_window            = var.snapshot_window
  maintenance_window         = var.maintenance_window
  auto_minor_version_upgrade = true
  apply_immediately          = var.apply_immediately

  dynamic "log_delivery_configuration" {
    for_each = aws_cloudwatch_log_group.slow_log
    content {
      destination      = log_delivery_configuration.value.name
      destination_type = "cloudwatch-logs"
      log_format       = "json"
      log_type         = "slow-log"
    }
  }

  tags = { Name = var.name }
}

# --- REDIS_URL ---------------------------------------------------------------------------------

resource "aws_secretsmanager_secret" "redis_url" {
  #checkov:skip=CKV2_AWS_57:Derived from the auth token and the endpoint; Terraform rewrites it whenever either changes.
  name                    = "${var.secret_prefix}/redis-url"
  description             = "REDIS_URL of the shop (rediss:// with the auth token), injected by ECS."
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.secret_recovery_window_days

  tags = { Name = "${var.secret_prefix}/redis-url" }
}

resource "aws_secretsmanager_secret_version" "redis_url" {
  count = var.create_replication_group ? 1 : 0

  secret_id     = aws_secretsmanager_secret.redis_url.id
  secret_string = "rediss://:${data.aws_secretsmanager_secret_version.auth_token.secret_string}@${aws_elasticache_replication_group.this[0].primary_endpoint_address}:${local.port}/0"
}

# --- Alarms ------------------------------------------------------------------------------------

locals {
  node_alarms = var.create_replication_group ? merge([
    for id in local.member_ids : {
      "${id}-cpu" = {
        node        = id
        metric      = "EngineCPUUtilization"
        threshold   = var.cpu_alarm_threshold
        description = "Redis engine CPU of ${id} above ${var.cpu_alarm_threshold}% for 15 minutes."
      }
      "${id}-memory" = {
        node        = id
        metric      = "DatabaseMemoryUsagePercentage"
        threshold   = var.memory_alarm_threshold
        description = "Redis memory of ${id} above ${var.memory_alarm_threshold}% for 15 minutes (evictions follow)."
      }
    }
  ]...) : {}
}

resource "aws_cloudwatch_metric_alarm" "node" {
  for_each = local.node_alarms

  alarm_name          = "${each.key}-redis"
  alarm_description   = each.value.description
  namespace           = "AWS/ElastiCache"
  metric_name         = each.value.metric
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 3
  datapoints_to_alarm = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = each.value.threshold
  treat_missing_data  = "missing"

  dimensions = {
    CacheClusterId = each.value.node
  }

  alarm_actions = [var.alarm_topic_arn]
  ok_actions    = [var.alarm_topic_arn]

  tags = { Name = "${each.key}-redis" }

  depends_on = [aws_elasticache_replication_group.this]
}
