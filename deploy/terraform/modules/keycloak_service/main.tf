data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

data "aws_vpc" "this" {
  id = var.vpc_id
}

# The realm to import: users dropped, the client pointed at the shop, the secret a placeholder.
module "realm" {
  source = "../keycloak_realm"

  realm_file        = var.realm_file
  shop_host_name    = var.shop_host_name
  oidc_client_id    = var.oidc_client_id
  client_secret_env = local.client_secret_env
}

locals {
  partition     = data.aws_partition.current.partition
  secret_prefix = coalesce(var.secret_prefix, var.name)
  service_name  = "${var.name}-keycloak"
  log_group     = "/ecs/${var.name}/keycloak"
  url           = "https://${var.host_name}"

  # Environment variable Keycloak substitutes into the realm file at import: with --import-realm
  # the server replaces ${NAME} placeholders in data/import/*.json with the variable NAME.
  client_secret_env = "STOREFRONT_CLIENT_SECRET"
  realm_json_env    = "SHOP_REALM_JSON"
  # The realm's smtpServer: placeholders naming these variables (modules/keycloak_realm).
  smtp_env = module.realm.smtp_env

  # The realm (modules/keycloak_realm, rendered from deploy/keycloak/realm-shop.json).
  realm_name = module.realm.realm_name
  realm_json = module.realm.json

  # The official image has bash but no curl: the realm is written from an environment variable
  # into the import directory, then Keycloak replaces the shell (PID 1 via ECS's init process).
  start_script = join(" && ", [
    "set -euo pipefail",
    # Keycloak would store the literal placeholder as the client secret (or SMTP setting) if the
    # variable were unset.
    ": \"$${${local.client_secret_env}:?is not set}\"",
    join(" && ", [for name in values(local.smtp_env) : ": \"$${${name}:?is not set}\""]),
    "mkdir -p /opt/keycloak/data/import",
    "printf '%s' \"$${${local.realm_json_env}}\" > /opt/keycloak/data/import/${local.realm_name}-realm.json",
    "unset ${local.realm_json_env}",
    "exec /opt/keycloak/bin/kc.sh start --import-realm",
  ])

  # Readiness on the management port with bash alone (/dev/tcp, builtins): no curl in the image.
  container_health_check = join(" && ", [
    "exec 3<>/dev/tcp/127.0.0.1/9000",
    "printf 'GET /health/ready HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3",
    "read -r status_line <&3",
    "[[ \"$status_line\" == *' 200 '* ]]",
  ])

  keycloak_container = {
    name        = "keycloak"
    image       = var.image
    essential   = true
    stopTimeout = 60
    entryPoint  = ["/bin/bash", "-c"]
    command     = [local.start_script]
    portMappings = [
      { name = "http", containerPort = 8080, hostPort = 8080, protocol = "tcp", appProtocol = "http" },
      { name = "management", containerPort = 9000, hostPort = 9000, protocol = "tcp" },
      { name = "jgroups", containerPort = 7800, hostPort = 7800, protocol = "tcp" },
      { name = "jgroups-fd", containerPort = 57800, hostPort = 57800, protocol = "tcp" },
    ]
    environment = [
      { name = "KC_DB", value = "postgres" },
      { name = "KC_DB_URL_HOST", value = var.db_host },
      { name = "KC_DB_URL_PORT", value = tostring(var.db_port) },
      { name = "KC_DB_URL_DATABASE", value = var.db_name },
      { name = "KC_DB_URL_PROPERTIES", value = "?sslmode=${var.db_ssl_mode}" },
      { name = "KC_DB_POOL_MAX_SIZE", value = tostring(var.db_pool_max_size) },
      { name = "KC_HOSTNAME", value = local.url },
      { name = "KC_HTTP_ENABLED", value = "true" },
      { name = "KC_HTTP_PORT", value = "8080" },
      { name = "KC_PROXY_HEADERS", value = "xforwarded" },
      { name = "KC_PROXY_TRUSTED_ADDRESSES", value = data.aws_vpc.this.cidr_block },
      { name = "KC_HEALTH_ENABLED", value = "true" },
      { name = "KC_METRICS_ENABLED", value = "true" },
      { name = "KC_CACHE", value = "ispn" },
      { name = "KC_CACHE_STACK", value = "jdbc-ping" },
      { name = "KC_LOG", value = "console" },
      { name = "KC_LOG_CONSOLE_OUTPUT", value = "json" },
      { name = "KC_BOOTSTRAP_ADMIN_USERNAME", value = var.admin_username },
      { name = local.realm_json_env, value = local.realm_json },
      { name = local.smtp_env.host, value = var.smtp_host },
      { name = local.smtp_env.port, value = tostring(var.smtp_port) },
      { name = local.smtp_env.from, value = var.smtp_from },
    ]
    secrets = [
      { name = "KC_DB_USERNAME", valueFrom = "${var.db_secret_arn}:username::" },
      { name = "KC_DB_PASSWORD", valueFrom = "${var.db_secret_arn}:password::" },
      { name = "KC_BOOTSTRAP_ADMIN_PASSWORD", valueFrom = "${aws_secretsmanager_secret.admin.arn}:password::" },
      { name = local.client_secret_env, valueFrom = aws_secretsmanager_secret.client.arn },
      { name = local.smtp_env.user, valueFrom = "${aws_secretsmanager_secret.smtp.arn}:username::" },
      { name = local.smtp_env.password, valueFrom = "${aws_secretsmanager_secret.smtp.arn}:password::" },
    ]
    linuxParameters = {
      initProcessEnabled = true
      capabilities       = { drop = ["ALL"] }
    }
    healthCheck = {
      command     = ["CMD", "/bin/bash", "-c", local.container_health_check]
      interval    = 30
      timeout     = 5
      retries     = 3
      startPeriod = 300
    }
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        "awslogs-group"         = aws_cloudwatch_log_group.this.name
        "awslogs-region"        = var.aws_region
        "awslogs-stream-prefix" = "keycloak"
        "mode"                  = "non-blocking"
        "max-buffer-size"       = "25m"
      }
    }
  }

  # Keycloak's own metrics (KC_METRICS_ENABLED: Prometheus text on the management port's
  # /metrics) into CloudWatch: the AWS Distro for OpenTelemetry collector beside Keycloak scrapes
  # 127.0.0.1:9000 every minute and writes the few series the dashboard reads in the embedded
  # metric format to their own log group (namespace var.metrics_namespace, dimension
  # service=keycloak, plus outcome / area). Its configuration travels inline in
  # AOT_CONFIG_CONTENT. Not essential: if it dies, Keycloak keeps serving.
  collector_container_name = "aws-otel-collector"
  collector_metrics = [
    "http_server_requests_seconds",
    "http_server_requests_seconds_max",
    "agroal_active_count",
    "agroal_available_count",
    "agroal_awaiting_count",
    "jvm_memory_used_bytes",
    "process_cpu_usage",
  ]
  collector_config = jsonencode({ # JSON is YAML: the collector reads it as is
    receivers = {
      prometheus = {
        config = {
          scrape_configs = [{
            job_name        = "keycloak"
            scrape_interval = "60s"
            scrape_timeout  = "10s"
            metrics_path    = "/metrics"
            static_configs  = [{ targets = ["127.0.0.1:9000"], labels = { service = "keycloak" } }]
          }]
        }
      }
    }
    processors = {
      "filter/keycloak" = {
        metrics = { include = { match_type = "strict", metric_names = local.collector_metrics } }
      }
      # The task id for the log stream's name.
      resourcedetection = { detectors = ["env", "ecs"], timeout = "2s", override = false }
      batch             = { timeout = "60s" }
    }
    exporters = {
      awsemf = {
        namespace                        = var.metrics_namespace
        region                           = var.aws_region
        log_group_name                   = local.metrics_log_group
        log_stream_name                  = "keycloak-{TaskId}"
        dimension_rollup_option          = "NoDimensionRollup"
        resource_to_telemetry_conversion = { enabled = false }
        metric_declarations = [
          {
            dimensions            = [["service"], ["service", "outcome"]]
            metric_name_selectors = ["^http_server_requests_seconds"]
          },
          {
            dimensions            = [["service"]]
            metric_name_selectors = ["^agroal_", "^process_cpu_usage"]
          },
          {
            dimensions            = [["service", "area"]]
            metric_name_selectors = ["^jvm_memory_used_bytes"]
          },
        ]
      }
    }
    service = {
      pipelines = {
        metrics = { receivers = ["prometheus"], processors = ["filter/keycloak", "resourcedetection", "batch"], exporters = ["awsemf"] }
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
    logConfiguration = merge(local.keycloak_container.logConfiguration, {
      options = merge(local.keycloak_container.logConfiguration.options, { "awslogs-stream-prefix" = "otel-collector" })
    })
  }

  # With the collector, Keycloak's container gets the rest of the task's memory as its limit, so
  # that its heap (a share of the container's memory) leaves the collector room.
  container_definitions = var.enable_metrics_collector ? jsonencode([
    merge(local.keycloak_container, { memory = var.memory - var.collector_memory }),
    local.collector_container,
  ]) : jsonencode([local.keycloak_container])

  metrics_log_group = "/ecs/${var.name}/keycloak-metrics"

  injected_secret_arns = [
    var.db_secret_arn,
    aws_secretsmanager_secret.admin.arn,
    aws_secretsmanager_secret.client.arn,
    aws_secretsmanager_secret.smtp.arn,
  ]

  restrict_admin = var.admin_console_allowed_cidrs != null
}

# --------------------------------------------------------------------------------------------
# Generated secrets: the storefront client's secret and the bootstrap admin
# --------------------------------------------------------------------------------------------

# Letters and digits only: the value is substituted verbatim into the realm's JSON at import.
ephemeral "aws_secretsmanager_random_password" "client" {
  password_length     = 48
  exclude_punctuation = true
}

resource "aws_secretsmanager_secret" "client" {
  #checkov:skip=CKV2_AWS_57:The client secret lives in Keycloak's database too; rotating it means regenerating it in Keycloak and updating this secret together (RUNBOOK), which a rotation Lambda cannot do safely.
  name                    = "${local.secret_prefix}/oidc-client-secret"
  description             = "Secret of the ${var.oidc_client_id} OIDC client in Keycloak's ${local.realm_name} realm (OIDC_RP_CLIENT_SECRET of the shop)"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.secret_recovery_window_days

  tags = { Name = "${local.secret_prefix}/oidc-client-secret" }
}

resource "aws_secretsmanager_secret_version" "client" {
  secret_id                = aws_secretsmanager_secret.client.id
  secret_string_wo         = ephemeral.aws_secretsmanager_random_password.client.random_password
  secret_string_wo_version = 1
}

ephemeral "aws_secretsmanager_random_password" "admin" {
  password_length     = 32
  exclude_punctuation = true
}

resource "aws_secretsmanager_secret" "admin" {
  #checkov:skip=CKV2_AWS_57:The bootstrap admin is used once to create a permanent administrator and is then deleted (RUNBOOK); Keycloak ignores the variable once the master realm has an admin.
  name                    = "${local.secret_prefix}/keycloak-admin"
  description             = "Keycloak's temporary bootstrap admin (master realm) of ${var.name}: JSON {username, password}"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.secret_recovery_window_days

  tags = { Name = "${local.secret_prefix}/keycloak-admin" }
}

resource "aws_secretsmanager_secret_version" "admin" {
  secret_id = aws_secretsmanager_secret.admin.id
  secret_string_wo = jsonencode({
    username = var.admin_username
    password = ephemeral.aws_secretsmanager_random_password.admin.random_password
  })
  secret_string_wo_version = 1
}

# The SMTP relay's credentials (e.g. Amazon SES SMTP credentials), JSON {username, password}:
# not generated, the relay issues them. An operator puts the value before Keycloak's first start
# (RUNBOOK); ECS does not start the task while the secret has none.
resource "aws_secretsmanager_secret" "smtp" {
  #checkov:skip=CKV2_AWS_57:The SMTP relay issues these credentials (SES derives them from an IAM key); they are rotated there and then put here by hand (RUNBOOK), which a rotation Lambda cannot do.
  name                    = "${local.secret_prefix}/keycloak-smtp"
  description             = "Credentials of the SMTP relay ${var.smtp_host} that Keycloak of ${var.name} sends verification and password-reset e-mails through: JSON {username, password}"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.secret_recovery_window_days

  tags = { Name = "${local.secret_prefix}/keycloak-smtp" }
}

# --------------------------------------------------------------------------------------------
# Logs and IAM
# --------------------------------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "this" {
  name              = local.log_group
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn

  tags = { Name = local.log_group }
}

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
  name               = "${var.name}-keycloak-execution"
  description        = "ECS agent of the Keycloak tasks: write logs, inject the database, admin, client and SMTP secrets"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json

  tags = { Name = "${var.name}-keycloak-execution" }
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }
  statement {
    sid       = "InjectedSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = local.injected_secret_arns
  }
  statement {
    sid       = "DecryptInjectedSecrets"
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
      values   = local.injected_secret_arns
    }
  }

  dynamic "statement" {
    for_each = var.image_repository_arn == null ? [] : [var.image_repository_arn]
    content {
      sid       = "EcrAuth"
      actions   = ["ecr:GetAuthorizationToken"]
      resources = ["*"] # this action has no resource-level permissions
    }
  }
  dynamic "statement" {
    for_each = var.image_repository_arn == null ? [] : [var.image_repository_arn]
    content {
      sid       = "EcrPull"
      actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "execution"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

# The metrics collector's (enable_metrics_collector): write its embedded-metric-format lines to
# their log group, nothing else. Keycloak itself calls no AWS API.
resource "aws_cloudwatch_log_group" "metrics" {
  #checkov:skip=CKV_AWS_338:Holds only the collector's embedded-metric-format lines; CloudWatch keeps the metrics extracted from them for 15 months, so a year of the raw lines adds cost and no record (metrics_log_retention_days, default 7).
  count = var.enable_metrics_collector ? 1 : 0

  name              = local.metrics_log_group
  retention_in_days = var.metrics_log_retention_days
  kms_key_id        = var.kms_key_arn

  tags = { Name = local.metrics_log_group }
}

resource "aws_iam_role" "task" {
  count = var.enable_metrics_collector ? 1 : 0

  name               = "${var.name}-keycloak-task"
  description        = "Keycloak tasks' metrics collector: write Keycloak's metrics to CloudWatch (embedded metric format)"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json

  tags = { Name = "${var.name}-keycloak-task" }
}

data "aws_iam_policy_document" "task" {
  count = var.enable_metrics_collector ? 1 : 0

  statement {
    sid       = "MetricsLogStreams"
    actions   = ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]
    resources = [aws_cloudwatch_log_group.metrics[0].arn, "${aws_cloudwatch_log_group.metrics[0].arn}:*"]
  }
}

resource "aws_iam_role_policy" "task" {
  count = var.enable_metrics_collector ? 1 : 0

  name   = "task"
  role   = aws_iam_role.task[0].id
  policy = data.aws_iam_policy_document.task[0].json
}

# --------------------------------------------------------------------------------------------
# Task definition
# --------------------------------------------------------------------------------------------

resource "aws_ecs_task_definition" "this" {
  #checkov:skip=CKV_AWS_336:The official image re-augments Quarkus at start (build options differ from the image's) and writes the realm into data/import, both under /opt/keycloak; a read-only root needs a derived, pre-built image.
  family                   = local.service_name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = var.enable_metrics_collector ? aws_iam_role.task[0].arn : null
  container_definitions    = local.container_definitions

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  tags = { Name = local.service_name }

  lifecycle {
    precondition {
      # ECS refuses task definitions above 64 KiB; the realm travels inside as an env variable.
      condition     = length(local.container_definitions) < 60000
      error_message = "The container definition (with the realm JSON) is too large for ECS (64 KiB); shrink the realm file."
    }
  }
}

# --------------------------------------------------------------------------------------------
# Network: security group, target group, listener rules
# --------------------------------------------------------------------------------------------

resource "aws_security_group" "tasks" {
  name        = "${var.name}-keycloak-tasks"
  description = "Keycloak tasks of ${var.name}: 8080/9000 from the ALB, jgroups between tasks"
  vpc_id      = var.vpc_id

  tags = { Name = "${var.name}-keycloak-tasks" }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "http_from_alb" {
  security_group_id            = aws_security_group.tasks.id
  description                  = "Keycloak HTTP from the ALB"
  ip_protocol                  = "tcp"
  from_port                    = 8080
  to_port                      = 8080
  referenced_security_group_id = var.alb_security_group_id
}

resource "aws_vpc_security_group_ingress_rule" "management_from_alb" {
  security_group_id            = aws_security_group.tasks.id
  description                  = "Management port (health checks) from the ALB"
  ip_protocol                  = "tcp"
  from_port                    = 9000
  to_port                      = 9000
  referenced_security_group_id = var.alb_security_group_id
}

resource "aws_vpc_security_group_ingress_rule" "jgroups" {
  for_each = { data = 7800, failure_detection = 57800 }

  security_group_id            = aws_security_group.tasks.id
  description                  = "jgroups ${each.key} between Keycloak tasks (jdbc-ping stack, TLS)"
  ip_protocol                  = "tcp"
  from_port                    = each.value
  to_port                      = each.value
  referenced_security_group_id = aws_security_group.tasks.id
}

resource "aws_vpc_security_group_egress_rule" "jgroups" {
  for_each = { data = 7800, failure_detection = 57800 }

  security_group_id            = aws_security_group.tasks.id
  description                  = "jgroups ${each.key} to the other Keycloak tasks"
  ip_protocol                  = "tcp"
  from_port                    = each.value
  to_port                      = each.value
  referenced_security_group_id = aws_security_group.tasks.id
}

resource "aws_vpc_security_group_egress_rule" "postgres" {
  security_group_id            = aws_security_group.tasks.id
  description                  = "PostgreSQL (RDS)"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = var.database_security_group_id
}

resource "aws_vpc_security_group_egress_rule" "https" {
  #checkov:skip=CKV_AWS_382:HTTPS only: image pull from quay.io and AWS APIs (CloudWatch Logs, Secrets Manager) through the NAT gateway; their addresses are not fixed.
  security_group_id = aws_security_group.tasks.id
  description       = "HTTPS for the image pull and AWS APIs"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "smtp" {
  #checkov:skip=CKV_AWS_382:SMTP submission with STARTTLS to the mail relay (e.g. Amazon SES's endpoint) through the NAT gateway; its addresses are not fixed.
  security_group_id = aws_security_group.tasks.id
  description       = "SMTP submission (STARTTLS) to the mail relay"
  ip_protocol       = "tcp"
  from_port         = var.smtp_port
  to_port           = var.smtp_port
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_lb_target_group" "this" {
  #checkov:skip=CKV_AWS_378:TLS ends at the ALB; targets sit in private subnets and admit port 8080 from the ALB's security group only. The ALB does not verify target certificates, so re-encrypting would add a self-signed certificate per task for little gain.
  name                          = "${var.name}-kc"
  target_type                   = "ip"
  protocol                      = "HTTP"
  port                          = 8080
  vpc_id                        = var.vpc_id
  load_balancing_algorithm_type = "least_outstanding_requests"
  deregistration_delay          = 30 # below the container's stopTimeout (60 s)

  # Keeps a browser's login flow on one node; the distributed caches make it an optimisation.
  stickiness {
    type            = "lb_cookie"
    enabled         = true
    cookie_duration = 3600
  }

  # Readiness on the management interface, which the ALB never routes traffic to.
  health_check {
    enabled             = true
    protocol            = "HTTP"
    port                = "9000"
    path                = "/health/ready"
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  tags = { Name = "${var.name}-kc" }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_lb_listener_rule" "admin_allowed" {
  count = local.restrict_admin ? 1 : 0

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
  condition {
    path_pattern {
      values = ["/admin/*"]
    }
  }
  condition {
    source_ip {
      values = var.admin_console_allowed_cidrs
    }
  }

  tags = { Name = "${var.name}-keycloak-admin-allowed" }
}

resource "aws_lb_listener_rule" "admin_denied" {
  count = local.restrict_admin ? 1 : 0

  listener_arn = var.https_listener_arn
  priority     = var.listener_rule_priority + 1

  action {
    type = "fixed-response"
    fixed_response {
      content_type = "text/plain"
      message_body = "Forbidden"
      status_code  = "403"
    }
  }

  condition {
    host_header {
      values = [var.host_name]
    }
  }
  condition {
    path_pattern {
      values = ["/admin/*"]
    }
  }

  tags = { Name = "${var.name}-keycloak-admin-denied" }
}

resource "aws_lb_listener_rule" "this" {
  listener_arn = var.https_listener_arn
  priority     = local.restrict_admin ? var.listener_rule_priority + 2 : var.listener_rule_priority

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this.arn
  }

  condition {
    host_header {
      values = [var.host_name]
    }
  }

  tags = { Name = "${var.name}-keycloak" }
}

# --------------------------------------------------------------------------------------------
# Service
# --------------------------------------------------------------------------------------------

resource "aws_ecs_service" "this" {
  name                               = local.service_name
  cluster                            = var.cluster_arn
  task_definition                    = aws_ecs_task_definition.this.arn
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
    container_name   = "keycloak"
    container_port   = 8080
  }

  tags = { Name = local.service_name }

  depends_on = [aws_lb_listener_rule.this, aws_iam_role_policy.execution, aws_secretsmanager_secret_version.admin, aws_secretsmanager_secret_version.client]
}
