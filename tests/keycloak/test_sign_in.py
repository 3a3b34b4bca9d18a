"""Signing in to the shop through the real Keycloak, in Chromium.

The shop runs under gunicorn in production mode with the Keycloak variables set, on a database
of its own on the suite's PostgreSQL server; shoppers and staff sign in on Keycloak's own login
page with the realm's demo users.
"""

import re
import time
from collections.abc import Iterator

import psycopg
import pytest
from playwright.sync_api import Page, expect

from tests.keycloak.conftest import fill_shipping_address, running_shop
from tests.support.axe import check_accessibility
from tests.support.gunicorn import GunicornServer, wait_for
from tests.support.keycloak import KeycloakServer

SESSION_CHECK_SECONDS = 3


def count_orders(shop_env: dict[str, str]) -> int:
    with psycopg.connect(shop_env["DATABASE_URL"]) as connection:
        return connection.execute("SELECT count(*) FROM orders").fetchone()[0]


def sign_in_on_keycloak(page: Page, keycloak: KeycloakServer, username: str) -> None:
    expect(page).to_have_url(re.compile(re.escape(f"{keycloak.url}/realms/shop/")))
    page.locator("#username").fill(keycloak.demo_users[username].email)
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
    check_accessibility(page, context="cart, production mode")

    page.get_by_role("link", name="Checkout").click()
    sign_in_on_keycloak(page, keycloak, "shopper")

    expect(page).to_have_url(re.compile("/checkout/$"))
    expect(page.get_by_role("main")).to_contain_text(product)  # the anonymous cart merged
    # The confirmation goes to the account's (verified) address.
    expect(page.get_by_role("main")).to_contain_text("shopper@example.com")
    check_accessibility(page, context="checkout after signing in on Keycloak")
    fill_shipping_address(page)
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_role("main")).to_contain_text("is placed")
    check_accessibility(page, context="order confirmation, signed in through Keycloak")

    page.goto("/admin/")
    expect(page.get_by_role("heading", level=1)).to_have_text("No access")  # no admin for shoppers

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    check_accessibility(page, context="after signing out of Keycloak")
    wait_for(lambda: keycloak.user_sessions("shopper") == 0, timeout=10,
             message="the Keycloak session outlived the sign-out")  # fmt: skip


def test_staff_sign_in_to_the_admin_through_keycloak_and_lose_it_with_the_role(shop_page, keycloak):
    page = shop_page
    page.goto("/admin/")
    sign_in_on_keycloak(page, keycloak, "staff")
    expect(page).to_have_url(re.compile("/admin/$"))
    expect(page.get_by_role("link", name="Products", exact=True)).to_be_visible()
    page.get_by_role("link", name="Products", exact=True).click()
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
        fill_shipping_address(page)
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
