"""Health endpoints for the load balancer, ECS, deploy gates and people.

- `/health/live/`: liveness. The process answers; nothing else is touched. The ALB target group
  and the container health check use it, because ECS replaces tasks that fail the ALB's check and
  an RDS Multi-AZ failover takes 60-120 s: a database-backed check there would recycle every
  task during a failover, turning a short database outage into a full one.
- `/health/`: readiness (django-health-check): the database answers `SELECT 1`, every migration
  is applied, the cache works. JSON; 200 or 503. For deploy gates, alarms and people.

Both are answered by a middleware placed first, before host validation: the ALB probes each
task by its private IP, which is not in ALLOWED_HOSTS. They set no cookie and touch no session.
"""

import asyncio
import dataclasses
import datetime

from asgiref.sync import async_to_sync
from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from health_check.checks import Cache, Database
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView

LIVENESS_PATH = "/health/live/"
READINESS_PATH = "/health/"
# Under the ALB's default 5 s health-check timeout, whatever the database does.
CHECK_TIMEOUT = datetime.timedelta(seconds=3)


@dataclasses.dataclass
class DatabaseReachable(Database):
    timeout = CHECK_TIMEOUT


@dataclasses.dataclass
class MigrationsApplied(Database):
    """Every migration in the code is applied to the database (a half-finished deploy is not
    ready)."""

    timeout = CHECK_TIMEOUT

    def run(self):
        connection = connections[self.alias]
        try:
            executor = MigrationExecutor(connection)
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except Exception as error:
            raise ServiceUnavailable("Could not read the applied migrations") from error
        finally:
            connection.close()
        if plan:
            raise ServiceUnavailable(f"{len(plan)} migration(s) not applied")


@dataclasses.dataclass
class CacheWorks(Cache):
    timeout = CHECK_TIMEOUT


class ReadinessView(HealthCheckView):
    checks = [DatabaseReachable, MigrationsApplied, CacheWorks]

    async def get(self, request, *args, **kwargs):
        with self.get_executor() as executor:
            self.results = await asyncio.gather(
                *(check.get_result(executor) for check in self.get_checks())
            )
        healthy = not any(result.error for result in self.results)
        return self.render_to_response_json(200 if healthy else 503)

    def render_to_response_json(self, status):
        return JsonResponse(
            {
                "status": "ok" if status == 200 else "unavailable",
                "checks": {
                    type(result.check).__name__: str(result.error or "OK")
                    for result in self.results
                },
            },
            status=status,
        )


# The view is async (django-health-check runs its checks concurrently); the middleware is sync.
readiness = async_to_sync(ReadinessView.as_view())


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
