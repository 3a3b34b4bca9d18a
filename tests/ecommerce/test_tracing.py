"""OpenTelemetry traces (ecommerce/tracing.py): one trace per request, SQL spans inside it, the
trace id in the request's log lines; off, nothing of OpenTelemetry even imported.

In this process the spans go to the SDK's in-memory exporter, and the instrumentation (global:
it patches psycopg, redis-py, botocore and the middleware setting) is undone after each test.
Under real gunicorn the spans leave the workers over OTLP/gRPC for a receiver in this test,
as they would for the ADOT collector sidecar.
"""

import copy
import io
import json
import logging
import logging.config
import subprocess
import sys
import threading
from concurrent import futures

import grpc
import psycopg
import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from opentelemetry import propagate
from opentelemetry.instrumentation.botocore import BotocoreInstrumentor
from opentelemetry.instrumentation.django import DjangoInstrumentor
from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
from opentelemetry.instrumentation.redis import RedisInstrumentor
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from ecommerce import health, tracing
from tests.deploy.test_gunicorn import SHOP_HOST, production_env  # noqa: F401 (a fixture)
from tests.factories import ProductFactory
from tests.support.gunicorn import GunicornServer, wait_for
from tests.support.moto import MotoServer
from tests.support.redis import RedisServer

ALB_ROOT = "1-67891233-abcdef012345678912345678"
ON = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317"}


@pytest.fixture
def log_lines():
    """The shop's logging configuration (JSON), writing to a buffer instead of stdout."""
    stream = io.StringIO()
    config = copy.deepcopy(django_settings.LOGGING)
    config["handlers"]["console"]["stream"] = stream
    config["handlers"]["console"]["formatter"] = "json"
    logging.config.dictConfig(config)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logging.config.dictConfig(django_settings.LOGGING)


@pytest.fixture
def finished_spans(monkeypatch):
    """Tracing on, spans kept in memory; a function returning the spans finished so far."""
    exporter = InMemorySpanExporter()
    textmap = propagate.get_global_textmap()
    monkeypatch.setattr(tracing, "_current_span", None)  # restored afterwards
    provider = tracing.configure_tracing(environ=ON, span_exporter=exporter)
    connection.close()  # the next query opens a connection through the instrumented psycopg

    def finished():
        provider.force_flush()
        return exporter.get_finished_spans()

    finished.provider = provider
    yield finished
    for instrumentor in (
        DjangoInstrumentor(),
        PsycopgInstrumentor(),
        RedisInstrumentor(),
        BotocoreInstrumentor(),
    ):
        instrumentor.uninstrument()
    connection.close()  # its cursors are traced ones
    provider.shutdown()
    propagate.set_global_textmap(textmap)


def request_trace(spans):
    """The one server span and the spans of its trace."""
    [server] = [span for span in spans if span.kind is SpanKind.SERVER]
    in_trace = [span for span in spans if span.context.trace_id == server.context.trace_id]
    assert len(in_trace) == len(spans), "every span belongs to the request's trace"
    return server, in_trace


def descends_from(span, ancestor, spans) -> bool:
    by_id = {s.context.span_id: s for s in spans}
    while span.parent is not None:
        if span.parent.span_id == ancestor.context.span_id:
            return True
        span = by_id.get(span.parent.span_id)
        if span is None:
            return False
    return False


@pytest.mark.django_db(transaction=True)
def test_one_request_gives_one_trace_with_its_sql_spans_inside(finished_spans, log_lines):
    product = ProductFactory()

    response = Client().get(f"/products/{product.slug}/")

    assert response.status_code == 200
    server, spans = request_trace(finished_spans())
    assert server.name == "GET products/<slug:slug>/"
    assert server.attributes["http.status_code"] == 200
    sql = [span for span in spans if span.attributes.get("db.system") == "postgresql"]
    assert sql, [span.name for span in spans]
    assert any('FROM "products"' in span.attributes["db.statement"] for span in sql)
    assert all(descends_from(span, server, spans) for span in sql)
    assert server.resource.attributes["service.name"] == "storefront"
    # X-Ray's ids: the first 8 hex digits are the start time (within a day, say).
    assert abs((server.context.trace_id >> 96) - server.start_time // 10**9) < 86400

    [access] = [line for line in log_lines() if line["logger"] == "ecommerce.request"]
    assert access["trace_id"] == tracing.xray_trace_id(server.context.trace_id)
    assert access["span_id"] == format(server.context.span_id, "016x")


@pytest.mark.django_db(transaction=True)
def test_the_trace_continues_the_albs_trace_id(finished_spans, log_lines):
    # The ALB sends only the root; the shop's root span takes it as its trace id.
    Client().get("/products/", HTTP_X_AMZN_TRACE_ID=f"Root={ALB_ROOT}")
    server, _ = request_trace(finished_spans())
    assert server.parent is None
    assert tracing.xray_trace_id(server.context.trace_id) == ALB_ROOT
    [access] = [line for line in log_lines() if line["logger"] == "ecommerce.request"]
    assert access["trace_id"] == access["request_id"] == ALB_ROOT


@pytest.mark.django_db(transaction=True)
def test_a_traced_caller_becomes_the_parent(finished_spans):
    header = f"Root={ALB_ROOT};Parent=53995c3f42cd8ad8;Sampled=1"
    Client().get("/products/", HTTP_X_AMZN_TRACE_ID=header)
    server, _ = request_trace(finished_spans())
    assert tracing.xray_trace_id(server.context.trace_id) == ALB_ROOT
    assert server.parent.span_id == 0x53995C3F42CD8AD8 and server.parent.is_remote


@pytest.mark.django_db(transaction=True)
def test_health_probes_are_not_traced(finished_spans):
    """Neither the probe (the ALB's, every few seconds) nor the readiness check's queries."""
    try:
        assert Client().get("/health/").status_code == 200
        assert Client().get("/health/live/").status_code == 200
    finally:
        health.close_connections()  # the readiness check's thread keeps its own
    assert finished_spans() == ()


def test_redis_commands_and_aws_calls_are_spans_of_the_request(finished_spans):
    tracer = finished_spans.provider.get_tracer(__name__)
    with RedisServer() as redis_server, MotoServer() as aws:
        with tracer.start_as_current_span("GET checkout/", kind=SpanKind.SERVER) as request:
            redis.Redis.from_url(redis_server.url).set("cart:1", "2")
            aws.client("secretsmanager").list_secrets()
        [call] = [
            call
            for call in aws.requests()
            if {k.lower(): v for k, v in call["headers"].items()}.get("x-amz-target")
            == "secretsmanager.ListSecrets"
        ]

    spans = finished_spans()
    [redis_span] = [span for span in spans if span.attributes.get("db.system") == "redis"]
    [aws_span] = [span for span in spans if span.attributes.get("rpc.system") == "aws-api"]
    assert redis_span.name == "SET"
    assert aws_span.name == "Secrets Manager.ListSecrets"
    assert redis_span.parent.span_id == aws_span.parent.span_id == request.context.span_id
    # The call carries the trace on to AWS, in X-Ray's header.
    headers = {key.lower(): value for key, value in call["headers"].items()}
    trace_id = tracing.xray_trace_id(request.context.trace_id)
    assert f"Root={trace_id};Parent={aws_span.context.span_id:016x}" in headers["x-amzn-trace-id"]


def test_requests_without_a_header_get_their_own_trace_ids():
    assert tracing.alb_root_trace_id("") is None
    assert tracing.alb_root_trace_id("Self=1-5f84c7a9-1234567890abcdef12345678") is None
    assert tracing.alb_root_trace_id("Root=1-00000000-000000000000000000000000") is None
    header = f"Self=1-5f84c7a9-1234567890abcdef12345678;Root={ALB_ROOT}"
    assert tracing.xray_trace_id(tracing.alb_root_trace_id(header)) == ALB_ROOT


@pytest.mark.django_db
def test_tracing_is_off_without_an_endpoint(client, log_lines):
    middleware = list(django_settings.MIDDLEWARE)
    connect = psycopg.connect

    assert tracing.configure_tracing(environ={"OTEL_SERVICE_NAME": "storefront"}) is None
    assert tracing.configure_tracing(environ={"OTEL_EXPORTER_OTLP_ENDPOINT": " "}) is None

    assert middleware == django_settings.MIDDLEWARE
    assert psycopg.connect is connect and not hasattr(connect, "__wrapped__")
    client.get("/products/")
    [access] = [line for line in log_lines() if line["logger"] == "ecommerce.request"]
    assert "trace_id" not in access and "span_id" not in access


def test_tracing_off_imports_nothing_of_opentelemetry():
    code = (
        "import sys\n"
        "from ecommerce.tracing import configure_tracing\n"
        "assert configure_tracing(environ={}) is None\n"
        "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"


# --- under gunicorn, exported over OTLP -------------------------------------------------------


class TraceReceiver(trace_service_pb2_grpc.TraceServiceServicer):
    """The OTLP/gRPC trace endpoint of a collector: keeps the spans it is sent."""

    def __init__(self):
        self.spans = []  # (service name, span)
        self._lock = threading.Lock()

    def Export(self, request, context):
        with self._lock:
            for resource_spans in request.resource_spans:
                service = {
                    attribute.key: attribute.value.string_value
                    for attribute in resource_spans.resource.attributes
                }.get("service.name")
                for scope_spans in resource_spans.scope_spans:
                    self.spans += [(service, span) for span in scope_spans.spans]
        return trace_service_pb2.ExportTraceServiceResponse()

    def received(self):
        with self._lock:
            return list(self.spans)


@pytest.fixture
def collector():
    receiver = TraceReceiver()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(receiver, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield receiver, f"http://127.0.0.1:{port}"
    server.stop(grace=None)


def test_gunicorn_workers_export_each_requests_trace_to_the_collector(
    production_env,  # noqa: F811
    collector,
):
    receiver, endpoint = collector
    env = {
        **production_env,
        "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
        "OTEL_SERVICE_NAME": "storefront-test",
        "OTEL_BSP_SCHEDULE_DELAY": "100",  # ms between exports (default 5 s)
        "GUNICORN_WORKERS": "1",
    }
    with GunicornServer(env=env, inherit_env=False) as server:
        response = server.request(
            "GET", "/products/", headers={"Host": SHOP_HOST, "X-Amzn-Trace-Id": f"Root={ALB_ROOT}"}
        )
        assert response.status == 200

        def request_spans():
            spans = [span for _, span in receiver.received()]
            servers = [span for span in spans if span.name == "GET products/"]
            sql = [span for span in spans if span.kind == span.SPAN_KIND_CLIENT]
            return (servers, sql) if servers and sql else None

        [root], sql = wait_for(
            request_spans,
            timeout=20,
            message=lambda: f"spans received: {receiver.received()}\n{server.stderr_tail()}",
        )
        lines = [json.loads(line) for line in server.stdout_lines()]

    assert root.kind == root.SPAN_KIND_SERVER and not root.parent_span_id
    assert tracing.xray_trace_id(int.from_bytes(root.trace_id, "big")) == ALB_ROOT
    assert {span.trace_id for span in sql} == {root.trace_id}
    assert {service for service, _ in receiver.received()} == {"storefront-test"}
    [access] = [line for line in lines if line.get("logger") == "ecommerce.request"]
    assert access["trace_id"] == access["request_id"] == ALB_ROOT
    assert access["span_id"] == root.span_id.hex()
