"""Signing in to the shop through the real Keycloak, in Chromium.

The shop runs under gunicorn in production mode with the Keycloak variables set, on a database
of its own on the suite's PostgreSQL server; shoppers and staff sign in on Keycloak's own login
page with the realm's demo users.
"""

import contextlib
import os
import re
import time
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.keycloak.conftest import _save_failure_screenshot
from tests.support.gunicorn import GunicornServer, wait_for
from tests.support.keycloak import KeycloakServer
from tests.support.postgres import PostgresServer
from tests.support.shop import manage_ok, production_env

SESSION_CHECK_SECONDS = 3
SHOP_DATABASE = "shop_keycloak_e2e"


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


def count_orders(shop_env: dict[str, str]) -> int:
    with psycopg.connect(shop_env["DATABASE_URL"]) as connection:
        return connection.execute("SELECT count(*) FROM orders").fetchone()[0]


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


def sign_in_on_keycloak(page: Page, keycloak: KeycloakServer, username: str) -> None:
    expect(page).to_have_url(re.compile(re.escape(f"{keycloak.url}/realms/shop/")))
    page.locator("#username").fill(username)
    page.locator("#password").fill(keycloak.demo_users[username].password)
    page.locator("#kc-login").click()


def add_something_to_the_cart(page: Page) -> str:
    page.goto("/products/?in_stock=1")
    page.locator(".card a").first.click()
    name = page.get_by_role("heading", level=1).inner_text()
    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(re.compile("/cart/$"))
    return name


def test_shopper_signs_in_on_keycloak_keeps_the_cart_and_orders(shop_page, keycloak):
    page = shop_page
    product = add_something_to_the_cart(page)

    page.get_by_role("link", name="Checkout").click()
    sign_in_on_keycloak(page, keycloak, "shopper")

    expect(page).to_have_url(re.compile("/checkout/$"))
    expect(page.get_by_role("main")).to_contain_text(product)  # the anonymous cart merged
    expect(page.get_by_label("E-mail")).to_have_value("shopper@example.com")
    page.get_by_label("Full name").fill("Sam Shopper")
    page.get_by_label("Street and number").fill("2 Market Street")
    page.get_by_label("Postal code").fill("1010")
    page.get_by_label("City").fill("Vienna")
    page.get_by_label("Country").fill("Austria")
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_role("main")).to_contain_text("is placed")

    page.goto("/admin/")
    expect(page.get_by_role("heading", level=1)).to_have_text("No access")  # no admin for shoppers

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    wait_for(lambda: keycloak.user_sessions("shopper") == 0, timeout=10,
             message="the Keycloak session outlived the sign-out")  # fmt: skip


def test_staff_sign_in_to_the_admin_through_keycloak_and_lose_it_with_the_role(shop_page, keycloak):
    page = shop_page
    page.goto("/admin/")
    sign_in_on_keycloak(page, keycloak, "staff")
    expect(page).to_have_url(re.compile("/admin/$"))
    expect(page.get_by_role("link", name="Products")).to_be_visible()
    page.get_by_role("link", name="Products").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("product")

    page.get_by_role("button", name="Log out").click()
    wait_for(lambda: keycloak.user_sessions("staff") == 0, timeout=10,
             message="the admin's Log out left the Keycloak session")  # fmt: skip
    keycloak.set_realm_roles("staff", [])
    try:
        page.goto("/admin/")
        sign_in_on_keycloak(page, keycloak, "staff")
        expect(page.get_by_role("heading", level=1)).to_have_text("No access")
    finally:
        keycloak.set_realm_roles("staff", ["shop-staff"])


@pytest.fixture
def short_session_shop(keycloak, shop_env) -> Iterator[GunicornServer]:
    """The shop re-checking sessions with Keycloak after 3 seconds instead of 15 minutes."""
    env = {**shop_env, "OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS": str(SESSION_CHECK_SECONDS)}
    with running_shop(keycloak, env) as server:
        yield server


def test_a_user_disabled_in_keycloak_is_signed_out_at_the_next_check(
    browser, short_session_shop, keycloak
):
    context = browser.new_context(base_url=short_session_shop.base_url)
    page = context.new_page()
    try:
        page.goto("/accounts/login/")
        sign_in_on_keycloak(page, keycloak, "shopper")
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        keycloak.set_user_enabled("shopper", False)

        def signed_out() -> bool:
            page.goto("/orders/")
            return (
                "/orders/" not in page.url
                or page.get_by_role("button", name="Sign out").count() == 0
            )

        wait_for(signed_out, timeout=20, message="the disabled user stayed signed in")
    finally:
        keycloak.set_user_enabled("shopper", True)
        context.close()


def test_an_expired_session_cannot_place_an_order_by_post(
    browser, short_session_shop, shop_env, keycloak
):
    context = browser.new_context(base_url=short_session_shop.base_url)
    page = context.new_page()
    try:
        add_something_to_the_cart(page)
        page.get_by_role("link", name="Checkout").click()
        sign_in_on_keycloak(page, keycloak, "shopper")
        expect(page).to_have_url(re.compile("/checkout/$"))
        for label, value in [
            ("Full name", "Sam Shopper"),
            ("Street and number", "2 Market St"),
            ("Postal code", "1010"),
            ("City", "Vienna"),
            ("Country", "Austria"),
        ]:
            page.get_by_label(label).fill(value)  # fmt: skip
        orders_before = count_orders(shop_env)
        # The ID token's lifetime in the shop is the behaviour under test: let it run out.
        time.sleep(SESSION_CHECK_SECONDS + 1)
        page.get_by_role("button", name="Place order").click()

        expect(page.get_by_role("main")).to_contain_text("Your session has expired")
        assert count_orders(shop_env) == orders_before
    finally:
        context.close()


def test_sign_in_never_redirects_off_the_site(shop_page, shop, keycloak):
    page = shop_page
    page.goto("/accounts/login/?next=https://evil.example.com/steal")
    sign_in_on_keycloak(page, keycloak, "shopper")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert page.url.startswith(shop.base_url)
