# The production realm, rendered from the committed realm export: no demo users, the shop's client
# pointed at https://<shop_host_name>, HTTPS required everywhere, the client secret and the SMTP
# server as placeholders. No provider, no resources: plain expressions, so a test can render it with
# `terraform apply` and import the result into a real Keycloak (tests/keycloak/test_production_realm.py).

locals {
  shop_url = "https://${var.shop_host_name}"

  realm_source = jsondecode(file(var.realm_file))

  # Keycloak replaces ${NAME} placeholders with the environment variable NAME when it imports
  # data/import/*.json at start (`kc.sh start --import-realm`); `$${` is a literal `${` in HCL.
  client_secret_placeholder = "$${${var.client_secret_env}}"

  shop_clients = [for client in local.realm_source.clients : client if client.clientId == var.oidc_client_id]

  clients = concat(
    [for client in local.realm_source.clients : client if client.clientId != var.oidc_client_id],
    [for client in local.shop_clients : merge(client, {
      description  = "The Django shop at ${local.shop_url}. Confidential client, authorization code flow with PKCE (S256)."
      secret       = local.client_secret_placeholder
      rootUrl      = local.shop_url
      baseUrl      = "${local.shop_url}/"
      redirectUris = ["${local.shop_url}/oidc/callback/"]
      webOrigins   = ["+"]
      attributes = merge(client.attributes, {
        "post.logout.redirect.uris" = "${local.shop_url}/"
      })
    })],
  )

  # Keycloak's e-mails (address verification, password reset) through an authenticated SMTP
  # relay with STARTTLS; every value a placeholder Keycloak fills from its environment at import.
  smtp_placeholders = { for key, name in var.smtp_env : key => "$${${name}}" }
  smtp_server = merge(
    lookup(local.realm_source, "smtpServer", {}),
    {
      host     = local.smtp_placeholders.host
      port     = local.smtp_placeholders.port
      from     = local.smtp_placeholders.from
      user     = local.smtp_placeholders.user
      password = local.smtp_placeholders.password
      auth     = "true"
      starttls = "true"
      ssl      = "false"
    },
  )

  # No demo users (their passwords are public); HTTPS required for every request (the ALB
  # terminates TLS and sends X-Forwarded-Proto: https).
  realm = merge(
    { for key, value in local.realm_source : key => value if key != "users" },
    {
      clients     = local.clients
      sslRequired = "all"
      smtpServer  = local.smtp_server
    },
  )
}
