# Production: the values of deployment-docs/rds-implementation-summary.md ("Terraform Variables")
# with Multi-AZ and deletion protection on, and the deployment strategy's db.t3.medium.
environment = "prod"
aws_region  = "us-east-1"

# Your host names and certificate are not here: `terraform apply` asks for shop_host_name,
# keycloak_host_name and certificate_arn, or read them from a file of yours (-var-file).
alarm_email = ""

rds_instance_class = "db.t3.medium"
# 15.x: the document's 15.4 is retired on RDS; a major version lets RDS pick and patch the minor.
rds_engine_version          = "15"
rds_allocated_storage       = 20
rds_max_allocated_storage   = 100
rds_multi_az                = true
rds_backup_retention_period = 7
rds_deletion_protection     = true
rds_create_read_replica     = true

# A zone outage must not take the way out (NAT) or the cache with it.
single_nat_gateway       = false
cache_num_cache_clusters = 2
keycloak_desired_count   = 2
alb_deletion_protection  = true
