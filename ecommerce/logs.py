"""Request logging: one JSON object per line on stdout, for CloudWatch Logs.

Every record carries the request id: the ALB's trace id (`X-Amzn-Trace-Id: Root=...`) when present,
so a log line can be matched with the load balancer's access log, else a fresh one. The access-log
record also carries the request's metrics, in CloudWatch's embedded metric format
(ecommerce.metrics).
"""

import contextvars
import logging
import re
import time
import uuid

from django.conf import settings

from ecommerce import metrics
from ecommerce.tracing import add_trace_ids

request_id_var = contextvars.ContextVar("request_id", default="-")
access_logger = logging.getLogger("ecommerce.request")
TRACE_ROOT = re.compile(r"Root=([A-Za-z0-9-]{1,64})")


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record, from the request being served; with tracing on, the
    current span's `trace_id` (X-Ray's `1-...-...`) and `span_id` too (ecommerce.tracing)."""

    def filter(self, record):
        record.request_id = request_id_var.get()
        add_trace_ids(record)
        return True


def request_id_from(request) -> str:
    match = TRACE_ROOT.search(request.headers.get("X-Amzn-Trace-Id", ""))
    return match.group(1) if match else uuid.uuid4().hex


def route_of(request) -> str:
    """The URL pattern's name: a bounded set of values, unlike paths (`unmatched` for none)."""
    match = getattr(request, "resolver_match", None)
    return match.view_name if match is not None else "unmatched"


class RequestLogMiddleware:
    """One access-log record per request: method, path, status, duration (ms), and the metrics
    counted while serving it (not for static files; health checks never get here)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.static_prefix = "/" + settings.STATIC_URL.lstrip("/")

    def __call__(self, request):
        token = request_id_var.set(request_id_from(request))
        measured = settings.METRICS_ENABLED and not request.path.startswith(self.static_prefix)
        metrics_token = metrics.start() if measured else None
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            extra = {
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": duration_ms,
            }
            if measured:
                extra.update(
                    metrics.request_fields(
                        route=route_of(request),
                        status=response.status_code,
                        duration_ms=duration_ms,
                        page_cache=response.get("X-Page-Cache", ""),
                    )
                )
            access_logger.info(
                "%s %s %s", request.method, request.path, response.status_code, extra=extra
            )
            response["X-Request-Id"] = request_id_var.get()
            return response
        finally:
            if metrics_token is not None:
                metrics.stop(metrics_token)
            request_id_var.reset(token)
