# --------------------------------------------------------------------------------------------
# Scheduled tasks: EventBridge Scheduler runs the one-off task definitions "housekeeping" and
# "low-stock-digest" (main.tf, local.one_off_commands) on the cluster, like an operator's
# `aws ecs run-task`: Fargate, the private subnets, the tasks' security group, no public IP.
# --------------------------------------------------------------------------------------------

locals {
  scheduled_tasks = var.enable_scheduled_tasks ? {
    housekeeping = {
      description = "Daily: clearsessions, then clearcarts (anonymous carts of ended sessions)"
      expression  = var.housekeeping_schedule
      timezone    = "UTC"
      state       = "ENABLED"
    }
    low-stock-digest = {
      description = "Daily: e-mail SHOP_STAFF_EMAILS the products running low"
      expression  = var.low_stock_digest_schedule
      timezone    = var.low_stock_digest_timezone
      # Without addresses the command only logs that it has nobody to send to.
      state = length(var.staff_emails) > 0 ? "ENABLED" : "DISABLED"
    }
  } : {}

  # RunTask on these families only (any revision: a new image makes a new one), in this
  # cluster only.
  scheduled_task_definition_arns = [
    for task in keys(local.scheduled_tasks) :
    "arn:${local.partition}:ecs:${var.aws_region}:${data.aws_caller_identity.current.account_id}:task-definition/${aws_ecs_task_definition.one_off[task].family}:*"
  ]
  schedule_group_name = "${local.service_name}-tasks"
}

resource "aws_scheduler_schedule_group" "this" {
  count = var.enable_scheduled_tasks ? 1 : 0

  name = local.schedule_group_name

  tags = { Name = local.schedule_group_name }
}

data "aws_iam_policy_document" "scheduler_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
    # Only schedules of this group may use the role.
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:scheduler:${var.aws_region}:${data.aws_caller_identity.current.account_id}:schedule/${local.schedule_group_name}/*"]
    }
  }
}

resource "aws_iam_role" "scheduler" {
  count = var.enable_scheduled_tasks ? 1 : 0

  name               = "${var.name}-shop-scheduler"
  description        = "EventBridge Scheduler: run the shop's scheduled tasks on its cluster"
  assume_role_policy = data.aws_iam_policy_document.scheduler_assume.json

  tags = { Name = "${var.name}-shop-scheduler" }
}

data "aws_iam_policy_document" "scheduler" {
  count = var.enable_scheduled_tasks ? 1 : 0

  statement {
    sid       = "RunScheduledTasks"
    actions   = ["ecs:RunTask"]
    resources = local.scheduled_task_definition_arns
    condition {
      test     = "ArnEquals"
      variable = "ecs:cluster"
      values   = [aws_ecs_cluster.this.arn]
    }
  }
  # RunTask with propagated tags (the task definition's) is also a TagResource on the new task.
  statement {
    sid       = "TagTheirTasks"
    actions   = ["ecs:TagResource"]
    resources = ["arn:${local.partition}:ecs:${var.aws_region}:${data.aws_caller_identity.current.account_id}:task/${aws_ecs_cluster.this.name}/*"]
    condition {
      test     = "StringEquals"
      variable = "ecs:CreateAction"
      values   = ["RunTask"]
    }
  }
  statement {
    sid       = "PassTheirRoles"
    actions   = ["iam:PassRole"]
    resources = [aws_iam_role.execution.arn, aws_iam_role.task.arn]
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "scheduler" {
  count = var.enable_scheduled_tasks ? 1 : 0

  name   = "run-scheduled-tasks"
  role   = aws_iam_role.scheduler[0].id
  policy = data.aws_iam_policy_document.scheduler[0].json
}

resource "aws_scheduler_schedule" "this" {
  #checkov:skip=CKV_AWS_297:The schedules' target input is a task definition ARN, subnet and security group ids and no secret; the AWS-owned key avoids a key-policy grant for the scheduler role.
  for_each = local.scheduled_tasks

  name        = each.key
  group_name  = aws_scheduler_schedule_group.this[0].name
  description = each.value.description
  state       = each.value.state

  schedule_expression          = each.value.expression
  schedule_expression_timezone = each.value.timezone

  # At the given time, not within a window.
  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_ecs_cluster.this.arn
    role_arn = aws_iam_role.scheduler[0].arn

    ecs_parameters {
      task_definition_arn     = aws_ecs_task_definition.one_off[each.key].arn
      launch_type             = "FARGATE"
      platform_version        = "LATEST"
      task_count              = 1
      propagate_tags          = "TASK_DEFINITION"
      enable_ecs_managed_tags = true

      network_configuration {
        subnets          = var.private_subnet_ids
        security_groups  = [aws_security_group.tasks.id]
        assign_public_ip = false
      }
    }

    # RunTask failing (e.g. no Fargate capacity) is retried for up to an hour; a task that
    # starts and fails is not (its exit code is in the logs).
    retry_policy {
      maximum_event_age_in_seconds = 3600
      maximum_retry_attempts       = 3
    }
  }

  depends_on = [aws_iam_role_policy.scheduler]
}
