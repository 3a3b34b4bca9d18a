variable "name" {
  description = "Prefix of the key's alias, e.g. \"ecommerce-dev\" gives alias/ecommerce-dev."
  type        = string
}

variable "deletion_window_in_days" {
  description = "Days a deleted key waits before it is gone for good (7-30); a mistaken destroy can be undone within them."
  type        = number
  default     = 30

  validation {
    condition     = var.deletion_window_in_days >= 7 && var.deletion_window_in_days <= 30
    error_message = "deletion_window_in_days must be between 7 and 30."
  }
}
