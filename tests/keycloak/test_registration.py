"""Joining the shop and recovering a password on Keycloak's own pages, in Chromium.

The shop's "Create account" asks Keycloak for its registration page (`prompt=create` on a normal
authorization request: accounts.oidc.registration_url). Keycloak's e-mails (address
verification, password reset) go to the session's real SMTP server (tests/support/smtp.py),
named in the realm through the `${KEYCLOAK_SMTP_*}` placeholders; the tests read the links
from the received messages and open them, as a shopper would. With e-mail verification on,
Keycloak 26 asks a new shopper for a password only after the address is verified.
"""

import re
import secrets

from playwright.sync_api import Page, expect

from tests.keycloak.conftest import SMTP_FROM, fill_shipping_address
from tests.support.keycloak import KeycloakServer
from tests.support.smtp import SmtpServer, first_link

# Meets the realm's policy: 12+ characters, neither the username nor the e-mail address.
PASSWORD = "correct horse battery staple"
ACTION_TOKEN = "/login-actions/action-token"


def new_address(label: str) -> str:
    return f"{label}-{secrets.token_hex(4)}@example.net"


def on_keycloak(page: Page, keycloak: KeycloakServer) -> None:
    expect(page).to_have_url(re.compile(re.escape(f"{keycloak.issuer}/")))


def back_in_the_shop_signed_in(page: Page, shop_url: str) -> None:
    """Keycloak goes on to the shop itself when its link is opened in the browser that started
    the flow, else it asks first ("Click here to proceed")."""
    proceed = page.get_by_role("link", name=re.compile("proceed", re.IGNORECASE))
    signed_in = page.get_by_role("button", name="Sign out")
    expect(proceed.or_(signed_in)).to_be_visible()
    if proceed.is_visible():
        proceed.click()
    expect(signed_in).to_be_visible()
    assert page.url.startswith(shop_url)


def set_new_password(page: Page, password: str) -> None:
    """Keycloak's "Update password" page: after the reset link, and after the address is verified
    at registration (Keycloak 26 asks for the password only once the address is proven)."""
    expect(page.get_by_role("heading", name="Update password")).to_be_visible()
    page.locator("#password-new").fill(password)
    page.locator("#password-confirm").fill(password)
    page.locator("[type=submit]").first.click()


def register_on_keycloak(page: Page, keycloak: KeycloakServer, email: str, first_name: str):
    on_keycloak(page, keycloak)
    expect(page.locator("#kc-register-form")).to_be_visible()  # straight to registration
    page.locator("#email").fill(email)
    page.locator("#firstName").fill(first_name)
    page.locator("#lastName").fill("Newcomer")
    page.locator("#kc-register-form [type=submit]").click()


def test_new_shopper_registers_on_keycloak_verifies_the_address_and_orders(
    shop_page: Page, shop, keycloak: KeycloakServer, smtp: SmtpServer
) -> None:
    page = shop_page
    email = new_address("newcomer")
    page.goto("/")

    page.get_by_role("link", name="Create account").click()
    register_on_keycloak(page, keycloak, email, "Nora")

    # Not signed in to the shop before the address is verified.
    on_keycloak(page, keycloak)
    expect(page.get_by_text("verify your email address", exact=False).first).to_be_visible()
    assert keycloak.user(email)["emailVerified"] is False
    message = smtp.wait_for_message(to=email, subject="Verify email")
    assert SMTP_FROM in str(message["From"])

    page.goto(first_link(message, ACTION_TOKEN))
    set_new_password(page, PASSWORD)
    back_in_the_shop_signed_in(page, shop.base_url)
    assert keycloak.user(email)["emailVerified"] is True
    expect(page.locator(".account-nav")).to_contain_text("Nora")

    page.goto("/products/?in_stock=1")
    page.locator(".card a").first.click()
    product = page.get_by_role("heading", level=1).inner_text()
    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(re.compile("/cart/$"))
    page.get_by_role("link", name="Checkout").click()
    expect(page).to_have_url(re.compile("/checkout/$"))  # signed in: no detour to Keycloak
    expect(page.get_by_role("main")).to_contain_text(email)  # the confirmation goes there
    expect(page.get_by_role("main")).to_contain_text(product)
    fill_shipping_address(page)
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_role("main")).to_contain_text("is placed")


def test_the_password_policy_refuses_a_short_password_after_registration(
    shop_page: Page, keycloak: KeycloakServer, smtp: SmtpServer
) -> None:
    page = shop_page
    email = new_address("short")
    page.goto("/accounts/signup/?next=/checkout/")
    register_on_keycloak(page, keycloak, email, "Sol")
    page.goto(first_link(smtp.wait_for_message(to=email, subject="Verify email"), ACTION_TOKEN))

    set_new_password(page, "short-pw")

    expect(page.get_by_text("minimum length", exact=False).first).to_be_visible()
    expect(page.get_by_role("heading", name="Update password")).to_be_visible()
    assert keycloak.admin("GET", f"/users/{keycloak.user(email)['id']}/credentials") == []


def test_forgotten_password_is_reset_through_the_e_mailed_link(
    shop_page: Page, shop, keycloak: KeycloakServer, smtp: SmtpServer
) -> None:
    page = shop_page
    email = new_address("forgetful")
    keycloak.create_user(email, "an old password nobody remembers", first_name="Fern")
    new_password = "a brand new passphrase"

    page.goto("/accounts/login/")
    on_keycloak(page, keycloak)
    page.get_by_role("link", name=re.compile("forgot password", re.IGNORECASE)).click()
    page.locator("#username").fill(email)
    page.locator("[type=submit]").click()
    expect(page.get_by_text("receive an email shortly", exact=False)).to_be_visible()

    message = smtp.wait_for_message(to=email, subject="Reset password")
    page.goto(first_link(message, ACTION_TOKEN))
    set_new_password(page, new_password)

    back_in_the_shop_signed_in(page, shop.base_url)
    expect(page.locator(".account-nav")).to_contain_text("Fern")

    # The new password is the one that works from now on.
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    page.get_by_role("link", name="Sign in").click()
    on_keycloak(page, keycloak)
    page.locator("#username").fill(email)
    page.locator("#password").fill(new_password)
    page.locator("#kc-login").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
