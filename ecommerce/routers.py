"""Catalog reads on the optional read replica; everything else on the primary.

A replica lags a little behind the primary, so it only serves reads that tolerate that: catalog
pages requested with GET by a client that has not just written anything. Carts, checkout,
orders, the admin, and every request within a few seconds after a client's own write go to the
primary, so nobody misses what they have just done.
"""

import contextvars

REPLICA = "replica"
REPLICA_APPS = {"catalog", "reviews"}
# After a write, the client reads from the primary for this long (longer than replica lag).
PIN_COOKIE = "pin_primary"
PIN_SECONDS = 10

replica_allowed = contextvars.ContextVar("replica_allowed", default=False)


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        if replica_allowed.get() and model._meta.app_label in REPLICA_APPS:
            return REPLICA
        return "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


class ReplicaRoutingMiddleware:
    """Decide per request whether catalog reads may use the replica."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        safe = request.method in ("GET", "HEAD")
        allowed = (
            safe and PIN_COOKIE not in request.COOKIES and not request.path.startswith("/admin/")
        )
        token = replica_allowed.set(allowed)
        try:
            response = self.get_response(request)
        finally:
            replica_allowed.reset(token)
        if not safe:
            response.set_cookie(
                PIN_COOKIE, "1", max_age=PIN_SECONDS, secure=request.is_secure(), httponly=True,
                samesite="Lax",
            )  # fmt: skip
        return response
