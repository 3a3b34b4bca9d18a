# The environment's alarm topic (other modules send their alarms here too), the database
# alarms and the RDS event subscription.

resource "aws_sns_topic" "alarms" {
  name              = "${var.name}-alarms"
  display_name      = "${var.name} alarms"
  kms_master_key_id = var.kms_key_arn

  tags = { Name = "${var.name}-alarms" }
}

data "aws_iam_policy_document" "alarms_topic" {
  # The account's IAM policies decide who may manage and use the topic.
  statement {
    sid = "AccountUse"
    actions = [
      "sns:GetTopicAttributes",
      "sns:SetTopicAttributes",
      "sns:AddPermission",
      "sns:RemovePermission",
      "sns:DeleteTopic",
      "sns:Subscribe",
      "sns:ListSubscriptionsByTopic",
      "sns:Publish",
    ]
    resources = [aws_sns_topic.alarms.arn]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  statement {
    sid       = "CloudWatchAlarms"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:*"]
    }
  }

  statement {
    sid       = "RdsEvents"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]

    principals {
      type        = "Service"
      identifiers = ["events.rds.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }

  statement {
    sid       = "DenyPlainHttp"
    effect    = "Deny"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sns_topic_policy" "alarms" {
  arn    = aws_sns_topic.alarms.arn
  policy = data.aws_iam_policy_document.alarms_topic.json
}

resource "aws_sns_topic_subscription" "email" {
  count = var.alarm_email == "" ? 0 : 1

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

locals {
  alarm_actions = [aws_sns_topic.alarms.arn]

  primary_alarms = {
    cpu = {
      metric      = "CPUUtilization"
      comparison  = "GreaterThanThreshold"
      threshold   = var.cpu_alarm_threshold
      description = "Average CPU of ${var.name} above ${var.cpu_alarm_threshold}% for 15 minutes."
    }
    connections = {
      metric      = "DatabaseConnections"
      comparison  = "GreaterThanThreshold"
      threshold   = var.connections_alarm_threshold
      description = "More than ${var.connections_alarm_threshold} connections to ${var.name} for 15 minutes (check the pools before max_connections refuses new ones)."
    }
    free-storage = {
      metric      = "FreeStorageSpace"
      comparison  = "LessThanThreshold"
      threshold   = var.free_storage_alarm_bytes
      description = "Free storage of ${var.name} below ${floor(var.free_storage_alarm_bytes / 1048576)} MiB (autoscaling reached max_allocated_storage?)."
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "primary" {
  for_each = local.primary_alarms

  alarm_name          = "${var.name}-db-${each.key}"
  alarm_description   = each.value.description
  namespace           = "AWS/RDS"
  metric_name         = each.value.metric
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 3
  datapoints_to_alarm = 3
  comparison_operator = each.value.comparison
  threshold           = each.value.threshold
  treat_missing_data  = "missing"

  dimensions = {
    DBInstanceIdentifier = aws_db_instance.this.identifier
  }

  alarm_actions = local.alarm_actions
  ok_actions    = local.alarm_actions

  tags = { Name = "${var.name}-db-${each.key}" }
}

resource "aws_cloudwatch_metric_alarm" "replica_lag" {
  count = var.create_read_replica ? 1 : 0

  alarm_name          = "${var.name}-db-replica-lag"
  alarm_description   = "Read replica ${local.replica_identifier} more than ${var.replica_lag_alarm_seconds} s behind the primary for 15 minutes."
  namespace           = "AWS/RDS"
  metric_name         = "ReplicaLag"
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 3
  datapoints_to_alarm = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.replica_lag_alarm_seconds
  treat_missing_data  = "missing"

  dimensions = {
    DBInstanceIdentifier = aws_db_instance.replica[0].identifier
  }

  alarm_actions = local.alarm_actions
  ok_actions    = local.alarm_actions

  tags = { Name = "${var.name}-db-replica-lag" }
}

resource "aws_db_event_subscription" "this" {
  count = var.enable_event_subscription ? 1 : 0

  name        = "${var.name}-db-events"
  sns_topic   = aws_sns_topic.alarms.arn
  source_type = "db-instance"
  source_ids  = concat([aws_db_instance.this.identifier], aws_db_instance.replica[*].identifier)
  event_categories = [
    "availability",
    "deletion",
    "failover",
    "failure",
    "low storage",
    "maintenance",
    "notification",
    "read replica",
    "recovery",
  ]

  tags = { Name = "${var.name}-db-events" }

  depends_on = [aws_sns_topic_policy.alarms]
}
