locals {
  t      = var.thresholds
  region = var.aws_region
  lb     = var.alb_arn_suffix

  # --- dashboard widgets -----------------------------------------------------------------------
  alb_widgets = [
    {
      type = "metric", x = 0, y = 0, width = 8, height = 6
      properties = {
        title   = "ALB requests"
        region  = local.region
        view    = "timeSeries"
        stacked = false
        stat    = "Sum"
        period  = 60
        metrics = concat(
          [["AWS/ApplicationELB", "RequestCount", "LoadBalancer", local.lb, { label = "all" }]],
          [for label, tg in var.target_group_arn_suffixes :
          ["AWS/ApplicationELB", "RequestCount", "TargetGroup", tg, "LoadBalancer", local.lb, { label = label }]],
        )
      }
    },
    {
      type = "metric", x = 8, y = 0, width = 8, height = 6
      properties = {
        title   = "5xx responses"
        region  = local.region
        view    = "timeSeries"
        stacked = false
        stat    = "Sum"
        period  = 60
        metrics = concat(
          [["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "LoadBalancer", local.lb, { label = "ALB (502/503/504)" }]],
          [for label, tg in var.target_group_arn_suffixes :
          ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "TargetGroup", tg, "LoadBalancer", local.lb, { label = "${label} targets" }]],
        )
      }
    },
    {
      type = "metric", x = 16, y = 0, width = 8, height = 6
      properties = {
        title   = "Target response time p50 / p99 (s)"
        region  = local.region
        view    = "timeSeries"
        stacked = false
        period  = 60
        # One row per metric: concat, not flatten (which would flatten the rows too).
        metrics = concat([for label, tg in var.target_group_arn_suffixes : [
          ["AWS/ApplicationELB", "TargetResponseTime", "TargetGroup", tg, "LoadBalancer", local.lb, { stat = "p50", label = "${label} p50" }],
          ["AWS/ApplicationELB", "TargetResponseTime", "TargetGroup", tg, "LoadBalancer", local.lb, { stat = "p99", label = "${label} p99" }],
        ]]...)
        annotations = { horizontal = [{ label = "p99 alarm", value = local.t.p99_latency_seconds }] }
      }
    },
  ]

  ecs_widgets = [
    for index, metric in ["CPUUtilization", "MemoryUtilization"] : {
      type = "metric", x = index * 12, y = 24, width = 12, height = 6
      properties = {
        title   = "ECS ${metric == "CPUUtilization" ? "CPU" : "memory"} per service (%)"
        region  = local.region
        view    = "timeSeries"
        stacked = false
        stat    = "Average"
        period  = 60
        yAxis   = { left = { min = 0, max = 100 } }
        metrics = [for label, service in var.service_names :
        ["AWS/ECS", metric, "ClusterName", var.cluster_name, "ServiceName", service, { label = label }]]
      }
    }
  ]

  rds_metrics = {
    "RDS CPU (%)"                 = "CPUUtilization"
    "RDS connections"             = "DatabaseConnections"
    "RDS free storage (bytes)"    = "FreeStorageSpace"
    "RDS freeable memory (bytes)" = "FreeableMemory"
  }
  rds_widgets = concat(
    [for index, title in keys(local.rds_metrics) : {
      type = "metric", x = (index % 4) * 6, y = 30, width = 6, height = 6
      properties = {
        title   = title
        region  = local.region
        view    = "timeSeries"
        stacked = false
        stat    = local.rds_metrics[title] == "FreeStorageSpace" || local.rds_metrics[title] == "FreeableMemory" ? "Minimum" : "Average"
        period  = 60
        metrics = concat(
          [["AWS/RDS", local.rds_metrics[title], "DBInstanceIdentifier", var.db_instance_identifier, { label = "primary" }]],
          var.replica_identifier == null ? [] : [["AWS/RDS", local.rds_metrics[title], "DBInstanceIdentifier", var.replica_identifier, { label = "replica" }]],
        )
      }
    }],
    var.replica_identifier == null ? [] : [{
      type = "metric", x = 0, y = 36, width = 12, height = 6
      properties = {
        title   = "RDS replica lag (s)"
        region  = local.region
        view    = "timeSeries"
        stacked = false
        stat    = "Maximum"
        period  = 60
        metrics = [["AWS/RDS", "ReplicaLag", "DBInstanceIdentifier", var.replica_identifier, { label = "replica" }]]
      }
    }],
  )

  cache_widgets = var.cache_replication_group_id == null ? [] : [
    for index, metric in ["EngineCPUUtilization", "DatabaseMemoryUsagePercentage", "CurrConnections"] : {
      type = "metric", x = index * 8, y = 42, width = 8, height = 6
      properties = {
        title   = "ElastiCache ${metric}"
        region  = local.region
        view    = "timeSeries"
        stacked = false
        period  = 60
        # The replication group's member clusters are named "<group id>-001", "-002", ...
        metrics = [[{
          expression = "SEARCH('{AWS/ElastiCache,CacheClusterId} MetricName=\"${metric}\" CacheClusterId=\"${var.cache_replication_group_id}\"', 'Average', 60)"
          id         = "e${index}"
          label      = ""
        }]]
      }
    }
  ]

  alarm_widget = [{
    type = "alarm", x = 0, y = 54, width = 24, height = 6
    properties = {
      title = "Alarms"
      alarms = concat([aws_cloudwatch_metric_alarm.alb_5xx.arn, aws_cloudwatch_metric_alarm.p99_latency.arn],
        [for alarm in aws_cloudwatch_metric_alarm.target_5xx : alarm.arn],
        [for alarm in aws_cloudwatch_metric_alarm.unhealthy_hosts : alarm.arn],
        [for alarm in aws_cloudwatch_metric_alarm.no_healthy_hosts : alarm.arn],
      local.shop_alarm_arns)
    }
  }]
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.name
  dashboard_body = jsonencode({
    widgets = concat(local.alb_widgets, local.shop_widgets, local.ecs_widgets, local.rds_widgets, local.cache_widgets, local.keycloak_widgets, local.alarm_widget)
  })
}

# --------------------------------------------------------------------------------------------
# Alarms (all notify the topic on ALARM and on OK)
# --------------------------------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "alb_5xx" {
  alarm_name          = "${var.name}-alb-5xx"
  alarm_description   = "The ALB itself answered 5xx (502/503/504: no healthy target, target reset or timeout) more than ${local.t.alb_5xx_count} times per ${local.t.period_seconds} s."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "HTTPCode_ELB_5XX_Count"
  dimensions          = { LoadBalancer = local.lb }
  statistic           = "Sum"
  period              = local.t.period_seconds
  evaluation_periods  = local.t.evaluation_periods
  datapoints_to_alarm = local.t.datapoints_to_alarm
  threshold           = local.t.alb_5xx_count
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]
}

resource "aws_cloudwatch_metric_alarm" "target_5xx" {
  for_each = var.target_group_arn_suffixes

  alarm_name          = "${var.name}-${each.key}-5xx"
  alarm_description   = "${each.key}'s targets answered 5xx more than ${local.t.target_5xx_count} times per ${local.t.period_seconds} s."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "HTTPCode_Target_5XX_Count"
  dimensions          = { LoadBalancer = local.lb, TargetGroup = each.value }
  statistic           = "Sum"
  period              = local.t.period_seconds
  evaluation_periods  = local.t.evaluation_periods
  datapoints_to_alarm = local.t.datapoints_to_alarm
  threshold           = local.t.target_5xx_count
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]
}

resource "aws_cloudwatch_metric_alarm" "unhealthy_hosts" {
  for_each = var.target_group_arn_suffixes

  alarm_name          = "${var.name}-${each.key}-unhealthy-hosts"
  alarm_description   = "At least one ${each.key} target fails the ALB health check."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "UnHealthyHostCount"
  dimensions          = { LoadBalancer = local.lb, TargetGroup = each.value }
  statistic           = "Maximum"
  period              = local.t.period_seconds
  evaluation_periods  = local.t.evaluation_periods
  datapoints_to_alarm = local.t.datapoints_to_alarm
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]
}

# UnHealthyHostCount stays 0 when no task runs at all; this catches an empty target group.
resource "aws_cloudwatch_metric_alarm" "no_healthy_hosts" {
  for_each = var.target_group_arn_suffixes

  alarm_name          = "${var.name}-${each.key}-no-healthy-hosts"
  alarm_description   = "${each.key} has no healthy target: every request to it fails."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "HealthyHostCount"
  dimensions          = { LoadBalancer = local.lb, TargetGroup = each.value }
  statistic           = "Minimum"
  period              = local.t.period_seconds
  evaluation_periods  = local.t.evaluation_periods
  datapoints_to_alarm = local.t.datapoints_to_alarm
  threshold           = 1
  comparison_operator = "LessThanThreshold"
  treat_missing_data  = "breaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]
}

resource "aws_cloudwatch_metric_alarm" "p99_latency" {
  alarm_name          = "${var.name}-p99-latency"
  alarm_description   = "p99 of the targets' response time above ${local.t.p99_latency_seconds} s."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "TargetResponseTime"
  dimensions          = { LoadBalancer = local.lb }
  extended_statistic  = "p99"
  period              = local.t.period_seconds
  evaluation_periods  = local.t.evaluation_periods
  datapoints_to_alarm = local.t.datapoints_to_alarm
  threshold           = local.t.p99_latency_seconds
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]
}
