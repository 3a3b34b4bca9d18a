variable "name" {
  description = "Prefix for resource names and Name tags, e.g. \"ecommerce-dev\"."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,38}[a-z0-9]$", var.name))
    error_message = "name must be 3-40 characters of lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "cidr_block" {
  description = "IPv4 CIDR of the new VPC. Ignored when existing_vpc_id is set."
  type        = string
  default     = "10.0.0.0/16"

  validation {
    condition     = can(cidrhost(var.cidr_block, 0)) && tonumber(split("/", var.cidr_block)[1]) >= 16 && tonumber(split("/", var.cidr_block)[1]) <= 24
    error_message = "cidr_block must be a valid IPv4 CIDR between /16 and /24."
  }
}

variable "az_count" {
  description = "Number of availability zones to spread the public and private subnets over (one subnet of each kind per zone). Ignored when existing_vpc_id is set."
  type        = number
  default     = 2

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 6 && floor(var.az_count) == var.az_count
    error_message = "az_count must be a whole number from 2 to 6: the ALB, Multi-AZ RDS and ElastiCache failover all need at least two zones."
  }
}

variable "subnet_newbits" {
  description = "Bits added to the VPC prefix for each subnet (4 turns a /16 into /20 subnets of 4,096 addresses). Public subnets take the first az_count slots, private subnets the slots from half of the range on."
  type        = number
  default     = 4

  validation {
    condition     = var.subnet_newbits >= 2 && var.subnet_newbits <= 8
    error_message = "subnet_newbits must be between 2 and 8."
  }
}

variable "single_nat_gateway" {
  description = "true: one NAT gateway for all private subnets (cheaper, but private subnets lose outbound traffic when its zone fails; fine for dev). false: one NAT gateway per zone (production)."
  type        = bool
  default     = false
}

variable "enable_s3_gateway_endpoint" {
  description = "Add a (free) S3 gateway endpoint to the private route tables, so that ECR image layers and media uploads do not pass through the NAT gateways."
  type        = bool
  default     = true
}

variable "flow_log_retention_days" {
  description = "Days the VPC flow logs are kept in CloudWatch Logs. Must be a value CloudWatch Logs accepts."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_log_retention_days)
    error_message = "flow_log_retention_days must be one of the retention periods CloudWatch Logs supports (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, ...)."
  }
}

variable "flow_log_traffic_type" {
  description = "Which traffic the flow logs record: ALL, ACCEPT or REJECT."
  type        = string
  default     = "ALL"

  validation {
    condition     = contains(["ALL", "ACCEPT", "REJECT"], var.flow_log_traffic_type)
    error_message = "flow_log_traffic_type must be ALL, ACCEPT or REJECT."
  }
}

variable "kms_key_arn" {
  description = "ARN of the customer-managed KMS key that encrypts the flow-log group (its key policy must allow CloudWatch Logs in this region). Unused when existing_vpc_id is set."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>)."
  }
}

variable "existing_vpc_id" {
  description = "Id of an existing VPC to use instead of creating one. When set, this module creates nothing and only passes the given ids through."
  type        = string
  default     = null

  validation {
    condition     = var.existing_vpc_id == null || can(regex("^vpc-[0-9a-f]+$", var.existing_vpc_id))
    error_message = "existing_vpc_id must look like vpc-0123456789abcdef0."
  }
}

variable "existing_public_subnet_ids" {
  description = "Public subnets (routed to an internet gateway) of the existing VPC, in two or more zones; used for the ALB. Only with existing_vpc_id."
  type        = list(string)
  default     = []

  validation {
    condition     = var.existing_vpc_id == null ? length(var.existing_public_subnet_ids) == 0 : length(var.existing_public_subnet_ids) >= 2
    error_message = "Give at least two existing_public_subnet_ids together with existing_vpc_id, and none without it."
  }
}

variable "existing_private_subnet_ids" {
  description = "Private subnets (outbound through NAT or VPC endpoints) of the existing VPC, in two or more zones; used for tasks, database and cache. Only with existing_vpc_id."
  type        = list(string)
  default     = []

  validation {
    condition     = var.existing_vpc_id == null ? length(var.existing_private_subnet_ids) == 0 : length(var.existing_private_subnet_ids) >= 2
    error_message = "Give at least two existing_private_subnet_ids together with existing_vpc_id, and none without it."
  }
}
