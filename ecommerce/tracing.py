"""Traces for AWS X-Ray: OpenTelemetry, exported over OTLP to the ADOT collector beside the shop.

Off unless `OTEL_EXPORTER_OTLP_ENDPOINT` is set (the collector sidecar's gRPC receiver,
`http://localhost:4317` in the task): then nothing of OpenTelemetry is even imported. On, each
request is a server span named by its route (`GET products/<slug:slug>/`), with a span per SQL
statement (psycopg), Redis command and AWS call (botocore) inside it, in one trace; log lines
written while serving it carry `trace_id` and `span_id` (ecommerce.logs.RequestIdFilter).

Trace ids are X-Ray's (the first 8 hex digits are the start time), so X-Ray accepts them, and a
request's trace continues the one in its `X-Amzn-Trace-Id` header: a caller's `Root;Parent`
becomes the parent span; the load balancer's `Root` alone (it sends no parent) becomes the
trace id of the shop's root span, so the trace id equals the request id of the log lines and
the ALB's access log.

Called once per process that serves requests, after it forked: gunicorn's `post_fork` hook
(gunicorn.conf.py). The batch span processor's thread and the exporter's gRPC channel would not
survive a fork, so they are made in the worker. The shop's WSGI handler was built in the master
(preload_app) before the Django instrumentation added its middleware; `configure_tracing`
rebuilds the handler's middleware chain when given the handler.

Settings (environment), beside the OTEL_* ones the SDK reads itself (OTEL_BSP_*,
OTEL_EXPORTER_OTLP_TIMEOUT...; not OTEL_TRACES_SAMPLER: every request is traced):
    OTEL_EXPORTER_OTLP_ENDPOINT          the collector (gRPC); unset: tracing off
    OTEL_SERVICE_NAME                    the service in X-Ray; default `storefront`
    OTEL_PYTHON_DJANGO_EXCLUDED_URLS     URLs (regular expressions, comma-separated) not traced;
                                         default the static files (health probes: never)
"""

from __future__ import annotations

import contextvars
import os
import re
from collections.abc import Mapping

DEFAULT_SERVICE_NAME = "storefront"
# Static files are not worth a trace. (The health probes never reach the tracing middleware.)
DEFAULT_EXCLUDED_URLS = r"^https?://[^/]+/static/"
# The tracing middleware goes right after this one, which answers the ALB's health probes: they
# address the task's IP, which is not an allowed host, and the tracing middleware asks for the
# host (a 400 to every probe, had it come first).
HEALTH_MIDDLEWARE = "ecommerce.health.HealthCheckMiddleware"

ALB_ROOT = re.compile(r"(?:^|;)\s*Root=1-([0-9a-fA-F]{8})-([0-9a-fA-F]{24})\s*(?:;|$)")
# When tracing is on: the function giving the current span (opentelemetry.trace.get_current_span).
_current_span = None
# The ALB's trace id for the root span about to start (see AlbTraceRoot).
_alb_root: contextvars.ContextVar[int | None] = contextvars.ContextVar("alb_root", default=None)


def configure_tracing(
    application=None, *, environ: Mapping[str, str] = os.environ, span_exporter=None
):
    """Turn tracing on when OTEL_EXPORTER_OTLP_ENDPOINT is set; return the TracerProvider or None.

    `application`: the WSGI handler already built (gunicorn's preloaded app), whose middleware
    chain is rebuilt with the tracing middleware. `span_exporter`: instead of OTLP (tests).
    """
    global _current_span
    endpoint = environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip()
    if not endpoint:
        return None

    from opentelemetry import propagate, trace
    from opentelemetry.instrumentation.botocore import BotocoreInstrumentor
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor
    from opentelemetry.sdk.extension.aws.trace import AwsXRayIdGenerator
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.sdk.trace.sampling import ParentBased

    if span_exporter is None:
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        span_exporter = OTLPSpanExporter(endpoint=endpoint)

    service_name = environ.get("OTEL_SERVICE_NAME", "").strip() or DEFAULT_SERVICE_NAME
    provider = TracerProvider(
        resource=Resource.create({SERVICE_NAME: service_name}),
        id_generator=_alb_id_generator(AwsXRayIdGenerator),
        sampler=ParentBased(root=_requests_only()),
    )
    provider.add_span_processor(BatchSpanProcessor(span_exporter))
    trace.set_tracer_provider(provider)
    propagate.set_global_textmap(_alb_propagator())

    DjangoInstrumentor().instrument(
        tracer_provider=provider,
        excluded_urls=environ.get("OTEL_PYTHON_DJANGO_EXCLUDED_URLS", DEFAULT_EXCLUDED_URLS),
        middleware_position=_after_health_probes(),
    )
    PsycopgInstrumentor().instrument(tracer_provider=provider)
    RedisInstrumentor().instrument(tracer_provider=provider)
    BotocoreInstrumentor().instrument(tracer_provider=provider)
    if hasattr(application, "load_middleware"):  # Django's WSGIHandler, built before
        application.load_middleware()
    _current_span = trace.get_current_span
    return provider


def add_trace_ids(record) -> None:
    """Put the current span's `trace_id` (X-Ray's form) and `span_id` on a log record."""
    if _current_span is None:
        return
    context = _current_span().get_span_context()
    if context.is_valid:
        record.trace_id = xray_trace_id(context.trace_id)
        record.span_id = format(context.span_id, "016x")


def alb_root_trace_id(header: str) -> int | None:
    """The trace id in an `X-Amzn-Trace-Id` header's `Root=1-...-...`, or None."""
    match = ALB_ROOT.search(header)
    return (int(match[1] + match[2], 16) or None) if match else None


def xray_trace_id(trace_id: int) -> str:
    """`1-<8 hex digits: start time>-<24 hex digits>`, as X-Ray and CloudWatch write it."""
    digits = format(trace_id, "032x")
    return f"1-{digits[:8]}-{digits[8:]}"


def _after_health_probes() -> int:
    from django.conf import settings

    middleware = list(settings.MIDDLEWARE)
    return middleware.index(HEALTH_MIDDLEWARE) + 1 if HEALTH_MIDDLEWARE in middleware else 0


def _requests_only():
    from opentelemetry.sdk.trace.sampling import ALWAYS_ON, Decision, Sampler, SamplingResult
    from opentelemetry.trace import SpanKind

    class RequestsOnly(Sampler):
        """Records traces that start with a request: a query or AWS call outside one (the health
        probe's, a management command's) would be a trace of its own, one every few seconds."""

        def should_sample(self, parent_context, trace_id, name, kind=None, **kwargs):
            if kind is SpanKind.SERVER:
                return ALWAYS_ON.should_sample(parent_context, trace_id, name, kind, **kwargs)
            return SamplingResult(Decision.DROP)

        def get_description(self) -> str:
            return "RequestsOnly"

    return RequestsOnly()


def _alb_propagator():
    from opentelemetry import trace
    from opentelemetry.propagators.aws import AwsXRayPropagator
    from opentelemetry.propagators.aws.aws_xray_propagator import TRACE_HEADER_KEY
    from opentelemetry.propagators.textmap import default_getter

    class AlbTraceRoot(AwsXRayPropagator):
        """X-Ray's propagator, which also keeps the ALB's `Root=` when no `Parent=` comes with it.

        X-Ray's own propagator needs both, and starts a new trace on the ALB's header alone.
        The root is handed to the id generator through a context variable: the server span
        starts right after the extraction, in the same thread.
        """

        def extract(self, carrier, context=None, getter=default_getter):
            extracted = super().extract(carrier, context=context, getter=getter)
            root = None
            if not trace.get_current_span(extracted).get_span_context().is_valid:
                root = alb_root_trace_id(";".join(getter.get(carrier, TRACE_HEADER_KEY) or ()))
            _alb_root.set(root)
            return extracted

    return AlbTraceRoot()


def _alb_id_generator(base):
    class AlbTraceIdGenerator(base):
        """X-Ray's ids; the root span of a request that came with the ALB's trace id takes it."""

        def generate_trace_id(self) -> int:
            root = _alb_root.get()
            if root is not None:
                _alb_root.set(None)
                return root
            return super().generate_trace_id()

    return AlbTraceIdGenerator()
