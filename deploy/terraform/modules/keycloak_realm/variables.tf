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
