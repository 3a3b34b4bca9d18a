data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  partition     = data.aws_partition.current.partition
  secret_prefix = coalesce(var.secret_prefix, var.name)
  service_name  = "${var.name}-shop"
  from_email    = var.from_email != null ? var.from_email : "shop@${var.host_name}"
  log_group     = "/ecs/${var.name}/shop"
  image         = var.image != null ? var.image : "${aws_ecr_repository.this.repository_url}:${var.image_tag != null ? var.image_tag : ""}"

  # THE container definition of the shop (deploy/ecs/container-definition.json.tpl), rendered once.
  web_container_definitions = templatefile("${path.module}/../../../ecs/container-definition.json.tpl", {
    container_name          = var.container_name
    image                   = local.image
    allowed_hosts           = var.host_name
    csrf_trusted_origins    = "https://${var.host_name}"
    db_host                 = var.db_host
    db_port                 = tostring(var.db_port)
    db_name                 = var.db_name
    db_username             = var.db_username
    aws_region              = var.aws_region
    db_secret_name          = var.db_secret_name
    db_replica_host         = var.db_replica_host != null ? var.db_replica_host : ""
    media_bucket            = var.media_bucket_name
    media_domain            = var.media_domain_name
    keycloak_url            = var.keycloak_url
    keycloak_realm          = var.keycloak_realm
    oidc_client_id          = var.oidc_client_id
    django_secret_key_arn   = aws_secretsmanager_secret.django_secret_key.arn
    oidc_client_secret_arn  = var.oidc_client_secret_arn
    redis_url_arn           = var.redis_url_secret_arn
    email_url_arn           = aws_secretsmanager_secret.email_url.arn
    from_email              = local.from_email
    health_detail_token_arn = aws_secretsmanager_secret.health_detail_token.arn
    log_group               = aws_cloudwatch_log_group.this.name
    staff_emails            = join(",", var.staff_emails)
    metrics_namespace       = var.metrics_namespace
  })

  web_container = one(jsondecode(local.web_container_definitions))

  # Tracing (enable_tracing): the AWS Distro for OpenTelemetry collector beside the shop in the
  # web task. The shop exports OTLP to it over the task's loopback (OTEL_EXPORTER_OTLP_ENDPOINT
  # switches the shop's tracing on); it sends the traces to X-Ray with the task role. Its
  # configuration travels inline in AOT_CONFIG_CONTENT: traces only, listening on 127.0.0.1,
  # so no SSM parameter and no permission beyond X-Ray's are needed (the image's built-in
  # ecs-default-config.yaml also listens on 0.0.0.0 for StatsD, X-Ray UDP and OTLP metrics,
  # which it sends to CloudWatch Logs). Not essential: if it dies, the shop keeps serving.
  collector_container_name = "aws-otel-collector"
  collector_config = jsonencode({ # JSON is YAML: the collector reads it as is
    receivers = {
      otlp = {
        protocols = {
          grpc = { endpoint = "127.0.0.1:4317" }
          http = { endpoint = "127.0.0.1:4318" }
        }
      }
    }
    processors = {
      resourcedetection = { detectors = ["env", "ecs"], timeout = "2s", override = false }
      batch             = { timeout = "1s", send_batch_size = 50 }
    }
    exporters = {
      awsxray = { region = var.aws_region }
    }
    service = {
      pipelines = {
        traces = { receivers = ["otlp"], processors = ["resourcedetection", "batch"], exporters = ["awsxray"] }
      }
    }
  })
  collector_container = {
    name                   = local.collector_container_name
    image                  = var.collector_image
    essential              = false
    memory                 = var.collector_memory
    readonlyRootFilesystem = true
    environment            = [{ name = "AOT_CONFIG_CONTENT", value = local.collector_config }]
    linuxParameters        = { capabilities = { drop = ["ALL"] } }
    logConfiguration = merge(local.web_container.logConfiguration, {
      options = merge(local.web_container.logConfiguration.options, { "awslogs-stream-prefix" = "otel-collector" })
    })
  }
  tracing_environment = [
    { name = "OTEL_EXPORTER_OTLP_ENDPOINT", value = "http://localhost:4317" },
    { name = "OTEL_SERVICE_NAME", value = var.otel_service_name },
  ]
  web_task_container_definitions = var.enable_tracing ? jsonencode([
    merge(local.web_container, {
      environment = concat(local.web_container.environment, local.tracing_environment)
      dependsOn   = [{ containerName = local.collector_container_name, condition = "START" }]
    }),
    local.collector_container,
  ]) : local.web_container_definitions

  # One-off tasks: the same container with the command replaced. No port mapping and no
  # container health check (nothing listens), and their own log stream prefix.
  one_off_commands = {
    migrate = ["python", "manage.py", "migrate", "--no-input"]
    bootstrap = [
      "python", "manage.py", "bootstrap_databases",
      "--master-secret", var.bootstrap_secret_arns.master,
      "--app-secret", var.bootstrap_secret_arns.app,
      "--keycloak-secret", var.bootstrap_secret_arns.keycloak,
      "--backup-secret", var.bootstrap_secret_arns.backup,
    ]
    # Scheduled (schedules.tf). clearcarts must follow clearsessions: the image's /bin/sh
    # (Debian's dash in python:*-slim) chains them and stops at the first failure.
    housekeeping     = ["sh", "-c", "python manage.py clearsessions && python manage.py clearcarts"]
    low-stock-digest = ["python", "manage.py", "low_stock_digest"]
  }
  one_off_container_definitions = {
    for task, command in local.one_off_commands : task => jsonencode([
      merge(
        { for key, value in local.web_container : key => value if !contains(["portMappings", "healthCheck"], key) },
        {
          command = command
          logConfiguration = merge(local.web_container.logConfiguration, {
            options = merge(local.web_container.logConfiguration.options, { "awslogs-stream-prefix" = task })
          })
        },
      )
    ])
  }

  # Secrets ECS injects into the container (the template's valueFrom entries).
  injected_secret_arns = [
    aws_secretsmanager_secret.django_secret_key.arn,
    var.oidc_client_secret_arn,
    var.redis_url_secret_arn,
    aws_secretsmanager_secret.email_url.arn,
    aws_secretsmanager_secret.health_detail_token.arn,
  ]
  bootstrap_secret_arns = distinct([
    var.bootstrap_secret_arns.master,
    var.bootstrap_secret_arns.app,
    var.bootstrap_secret_arns.keycloak,
    var.bootstrap_secret_arns.backup,
  ])
}

# --------------------------------------------------------------------------------------------
# Cluster, image repository, logs, Django secret key
# --------------------------------------------------------------------------------------------

resource "aws_ecs_cluster" "this" {
  name = var.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }

  tags = { Name = var.name }
}

resource "aws_ecr_repository" "this" {
  name                 = "${var.name}/storefront"
  image_tag_mutability = "IMMUTABLE"
  force_delete         = var.ecr_force_delete

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = var.kms_key_arn
  }

  tags = { Name = "${var.name}/storefront" }
}

resource "aws_ecr_lifecycle_policy" "this" {
  repository = aws_ecr_repository.this.name
  policy = jsonencode({
    rules = [
      {
        rulePriority = 1
        description  = "Expire untagged images after 7 days"
        selection = {
          tagStatus   = "untagged"
          countType   = "sinceImagePushed"
          countUnit   = "days"
          countNumber = 7
        }
        action = { type = "expire" }
      },
      {
        rulePriority = 2
        description  = "Keep the last ${var.ecr_keep_images} images (rollbacks)"
        selection = {
          tagStatus   = "any"
          countType   = "imageCountMoreThan"
          countNumber = var.ecr_keep_images
        }
        action = { type = "expire" }
      },
    ]
  })
}

resource "aws_cloudwatch_log_group" "this" {
  name              = local.log_group
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn

  tags = { Name = local.log_group }
}

ephemeral "aws_secretsmanager_random_password" "django_secret_key" {
  password_length     = 64
  exclude_punctuation = true
}

resource "aws_secretsmanager_secret" "django_secret_key" {
  #checkov:skip=CKV2_AWS_57:Rotating Django's SECRET_KEY invalidates every session and signed token at once; it is rotated by hand with a release (RUNBOOK), using SECRET_KEY_FALLBACKS if needed.
  name                    = "${local.secret_prefix}/django-secret-key"
  description             = "Django SECRET_KEY of ${var.name} (injected by ECS as DJANGO_SECRET_KEY)"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.secret_recovery_window_days

  tags = { Name = "${local.secret_prefix}/django-secret-key" }
}

resource "aws_secretsmanager_secret_version" "django_secret_key" {
  secret_id                = aws_secretsmanager_secret.django_secret_key.id
  secret_string_wo         = ephemeral.aws_secretsmanager_random_password.django_secret_key.random_password
  secret_string_wo_version = 1
}

# HEALTH_DETAIL_TOKEN: /health/ shows its checks' details only to a request with
# `X-Health-Detail: <token>` (ops, RUNBOOK); the ALB's health checks (/health/live/) need only
# the status code and send no header.
ephemeral "aws_secretsmanager_random_password" "health_detail_token" {
  password_length     = 48
  exclude_punctuation = true
}

resource "aws_secretsmanager_secret" "health_detail_token" {
  #checkov:skip=CKV2_AWS_57:Only gates the detail of /health/ (no data, no write); rotated by hand with a redeployment (RUNBOOK), no rotation Lambda for so little.
  name                    = "${local.secret_prefix}/health-detail-token"
  description             = "Token of the X-Health-Detail header that shows /health/'s check details of ${var.name} (injected by ECS as HEALTH_DETAIL_TOKEN)"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.secret_recovery_window_days

  tags = { Name = "${local.secret_prefix}/health-detail-token" }
}

resource "aws_secretsmanager_secret_version" "health_detail_token" {
  secret_id                = aws_secretsmanager_secret.health_detail_token.id
  secret_string_wo         = ephemeral.aws_secretsmanager_random_password.health_detail_token.random_password
  secret_string_wo_version = 1
}

# The shop's outgoing mail (order confirmations, the staff digest): DJANGO_EMAIL_URL, an SMTP URL
# with the relay's credentials, e.g. smtp+tls://USER:PASSWORD@email-smtp.<region>.amazonaws.com:587
# (Amazon SES SMTP credentials). Not generated, the relay issues them: an operator puts the
# value before the first deployment (RUNBOOK); ECS does not start a task while the secret has
# none, and the shop refuses to start in production without a real e-mail backend.
resource "aws_secretsmanager_secret" "email_url" {
  #checkov:skip=CKV2_AWS_57:The SMTP relay issues these credentials (SES derives them from an IAM key); they are rotated there and then put here by hand (RUNBOOK), which a rotation Lambda cannot do.
  name                    = "${local.secret_prefix}/shop-email-url"
  description             = "SMTP URL with credentials that the shop of ${var.name} sends its e-mails through (injected by ECS as DJANGO_EMAIL_URL), e.g. smtp+tls://USER:PASSWORD@email-smtp.${var.aws_region}.amazonaws.com:${var.email_smtp_port}"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.secret_recovery_window_days

  tags = { Name = "${local.secret_prefix}/shop-email-url" }
}

# --------------------------------------------------------------------------------------------
# IAM: execution role (pull, logs, the five injected secrets), task roles
# --------------------------------------------------------------------------------------------

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:ecs:${var.aws_region}:${data.aws_caller_identity.current.account_id}:*"]
    }
  }
}

resource "aws_iam_role" "execution" {
  name               = "${var.name}-shop-execution"
  description        = "ECS agent of the shop tasks: pull the image, write logs, inject the five secrets"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json

  tags = { Name = "${var.name}-shop-execution" }
}

# Reading secrets, per role: GetSecretValue on exactly its secrets, and kms:Decrypt of the key
# only through Secrets Manager and only for those secrets.
locals {
  secrets_read_by = {
    execution = { arns = local.injected_secret_arns, actions = ["secretsmanager:GetSecretValue"] }
    task = {
      arns    = [var.db_secret_arn]
      actions = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    }
    bootstrap = {
      arns    = local.bootstrap_secret_arns
      actions = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    }
  }
}

data "aws_iam_policy_document" "read_secrets" {
  for_each = local.secrets_read_by

  statement {
    sid       = "ReadSecrets"
    actions   = each.value.actions
    resources = each.value.arns
  }
  statement {
    sid       = "DecryptSecrets"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${var.aws_region}.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:SecretARN"
      values   = each.value.arns
    }
  }
}

data "aws_iam_policy_document" "execution" {
  source_policy_documents = [data.aws_iam_policy_document.read_secrets["execution"].json]

  statement {
    sid       = "EcrAuth"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"] # this action has no resource-level permissions
  }
  statement {
    sid = "EcrPull"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:GetDownloadUrlForLayer",
    ]
    resources = [aws_ecr_repository.this.arn]
  }
  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "execution"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

resource "aws_iam_role" "task" {
  name               = "${var.name}-shop-task"
  description        = "The shop's code: read its database secret, use the media bucket"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json

  tags = { Name = "${var.name}-shop-task" }
}

data "aws_iam_policy_document" "task" {
  source_policy_documents = [data.aws_iam_policy_document.read_secrets["task"].json]

  statement {
    sid       = "MediaList"
    actions   = ["s3:ListBucket"]
    resources = [var.media_bucket_arn]
  }
  statement {
    sid       = "MediaObjects"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${var.media_bucket_arn}/*"]
  }

  # The collector's awsxray exporter (enable_tracing): the write half of
  # AWSXRayDaemonWriteAccess. The sampling rules (GetSampling*) are left out: the shop samples
  # in its own SDK and the collector runs no X-Ray proxy.
  dynamic "statement" {
    for_each = var.enable_tracing ? ["XRayWrite"] : []
    content {
      sid       = statement.value
      actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
      resources = ["*"] # X-Ray has no resource-level permissions for these actions
    }
  }
}

resource "aws_iam_role_policy" "task" {
  name   = "task"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.task.json
}

resource "aws_iam_role" "bootstrap" {
  name               = "${var.name}-shop-bootstrap"
  description        = "One-off database bootstrap: read the master secret and the three users' secrets"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json

  tags = { Name = "${var.name}-shop-bootstrap" }
}

resource "aws_iam_role_policy" "bootstrap" {
  name   = "bootstrap"
  role   = aws_iam_role.bootstrap.id
  policy = data.aws_iam_policy_document.read_secrets["bootstrap"].json
}

# --------------------------------------------------------------------------------------------
# Task definitions: web, migrate, bootstrap
# --------------------------------------------------------------------------------------------

resource "aws_ecs_task_definition" "web" {
  family                   = local.service_name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn
  container_definitions    = local.web_task_container_definitions

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  # The container's /tmp (read-only root filesystem); see deploy/ecs/README.md.
  volume {
    name = "tmp"
  }

  tags = { Name = local.service_name }

  lifecycle {
    precondition {
      condition     = var.image != null || var.image_tag != null
      error_message = "Give image_tag (the tag pushed to the ECR repository) or image."
    }
  }
}

resource "aws_ecs_task_definition" "one_off" {
  for_each = local.one_off_container_definitions

  family                   = "${local.service_name}-${each.key}"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = each.key == "bootstrap" ? aws_iam_role.bootstrap.arn : aws_iam_role.task.arn
  container_definitions    = each.value

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  volume {
    name = "tmp"
  }

  tags = { Name = "${local.service_name}-${each.key}" }
}

# --------------------------------------------------------------------------------------------
# Network: tasks' security group, target group, listener rule
# --------------------------------------------------------------------------------------------

resource "aws_security_group" "tasks" {
  name        = "${var.name}-shop-tasks"
  description = "Shop tasks of ${var.name}: port 8000 from the ALB only"
  vpc_id      = var.vpc_id

  tags = { Name = "${var.name}-shop-tasks" }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "tasks_from_alb" {
  security_group_id            = aws_security_group.tasks.id
  description                  = "gunicorn from the ALB (traffic and health checks)"
  ip_protocol                  = "tcp"
  from_port                    = 8000
  to_port                      = 8000
  referenced_security_group_id = var.alb_security_group_id
}

resource "aws_vpc_security_group_egress_rule" "tasks_https" {
  #checkov:skip=CKV_AWS_382:HTTPS only, to AWS APIs (Secrets Manager, S3, ECR, CloudWatch Logs) and Keycloak's public URL through the NAT gateway; their addresses are not fixed.
  security_group_id = aws_security_group.tasks.id
  description       = "HTTPS to AWS APIs and the public Keycloak URL"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "tasks_smtp" {
  #checkov:skip=CKV_AWS_382:SMTP submission with STARTTLS to the mail relay (e.g. Amazon SES's endpoint) through the NAT gateway; its addresses are not fixed.
  security_group_id = aws_security_group.tasks.id
  description       = "SMTP submission (STARTTLS) to the mail relay"
  ip_protocol       = "tcp"
  from_port         = var.email_smtp_port
  to_port           = var.email_smtp_port
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "tasks_postgres" {
  security_group_id            = aws_security_group.tasks.id
  description                  = "PostgreSQL (RDS and its replica)"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = var.database_security_group_id
}

resource "aws_vpc_security_group_egress_rule" "tasks_redis" {
  security_group_id            = aws_security_group.tasks.id
  description                  = "Redis (ElastiCache, TLS)"
  ip_protocol                  = "tcp"
  from_port                    = 6379
  to_port                      = 6379
  referenced_security_group_id = var.cache_security_group_id
}

resource "aws_lb_target_group" "this" {
  #checkov:skip=CKV_AWS_378:TLS ends at the ALB; targets sit in private subnets and admit port 8000 from the ALB's security group only. The ALB does not verify target certificates, so re-encrypting would add a self-signed certificate per task for little gain.
  name                          = "${var.name}-shop"
  target_type                   = "ip"
  protocol                      = "HTTP"
  port                          = 8000
  vpc_id                        = var.vpc_id
  load_balancing_algorithm_type = "least_outstanding_requests"
  # Below the container's stopTimeout (30 s), see deploy/ecs/README.md.
  deregistration_delay = 20

  health_check {
    enabled             = true
    path                = "/health/live/"
    protocol            = "HTTP"
    port                = "traffic-port"
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  tags = { Name = "${var.name}-shop" }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_lb_listener_rule" "this" {
  listener_arn = var.https_listener_arn
  priority     = var.listener_rule_priority

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this.arn
  }

  condition {
    host_header {
      values = [var.host_name]
    }
  }

  tags = { Name = "${var.name}-shop" }
}

# --------------------------------------------------------------------------------------------
# Service and autoscaling
# --------------------------------------------------------------------------------------------

resource "aws_ecs_service" "this" {
  name                               = local.service_name
  cluster                            = aws_ecs_cluster.this.arn
  task_definition                    = aws_ecs_task_definition.web.arn
  desired_count                      = var.desired_count
  launch_type                        = "FARGATE"
  platform_version                   = "LATEST"
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  health_check_grace_period_seconds  = var.health_check_grace_period_seconds
  propagate_tags                     = "SERVICE"
  enable_ecs_managed_tags            = true
  enable_execute_command             = false

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.tasks.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.this.arn
    container_name   = var.container_name
    container_port   = 8000
  }

  tags = { Name = local.service_name }

  lifecycle {
    ignore_changes = [desired_count] # owned by autoscaling
  }

  # The target group must be attached to the load balancer before the service uses it.
  depends_on = [aws_lb_listener_rule.this, aws_iam_role_policy.execution]
}

resource "aws_appautoscaling_target" "this" {
  count = var.enable_autoscaling ? 1 : 0

  service_namespace  = "ecs"
  scalable_dimension = "ecs:service:DesiredCount"
  resource_id        = "service/${aws_ecs_cluster.this.name}/${aws_ecs_service.this.name}"
  min_capacity       = var.min_capacity
  max_capacity       = var.max_capacity

  lifecycle {
    precondition {
      condition     = var.min_capacity <= var.max_capacity
      error_message = "min_capacity must not exceed max_capacity."
    }
  }
}

resource "aws_appautoscaling_policy" "cpu" {
  count = var.enable_autoscaling ? 1 : 0

  name               = "${local.service_name}-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this[0].service_namespace
  scalable_dimension = aws_appautoscaling_target.this[0].scalable_dimension
  resource_id        = aws_appautoscaling_target.this[0].resource_id

  target_tracking_scaling_policy_configuration {
    target_value       = var.cpu_target_percent
    scale_in_cooldown  = 300
    scale_out_cooldown = 60
    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}

resource "aws_appautoscaling_policy" "requests" {
  count = var.enable_autoscaling ? 1 : 0

  name               = "${local.service_name}-requests"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this[0].service_namespace
  scalable_dimension = aws_appautoscaling_target.this[0].scalable_dimension
  resource_id        = aws_appautoscaling_target.this[0].resource_id

  target_tracking_scaling_policy_configuration {
    target_value       = var.requests_per_target
    scale_in_cooldown  = 300
    scale_out_cooldown = 60
    predefined_metric_specification {
      predefined_metric_type = "ALBRequestCountPerTarget"
      resource_label         = "${var.alb_arn_suffix}/${aws_lb_target_group.this.arn_suffix}"
    }
  }
}
