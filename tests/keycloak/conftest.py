"""A real Keycloak for the tests in tests/keycloak (tests/support/keycloak.py).

`keycloak` (session scope) is a running `KeycloakServer` with the committed realm imported, its
e-mails (verification, password reset) sent to `smtp`, a real SMTP server of the session's
(tests/support/smtp.py) named through the realm's `${KEYCLOAK_SMTP_*}` placeholders. Its
`keycloak` database is on the suite's PostgreSQL server (`make test` exports its DATABASE_URL,
a superuser's), else on a PostgreSQL server of its own. Starting takes about 45 s (80 s the first
time on a machine, which also downloads the distribution: see the module's docstring).

Without Java or the distribution the tests skip, saying why; under CI (`CI` set) they fail
instead, so a CI machine that lost Keycloak cannot pass quietly.

Every test in this directory is marked `keycloak`: `pytest -m "not keycloak"` leaves them out
(and Keycloak unstarted: about 0.5 GB of memory and a minute of the run).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.gunicorn import GunicornServer
from tests.support.keycloak import KeycloakServer, availability, keycloak_for_tests
from tests.support.postgres import PostgresServer
from tests.support.shop import manage_ok, production_env
from tests.support.smtp import SmtpServer

SMTP_FROM = "no-reply@shop.test"
SHOP_DATABASE = "shop_keycloak_e2e"

KEYCLOAK_TESTS_DIR = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)  # before pytest's own hook deselects by `-m`
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test under tests/keycloak `keycloak`."""
    for item in items:
        if item.path.is_relative_to(KEYCLOAK_TESTS_DIR):
            item.add_marker(pytest.mark.keycloak)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require_keycloak() -> None:
    """Skip the test (fail it under CI) when Keycloak cannot run here."""
    reason = availability()
    if reason is not None:
        if _in_ci():
            pytest.fail(f"Keycloak is required under CI: {reason}", pytrace=False)
        pytest.skip(reason)


def smtp_environment(smtp: SmtpServer) -> dict[str, str]:
    """Keycloak's SMTP variables (README: "Keycloak realm") for this SMTP server."""
    return {
        "KEYCLOAK_SMTP_HOST": smtp.host,
        "KEYCLOAK_SMTP_PORT": str(smtp.port),
        "KEYCLOAK_SMTP_FROM": SMTP_FROM,
    }


@pytest.fixture(scope="session")
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture(scope="session")
def keycloak(smtp: SmtpServer) -> Iterator[KeycloakServer]:
    require_keycloak()
    with keycloak_for_tests(environment=smtp_environment(smtp)) as server:
        yield server


# --- the shop, under gunicorn in production mode with the Keycloak variables ----------------------
# Module scope: each test module gets a fresh shop database (the journeys create users, orders).


@pytest.fixture(scope="module")
def shop_database() -> Iterator[str]:
    """A database for the shop on the suite's PostgreSQL server (its own server without one)."""
    with contextlib.ExitStack() as stack:
        superuser_url = os.environ.get("DATABASE_URL") or stack.enter_context(PostgresServer()).url
        with psycopg.connect(superuser_url, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {SHOP_DATABASE} WITH (FORCE)")
            connection.execute(f"CREATE DATABASE {SHOP_DATABASE}")
        yield urlunsplit(urlsplit(superuser_url)._replace(path=f"/{SHOP_DATABASE}"))
        with psycopg.connect(superuser_url, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {SHOP_DATABASE} WITH (FORCE)")


@pytest.fixture(scope="module")
def shop_env(shop_database: str, keycloak: KeycloakServer, tmp_path_factory) -> dict[str, str]:
    env = production_env(
        tmp_path_factory.mktemp("static"), **keycloak.env(), DATABASE_URL=shop_database
    )
    manage_ok("migrate", "--no-input", env=env)
    manage_ok("collectstatic", "--no-input", env=env)
    manage_ok("seed_demo", "--products", "12", env=env)
    return env


@contextlib.contextmanager
def running_shop(keycloak: KeycloakServer, env: dict[str, str]) -> Iterator[GunicornServer]:
    """The shop under gunicorn, its address registered with the realm's client."""
    with GunicornServer(env=env, inherit_env=False, args=["--workers", "1"]) as server:
        keycloak.add_redirect_uri(server.url("/oidc/callback/"))
        keycloak.add_post_logout_redirect_uri(server.url("/"))
        yield server


@pytest.fixture(scope="module")
def shop(keycloak: KeycloakServer, shop_env: dict[str, str]) -> Iterator[GunicornServer]:
    with running_shop(keycloak, shop_env) as server:
        yield server


@pytest.fixture
def shop_page(browser: Browser, shop: GunicornServer, request) -> Iterator[Page]:
    context = browser.new_context(base_url=shop.base_url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        _save_failure_screenshot(page, request)
    context.close()


def fill_shipping_address(page: Page) -> None:
    """The checkout's new-address fields (the country a list, or a text field), unless the
    shopper's saved address is picked already (the fields are hidden then)."""
    expect(page.get_by_role("button", name="Place order")).to_be_visible()  # the page is there
    if not page.get_by_label("Full name").is_visible():
        expect(page.locator(".saved-addresses input:checked")).to_have_count(1)
        return
    page.get_by_label("Full name").fill("Sam Shopper")
    page.get_by_label("Street and number").fill("2 Market Street")
    page.get_by_label("Postal code").fill("1010")
    page.get_by_label("City").fill("Vienna")
    country = page.get_by_label("Country")
    if country.evaluate("element => element.tagName") == "SELECT":
        country.select_option(label="Austria")
    else:
        country.fill("Austria")


# The browser tests' Chromium, and their failure screenshots, for the sign-in journeys here.
from tests.browser.conftest import (  # noqa: E402
    _save_failure_screenshot,
    browser,
    playwright,
    pytest_runtest_makereport,
)

__all__ = ["_save_failure_screenshot", "browser", "playwright", "pytest_runtest_makereport"]
