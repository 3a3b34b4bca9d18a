"""Request logging: one JSON object per line on stdout, for CloudWatch Logs.

Every record carries the request id: the ALB's trace id (`X-Amzn-Trace-Id: Root=...`) when present,
so a log line can be matched with the load balancer's access log, else a fresh one.
"""

import contextvars
import logging
import re
import time
import uuid

request_id_var = contextvars.ContextVar("request_id", default="-")
access_logger = logging.getLogger("ecommerce.request")
TRACE_ROOT = re.compile(r"Root=([A-Za-z0-9-]{1,64})")


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record, from the request being served."""

    def filter(self, record):
        record.request_id = request_id_var.get()
        return True


def request_id_from(request) -> str:
    match = TRACE_ROOT.search(request.headers.get("X-Amzn-Trace-Id", ""))
    return match.group(1) if match else uuid.uuid4().hex


class RequestLogMiddleware:
    """One access-log record per request: method, path, status, duration (ms)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = request_id_var.set(request_id_from(request))
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            access_logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            response["X-Request-Id"] = request_id_var.get()
            return response
        finally:
            request_id_var.reset(token)
