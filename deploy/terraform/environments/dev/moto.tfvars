# Only for the test that applies this environment against moto's server
# (tests/deploy/test_terraform_apply.py): each line switches off what moto cannot emulate.
# The switched-off parts are checked in the plan's JSON instead.

# moto has no Serverless Application Repository, which deploys AWS's rotation function.
rds_enable_user_rotation = false

# moto's Application Auto Scaling has no ListTagsForResource, which the provider calls after creating.
shop_enable_autoscaling = false

# moto creates no member clusters for a replication group (the provider reads them back) and
# cannot delete a cache subnet group.
cache_create_replication_group = false
