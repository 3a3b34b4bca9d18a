"""Builds Django's database settings from the environment.

Kept apart from settings.py so that the parsing can be tested with any set of variables.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from ecommerce.secrets import DatabaseSecret

# Django's PostgreSQL backend with a credentials refresh after a password rotation.
POSTGRES_ENGINE = "ecommerce.postgres"


def database_config(env: environ.Env, *, sqlite_path: Path) -> dict:
    """Return the `DATABASES["default"]` entry.

    `DATABASE_URL` wins; otherwise `DB_HOST` or `SECRETS_MANAGER_SECRET_NAME` selects PostgreSQL
    from the `DB_*` variables of the deployment documents (`DB_USERNAME`, or `DB_USER` as the
    strategy document spells it), with the secret's values winning over them; with none of
    these, a local SQLite file.
    """
    secret_name = env.str("SECRETS_MANAGER_SECRET_NAME", default="")
    if env.str("DATABASE_URL", default=""):
        config = env.db_url_config(env.str("DATABASE_URL"))
        if config["ENGINE"] == "django.db.backends.postgresql":
            config["ENGINE"] = POSTGRES_ENGINE
    elif env.str("DB_HOST", default="") or secret_name:
        config = {
            "ENGINE": POSTGRES_ENGINE,
            "HOST": env.str("DB_HOST", default=""),  # or the secret's `host`
            "PORT": env.int("DB_PORT", default=5432),
            "NAME": env.str("DB_NAME", default="ecommerce"),
            "USER": env.str("DB_USERNAME", default="") or env.str("DB_USER", default=""),
            "PASSWORD": env.str("DB_PASSWORD", default=""),
        }
    else:
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": sqlite_path}

    if secret_name and config["ENGINE"] == POSTGRES_ENGINE:
        secret = DatabaseSecret(secret_name, region=env.str("AWS_REGION", default=None))
        config.update(secret.settings())
        config["CREDENTIALS_SECRET"] = secret
        if not config["HOST"]:
            raise ImproperlyConfigured(
                f"No database host: set DB_HOST or put `host` in secret {secret_name!r}."
            )

    if config["ENGINE"] == POSTGRES_ENGINE:
        config["OPTIONS"] = _postgres_options(env, config.get("OPTIONS", {}))
        # Persistent connections, checked before reuse (docs/configuration.md: "Database
        # connections").
        config["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
        config["CONN_HEALTH_CHECKS"] = True
    return config


def _postgres_options(env: environ.Env, url_options: dict) -> dict:
    """libpq options that bound every wait on the database.

    A Multi-AZ failover can drop packets silently: without TCP keepalives and
    `tcp_user_timeout`, a worker waiting on a dead connection would hang until the kernel
    gives up (many minutes). Statement and lock timeouts bound the server side.
    """
    statement_timeout_ms = env.int("DB_STATEMENT_TIMEOUT_MS", default=10_000)
    options = {
        "connect_timeout": env.int("DB_CONNECT_TIMEOUT", default=5),
        "application_name": "storefront",
        "keepalives": 1,
        "keepalives_idle": 10,
        "keepalives_interval": 5,
        "keepalives_count": 3,
        "tcp_user_timeout": env.int("DB_TCP_USER_TIMEOUT_MS", default=15_000),
        "options": (
            f"-c statement_timeout={statement_timeout_ms}"
            f" -c lock_timeout={env.int('DB_LOCK_TIMEOUT_MS', default=5_000)}"
            f" -c idle_in_transaction_session_timeout={statement_timeout_ms * 3}"
        ),
        **url_options,
    }
    for variable, option in (("DB_SSLMODE", "sslmode"), ("DB_SSLROOTCERT", "sslrootcert")):
        value = env.str(variable, default="")
        if value:
            options[option] = value
    return options


def replica_config(primary: dict, *, host: str) -> dict:
    """The read replica's settings: the primary's, credentials included, on another host.

    RDS read replicas share the primary's users, so a refreshed secret serves both.
    """
    return {**primary, "HOST": host, "TEST": {"MIRROR": "default"}}
