# The shop's own metrics (CloudWatch embedded metric format in its JSON log lines, namespace
# var.metrics_namespace; names in README.md, "Operating the shop") and Keycloak's: dashboard
# widgets and the alarms on them. Alarms read the service-wide series (no dimension); the
# per-route, per-method and per-reason series are charted through metric searches.

locals {
  ns = var.metrics_namespace
  st = var.shop_thresholds

  # Metric rows of a widget: [namespace, name, {options}] for the no-dimension series.
  shop_widgets = [
    {
      type = "metric", x = 0, y = 6, width = 8, height = 6
      properties = {
        title   = "Shop requests and 5xx rate"
        region  = local.region
        view    = "timeSeries"
        stacked = false
        period  = 60
        metrics = [
          [local.ns, "Requests", { stat = "Sum", id = "requests", label = "requests" }],
          [local.ns, "ServerErrors", { stat = "Sum", id = "errors", label = "5xx" }],
          [{ expression = "100 * FILL(errors, 0) / requests", id = "rate", label = "5xx rate (%)", yAxis = "right" }],
        ]
        annotations = { horizontal = [{ label = "5xx rate alarm (%)", value = local.st.server_error_rate_percent, yAxis = "right" }] }
      }
    },
    {
      type = "metric", x = 8, y = 6, width = 8, height = 6
      properties = {
        title   = "Shop latency p50 / p99 (ms)"
        region  = local.region
        view    = "timeSeries"
        stacked = false
        period  = 60
        metrics = [
          [local.ns, "Latency", { stat = "p50", label = "p50" }],
          [local.ns, "Latency", { stat = "p99", label = "p99" }],
        ]
        annotations = { horizontal = [{ label = "p99 alarm", value = local.st.p99_latency_ms }] }
      }
    },
    {
      type = "metric", x = 16, y = 6, width = 8, height = 6
      properties = {
        title   = "Shop requests and 5xx by route"
        region  = local.region
        view    = "timeSeries"
        stacked = false
        period  = 300
        metrics = [
          [{ expression = "SEARCH('{${local.ns},Route} MetricName=\"Requests\"', 'Sum', 300)", id = "routes", label = "" }],
          [{ expression = "SEARCH('{${local.ns},Route} MetricName=\"ServerErrors\"', 'Sum', 300)", id = "routeerrors", label = "5xx" }],
        ]
      }
    },
    {
      type = "metric", x = 0, y = 12, width = 8, height = 6
      properties = {
        title   = "Shop database connections"
        region  = local.region
        view    = "timeSeries"
        stacked = false
        stat    = "Sum"
        period  = 60
        metrics = [for metric in ["DbConnectionsOpened", "DbConnectionsReused", "DbConnectionsBroken", "DbConnectFailures", "DbCredentialRefreshes"] :
        [local.ns, metric, { label = metric }]]
      }
    },
    {
      type = "metric", x = 8, y = 12, width = 8, height = 6
      properties = {
        title   = "Shop database connect time (ms)"
        region  = local.region
        view    = "timeSeries"
        stacked = false
        period  = 60
        metrics = [
          [local.ns, "DbConnectTime", { stat = "p50", label = "p50" }],
          [local.ns, "DbConnectTime", { stat = "p99", label = "p99" }],
          [local.ns, "DbConnectTime", { stat = "Maximum", label = "max" }],
        ]
      }
    },
    {
      type = "metric", x = 16, y = 12, width = 8, height = 6
      properties = {
        title   = "Catalog page cache hit rate (%)"
        region  = local.region
        view    = "timeSeries"
        stacked = false
        period  = 300
        yAxis   = { left = { min = 0, max = 100 } }
        metrics = [
          [local.ns, "PageCacheHits", { stat = "Sum", id = "hits", visible = false }],
          [local.ns, "PageCacheMisses", { stat = "Sum", id = "misses", visible = false }],
          [{ expression = "100 * FILL(hits, 0) / (FILL(hits, 0) + FILL(misses, 0))", id = "hitrate", label = "hit rate (%)" }],
        ]
      }
    },
    {
      type = "metric", x = 0, y = 18, width = 8, height = 6
      properties = {
        title   = "Sign-ins, failures and failure rate"
        region  = local.region
        view    = "timeSeries"
        stacked = false
        period  = 300
        metrics = [
          [local.ns, "SignIns", { stat = "Sum", id = "signins", label = "sign-ins" }],
          [local.ns, "SignInFailures", { stat = "Sum", id = "failures", label = "failures" }],
          [local.ns, "SignOuts", { stat = "Sum", label = "sign-outs" }],
          [local.ns, "SessionsEndedByRefresh", { stat = "Sum", label = "sessions ended by refresh" }],
          [{ expression = "100 * FILL(failures, 0) / (FILL(signins, 0) + FILL(failures, 0))", id = "failurerate", label = "failure rate (%)", yAxis = "right" }],
        ]
        annotations = { horizontal = [{ label = "failure rate alarm (%)", value = local.st.sign_in_failure_rate_percent, yAxis = "right" }] }
      }
    },
    {
      type = "metric", x = 8, y = 18, width = 8, height = 6
      properties = {
        title   = "Sign-in failures by reason, sign-ins by method"
        region  = local.region
        view    = "timeSeries"
        stacked = false
        period  = 300
        metrics = [
          [{ expression = "SEARCH('{${local.ns},Reason} MetricName=\"SignInFailures\"', 'Sum', 300)", id = "reasons", label = "failed" }],
          [{ expression = "SEARCH('{${local.ns},Method} MetricName=\"SignIns\"', 'Sum', 300)", id = "methods", label = "signed in" }],
        ]
      }
    },
    {
      type = "metric", x = 16, y = 18, width = 8, height = 6
      properties = {
        title   = "Orders"
        region  = local.region
        view    = "timeSeries"
        stacked = false
        stat    = "Sum"
        period  = 300
        metrics = [
          [local.ns, "OrdersPlaced", { label = "placed" }],
          [local.ns, "OrdersRefusedForStock", { label = "refused for stock" }],
          [local.ns, "OrdersCancelled", { label = "cancelled" }],
        ]
      }
    },
  ]

  # Keycloak: its target group's health (ALB metrics, always), and what its collector scrapes
  # from the management port's /metrics (modules/keycloak_service) when a namespace is given.
  kc_ns = var.keycloak_metrics_namespace
  keycloak_widgets = concat(
    [{
      type = "metric", x = 0, y = 48, width = 8, height = 6
      properties = {
        title   = "Healthy / unhealthy targets"
        region  = local.region
        view    = "timeSeries"
        stacked = false
        period  = 60
        # One row per metric: concat, not flatten (which would flatten the rows too).
        metrics = concat([for label, tg in var.target_group_arn_suffixes : [
          ["AWS/ApplicationELB", "HealthyHostCount", "TargetGroup", tg, "LoadBalancer", local.lb, { stat = "Minimum", label = "${label} healthy" }],
          ["AWS/ApplicationELB", "UnHealthyHostCount", "TargetGroup", tg, "LoadBalancer", local.lb, { stat = "Maximum", label = "${label} unhealthy" }],
        ]]...)
      }
    }],
    [for widget in [
      {
        type = "metric", x = 8, y = 48, width = 8, height = 6
        properties = {
          title   = "Keycloak requests by outcome, mean time (s)"
          region  = local.region
          view    = "timeSeries"
          stacked = false
          period  = 60
          metrics = [
            [{ expression = "SEARCH('{${local.kc_ns},service,outcome} MetricName=\"http_server_requests_seconds\"', 'SampleCount', 60)", id = "outcomes", label = "" }],
            [local.kc_ns, "http_server_requests_seconds", "service", "keycloak", { stat = "Average", label = "mean time (s)", yAxis = "right" }],
          ]
        }
      },
      {
        type = "metric", x = 16, y = 48, width = 8, height = 6
        properties = {
          title   = "Keycloak database pool and heap"
          region  = local.region
          view    = "timeSeries"
          stacked = false
          period  = 60
          metrics = [
            [local.kc_ns, "agroal_active_count", "service", "keycloak", { stat = "Maximum", label = "pool active (max task)" }],
            [local.kc_ns, "agroal_awaiting_count", "service", "keycloak", { stat = "Maximum", label = "pool awaiting (max task)" }],
            [local.kc_ns, "jvm_memory_used_bytes", "service", "keycloak", "area", "heap", { stat = "Maximum", label = "heap used (bytes)", yAxis = "right" }],
          ]
        }
      },
    ] : widget if local.kc_ns != null],
  )

  shop_alarm_arns = [
    aws_cloudwatch_metric_alarm.shop_5xx_rate.arn,
    aws_cloudwatch_metric_alarm.shop_p99_latency.arn,
    aws_cloudwatch_metric_alarm.sign_in_failure_rate.arn,
    aws_cloudwatch_metric_alarm.db_connection_failures.arn,
  ]
}

# Missing data means no request in the period (every request carries Requests and
# ServerErrors): nothing failed. An outage with no healthy task is the no-healthy-hosts alarm's.
resource "aws_cloudwatch_metric_alarm" "shop_5xx_rate" {
  alarm_name          = "${var.name}-shop-5xx-rate"
  alarm_description   = "More than ${local.st.server_error_rate_percent} % of the shop's requests answered 5xx over ${local.st.period_seconds} s (at least ${local.st.server_error_min_requests} requests). RUNBOOK.md, Alarms."
  comparison_operator = "GreaterThanThreshold"
  threshold           = local.st.server_error_rate_percent
  evaluation_periods  = local.st.evaluation_periods
  datapoints_to_alarm = local.st.evaluation_periods
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]

  metric_query {
    id          = "rate"
    expression  = "IF(requests >= ${local.st.server_error_min_requests}, 100 * FILL(errors, 0) / requests, 0)"
    label       = "5xx rate (%)"
    return_data = true
  }
  metric_query {
    id = "requests"
    metric {
      namespace   = local.ns
      metric_name = "Requests"
      stat        = "Sum"
      period      = local.st.period_seconds
    }
  }
  metric_query {
    id = "errors"
    metric {
      namespace   = local.ns
      metric_name = "ServerErrors"
      stat        = "Sum"
      period      = local.st.period_seconds
    }
  }
}

# Missing data: no request, so no latency to judge.
resource "aws_cloudwatch_metric_alarm" "shop_p99_latency" {
  alarm_name          = "${var.name}-shop-p99-latency"
  alarm_description   = "p99 of the shop's own request duration (Latency) above ${local.st.p99_latency_ms} ms over ${local.st.period_seconds} s. RUNBOOK.md, Alarms."
  namespace           = local.ns
  metric_name         = "Latency"
  extended_statistic  = "p99"
  period              = local.st.period_seconds
  evaluation_periods  = local.st.evaluation_periods
  datapoints_to_alarm = local.st.evaluation_periods
  threshold           = local.st.p99_latency_ms
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]
}

# Sign-ins and failures are only emitted on requests that have them: missing data means nobody
# tried to sign in (normal at night). Below the minimum volume the rate is 0 (a single
# mistyped password must not page anyone).
resource "aws_cloudwatch_metric_alarm" "sign_in_failure_rate" {
  alarm_name          = "${var.name}-sign-in-failure-rate"
  alarm_description   = "More than ${local.st.sign_in_failure_rate_percent} % of sign-in attempts failed over ${local.st.period_seconds} s (at least ${local.st.sign_in_min_attempts} attempts): password guessing, or Keycloak sign-ins broken. RUNBOOK.md, Alarms."
  comparison_operator = "GreaterThanThreshold"
  threshold           = local.st.sign_in_failure_rate_percent
  evaluation_periods  = local.st.evaluation_periods
  datapoints_to_alarm = local.st.evaluation_periods
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]

  metric_query {
    id          = "attempts"
    expression  = "FILL(signins, 0) + FILL(failures, 0)"
    label       = "attempts"
    return_data = false
  }
  metric_query {
    id          = "rate"
    expression  = "IF(attempts >= ${local.st.sign_in_min_attempts}, 100 * FILL(failures, 0) / attempts, 0)"
    label       = "sign-in failure rate (%)"
    return_data = true
  }
  metric_query {
    id = "signins"
    metric {
      namespace   = local.ns
      metric_name = "SignIns"
      stat        = "Sum"
      period      = local.st.period_seconds
    }
  }
  metric_query {
    id = "failures"
    metric {
      namespace   = local.ns
      metric_name = "SignInFailures"
      stat        = "Sum"
      period      = local.st.period_seconds
    }
  }
}

# Both counts are only emitted when they happen: missing data means none.
resource "aws_cloudwatch_metric_alarm" "db_connection_failures" {
  alarm_name          = "${var.name}-db-connection-failures"
  alarm_description   = "The shop failed to connect to PostgreSQL, or found connections broken, more than ${local.st.db_connection_failures} times over ${local.st.period_seconds} s. RUNBOOK.md, Alarms."
  comparison_operator = "GreaterThanThreshold"
  threshold           = local.st.db_connection_failures
  evaluation_periods  = local.st.evaluation_periods
  datapoints_to_alarm = local.st.evaluation_periods
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]

  metric_query {
    id          = "total"
    expression  = "FILL(connectfailures, 0) + FILL(broken, 0)"
    label       = "failed or broken connections"
    return_data = true
  }
  metric_query {
    id = "connectfailures"
    metric {
      namespace   = local.ns
      metric_name = "DbConnectFailures"
      stat        = "Sum"
      period      = local.st.period_seconds
    }
  }
  metric_query {
    id = "broken"
    metric {
      namespace   = local.ns
      metric_name = "DbConnectionsBroken"
      stat        = "Sum"
      period      = local.st.period_seconds
    }
  }
}
