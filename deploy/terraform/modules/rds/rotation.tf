# Rotation of the app and backup users' passwords with AWS's single-user PostgreSQL rotation
# function, deployed from the Serverless Application Repository into the private subnets.
# moto has no Serverless Application Repository: the moto test sets enable_user_rotation = false.

locals {
  rotated_users = var.enable_user_rotation ? { for k, v in local.db_users : k => v if v.rotate } : {}

  # The application lives in a different account per partition (see the CDK's
  # SecretRotationApplication); the versions are the ones the CDK pins.
  rotation_apps = {
    aws = {
      application_id   = "arn:aws:serverlessrepo:us-east-1:297356227824:applications/SecretsManagerRDSPostgreSQLRotationSingleUser"
      semantic_version = "1.1.671"
    }
    aws-cn = {
      application_id   = "arn:aws-cn:serverlessrepo:cn-north-1:193023089310:applications/SecretsManagerRDSPostgreSQLRotationSingleUser"
      semantic_version = "1.1.440"
    }
    aws-us-gov = {
      application_id   = "arn:aws-us-gov:serverlessrepo:us-gov-west-1:023102451235:applications/SecretsManagerRDSPostgreSQLRotationSingleUser"
      semantic_version = "1.1.383"
    }
  }
  rotation_app = local.rotation_apps[local.partition]

  rotation_function_name = "${var.name}-db-user-rotation"

  # Same character set as the generated passwords: letters and digits only.
  rotation_exclude_characters = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
}

resource "aws_security_group" "rotation" {
  #checkov:skip=CKV2_AWS_5:Attached to the rotation Lambda, which the Serverless Application Repository stack creates from its vpcSecurityGroupIds parameter (invisible to checkov).
  count = var.enable_user_rotation ? 1 : 0

  name        = "${var.name}-db-rotation"
  description = "Rotation Lambda of ${var.name}: PostgreSQL and HTTPS (Secrets Manager) out, nothing in"
  vpc_id      = var.vpc_id

  tags = { Name = "${var.name}-db-rotation" }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_egress_rule" "rotation_to_db" {
  count = var.enable_user_rotation ? 1 : 0

  security_group_id            = aws_security_group.rotation[0].id
  description                  = "PostgreSQL to the database"
  ip_protocol                  = "tcp"
  from_port                    = local.port
  to_port                      = local.port
  referenced_security_group_id = aws_security_group.db.id
}

resource "aws_vpc_security_group_egress_rule" "rotation_https" {
  count = var.enable_user_rotation ? 1 : 0

  security_group_id = aws_security_group.rotation[0].id
  description       = "HTTPS to the Secrets Manager endpoint (through NAT or a VPC endpoint)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_ingress_rule" "db_from_rotation" {
  count = var.enable_user_rotation ? 1 : 0

  security_group_id            = aws_security_group.db.id
  description                  = "PostgreSQL from the rotation Lambda"
  ip_protocol                  = "tcp"
  from_port                    = local.port
  to_port                      = local.port
  referenced_security_group_id = aws_security_group.rotation[0].id
}

# Exists before the function, so its logs are encrypted and expire.
resource "aws_cloudwatch_log_group" "rotation" {
  count = var.enable_user_rotation ? 1 : 0

  name              = "/aws/lambda/${local.rotation_function_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_serverlessapplicationrepository_cloudformation_stack" "rotation" {
  count = var.enable_user_rotation ? 1 : 0

  name             = "${var.name}-db-user-rotation"
  application_id   = local.rotation_app.application_id
  semantic_version = coalesce(var.rotation_app_semantic_version, local.rotation_app.semantic_version)
  capabilities     = ["CAPABILITY_IAM", "CAPABILITY_RESOURCE_POLICY"]

  parameters = {
    functionName        = local.rotation_function_name
    endpoint            = "https://secretsmanager.${local.region}.${local.dns_suffix}"
    vpcSubnetIds        = join(",", var.subnet_ids)
    vpcSecurityGroupIds = aws_security_group.rotation[0].id
    kmsKeyArn           = var.kms_key_arn
    excludeCharacters   = local.rotation_exclude_characters
  }

  depends_on = [
    aws_cloudwatch_log_group.rotation,
    aws_vpc_security_group_egress_rule.rotation_to_db,
    aws_vpc_security_group_egress_rule.rotation_https,
  ]
}

resource "aws_secretsmanager_secret_rotation" "db_user" {
  for_each = local.rotated_users

  secret_id           = aws_secretsmanager_secret.db_user[each.key].id
  rotation_lambda_arn = aws_serverlessapplicationrepository_cloudformation_stack.rotation[0].outputs["RotationLambdaARN"]

  # Not at once: the users exist only after the database bootstrap has run; the first rotation
  # comes rotation_days later.
  rotate_immediately = false

  rotation_rules {
    automatically_after_days = var.rotation_days
  }

  depends_on = [
    aws_secretsmanager_secret_version.db_user,
    aws_vpc_security_group_ingress_rule.db_from_rotation,
  ]
}
