"""Health endpoints for the load balancer, ECS, deploy gates and people.

- `/health/live/`: liveness. The process answers; nothing else is touched. The ALB target group
  and the container health check use it, because ECS replaces tasks that fail the ALB's check and
  an RDS Multi-AZ failover takes 60-120 s: a database-backed check there would recycle every
  task during a failover, turning a short database outage into a full one.
- `/health/`: readiness: the database answers `SELECT 1`, every migration is applied, the cache
  works. 200 or 503 with `{"status": ...}`; the result of each check only for a caller that sends
  `X-Health-Detail: <HEALTH_DETAIL_TOKEN>` (ops, deploy gates), and in a WARNING log line when a
  check fails. Anyone can reach it, so it tells nobody else what runs behind it.

Both are answered by a middleware placed first, before host validation: the ALB probes each
task by its private IP, which is not in ALLOWED_HOSTS. They set no cookie and touch no session.

Cheap enough to be probed often: the database checks run on one thread per process that keeps
its connection between probes (as a request thread does), and the migration check, which loads
the migration graph from disk, is not repeated once it has passed: migrations are applied
before a release's processes start, never under them.
"""

import dataclasses
import datetime
import hmac
import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import ClassVar

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.utils.cache import add_never_cache_headers
from health_check.checks import Cache, Database
from health_check.exceptions import HealthCheckException, ServiceUnavailable

logger = logging.getLogger(__name__)

LIVENESS_PATH = "/health/live/"
READINESS_PATH = "/health/"
DETAIL_HEADER = "X-Health-Detail"
# Under the ALB's default 5 s health-check timeout, whatever the database does.
CHECK_TIMEOUT = datetime.timedelta(seconds=3)

# The database checks' thread. A probe stuck on a dead database is answered 503 after
# CHECK_TIMEOUT while this thread waits out libpq's own bounds (ecommerce/database.py); probes
# queued behind it meanwhile are skipped once their own deadline has passed.
_database_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="health-db")


@dataclasses.dataclass
class DatabaseReachable(Database):
    timeout = CHECK_TIMEOUT

    def run(self):
        connection = connections[self.alias]
        # What Django does at each request's start and end: replace a broken or old connection.
        connection.close_if_unusable_or_obsolete()
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                result = cursor.fetchone()
        except DatabaseError as error:
            raise ServiceUnavailable(f"Database unavailable ({type(error).__name__})") from error
        if result != (1,):
            raise ServiceUnavailable("SELECT 1 did not return 1")


@dataclasses.dataclass
class MigrationsApplied(Database):
    """Every migration in the code is applied to the database (a half-finished deploy is not
    ready). Once true, true for the process's life."""

    timeout = CHECK_TIMEOUT
    passed: ClassVar[bool] = False

    def run(self):
        if MigrationsApplied.passed:
            return
        connection = connections[self.alias]
        connection.close_if_unusable_or_obsolete()
        try:
            executor = MigrationExecutor(connection)
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except Exception as error:
            raise ServiceUnavailable("Could not read the applied migrations") from error
        if plan:
            raise ServiceUnavailable(f"{len(plan)} migration(s) not applied")
        MigrationsApplied.passed = True


@dataclasses.dataclass
class CacheWorks(Cache):
    timeout = CHECK_TIMEOUT

    def run(self):
        # A key of its own per probe: processes probed at once do not race on one key.
        key, value = f"health:{uuid.uuid4().hex}", "ok"
        try:
            cache = caches[self.alias]
            cache.set(key, value, timeout=5)
            kept = cache.get(key)
        except Exception as error:  # Redis down, timed out, refused...
            raise ServiceUnavailable(f"Cache unavailable ({type(error).__name__})") from error
        if kept != value:
            raise ServiceUnavailable("The cache did not keep a value")


def _outcome(check) -> str:
    try:
        check.run()
    except HealthCheckException as error:
        return str(error)
    except Exception:
        logger.exception("Health check %s crashed", type(check).__name__)
        return "unknown error"
    return "OK"


def _database_checks(deadline: float) -> dict[str, str]:
    checks = [DatabaseReachable(), MigrationsApplied()]
    if time.monotonic() > deadline:  # its probe has been answered already
        return {type(check).__name__: "skipped" for check in checks}
    return {type(check).__name__: _outcome(check) for check in checks}


def run_checks() -> dict[str, str]:
    """Each check's outcome: "OK" or what is wrong."""
    deadline = time.monotonic() + CHECK_TIMEOUT.total_seconds()
    database = _database_thread.submit(_database_checks, deadline)
    outcomes = {"CacheWorks": _outcome(CacheWorks())}
    try:
        outcomes = database.result(timeout=max(0.0, deadline - time.monotonic())) | outcomes
    except FutureTimeout:
        timed_out = f"Timed out after {CHECK_TIMEOUT.total_seconds():g} seconds"
        outcomes = {"DatabaseReachable": timed_out, "MigrationsApplied": timed_out} | outcomes
    return outcomes


def close_connections() -> None:
    """Close the database checks' connection (tests, before their database is dropped)."""
    _database_thread.submit(connections.close_all).result(timeout=10)


def shows_detail(request) -> bool:
    token = settings.HEALTH_DETAIL_TOKEN
    given = request.headers.get(DETAIL_HEADER, "")
    return bool(token) and hmac.compare_digest(given.encode(), token.encode())


def readiness(request):
    outcomes = run_checks()
    healthy = all(outcome == "OK" for outcome in outcomes.values())
    if not healthy:
        logger.warning("Not ready: %s", outcomes, extra={"checks": outcomes})
    body = {"status": "ok" if healthy else "unavailable"}
    if shows_detail(request):
        body["checks"] = outcomes
    response = JsonResponse(body, status=200 if healthy else 503)
    add_never_cache_headers(response)
    return response


class HealthCheckMiddleware:
    """Answer the health endpoints before any other middleware runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD"):
            if request.path == LIVENESS_PATH:
                return JsonResponse({"status": "ok"})
            if request.path == READINESS_PATH:
                return readiness(request)
        return self.get_response(request)


def is_health_check(request) -> bool:
    return request.path in (LIVENESS_PATH, READINESS_PATH)
