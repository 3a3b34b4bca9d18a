"""Database credentials from AWS Secrets Manager.

The secret is the JSON that RDS manages and rotates: `username`, `password`, and optionally
`host`, `port`, `dbname`, `engine`. It is read once per process at start-up (under gunicorn, by
the master, whose forked workers inherit it) and again, in the process that needs it, only when
PostgreSQL refuses the password (after a rotation); see ecommerce.postgres.base.
"""

import json
import threading
import time

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.core.exceptions import ImproperlyConfigured

from ecommerce import metrics

# Bounded calls: a hung endpoint must not hang start-up or a worker for long.
BOTO_CONFIG = Config(
    connect_timeout=2, read_timeout=3, retries={"total_max_attempts": 2, "mode": "standard"}
)
# A wrong password fails every new connection; fetch the secret again at most this often.
MIN_REFRESH_INTERVAL = 5.0
SECRET_FIELDS = {"username": "USER", "password": "PASSWORD", "host": "HOST", "port": "PORT",
                 "dbname": "NAME"}  # fmt: skip


class SecretError(ImproperlyConfigured):
    """The secret is missing, unreadable or malformed. The message never holds its value."""


class DatabaseSecret:
    """One secret's database settings, fetched once and re-fetched on demand (thread-safe)."""

    def __init__(self, secret_id: str, region: str | None):
        self.secret_id = secret_id
        self.region = region
        self._lock = threading.Lock()
        self._settings: dict | None = None
        self._refreshed_at = float("-inf")

    def __deepcopy__(self, memo):
        # Django deep-copies a connection's settings (test databases, threads); every copy must
        # share this one cache, so that a refresh reaches them all.
        return self

    def settings(self) -> dict:
        """Django `DATABASES` keys taken from the secret (USER, PASSWORD, and any of HOST...)."""
        with self._lock:
            if self._settings is None:
                self._settings = self._fetch()
            return dict(self._settings)

    def refresh(self) -> dict:
        """Fetch the secret again, unless a refresh happened moments ago (for another thread, or
        for a connection that failed anyway): a wrong secret must not flood Secrets Manager."""
        with self._lock:
            if time.monotonic() - self._refreshed_at >= MIN_REFRESH_INTERVAL:
                self._settings = self._fetch()
                self._refreshed_at = time.monotonic()
                metrics.count("DbCredentialRefreshes")
            return dict(self._settings)

    def _fetch(self) -> dict:
        client = boto3.client("secretsmanager", region_name=self.region, config=BOTO_CONFIG)
        try:
            response = client.get_secret_value(SecretId=self.secret_id)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "error")
            raise self._error(f"could not be read ({code})") from None
        except BotoCoreError as error:
            raise self._error(f"could not be read ({type(error).__name__})") from None
        return self._parse(response.get("SecretString"))

    def _parse(self, text: str | None) -> dict:
        if not text:
            raise self._error("has no string value")
        try:
            values = json.loads(text)
        except ValueError:
            raise self._error("is not valid JSON") from None
        if not isinstance(values, dict):
            raise self._error("is not a JSON object")
        missing = [key for key in ("username", "password") if not values.get(key)]
        if missing:
            raise self._error(f"lacks {' and '.join(missing)}")
        if values.get("engine") not in (None, "postgres", "postgresql", "aurora-postgresql"):
            raise self._error(f"is for engine {str(values['engine'])[:30]!r}, not PostgreSQL")
        settings = {
            setting: values[key] for key, setting in SECRET_FIELDS.items() if values.get(key)
        }
        if "PORT" in settings:
            try:
                settings["PORT"] = int(settings["PORT"])
            except (TypeError, ValueError):
                raise self._error("has a port that is not a number") from None
        return settings

    def _error(self, problem: str) -> SecretError:
        return SecretError(f"Secrets Manager secret {self.secret_id!r} {problem}.")
