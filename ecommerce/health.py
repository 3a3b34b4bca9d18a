"""Liveness for the load balancer and the container health check."""

from django.http import JsonResponse

LIVENESS_PATH = "/health/live/"


class LivenessMiddleware:
    """Answer `/health/live/` before any other middleware runs.

    The ALB probes each task by its private IP, which is not in ALLOWED_HOSTS, so the probe must
    not reach host validation; and liveness must not depend on the database or the session store.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == LIVENESS_PATH and request.method in ("GET", "HEAD"):
            return JsonResponse({"status": "ok"})
        return self.get_response(request)
