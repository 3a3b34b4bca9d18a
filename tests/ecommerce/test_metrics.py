"""Metrics in CloudWatch's embedded metric format, in the access-log lines (ecommerce.metrics).

The names, units and dimensions are what the dashboard and alarms in deploy/terraform read.
"""

import copy
import io
import json
import logging.config

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.db import OperationalError, connection
from django.test import Client, RequestFactory
from django.urls import reverse
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView

from accounts.oidc import KeycloakCallbackView
from catalog import views as catalog_views
from catalog.models import Product
from ecommerce import health, metrics
from ecommerce.secrets import DatabaseSecret
from orders.models import Order
from tests.accounts.test_oidc import (  # noqa: F401  (fixtures: backend, oidc_settings)
    backend,
    decode,
    oidc_settings,
    token,
)
from tests.factories import SHIPPING, ProductFactory, UserFactory

NAMESPACE = "Storefront-test"
PASSWORD = "correct horse battery staple"
CHECKOUT_FORM = {
    "email": SHIPPING.email,
    "name": SHIPPING.name,
    "address": SHIPPING.address,
    "postal_code": SHIPPING.postal_code,
    "city": SHIPPING.city,
    "country": SHIPPING.country,
}


@pytest.fixture
def access_log(settings):
    """The access-log lines, as the shop's JSON formatter writes them."""
    settings.METRICS_ENABLED = True
    settings.METRICS_NAMESPACE = NAMESPACE
    stream = io.StringIO()
    config = copy.deepcopy(settings.LOGGING)
    config["handlers"]["console"]["stream"] = stream
    config["handlers"]["console"]["formatter"] = "json"
    logging.config.dictConfig(config)

    def lines():
        parsed = [json.loads(line) for line in stream.getvalue().splitlines()]
        stream.truncate(0)
        stream.seek(0)
        return [line for line in parsed if line["logger"] == "ecommerce.request"]

    yield lines
    logging.config.dictConfig(settings.LOGGING)


def emf(line) -> dict:
    """Check the line is an EMF document; return {metric: (unit, dimension sets, value)}."""
    block = line["_aws"]
    assert isinstance(block["Timestamp"], int)
    assert block["Timestamp"] > 1_700_000_000_000  # milliseconds
    found = {}
    for directive in block["CloudWatchMetrics"]:
        assert directive["Namespace"] == NAMESPACE
        assert [] in directive["Dimensions"]  # every metric is also service-wide
        for dimension_set in directive["Dimensions"]:
            for key in dimension_set:
                assert isinstance(line[key], str)
        for metric in directive["Metrics"]:
            assert metric["Name"] not in found
            found[metric["Name"]] = (metric["Unit"], directive["Dimensions"], line[metric["Name"]])
    return found


def values(line) -> dict:
    return {name: value for name, (_, _, value) in emf(line).items()}


def only_line(access_log):
    [line] = access_log()  # one access-log line per request, so one EMF block at most
    return line


def request_metrics(line, route):
    found = emf(line)
    assert line["Route"] == route
    assert found.pop("Requests") == ("Count", [["Route"], []], 1)
    unit, dimensions, latency = found.pop("Latency")
    assert (unit, dimensions) == ("Milliseconds", [["Route"], []])
    assert latency == line["duration_ms"]
    unit, dimensions, errors = found.pop("ServerErrors")
    assert (unit, dimensions) == ("Count", [["Route"], []])
    return errors, {name: value for name, (_, _, value) in found.items()}


@pytest.fixture
def page_cache_on(settings):
    settings.CATALOG_PAGE_CACHE = True
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db(transaction=True)  # cancellations are counted once committed
def test_a_shopping_session_writes_one_emf_block_per_request(
    access_log, page_cache_on, monkeypatch
):
    product = ProductFactory(name="Oak lamp", slug="oak-lamp", stock=10)
    scarce = ProductFactory(name="Last vase", slug="last-vase", stock=1)
    user = UserFactory(email="ada@example.com")
    client = Client()
    url = product.get_absolute_url()

    client.get(url)
    assert request_metrics(only_line(access_log), "catalog:product-detail") == (
        0,
        {"PageCacheMisses": 1},
    )
    client.get(url)
    assert request_metrics(only_line(access_log), "catalog:product-detail") == (
        0,
        {"PageCacheHits": 1},
    )

    login = reverse("accounts:login")
    client.post(login, {"username": "ada@example.com", "password": "wrong"})
    line = only_line(access_log)
    assert request_metrics(line, "accounts:login") == (0, {"SignInFailures": 1})
    assert emf(line)["SignInFailures"][:2] == ("Count", [["Reason"], []])
    assert line["Reason"] == "bad_password"

    client.post(login, {"username": "ada@example.com", "password": PASSWORD})
    line = only_line(access_log)
    assert request_metrics(line, "accounts:login") == (0, {"SignIns": 1})
    assert emf(line)["SignIns"][:2] == ("Count", [["Method"], []])
    assert line["Method"] == "local"

    client.post(reverse("orders:cart-add", args=[product.slug]), {"quantity": 1})
    assert request_metrics(only_line(access_log), "orders:cart-add") == (0, {})

    token = client.get(reverse("orders:checkout")).context["form"]["checkout_token"].value()
    access_log()
    client.post(reverse("orders:checkout"), {**CHECKOUT_FORM, "checkout_token": token})
    assert request_metrics(only_line(access_log), "orders:checkout") == (0, {"OrdersPlaced": 1})

    client.post(reverse("orders:cart-add", args=[scarce.slug]), {"quantity": 1})
    token = client.get(reverse("orders:checkout")).context["form"]["checkout_token"].value()
    Product.objects.filter(pk=scarce.pk).update(stock=0)  # sold meanwhile
    access_log()
    client.post(reverse("orders:checkout"), {**CHECKOUT_FORM, "checkout_token": token})
    assert request_metrics(only_line(access_log), "orders:checkout") == (
        0,
        {"OrdersRefusedForStock": 1},
    )

    order = Order.objects.get(user=user)
    client.post(reverse("orders:order-cancel", args=[order.number]))
    assert request_metrics(only_line(access_log), "orders:order-cancel") == (
        0,
        {"OrdersCancelled": 1},
    )

    def broken(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr(catalog_views.HomeView, "get", broken)
    failing = Client(raise_request_exception=False)
    failing.get("/")
    line = only_line(access_log)
    assert line["status"] == 500
    assert request_metrics(line, "catalog:home") == (1, {})

    client.post(reverse("accounts:logout"))
    assert request_metrics(only_line(access_log), "accounts:logout") == (0, {"SignOuts": 1})

    client.get("/no/such/page/")
    assert request_metrics(only_line(access_log), "unmatched")[0] == 0

    client.get("/static/css/shop.css")
    assert all("_aws" not in line for line in access_log())


@pytest.mark.django_db
def test_health_checks_write_no_metrics(access_log, client):
    client.get("/health/live/")
    client.get("/health/")
    health.close_connections()  # the checks' thread keeps its connection between probes
    assert access_log() == []


@pytest.mark.django_db
def test_the_admins_sign_in_form_is_counted_as_admin(access_log, settings):
    settings.ADMIN_PASSWORD_LOGIN = True
    UserFactory(username="staff", is_staff=True)
    Client().post(reverse("admin:login"), {"username": "staff", "password": PASSWORD})
    line = only_line(access_log)
    assert values(line)["SignIns"] == 1
    assert line["Method"] == "admin"


@pytest.mark.django_db
def test_no_metrics_when_disabled(access_log, settings):
    settings.METRICS_ENABLED = False
    Client().get("/")
    line = only_line(access_log)
    assert "_aws" not in line
    assert "Requests" not in line


@pytest.mark.django_db(transaction=True)
def test_a_new_database_connection_is_counted_with_its_time(access_log):
    client = Client()
    client.get("/")  # the connection is open and reused from here on
    access_log()
    connection.health_check_done = False  # as at the start of a request (CONN_HEALTH_CHECKS)
    client.get("/")
    kept = values(only_line(access_log))
    assert "DbConnectionsOpened" not in kept
    assert kept["DbConnectionsReused"] == 1

    connection.close()
    client.get("/")
    found = emf(only_line(access_log))
    assert found["DbConnectionsOpened"] == ("Count", [[]], 1)
    assert "DbConnectionsReused" not in found
    unit, dimensions, connect_ms = found["DbConnectTime"]
    assert (unit, dimensions) == ("Milliseconds", [[]])
    assert 0 < connect_ms < 5000
    assert "DbConnectionsBroken" not in found


@pytest.mark.django_db(transaction=True)
def test_a_connection_broken_while_idle_is_counted_and_reopened(access_log):
    client = Client()
    client.get("/")
    with pytest.raises(OperationalError), connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
    connection.health_check_done = False  # as at the start of a request (CONN_HEALTH_CHECKS)
    access_log()

    assert client.get("/").status_code == 200
    found = values(only_line(access_log))
    assert found["DbConnectionsBroken"] == 1
    assert found["DbConnectionsOpened"] == 1
    assert "DbConnectionsReused" not in found


@pytest.mark.django_db(transaction=True)
def test_a_connection_that_cannot_be_made_is_counted(access_log, monkeypatch):
    connection.close()
    monkeypatch.setitem(connection.settings_dict, "PORT", 1)  # nothing listens there
    Client(raise_request_exception=False).get("/")
    monkeypatch.undo()
    found = values(only_line(access_log))
    assert found["DbConnectFailures"] >= 1
    assert "DbConnectionsOpened" not in found


@pytest.mark.django_db(transaction=True)
def test_a_refused_password_is_counted_as_a_credential_refresh(access_log, monkeypatch):
    """A rotation, imitated: the process still has an old password, the secret the right one
    (the real rotation under gunicorn: tests/runtime/test_rotation.py)."""
    password = connection.settings_dict["PASSWORD"]
    secret = DatabaseSecret("storefront/test/db", region="us-east-1")
    monkeypatch.setattr(secret, "_fetch", lambda: {"PASSWORD": password})
    monkeypatch.setitem(connection.settings_dict, "CREDENTIALS_SECRET", secret)
    monkeypatch.setitem(connection.settings_dict, "PASSWORD", "before-the-rotation")
    connection.close()

    assert Client().get("/").status_code == 200
    found = values(only_line(access_log))
    assert (found["DbCredentialRefreshes"], found["DbConnectionsOpened"]) == (1, 1)
    assert "DbConnectFailures" not in found


# Keycloak's failures, without a Keycloak (tests/keycloak signs in through a real one).


def collected(action) -> dict:
    token = metrics.start()
    try:
        action()
        collector = metrics._collector.get()
        return {"values": collector.values, "dimensions": collector.dimensions}
    finally:
        metrics.stop(token)


def callback(path, *, user=None, states=None):
    request = RequestFactory().get(path)
    request.session = {} if states is None else {"oidc_states": states}
    request.user = user or AnonymousUser()
    return request


def test_a_callback_with_an_unknown_state_is_a_state_mismatch():
    request = callback("/oidc/callback/?code=abc&state=forged", states={"real": {}})

    def call():
        with pytest.raises(SuspiciousOperation):
            KeycloakCallbackView.as_view()(request)

    assert collected(call) == {
        "values": {"SignInFailures": [1]},
        "dimensions": {"Reason": "state_mismatch"},
    }


def test_an_error_from_keycloak_is_a_provider_error_or_an_ended_session(monkeypatch):
    # Only what the shop's callback announces: mozilla-django-oidc's own handling is skipped.
    monkeypatch.setattr(OIDCAuthenticationCallbackView, "get", lambda self, request: None)
    anonymous = callback("/oidc/callback/?error=access_denied&state=s")
    assert collected(lambda: KeycloakCallbackView().get(anonymous)) == {
        "values": {"SignInFailures": [1]},
        "dimensions": {"Reason": "provider_error"},
    }
    signed_in = callback("/oidc/callback/?error=login_required&state=s", user=UserFactory.build())
    assert collected(lambda: KeycloakCallbackView().get(signed_in)) == {
        "values": {"SessionsEndedByRefresh": [1]},
        "dimensions": {},
    }


@pytest.mark.django_db
@pytest.mark.usefixtures("oidc_settings")
def test_keycloak_token_and_identity_refusals_say_why(backend, monkeypatch):  # noqa: F811
    monkeypatch.setattr(backend, "get_userinfo", lambda *args: {"sub": "someone-else"})

    def bad_token():
        with pytest.raises(SuspiciousOperation):
            backend.get_or_create_user(token(), token(), decode(token()))

    assert collected(bad_token)["dimensions"] == {"Reason": "token_invalid"}

    sub = decode(token())["sub"]
    monkeypatch.setattr(
        backend, "get_userinfo", lambda *args: {"sub": sub, "email": "x@example.com"}
    )
    result = collected(lambda: backend.get_or_create_user(token(), token(), decode(token())))
    assert result == {
        "values": {"SignInFailures": [1]},
        "dimensions": {"Reason": "email_not_verified"},
    }

    UserFactory(email="taken@example.com")
    monkeypatch.setattr(
        backend,
        "get_userinfo",
        lambda *args: {"sub": sub, "email": "taken@example.com", "email_verified": True},
    )
    result = collected(lambda: backend.get_or_create_user(token(), token(), decode(token())))
    assert result["dimensions"] == {"Reason": "identity_refused"}


# The document itself.


def test_the_emf_document_groups_metrics_by_their_dimensions():
    document = metrics.emf_document(
        {
            "Requests": [1],
            "Latency": [12.5],
            "ServerErrors": [0],
            "DbConnectTime": [3.1, 4.2],
            "DbConnectionsOpened": [1, 1],
            "SignIns": [1],
        },
        {"Route": "catalog:home", "Method": "local"},
        namespace="Shop",
        timestamp_ms=1_764_300_000_000,
    )
    assert json.loads(json.dumps(document)) == {
        metrics.EMF_METADATA: {  # `_aws` in the log line (see the access_log tests)
            "Timestamp": 1_764_300_000_000,
            "CloudWatchMetrics": [
                {
                    "Namespace": "Shop",
                    "Dimensions": [["Route"], []],
                    "Metrics": [
                        {"Name": "Requests", "Unit": "Count"},
                        {"Name": "Latency", "Unit": "Milliseconds"},
                        {"Name": "ServerErrors", "Unit": "Count"},
                    ],
                },
                {
                    "Namespace": "Shop",
                    "Dimensions": [[]],
                    "Metrics": [
                        {"Name": "DbConnectTime", "Unit": "Milliseconds"},
                        {"Name": "DbConnectionsOpened", "Unit": "Count"},
                    ],
                },
                {
                    "Namespace": "Shop",
                    "Dimensions": [["Method"], []],
                    "Metrics": [{"Name": "SignIns", "Unit": "Count"}],
                },
            ],
        },
        "Requests": 1,
        "Latency": 12.5,
        "ServerErrors": 0,
        "DbConnectTime": [3.1, 4.2],
        "DbConnectionsOpened": [1, 1],
        "SignIns": 1,
        "Route": "catalog:home",
        "Method": "local",
    }


def test_counting_outside_a_request_does_nothing():
    metrics.count("OrdersPlaced")  # no collector: no error, nothing kept
    assert metrics._collector.get() is None


def test_unknown_names_and_wrong_dimensions_are_refused():
    def wrong():
        with pytest.raises(KeyError):
            metrics.count("OrderPlaced")
        with pytest.raises(ValueError, match="Route"):
            metrics.count("Requests")

    collected(wrong)


def test_a_second_value_of_one_dimension_is_dropped_not_misattributed():
    def two_methods():
        metrics.count("SignIns", Method="local")
        metrics.count("SignIns", Method="keycloak")

    assert collected(two_methods) == {
        "values": {"SignIns": [1]},
        "dimensions": {"Method": "local"},
    }


@pytest.mark.django_db
def test_sign_ins_refused_by_the_lockout_are_counted_as_locked_out(access_log, settings):
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(email="ada@example.com")
    client = Client()
    reasons = []
    for password in ["wrong"] * 3 + [PASSWORD]:
        client.post(
            reverse("accounts:login"), {"username": "ada@example.com", "password": password}
        )
        line = only_line(access_log)
        assert values(line).get("SignIns") is None
        reasons.append((line["status"], line["Reason"]))
    assert reasons == [
        (200, "bad_password"),
        (200, "bad_password"),
        (429, "locked_out"),  # the attempt that locked the account
        (429, "locked_out"),  # the right password, refused during the lockout
    ]
