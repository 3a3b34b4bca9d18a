output "vpc_id" {
  description = "Id of the VPC (created here, or existing_vpc_id)."
  value       = local.create ? aws_vpc.this[0].id : var.existing_vpc_id
}

output "vpc_cidr_block" {
  description = "IPv4 CIDR block of the VPC (for the existing VPC, read from AWS)."
  value       = local.create ? aws_vpc.this[0].cidr_block : data.aws_vpc.existing[0].cidr_block
}

output "public_subnet_ids" {
  description = "Public subnet ids, one per zone (ALB)."
  value       = local.create ? aws_subnet.public[*].id : var.existing_public_subnet_ids
}

output "private_subnet_ids" {
  description = "Private subnet ids, one per zone (ECS tasks, RDS, ElastiCache, rotation Lambda)."
  value       = local.create ? aws_subnet.private[*].id : var.existing_private_subnet_ids
}

output "availability_zones" {
  description = "Zones of the created subnets (empty when an existing VPC is used)."
  value       = local.azs
}

output "private_route_table_ids" {
  description = "Route tables of the private subnets, e.g. for more gateway endpoints (empty when an existing VPC is used)."
  value       = aws_route_table.private[*].id
}

output "nat_gateway_public_ips" {
  description = "Public IPs the private subnets use for outbound traffic, e.g. for allow-lists of outside services (empty when an existing VPC is used)."
  value       = aws_eip.nat[*].public_ip
}

output "flow_log_group_name" {
  description = "CloudWatch log group of the VPC flow logs (null when an existing VPC is used)."
  value       = one(aws_cloudwatch_log_group.flow_logs[*].name)
}
