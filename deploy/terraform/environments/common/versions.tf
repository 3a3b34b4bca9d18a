terraform {
  # 1.11: write-only arguments (`secret_string_wo`), so generated passwords never enter the state.
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 6.0"
    }
  }

  # State stays local until you add a backend. For a team, keep it in S3 with locking: create
  # backend.tf beside this file (see deploy/RUNBOOK.md, "Terraform state").
}

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = {
      Project     = var.project
      Environment = var.environment
      ManagedBy   = "terraform"
    }
  }
}
