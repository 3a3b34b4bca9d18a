"""A new shopper's journey with local accounts (no Keycloak), in Chromium: sign up, buy, sign out,
reset the forgotten password from the e-mail's link, sign in with the new one, see the order.

The live server runs in the test's process, with Django's test e-mail backend (locmem): the reset
e-mail the server thread sends is in django.core.mail.outbox.
"""

import re
from decimal import Decimal

from django.core import mail
from playwright.sync_api import Page, expect

from accounts.models import User
from orders.models import Order
from tests.factories import CategoryFactory, ProductFactory
from tests.support.axe import check_accessibility

EMAIL = "ada.lovelace@example.com"
FIRST_PASSWORD = "violet kettle 42 orbit"
NEW_PASSWORD = "amber lantern 17 quartz"
RESET_SUBJECT = "Reset your Storefront password"


def test_sign_up_buy_reset_the_password_and_sign_in_again(page: Page):
    lighting = CategoryFactory(name="Lighting", slug="lighting")
    lamp = ProductFactory(category=lighting, name="Brass Desk Lamp", price=Decimal("45.00"))
    account_nav = page.get_by_role("navigation", name="Account")
    main = page.get_by_role("main")

    # Sign up from the header, coming back to the page it started from.
    page.goto(lamp.get_absolute_url())
    account_nav.get_by_role("link", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create account")
    check_accessibility(page, context="sign-up form")
    page.get_by_label("E-mail").fill(EMAIL)
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Last name").fill("Lovelace")
    page.get_by_label(re.compile(r"^Password:?$")).fill(FIRST_PASSWORD)
    page.get_by_label("Password again").fill(FIRST_PASSWORD)
    page.get_by_role("button", name="Create account").click()

    expect(page).to_have_url(re.compile(f"{re.escape(lamp.get_absolute_url())}$"))
    expect(main).to_contain_text("Welcome, Ada. Your account is ready.")
    expect(account_nav.get_by_role("link", name="Ada")).to_be_visible()
    check_accessibility(page, context="product page, just signed up")

    # Buy: no sign-in detour, the new account is signed in.
    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(re.compile("/cart/$"))
    page.get_by_role("link", name="Checkout").click()
    expect(page).to_have_url(re.compile("/checkout/$"))
    expect(page.get_by_role("main")).to_contain_text(f"confirmation to {EMAIL}")
    page.get_by_label("Street and number").fill("12 Analytical Street")
    page.get_by_label("Postal code").fill("10115")
    page.get_by_label("City").fill("Berlin")
    page.get_by_label("Country").select_option(label="Germany")
    check_accessibility(page, context="checkout")
    page.get_by_role("button", name="Place order").click()
    order = Order.objects.get(user__email__iexact=EMAIL)
    expect(page).to_have_url(re.compile(f"/orders/{order.number}/$"))

    # Sign out, then forget the password.
    account_nav.get_by_role("button", name="Sign out").click()
    expect(main).to_contain_text("You are signed out.")
    account_nav.get_by_role("link", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    check_accessibility(page, context="sign-in form")
    main.get_by_role("link", name="Forgot password?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reset your password")
    check_accessibility(page, context="password reset form")
    page.get_by_label("E-mail").fill(EMAIL)
    page.get_by_role("button", name="Send reset link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    check_accessibility(page, context="reset e-mail sent")

    # The view sent the e-mail before it answered, so it is in the outbox now.
    [reset_email] = [message for message in mail.outbox if message.subject == RESET_SUBJECT]
    assert reset_email.to == [EMAIL]
    link = re.search(r"https?://\S+/accounts/password/reset/\S+/\S+/", reset_email.body).group()
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    check_accessibility(page, context="choose a new password")
    page.get_by_label(re.compile(r"^New password:?$")).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Password changed")
    check_accessibility(page, context="password changed")

    # Sign in with the new password, the address in another letter case.
    main.get_by_role("link", name="Sign in").click()
    page.get_by_label("E-mail").fill(EMAIL.upper())
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(main).to_contain_text("Welcome back, Ada.")

    # The account page: who, and the order just placed.
    account_nav.get_by_role("link", name="Ada").click()
    expect(page).to_have_url(re.compile("/account/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    expect(main).to_contain_text("Ada Lovelace")
    expect(main.get_by_role("link", name=order.number)).to_be_visible()
    check_accessibility(page, context="account page")
    assert User.objects.get(email__iexact=EMAIL).check_password(NEW_PASSWORD)
