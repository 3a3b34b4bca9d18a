"""Django's PostgreSQL backend, plus a credentials refresh when the password was rotated.

Secrets Manager rotates the database password; connections opened afterwards with the old one
are refused. When a new connection fails with a password authentication error and the
credentials come from a secret, the secret is fetched again and the connection retried once.
Every new connection reads `settings_dict`, so the refreshed credentials reach all later
connections of the process (this is why the shop uses persistent connections rather than
Django's pool, which copies its settings once).
"""

import logging

from django.db.backends.postgresql import base
from psycopg import OperationalError

logger = logging.getLogger(__name__)

# psycopg reports a refused password as a plain OperationalError without an SQLSTATE.
AUTHENTICATION_FAILED = ("password authentication failed", "SQLSTATE 28P01")


def is_authentication_failure(error: Exception) -> bool:
    return getattr(error, "sqlstate", None) == "28P01" or any(
        marker in str(error) for marker in AUTHENTICATION_FAILED
    )


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        secret = self.settings_dict.get("CREDENTIALS_SECRET")
        try:
            return super().get_new_connection(conn_params)
        except OperationalError as error:
            if secret is None or not is_authentication_failure(error):
                raise
        logger.warning("Database refused the password; fetching secret %r again", secret.secret_id)
        fresh = secret.refresh()
        self.settings_dict.update(fresh)
        return super().get_new_connection(self.get_connection_params())
