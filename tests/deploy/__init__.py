"""Tests of what ships: gunicorn.conf.py, the Dockerfile, and the ECS container definition.

Shared helpers: render the container definition template as Terraform's `templatefile` would
(only `${name}` placeholders are used), read the Dockerfile's instructions, load the gunicorn
config file with a chosen environment.
"""

import json
import os
import re
import runpy
from pathlib import Path
from unittest import mock

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO_ROOT / "Dockerfile"
DOCKERIGNORE = REPO_ROOT / ".dockerignore"
GUNICORN_CONFIG = REPO_ROOT / "gunicorn.conf.py"
CONTAINER_DEFINITION = REPO_ROOT / "deploy" / "ecs" / "container-definition.json.tpl"

PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")

# What Terraform would pass in; the secret ARNs are references, not secret values.
SAMPLE_VALUES = {
    "container_name": "storefront",
    "image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/storefront:3f2c1ab",
    "allowed_hosts": "shop.example.com",
    "csrf_trusted_origins": "https://shop.example.com",
    "db_host": "shop.abcdefghijkl.eu-west-1.rds.amazonaws.com",
    "db_port": "5432",
    "db_name": "ecommerce",
    "db_replica_host": "",
    "db_username": "ecommerce_app",
    "aws_region": "eu-west-1",
    "db_secret_name": "ecommerce/prod/database",
    "media_bucket": "shop-media-prod",
    "media_domain": "d1234abcd5678.cloudfront.net",
    "keycloak_url": "https://auth.example.com",
    "keycloak_realm": "shop",
    "oidc_client_id": "storefront",
    "django_secret_key_arn": (
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:storefront/django-secret-key-AbCdEf"
    ),
    "oidc_client_secret_arn": (
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:storefront/oidc-client-secret-GhIjKl"
    ),
    "redis_url_arn": (
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:storefront/redis-url-MnOpQr"
    ),
    "email_url_arn": (
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:storefront/shop-email-url-StUvWx"
    ),
    "from_email": "shop@shop.example.com",
    "health_detail_token_arn": (
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:storefront/health-detail-token-YzAbCd"
    ),
    "log_group": "/ecs/storefront",
    "staff_emails": "ops@example.com,owner@example.com",
    "metrics_namespace": "Storefront",
}


def template_placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def render_template(text: str, values: dict[str, str]) -> str:
    """Substitute `${name}`; a name without a value raises KeyError, as templatefile fails."""
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], text)


def container_definitions(values: dict[str, str] | None = None) -> list[dict]:
    text = render_template(CONTAINER_DEFINITION.read_text(), values or SAMPLE_VALUES)
    return json.loads(text)


def dockerfile_instructions(path: Path = DOCKERFILE) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        keyword, _, arguments = line.partition(" ")
        instructions.append((keyword.upper(), " ".join(arguments.split())))
    return instructions


def dockerfile_stages() -> list[list[tuple[str, str]]]:
    """The instructions of each build stage (a stage starts at FROM)."""
    stages: list[list[tuple[str, str]]] = []
    for keyword, arguments in dockerfile_instructions():
        if keyword == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((keyword, arguments))
    return stages


def dockerfile_healthcheck_command() -> list[str]:
    """The exec-form command of the Dockerfile's HEALTHCHECK."""
    (arguments,) = [args for keyword, args in dockerfile_instructions() if keyword == "HEALTHCHECK"]
    _, _, command = arguments.partition(" CMD ")
    return json.loads(command)


def load_gunicorn_config(env: dict[str, str] | None = None) -> dict:
    """The settings gunicorn.conf.py defines, evaluated with exactly `env` as environment."""
    with mock.patch.dict(os.environ, env or {}, clear=True):
        namespace = runpy.run_path(str(GUNICORN_CONFIG))
    return {
        name: value
        for name, value in namespace.items()
        if not name.startswith("_") and not callable(value) and not hasattr(value, "__file__")
    }
