variable "realm_file" {
  description = "Path of the realm export to render (deploy/keycloak/realm-shop.json)."
  type        = string
}

variable "shop_host_name" {
  description = "Public host name of the shop, e.g. shop.example.com: the client's only redirect URI becomes https://<shop_host_name>/oidc/callback/."
  type        = string
}

variable "oidc_client_id" {
  description = "Client id of the shop in the realm file (exactly one client must have it)."
  type        = string
  default     = "storefront"
}

variable "client_secret_env" {
  description = "Environment variable Keycloak substitutes for the client secret at import: the client secret in the JSON is a placeholder naming it."
  type        = string
  default     = "STOREFRONT_CLIENT_SECRET"

  validation {
    condition     = can(regex("^[A-Za-z_][A-Za-z0-9_]*$", var.client_secret_env))
    error_message = "client_secret_env must be an environment variable name (letters, digits, underscores)."
  }
}

variable "smtp_env" {
  description = "Environment variables Keycloak substitutes for its SMTP settings at import (keys host, port, from, user, password); the realm's smtpServer holds placeholders naming them, with STARTTLS and authentication on."
  type        = map(string)
  default = {
    host     = "KEYCLOAK_SMTP_HOST"
    port     = "KEYCLOAK_SMTP_PORT"
    from     = "KEYCLOAK_SMTP_FROM"
    user     = "KEYCLOAK_SMTP_USER"
    password = "KEYCLOAK_SMTP_PASSWORD"
  }

  validation {
    condition     = toset(keys(var.smtp_env)) == toset(["host", "port", "from", "user", "password"])
    error_message = "smtp_env needs exactly the keys host, port, from, user and password."
  }
  validation {
    condition     = alltrue([for name in values(var.smtp_env) : can(regex("^[A-Za-z_][A-Za-z0-9_]*$", name))])
    error_message = "smtp_env values must be environment variable names (letters, digits, underscores)."
  }
}
