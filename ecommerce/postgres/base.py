"""Django's PostgreSQL backend, plus a credentials refresh when the password was rotated.

Secrets Manager rotates the database password; connections opened afterwards with the old one
are refused. When a new connection fails with a password authentication error and the
credentials come from a secret, the secret is fetched again and the connection retried once.
Every new connection reads `settings_dict`, so the refreshed credentials reach all later
connections of the process (this is why the shop uses persistent connections rather than
Django's pool, which copies its settings once).

Connections opened, their time to connect, failures, and kept connections reused or found broken
are counted in the request's metrics (ecommerce.metrics).
"""

import logging
import selectors
import time

from django.db.backends.postgresql import base
from psycopg import Error, OperationalError, pq

from ecommerce import metrics
from ecommerce.secrets import SecretError

logger = logging.getLogger(__name__)

# psycopg reports a refused password as a plain OperationalError without an SQLSTATE.
AUTHENTICATION_FAILED = ("password authentication failed", "SQLSTATE 28P01")


def is_authentication_failure(error: Exception) -> bool:
    return getattr(error, "sqlstate", None) == "28P01" or any(
        marker in str(error) for marker in AUTHENTICATION_FAILED
    )


def _ready(fileno: int, events: int, deadline: float) -> bool:
    """Wait until the socket is ready for `events`, at most until `deadline` (monotonic)."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        return False
    with selectors.DefaultSelector() as selector:
        selector.register(fileno, events)
        return bool(selector.select(remaining))


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        started = time.perf_counter()
        try:
            connection = self._connect(conn_params)
        except Exception:
            metrics.count("DbConnectFailures")
            raise
        metrics.count("DbConnectionsOpened")
        metrics.timing("DbConnectTime", (time.perf_counter() - started) * 1000)
        return connection

    def _connect(self, conn_params):
        secret = self.settings_dict.get("CREDENTIALS_SECRET")
        try:
            return super().get_new_connection(conn_params)
        except OperationalError as error:
            if secret is None or not is_authentication_failure(error):
                raise
            refused = error
        logger.warning("Database refused the password; fetching secret %r again", secret.secret_id)
        try:
            fresh = secret.refresh()
        except SecretError as problem:
            # Secrets Manager unreachable, or the secret broken mid-rotation: the database stays
            # unavailable to us (OperationalError: a 503 with Retry-After), not a 500.
            logger.error("Could not refresh the database credentials: %s", problem)
            raise refused from None
        self.settings_dict.update(fresh)
        return super().get_new_connection(self.get_connection_params())

    def close_if_health_check_failed(self):
        """Django checks a kept connection once per request, before its first query: counted
        as reused when it passes, as broken (then reopened) when it does not."""
        checking = self.health_check_enabled and not self.health_check_done
        kept = self.connection if checking else None
        super().close_if_health_check_failed()
        if kept is not None:
            metrics.count(
                "DbConnectionsReused" if self.connection is kept else "DbConnectionsBroken"
            )

    def is_usable(self):
        """Django's check of a reused connection (CONN_HEALTH_CHECKS), with a deadline.

        Django's own check sends `SELECT 1` and waits without end. When the server stops
        answering while its peer still acknowledges the packets (a frozen server, a proxy or
        middlebox whose upstream is gone), keepalives and tcp_user_timeout see a healthy
        connection, and the request's thread would hang: gunicorn's gthread workers never time
        out a request. The check gets as long as a new connection does (connect_timeout); a
        connection that fails it is closed, and the reconnect is bounded by connect_timeout.
        """
        if self.connection is None:
            return False
        pgconn = self.connection.pgconn
        timeout = float(self.settings_dict["OPTIONS"].get("connect_timeout") or 5)
        deadline = time.monotonic() + timeout
        try:
            pgconn.send_query(b"SELECT 1")
            while pgconn.flush():  # non-blocking connection: 1 while bytes are left to send
                if not _ready(pgconn.socket, selectors.EVENT_WRITE, deadline):
                    return False
            while True:
                pgconn.consume_input()
                if not pgconn.is_busy():
                    break
                if not _ready(pgconn.socket, selectors.EVENT_READ, deadline):
                    return False
            usable = True
            while (result := pgconn.get_result()) is not None:
                usable = usable and result.status == pq.ExecStatus.TUPLES_OK
            return usable
        except (Error, OSError):
            return False
