variable "name" {
  description = "Prefix for resource names, e.g. \"ecommerce-dev\". Bucket names get the account id and region appended."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,22}[a-z0-9]$", var.name))
    error_message = "name must be 3-24 characters of lower-case letters, digits and hyphens (the ALB name is \"<name>-alb\", at most 32 characters)."
  }
}

variable "vpc_id" {
  description = "VPC of the load balancer and its targets."
  type        = string
}

variable "public_subnet_ids" {
  description = "Public subnets for the internet-facing ALB, in at least two availability zones."
  type        = list(string)

  validation {
    condition     = length(var.public_subnet_ids) >= 2
    error_message = "An ALB needs subnets in at least two availability zones."
  }
}

variable "certificate_arn" {
  description = "ACM certificate (in the ALB's region) covering shop_host_name and keycloak_host_name."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm:", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate ARN."
  }
}

variable "shop_host_name" {
  description = "Public host name of the shop, e.g. shop.example.com (used for the optional Route 53 record)."
  type        = string
}

variable "keycloak_host_name" {
  description = "Public host name of Keycloak, e.g. sso.example.com (used for the optional Route 53 record)."
  type        = string
}

variable "route53_zone_id" {
  description = "Route 53 hosted zone for alias A/AAAA records of both host names to the ALB; null creates no records."
  type        = string
  default     = null
}

variable "alb_deletion_protection" {
  description = "Turn on the ALB's deletion protection (turn off in throwaway environments)."
  type        = bool
  default     = true
}

variable "access_log_retention_days" {
  description = "Days ALB access logs (and the media bucket's S3 server access logs) are kept before expiry."
  type        = number
  default     = 90

  validation {
    condition     = var.access_log_retention_days >= 1
    error_message = "access_log_retention_days must be at least 1."
  }
}

variable "idle_timeout" {
  description = "ALB idle timeout in seconds. Keep it below gunicorn's keep-alive (75 s) so the ALB, not gunicorn, closes idle connections."
  type        = number
  default     = 60

  validation {
    condition     = var.idle_timeout >= 1 && var.idle_timeout < 75
    error_message = "idle_timeout must be between 1 and 74 seconds (below GUNICORN_KEEPALIVE, 75 s)."
  }
}

variable "enable_cloudfront" {
  description = "Serve the media bucket through a CloudFront distribution with origin access control. When false, media_domain_name is the bucket's regional domain (the bucket stays private: serve it some other way)."
  type        = bool
  default     = true
}

variable "ssl_policy" {
  description = "TLS policy of the HTTPS listener. The default offers TLS 1.3 and TLS 1.2 with forward-secret AEAD ciphers only."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"

  validation {
    condition     = startswith(var.ssl_policy, "ELBSecurityPolicy-TLS13-")
    error_message = "Use one of the ELBSecurityPolicy-TLS13-* policies (TLS 1.3 capable)."
  }
}

variable "enable_waf" {
  description = "Attach a regional WAFv2 web ACL to the ALB: AWS managed rule groups (common, known bad inputs incl. Log4j, IP reputation, SQL injection) and a per-IP rate limit, with logs to CloudWatch."
  type        = bool
  default     = true
}

variable "waf_rate_limit" {
  description = "Requests per 5 minutes from one IP address before the WAF blocks it (only with enable_waf)."
  type        = number
  default     = 2000

  validation {
    condition     = var.waf_rate_limit >= 100
    error_message = "WAF rate-based rules need a limit of at least 100."
  }
}

variable "waf_managed_rules_action" {
  description = "What the AWS managed rule groups do with a matching request: \"block\" (their own actions) or \"count\" (only counted and logged, to try them on live traffic first)."
  type        = string
  default     = "block"

  validation {
    condition     = contains(["block", "count"], var.waf_managed_rules_action)
    error_message = "waf_managed_rules_action must be \"block\" or \"count\"."
  }
}

variable "waf_max_body_kb" {
  description = "Largest request body (KiB, by Content-Length) the WAF lets through outside waf_large_body_path_prefix; the shop's own limit (DJANGO_MAX_REQUEST_BODY_KB, 256)."
  type        = number
  default     = 256

  validation {
    condition     = var.waf_max_body_kb >= 8 && floor(var.waf_max_body_kb) == var.waf_max_body_kb
    error_message = "waf_max_body_kb must be a whole number of at least 8 (WAF inspects 8 KB of a body)."
  }
}

variable "waf_max_large_body_mb" {
  description = "Largest request body (MiB, by Content-Length) the WAF lets through on any path (the admin's picture uploads); the shop's own limit (DJANGO_MAX_UPLOAD_MB, 10)."
  type        = number
  default     = 10

  validation {
    condition     = var.waf_max_large_body_mb >= 1 && floor(var.waf_max_large_body_mb) == var.waf_max_large_body_mb
    error_message = "waf_max_large_body_mb must be a whole number of at least 1."
  }
}

variable "waf_large_body_path_prefix" {
  description = "Path prefix where bodies up to waf_max_large_body_mb are let through (the Django admin's image forms; Keycloak's admin API is under /admin/ too)."
  type        = string
  default     = "/admin/"

  validation {
    condition     = startswith(var.waf_large_body_path_prefix, "/")
    error_message = "waf_large_body_path_prefix must start with \"/\"."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for the WAF log group (CloudWatch Logs). Not used for S3: ALB access logs require SSE-S3, and the media bucket uses SSE-S3 so CloudFront's OAC needs no KMS grant."
  type        = string
  default     = null
}

variable "log_retention_days" {
  description = "Retention of the WAF log group in days."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ...)."
  }
}

variable "media_noncurrent_version_days" {
  description = "Days an overwritten or deleted media object's old version is kept (the media bucket is versioned)."
  type        = number
  default     = 30

  validation {
    condition     = var.media_noncurrent_version_days >= 1
    error_message = "media_noncurrent_version_days must be at least 1."
  }
}

variable "cloudfront_price_class" {
  description = "CloudFront price class of the media distribution."
  type        = string
  default     = "PriceClass_100"

  validation {
    condition     = contains(["PriceClass_100", "PriceClass_200", "PriceClass_All"], var.cloudfront_price_class)
    error_message = "cloudfront_price_class must be PriceClass_100, PriceClass_200 or PriceClass_All."
  }
}

variable "media_host_name" {
  description = "Optional own host name for the media distribution (e.g. media.example.com); needs media_certificate_arn. null serves media on the distribution's *.cloudfront.net domain."
  type        = string
  default     = null
}

variable "media_certificate_arn" {
  description = "ACM certificate in us-east-1 for media_host_name (CloudFront only takes certificates from us-east-1)."
  type        = string
  default     = null

  validation {
    condition     = var.media_certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:us-east-1:", var.media_certificate_arn))
    error_message = "media_certificate_arn must be an ACM certificate in us-east-1."
  }
}

variable "force_destroy_buckets" {
  description = "Let terraform destroy delete the log and media buckets with their objects. Keep false in production."
  type        = bool
  default     = false
}
