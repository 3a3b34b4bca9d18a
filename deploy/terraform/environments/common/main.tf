# The whole system of deployment-docs/aws-deployment-strategy.md for one environment: one RDS
# server holding the shop's and Keycloak's databases, the shop and Keycloak as ECS services
# behind one ALB, Redis, product images on S3 through CloudFront, alarms and a dashboard.
# environments/dev and environments/prod link to these files and differ only in terraform.tfvars.

locals {
  name          = "${var.project}-${var.environment}"
  secret_prefix = "${var.project}/${var.environment}"
  keycloak_url  = "https://${var.keycloak_host_name}"
  realm_file    = "${path.module}/../../../keycloak/realm-shop.json"
}

module "kms" {
  source = "../../modules/kms"
  name   = local.name
}

module "network" {
  source = "../../modules/network"

  name                        = local.name
  cidr_block                  = var.vpc_cidr
  az_count                    = var.az_count
  single_nat_gateway          = var.single_nat_gateway
  existing_vpc_id             = var.existing_vpc_id
  existing_public_subnet_ids  = var.existing_public_subnet_ids
  existing_private_subnet_ids = var.existing_private_subnet_ids
  flow_log_retention_days     = var.log_retention_days
  kms_key_arn                 = module.kms.key_arn
}

module "edge" {
  source = "../../modules/edge"

  name                    = local.name
  vpc_id                  = module.network.vpc_id
  public_subnet_ids       = module.network.public_subnet_ids
  certificate_arn         = var.certificate_arn
  shop_host_name          = var.shop_host_name
  keycloak_host_name      = var.keycloak_host_name
  route53_zone_id         = var.route53_zone_id
  alb_deletion_protection = var.alb_deletion_protection
  force_destroy_buckets   = var.force_destroy_buckets
  enable_cloudfront       = var.enable_cloudfront
  kms_key_arn             = module.kms.key_arn

  waf_managed_rules_action = var.waf_managed_rules_action
  log_retention_days       = var.log_retention_days
}

module "rds" {
  source = "../../modules/rds"

  name          = local.name
  secret_prefix = local.secret_prefix
  vpc_id        = module.network.vpc_id
  subnet_ids    = module.network.private_subnet_ids
  kms_key_arn   = module.kms.key_arn
  allowed_security_group_ids = {
    shop     = module.shop.security_group_id
    keycloak = module.keycloak.security_group_id
  }

  instance_class          = var.rds_instance_class
  engine_version          = var.rds_engine_version
  allocated_storage       = var.rds_allocated_storage
  max_allocated_storage   = var.rds_max_allocated_storage
  multi_az                = var.rds_multi_az
  backup_retention_period = var.rds_backup_retention_period
  backup_window           = var.rds_backup_window
  maintenance_window      = var.rds_maintenance_window
  deletion_protection     = var.rds_deletion_protection
  create_read_replica     = var.rds_create_read_replica
  enable_user_rotation    = var.rds_enable_user_rotation
  alarm_email             = var.alarm_email
  log_retention_days      = var.log_retention_days
}

module "cache" {
  source = "../../modules/cache"

  name                       = local.name
  secret_prefix              = local.secret_prefix
  vpc_id                     = module.network.vpc_id
  subnet_ids                 = module.network.private_subnet_ids
  allowed_security_group_ids = { shop = module.shop.security_group_id }
  kms_key_arn                = module.kms.key_arn
  node_type                  = var.cache_node_type
  num_cache_clusters         = var.cache_num_cache_clusters
  create_replication_group   = var.cache_create_replication_group
  auth_token_version         = var.cache_auth_token_version
  alarm_topic_arn            = module.rds.alarm_topic_arn
  log_retention_days         = var.log_retention_days
}

module "keycloak" {
  source = "../../modules/keycloak_service"

  name                        = local.name
  secret_prefix               = local.secret_prefix
  aws_region                  = var.aws_region
  cluster_arn                 = module.shop.cluster_arn
  vpc_id                      = module.network.vpc_id
  private_subnet_ids          = module.network.private_subnet_ids
  alb_security_group_id       = module.edge.alb_security_group_id
  https_listener_arn          = module.edge.https_listener_arn
  listener_rule_priority      = 20
  host_name                   = var.keycloak_host_name
  shop_host_name              = var.shop_host_name
  image                       = var.keycloak_image
  desired_count               = var.keycloak_desired_count
  admin_console_allowed_cidrs = var.keycloak_admin_console_allowed_cidrs
  cpu                         = var.keycloak_cpu
  memory                      = var.keycloak_memory
  db_host                     = module.rds.address
  db_port                     = module.rds.port
  db_name                     = module.rds.keycloak_db_name
  db_secret_arn               = module.rds.keycloak_secret_arn
  database_security_group_id  = module.rds.security_group_id
  realm_file                  = local.realm_file
  smtp_host                   = coalesce(var.keycloak_smtp_host, "email-smtp.${var.aws_region}.amazonaws.com")
  smtp_port                   = var.keycloak_smtp_port
  smtp_from                   = coalesce(var.keycloak_smtp_from, "no-reply@${var.shop_host_name}")
  kms_key_arn                 = module.kms.key_arn
  log_retention_days          = var.log_retention_days
  enable_metrics_collector    = var.keycloak_enable_metrics_collector
}

module "shop" {
  source = "../../modules/shop_service"

  name                   = local.name
  secret_prefix          = local.secret_prefix
  aws_region             = var.aws_region
  vpc_id                 = module.network.vpc_id
  private_subnet_ids     = module.network.private_subnet_ids
  alb_security_group_id  = module.edge.alb_security_group_id
  https_listener_arn     = module.edge.https_listener_arn
  alb_arn_suffix         = module.edge.alb_arn_suffix
  listener_rule_priority = 10
  host_name              = var.shop_host_name
  image                  = var.shop_image
  image_tag              = var.shop_image_tag
  desired_count          = var.shop_desired_count
  min_capacity           = var.shop_min_capacity
  max_capacity           = var.shop_max_capacity
  enable_autoscaling     = var.shop_enable_autoscaling
  cpu                    = var.shop_cpu
  memory                 = var.shop_memory

  staff_emails              = var.shop_staff_emails
  from_email                = var.shop_from_email
  enable_scheduled_tasks    = var.shop_enable_scheduled_tasks
  housekeeping_schedule     = var.shop_housekeeping_schedule
  low_stock_digest_schedule = var.shop_low_stock_digest_schedule
  low_stock_digest_timezone = var.shop_low_stock_digest_timezone

  db_host         = module.rds.address
  db_port         = module.rds.port
  db_name         = module.rds.app_db_name
  db_username     = module.rds.app_db_user
  db_secret_arn   = module.rds.app_secret_arn
  db_secret_name  = module.rds.app_secret_name
  db_replica_host = module.rds.replica_address

  database_security_group_id = module.rds.security_group_id
  cache_security_group_id    = module.cache.security_group_id
  bootstrap_secret_arns = {
    master   = module.rds.master_user_secret_arn
    app      = module.rds.app_secret_arn
    keycloak = module.rds.keycloak_secret_arn
    backup   = module.rds.backup_secret_arn
  }

  media_bucket_name      = module.edge.media_bucket_name
  media_bucket_arn       = module.edge.media_bucket_arn
  media_domain_name      = module.edge.media_domain_name
  keycloak_url           = local.keycloak_url
  keycloak_realm         = module.keycloak.realm
  oidc_client_id         = module.keycloak.oidc_client_id
  oidc_client_secret_arn = module.keycloak.oidc_client_secret_arn
  redis_url_secret_arn   = module.cache.redis_url_secret_arn
  kms_key_arn            = module.kms.key_arn
  log_retention_days     = var.log_retention_days
  metrics_namespace      = var.metrics_namespace
  enable_tracing         = var.shop_enable_tracing
}

module "monitoring" {
  source = "../../modules/monitoring"

  name                       = local.name
  aws_region                 = var.aws_region
  alb_arn_suffix             = module.edge.alb_arn_suffix
  cluster_name               = module.shop.cluster_name
  db_instance_identifier     = module.rds.instance_identifier
  replica_identifier         = module.rds.replica_identifier
  cache_replication_group_id = module.cache.replication_group_id
  alarm_topic_arn            = module.rds.alarm_topic_arn
  metrics_namespace          = var.metrics_namespace
  keycloak_metrics_namespace = module.keycloak.metrics_namespace
  shop_thresholds            = var.shop_alarm_thresholds
  target_group_arn_suffixes = {
    shop     = module.shop.target_group_arn_suffix
    keycloak = module.keycloak.target_group_arn_suffix
  }
  service_names = {
    shop     = module.shop.service_name
    keycloak = module.keycloak.service_name
  }
}
