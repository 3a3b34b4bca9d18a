output "realm_name" {
  description = "Name of the realm (the shop's KEYCLOAK_REALM)."
  value       = local.realm_source.realm
}

output "json" {
  description = "The realm as Keycloak imports it: no users, the client secret a placeholder Keycloak fills from the environment variable client_secret_env."
  value       = jsonencode(local.realm)

  precondition {
    condition     = length(local.shop_clients) == 1
    error_message = "The realm file must define exactly one client with clientId = oidc_client_id."
  }
}

output "smtp_env" {
  description = "Environment variables (by SMTP setting: host, port, from, user, password) that the realm's smtpServer placeholders name."
  value       = var.smtp_env
}
