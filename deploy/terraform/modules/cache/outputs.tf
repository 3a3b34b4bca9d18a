output "primary_endpoint_address" {
  description = "Host name of the primary (follows failovers); null when create_replication_group is false."
  value       = one(aws_elasticache_replication_group.this[*].primary_endpoint_address)
}

output "reader_endpoint_address" {
  description = "Host name spreading reads over the replicas."
  value       = one(aws_elasticache_replication_group.this[*].reader_endpoint_address)
}

output "port" {
  description = "Redis port."
  value       = local.port
}

output "replication_group_id" {
  description = "Id of the replication group."
  value       = one(aws_elasticache_replication_group.this[*].id)
}

output "member_cluster_ids" {
  description = "Node ids (CloudWatch dimension CacheClusterId)."
  value       = local.member_ids
}

output "security_group_id" {
  description = "Security group of the cache (6379 admitted from allowed_security_group_ids)."
  value       = aws_security_group.cache.id
}

output "auth_token_secret_arn" {
  description = "ARN of the secret holding the auth token."
  value       = aws_secretsmanager_secret.auth_token.arn
}

output "redis_url_secret_arn" {
  description = "ARN of the secret holding REDIS_URL (rediss://:TOKEN@HOST:6379/0); inject it into the shop's container."
  value       = aws_secretsmanager_secret.redis_url.arn
}
