"""Metrics in CloudWatch's embedded metric format (EMF), inside the request's access-log line.

Code anywhere in a request counts with `count("OrdersPlaced")` or `timing("DbConnectTime", ms)`;
the values go to a collector kept in a context variable, which RequestLogMiddleware starts and
turns into one `_aws` block in the request's access-log record. CloudWatch Logs reads the block
and makes the metrics: nothing runs beside the shop, and nothing is sent per metric.

Outside a request (start-up, management commands, threads of their own) there is no collector and
counting does nothing: those are not what the dashboards and alarms watch, and a log line per
value would cost more than it tells.

The names, units and dimensions are shared with the dashboard and alarms in deploy/terraform:
renaming one here breaks them.

Apps do not import this module (import-linter: no app imports `ecommerce`); the receivers at the
end count what apps announce with signals, connected by ecommerce.apps.
"""

import contextvars
import logging
import time
from collections.abc import Callable
from functools import partial

from django.conf import settings
from django.db import transaction
from django.urls import reverse

logger = logging.getLogger(__name__)

COUNT = "Count"
MILLISECONDS = "Milliseconds"
# Metric → (unit, its dimension keys). Every metric also goes into the dimension set [].
METRICS = {
    "Requests": (COUNT, ("Route",)),
    "Latency": (MILLISECONDS, ("Route",)),
    "ServerErrors": (COUNT, ("Route",)),
    "DbConnectionsOpened": (COUNT, ()),
    "DbConnectTime": (MILLISECONDS, ()),
    "DbConnectionsReused": (COUNT, ()),
    "DbConnectionsBroken": (COUNT, ()),
    "DbConnectFailures": (COUNT, ()),
    "DbCredentialRefreshes": (COUNT, ()),
    "SignIns": (COUNT, ("Method",)),
    "SignInFailures": (COUNT, ("Reason",)),
    "SignOuts": (COUNT, ()),
    "SessionsEndedByRefresh": (COUNT, ()),
    "OrdersPlaced": (COUNT, ()),
    "OrdersRefusedForStock": (COUNT, ()),
    "OrdersCancelled": (COUNT, ()),
    "PageCacheHits": (COUNT, ()),
    "PageCacheMisses": (COUNT, ()),
}
# EMF takes at most 100 values of one metric in one document.
MAX_VALUES = 100
# The log record's attribute for EMF's `_aws` member: python-json-logger drops extras whose names
# start with an underscore, so the formatter renames this one (LOGGING in settings).
EMF_METADATA = "aws_emf"


class Collector:
    """The metrics of one request: values by metric name, and the dimensions' values."""

    def __init__(self):
        self.values: dict[str, list[float]] = {}
        self.dimensions: dict[str, str] = {}
        self.deferred: list[Callable[[], None]] = []

    def add(self, name: str, value: float, dimensions: dict[str, str]) -> None:
        _unit, keys = METRICS[name]  # a KeyError for a name the dashboards do not know
        if tuple(sorted(dimensions)) != keys:
            raise ValueError(f"{name} takes the dimensions {keys}, not {tuple(dimensions)}")
        for key, dimension in dimensions.items():
            # A log line holds one value per dimension: a second one would be misattributed.
            if self.dimensions.setdefault(key, dimension) != dimension:
                logger.warning("Metric %s dropped: %s is already %r", name, key, dimension)
                return
        values = self.values.setdefault(name, [])
        if len(values) < MAX_VALUES:
            values.append(value)


_collector: contextvars.ContextVar[Collector | None] = contextvars.ContextVar(
    "metrics_collector", default=None
)


def count(name: str, value: int = 1, **dimensions: str) -> None:
    """Count `value` of metric `name` in the current request (nothing outside a request)."""
    collector = _collector.get()
    if collector is not None:
        collector.add(name, value, dimensions)


def timing(name: str, milliseconds: float, **dimensions: str) -> None:
    """Record a duration of metric `name` in the current request (nothing outside a request)."""
    collector = _collector.get()
    if collector is not None:
        collector.add(name, round(milliseconds, 1), dimensions)


def when_request_ends(function: Callable[[], None]) -> None:
    """Run `function` just before the request's metrics are written (to count something that
    is only known then, like whether a failed sign-in locked the account)."""
    collector = _collector.get()
    if collector is not None:
        collector.deferred.append(function)


def start() -> contextvars.Token:
    return _collector.set(Collector())


def stop(token: contextvars.Token) -> None:
    _collector.reset(token)


def request_fields(*, route: str, status: int, duration_ms: float, page_cache: str) -> dict:
    """Count the request itself, then return the EMF fields for its access-log record."""
    collector = _collector.get()
    for function in collector.deferred:
        function()
    count("Requests", Route=route)
    timing("Latency", duration_ms, Route=route)
    count("ServerErrors", int(status >= 500), Route=route)
    if page_cache == "hit":
        count("PageCacheHits")
    elif page_cache == "miss":
        count("PageCacheMisses")
    return emf_document(
        collector.values,
        collector.dimensions,
        namespace=settings.METRICS_NAMESPACE,
        timestamp_ms=int(time.time() * 1000),
    )


def emf_document(
    values: dict[str, list[float]], dimensions: dict[str, str], *, namespace: str, timestamp_ms: int
) -> dict:
    """An EMF document: the `_aws` metadata, and each metric's value (a list when several) and
    each dimension's value as top-level members.

    Metrics are grouped by their dimension keys, one metric directive per group, each also in
    the dimension set [] (service-wide, what the alarms use).
    """
    directives: dict[tuple[str, ...], list[dict]] = {}
    document = {}
    for name, metric_values in values.items():
        unit, keys = METRICS[name]
        directives.setdefault(keys, []).append({"Name": name, "Unit": unit})
        document[name] = metric_values[0] if len(metric_values) == 1 else metric_values
    for keys in directives:
        for key in keys:
            document[key] = dimensions[key]
    return {
        EMF_METADATA: {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [
                {
                    "Namespace": namespace,
                    "Dimensions": [list(keys), []] if keys else [[]],
                    "Metrics": metrics,
                }
                for keys, metrics in directives.items()
            ],
        },
        **document,
    }


# --- What the apps announce -------------------------------------------------------------------

KEYCLOAK_BACKEND = "accounts.oidc.KeycloakBackend"


def signed_in(sender, request, user, **kwargs):
    if getattr(user, "backend", "") == KEYCLOAK_BACKEND:
        method = "keycloak"
    elif request is not None and request.path.startswith(reverse("admin:index")):
        method = "admin"
    else:
        method = "local"
    count("SignIns", Method=method)


def sign_in_refused(sender, credentials, request=None, **kwargs):
    # Only the password forms (local and admin): Keycloak's callback says why it failed itself
    # (keycloak_sign_in_failed), and its credentials hold no password.
    if "password" not in credentials:
        return
    # django-axes marks the request when the account is locked out, possibly in a receiver of
    # this same signal that runs after this one: look at the end of the request.
    when_request_ends(
        lambda: count(
            "SignInFailures",
            Reason="locked_out" if getattr(request, "axes_locked_out", False) else "bad_password",
        )
    )


def keycloak_sign_in_failed(sender, reason, **kwargs):
    count("SignInFailures", Reason=reason)


def signed_out(sender, **kwargs):
    count("SignOuts")


def session_ended_by_refresh(sender, **kwargs):
    count("SessionsEndedByRefresh")


def order_placed(sender, **kwargs):
    count("OrdersPlaced")


def checkout_refused(sender, error, **kwargs):
    from orders.services import OutOfStock

    if isinstance(error, OutOfStock):
        count("OrdersRefusedForStock")


def order_cancelled(sender, **kwargs):
    # Sent inside the cancelling transaction: count it once the cancellation is committed.
    transaction.on_commit(partial(count, "OrdersCancelled"))


def connect_receivers() -> None:
    from django.contrib.auth import signals as auth_signals

    from accounts import oidc
    from orders import services as orders

    for signal, receiver in (
        (auth_signals.user_logged_in, signed_in),
        (auth_signals.user_login_failed, sign_in_refused),
        (auth_signals.user_logged_out, signed_out),
        (oidc.sign_in_failed, keycloak_sign_in_failed),
        (oidc.session_ended_by_refresh, session_ended_by_refresh),
        (orders.order_placed, order_placed),
        (orders.checkout_refused, checkout_refused),
        (orders.order_cancelled, order_cancelled),
    ):
        signal.connect(receiver, dispatch_uid=f"ecommerce.metrics.{receiver.__name__}")
