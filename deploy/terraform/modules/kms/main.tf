# One customer-managed key for the environment's data at rest: RDS storage and Performance
# Insights, Secrets Manager secrets, ElastiCache, CloudWatch log groups, the SNS alarm topic and
# the ECR repository. One key keeps the policy in one place; CloudTrail still shows which service
# used it. S3 buckets use SSE-S3 instead (see the edge module).

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.name
  partition  = data.aws_partition.current.partition
}

data "aws_iam_policy_document" "key" {
  #checkov:skip=CKV_AWS_109:A key policy's Resource "*" is this key alone; the first statement is AWS's default one, delegating access to the account's IAM policies.
  #checkov:skip=CKV_AWS_111:A key policy's Resource "*" is this key alone; the service statements are limited by source account and log-group ARN conditions.
  #checkov:skip=CKV_AWS_356:A key policy's Resource "*" is this key alone (a key policy cannot name other resources).
  # The account's IAM policies decide who else may use the key (the usual default statement);
  # without it the key could become unmanageable.
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  # CloudWatch Logs encrypts log groups itself and needs a grant in the key policy, limited to
  # this account's log groups in this region.
  statement {
    sid       = "CloudWatchLogs"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:*"]
    }
  }

  # CloudWatch alarms and RDS event notifications publish to the encrypted SNS topic.
  statement {
    sid       = "AlarmsAndRdsEventsToSns"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com", "events.rds.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_kms_key" "this" {
  description             = "${var.name}: data at rest (RDS, secrets, cache, logs, alarms)"
  enable_key_rotation     = true
  deletion_window_in_days = var.deletion_window_in_days
  policy                  = data.aws_iam_policy_document.key.json
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.this.key_id
}
