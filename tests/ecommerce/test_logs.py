import copy
import io
import json
import logging.config

import pytest


@pytest.fixture
def log_lines(settings):
    """The shop's logging configuration, writing to a buffer instead of stdout."""
    stream = io.StringIO()
    config = copy.deepcopy(settings.LOGGING)
    config["handlers"]["console"]["stream"] = stream
    config["handlers"]["console"]["formatter"] = "json"
    logging.config.dictConfig(config)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logging.config.dictConfig(settings.LOGGING)


@pytest.mark.django_db
def test_each_request_logs_one_json_line_with_the_albs_trace_id(client, log_lines):
    trace = "Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8;Sampled=1"
    response = client.get("/", HTTP_X_AMZN_TRACE_ID=trace)
    [line] = [line for line in log_lines() if line["logger"] == "ecommerce.request"]
    assert line["request_id"] == "1-67891233-abcdef012345678912345678"
    assert response["X-Request-Id"] == line["request_id"]
    assert (line["method"], line["path"], line["status"]) == ("GET", "/", 200)
    assert line["level"] == "INFO"
    assert line["duration_ms"] >= 0
    assert "time" in line


@pytest.mark.django_db
def test_health_checks_are_not_logged(client, log_lines):
    client.get("/health/live/")
    client.get("/health/")
    assert not [line for line in log_lines() if line["level"] == "INFO"]


@pytest.mark.django_db
def test_a_request_without_a_trace_id_gets_its_own(client, log_lines):
    first = client.get("/")["X-Request-Id"]
    second = client.get("/")["X-Request-Id"]
    assert first != second
    assert {line["request_id"] for line in log_lines()} >= {first, second}
