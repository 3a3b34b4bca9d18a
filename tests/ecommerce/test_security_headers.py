"""ecommerce/security.py: Permissions-Policy on every response, Django's security events as
one-line warnings, and the staff sessions' idle timeout."""

import copy
import io
import json
import logging.config
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import RequestFactory
from django.utils import timezone

from ecommerce.security import client_ip
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REFUSED_FEATURES = ["camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"]


@pytest.fixture
def log_lines(settings):
    """The shop's logging configuration, writing JSON to a buffer instead of stdout."""
    stream = io.StringIO()
    config = copy.deepcopy(settings.LOGGING)
    config["handlers"]["console"]["stream"] = stream
    config["handlers"]["console"]["formatter"] = "json"
    logging.config.dictConfig(config)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logging.config.dictConfig(settings.LOGGING)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/", 200),
        ("get", "/products/", 200),
        ("get", "/accounts/login/", 200),
        ("get", "/admin/login/", 200),
        ("get", "/no-such-page/", 404),
        ("get", "/accounts/logout/", 405),
        ("get", "/robots.txt", 200),
    ],
)
def test_every_response_refuses_the_browser_features_the_shop_does_not_use(
    client, method, path, status
):
    response = getattr(client, method)(path)
    assert response.status_code == status
    policy = [part.strip() for part in response["Permissions-Policy"].split(",")]
    assert set(REFUSED_FEATURES) <= set(policy)


def test_a_signed_in_shoppers_pages_carry_it_too(client):
    client.force_login(UserFactory())
    assert "camera=()" in client.get("/account/")["Permissions-Policy"]


def the_security_line(lines, logger):
    [line] = [line for line in lines if line["logger"] == logger]
    return line


def assert_one_line_warning(line, text):
    assert line["level"] == "WARNING"
    assert text in line["message"]
    assert "exc_info" not in line
    assert "Traceback" not in json.dumps(line)


def test_a_bad_host_is_a_one_line_warning(client, settings, log_lines):
    settings.ALLOWED_HOSTS = ["shop.example.com"]

    assert client.get("/", HTTP_HOST="scanner.example").status_code == 400

    lines = log_lines()
    line = the_security_line(lines, "django.security.DisallowedHost")
    assert_one_line_warning(line, "Invalid HTTP_HOST header: 'scanner.example'")
    assert not [line for line in lines if line["level"] in ("ERROR", "CRITICAL")]


def test_too_many_fields_is_a_one_line_warning(client, log_lines):
    fields = "&".join(f"f{n}=x" for n in range(1_001))  # DATA_UPLOAD_MAX_NUMBER_FIELDS: 1,000

    response = client.post(
        "/accounts/login/", fields, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 400
    line = the_security_line(log_lines(), "django.security.TooManyFieldsSent")
    assert_one_line_warning(line, "number of GET/POST parameters exceeded")


def test_a_request_body_too_big_is_a_one_line_warning(client, settings, log_lines):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000

    response = client.post(
        "/accounts/login/", "a=" + "x" * 2_000, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 400
    line = the_security_line(log_lines(), "django.security.RequestDataTooBig")
    assert_one_line_warning(line, "exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE")


def test_other_errors_keep_their_level_and_traceback(log_lines):
    logging.getLogger("orders").error("boom", exc_info=ValueError("kept"))
    [line] = [line for line in log_lines() if line["logger"] == "orders"]
    assert line["level"] == "ERROR"
    assert "ValueError: kept" in line["exc_info"]


def stored_expiry(client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_staff_sessions_end_after_30_idle_minutes(staff_client):
    response = staff_client.get("/admin/")

    assert response.status_code == 200
    assert response.cookies["sessionid"]["max-age"] == 1800
    expected = timezone.now() + timedelta(minutes=30)
    assert abs(stored_expiry(staff_client) - expected) < timedelta(seconds=30)


def test_each_staff_request_restarts_the_idle_clock(staff_client):
    staff_client.get("/admin/")
    # 29 minutes later, as the database sees it: one minute left.
    Session.objects.update(expire_date=timezone.now() + timedelta(minutes=1))

    assert staff_client.get("/admin/orders/order/").status_code == 200

    assert stored_expiry(staff_client) > timezone.now() + timedelta(minutes=29)


def test_an_idle_staff_session_is_signed_out(staff_client):
    staff_client.get("/admin/")
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))

    response = staff_client.get("/admin/")

    assert response.status_code == 302
    assert "login" in response.url


def test_shoppers_keep_two_week_sessions(client):
    client.force_login(UserFactory())

    assert client.get("/account/").status_code == 200

    assert stored_expiry(client) > timezone.now() + timedelta(days=13)


ALB = "10.0.1.5"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "192.0.2.1, 203.0.113.7", "203.0.113.7"),  # the left part is the client's own text
        (1, "192.0.2.1,203.0.113.7", "203.0.113.7"),
        (1, "2001:db8::1", "2001:db8::1"),
        (2, "192.0.2.1, 203.0.113.7, 10.0.2.2", "203.0.113.7"),  # a CDN in front of the ALB
        (1, "", ALB),  # no proxy in front (a laptop)
        (1, "not-an-address", ALB),
        (2, "203.0.113.7", ALB),  # fewer hops than proxies: the header is not the proxies'
        (0, "203.0.113.7", ALB),
    ],
)
def test_the_client_ip_is_the_right_most_address_no_trusted_proxy_wrote(
    settings, proxies, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    request = RequestFactory().get("/", REMOTE_ADDR=ALB, **headers)
    assert client_ip(request) == expected
