# Development: the values of deployment-docs/rds-implementation-summary.md ("Terraform Variables").
environment = "dev"
aws_region  = "us-east-1"

# Your host names and certificate are not here: `terraform apply` asks for shop_host_name,
# keycloak_host_name and certificate_arn, or read them from a file of yours (-var-file).

rds_instance_class = "db.t3.micro"
# 15.x: the document's 15.4 is retired on RDS; a major version lets RDS pick and patch the minor.
rds_engine_version          = "15"
rds_allocated_storage       = 20
rds_max_allocated_storage   = 100
rds_multi_az                = false
rds_backup_retention_period = 7
rds_deletion_protection     = false

# A development environment can be torn down with `terraform destroy`.
alb_deletion_protection = false
force_destroy_buckets   = true
shop_desired_count      = 1
shop_min_capacity       = 1
shop_max_capacity       = 2
