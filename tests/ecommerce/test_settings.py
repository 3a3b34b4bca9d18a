"""Settings come from the environment: SQLite by default, PostgreSQL from DATABASE_URL or DB_*."""

import json
import os
import subprocess
import sys
from pathlib import Path

import environ
import pytest

from ecommerce.database import database_config

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SQLITE_PATH = Path("/srv/db.sqlite3")


def config_for(variables):
    env = environ.Env()
    env.ENVIRON = variables
    return database_config(env, sqlite_path=SQLITE_PATH)


def test_no_variables_means_sqlite():
    assert config_for({}) == {"ENGINE": "django.db.backends.sqlite3", "NAME": SQLITE_PATH}


def test_db_variables_give_postgresql_with_persistent_checked_connections():
    config = config_for(
        {
            "DB_HOST": "shop.abc.eu-west-1.rds.amazonaws.com",
            "DB_PORT": "6432",
            "DB_NAME": "microservices_ecom",
            "DB_USERNAME": "ecom_app_user",
            "DB_PASSWORD": "s3cr3t",
            "DB_SSLMODE": "verify-full",
            "DB_SSLROOTCERT": "/etc/ssl/rds-global-bundle.pem",
        }
    )
    assert config["ENGINE"] == "ecommerce.postgres"
    assert (config["HOST"], config["PORT"], config["NAME"]) == (
        "shop.abc.eu-west-1.rds.amazonaws.com",
        6432,
        "microservices_ecom",
    )
    assert (config["USER"], config["PASSWORD"]) == ("ecom_app_user", "s3cr3t")
    assert config["OPTIONS"]["sslmode"] == "verify-full"
    assert config["OPTIONS"]["sslrootcert"] == "/etc/ssl/rds-global-bundle.pem"
    assert config["CONN_MAX_AGE"] > 0
    assert config["CONN_HEALTH_CHECKS"] is True


def test_db_user_is_accepted_as_the_strategy_document_spells_it():
    assert config_for({"DB_HOST": "db", "DB_USER": "ecom_app_user"})["USER"] == "ecom_app_user"


def test_db_username_wins_over_db_user():
    config = config_for({"DB_HOST": "db", "DB_USER": "old", "DB_USERNAME": "new"})
    assert config["USER"] == "new"


def test_db_defaults_follow_the_deployment_documents():
    config = config_for({"DB_HOST": "db"})
    assert (config["PORT"], config["NAME"]) == (5432, "ecommerce")


def test_database_url_is_parsed_and_wins_over_db_variables():
    config = config_for(
        {
            "DATABASE_URL": "postgres://shop:p%40ss@pg.internal:5433/shop?sslmode=require",
            "DB_HOST": "ignored",
        }
    )
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("pg.internal", 5433, "shop")
    assert (config["USER"], config["PASSWORD"]) == ("shop", "p@ss")
    assert config["OPTIONS"]["sslmode"] == "require"
    assert config["CONN_HEALTH_CHECKS"] is True


def test_ssl_variables_apply_to_database_url_too():
    config = config_for(
        {
            "DATABASE_URL": "postgres://u:p@h/db",
            "DB_SSLMODE": "verify-full",
            "DB_SSLROOTCERT": "/ca",
        }
    )
    assert (config["OPTIONS"]["sslmode"], config["OPTIONS"]["sslrootcert"]) == (
        "verify-full",
        "/ca",
    )


def test_every_postgres_connection_has_a_connect_timeout():
    assert config_for({"DB_HOST": "db"})["OPTIONS"]["connect_timeout"] > 0


def run_django(environment, code):
    """Load the settings in a fresh interpreter with exactly `environment`."""
    base = {key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "ecommerce.settings", **environment},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_missing_secret_key_stops_start_up_with_a_clear_message():
    result = run_django({}, "import django; django.setup()")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


@pytest.mark.parametrize("debug", ["true", "false"])
def test_secret_key_is_required_with_or_without_debug(debug):
    result = run_django({"DJANGO_DEBUG": debug}, "import django; django.setup()")
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_with_only_a_secret_key_the_site_runs_on_sqlite_without_debug():
    result = run_django(
        {"DJANGO_SECRET_KEY": "k" * 50},
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps([settings.DATABASES['default']['ENGINE'], settings.DEBUG]))",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["django.db.backends.sqlite3", False]


def test_every_wait_on_the_database_is_bounded():
    options = config_for({"DB_HOST": "db", "DB_STATEMENT_TIMEOUT_MS": "7000"})["OPTIONS"]
    assert options["keepalives"] == 1
    assert options["tcp_user_timeout"] > 0
    assert "-c statement_timeout=7000" in options["options"]
    assert "-c lock_timeout=" in options["options"]


PRODUCTION = {
    "DJANGO_SECRET_KEY": "p" * 20 + "roduction-key-with-enough-entropy-0123456789",
    "DJANGO_ALLOWED_HOSTS": "shop.example.com",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://shop.example.com",
    "DJANGO_SECURE_SSL_REDIRECT": "true",
    "DB_HOST": "shop.abc.eu-west-1.rds.amazonaws.com",
    "DB_USERNAME": "ecom_app_user",
    "DB_PASSWORD": "not-used-by-the-checks",
}


def test_deploy_check_passes_with_production_variables():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT_ROOT,
        env={"PATH": os.environ["PATH"], **PRODUCTION},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_defaults_are_secure():
    result = run_django(
        PRODUCTION,
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER]))",
    )
    assert json.loads(result.stdout) == [
        False,
        True,
        True,
        31_536_000,
        ["HTTP_X_FORWARDED_PROTO", "https"],
    ]


@pytest.mark.parametrize(
    ("variables", "page_cache"),
    [
        ({}, False),  # per-process memory: one process could not see another's changes
        ({"REDIS_URL": "redis://cache:6379/0"}, True),
        ({"REDIS_URL": "redis://cache:6379/0", "DB_REPLICA_HOST": "replica"}, False),
        ({"REDIS_URL": "redis://cache:6379/0", "CATALOG_PAGE_CACHE": "false"}, False),
    ],
)
def test_the_catalog_page_cache_is_on_only_with_a_shared_cache_and_no_replica(
    variables, page_cache
):
    result = run_django(
        {"DJANGO_SECRET_KEY": "k" * 50, **variables},
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.CATALOG_PAGE_CACHE)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(page_cache)
