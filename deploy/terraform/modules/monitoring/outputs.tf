output "dashboard_name" {
  description = "Name of the CloudWatch dashboard."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "dashboard_arn" {
  description = "ARN of the CloudWatch dashboard."
  value       = aws_cloudwatch_dashboard.this.dashboard_arn
}

output "alarm_arns" {
  description = "ARNs of the alarms this module creates, by name."
  value = merge(
    {
      (aws_cloudwatch_metric_alarm.alb_5xx.alarm_name)     = aws_cloudwatch_metric_alarm.alb_5xx.arn
      (aws_cloudwatch_metric_alarm.p99_latency.alarm_name) = aws_cloudwatch_metric_alarm.p99_latency.arn
    },
    { for alarm in aws_cloudwatch_metric_alarm.target_5xx : alarm.alarm_name => alarm.arn },
    { for alarm in aws_cloudwatch_metric_alarm.unhealthy_hosts : alarm.alarm_name => alarm.arn },
    { for alarm in aws_cloudwatch_metric_alarm.no_healthy_hosts : alarm.alarm_name => alarm.arn },
    {
      for alarm in [
        aws_cloudwatch_metric_alarm.shop_5xx_rate,
        aws_cloudwatch_metric_alarm.shop_p99_latency,
        aws_cloudwatch_metric_alarm.sign_in_failure_rate,
        aws_cloudwatch_metric_alarm.db_connection_failures,
      ] : alarm.alarm_name => alarm.arn
    },
  )
}
