output "alb_arn" {
  description = "ARN of the public Application Load Balancer."
  value       = aws_lb.this.arn
}

output "alb_arn_suffix" {
  description = "ARN suffix of the ALB (app/<name>/<id>), the LoadBalancer dimension of its CloudWatch metrics."
  value       = aws_lb.this.arn_suffix
}

output "alb_dns_name" {
  description = "DNS name of the ALB (point the host names at it when route53_zone_id is null)."
  value       = aws_lb.this.dns_name
}

output "alb_zone_id" {
  description = "Route 53 zone id of the ALB, for alias records."
  value       = aws_lb.this.zone_id
}

output "alb_security_group_id" {
  description = "Security group of the ALB; services admit their ports from it only."
  value       = aws_security_group.alb.id
}

output "https_listener_arn" {
  description = "HTTPS listener; services attach their host-header rules to it."
  value       = aws_lb_listener.https.arn
}

output "http_listener_arn" {
  description = "HTTP listener (redirects everything to HTTPS)."
  value       = aws_lb_listener.http.arn
}

output "media_bucket_name" {
  description = "Name of the private media bucket (AWS_STORAGE_BUCKET_NAME)."
  value       = aws_s3_bucket.media.id
}

output "media_bucket_arn" {
  description = "ARN of the media bucket, for the shop task role's policy."
  value       = aws_s3_bucket.media.arn
}

output "media_domain_name" {
  description = "Domain serving media (AWS_S3_CUSTOM_DOMAIN): media_host_name or the CloudFront domain, or the bucket's regional domain when CloudFront is off."
  value       = local.media_domain_name
}

output "cloudfront_distribution_id" {
  description = "Id of the media CloudFront distribution (null when enable_cloudfront is false), for invalidations."
  value       = var.enable_cloudfront ? aws_cloudfront_distribution.media[0].id : null
}

output "cloudfront_distribution_arn" {
  description = "ARN of the media CloudFront distribution (null when enable_cloudfront is false)."
  value       = var.enable_cloudfront ? aws_cloudfront_distribution.media[0].arn : null
}

output "access_logs_bucket_name" {
  description = "Bucket holding ALB access logs (prefix alb/) and the media bucket's S3 server access logs (prefix s3-media/)."
  value       = aws_s3_bucket.logs.id
}

output "web_acl_arn" {
  description = "ARN of the WAFv2 web ACL on the ALB (null when enable_waf is false)."
  value       = var.enable_waf ? aws_wafv2_web_acl.alb[0].arn : null
}
