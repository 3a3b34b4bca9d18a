"""A shopper's whole journey in Chromium, from the home page to cancelling the order."""

import re
from decimal import Decimal

from playwright.sync_api import Page, expect

from catalog.models import Product
from orders.models import Order
from tests.factories import CategoryFactory, ProductFactory, UserFactory
from tests.support.axe import check_accessibility

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's


def watch_for_csp_violations(page: Page) -> list[str]:
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return violations


def test_shopper_browses_orders_and_cancels(page: Page):
    kitchen = CategoryFactory(name="Kitchen", slug="kitchen")
    cookware = CategoryFactory(name="Cookware", slug="cookware", parent=kitchen)
    saucepan = ProductFactory(
        category=cookware, name="Copper Saucepan", price=Decimal("30.00"), stock=5
    )
    ProductFactory(category=cookware, name="Steel Pot", price=Decimal("20.00"), stock=0)
    shopper = UserFactory(first_name="Ada")
    csp_violations = watch_for_csp_violations(page)

    page.goto("/")
    check_accessibility(page, context="home")
    page.get_by_role("navigation", name="Categories").get_by_role("link", name="Kitchen").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Kitchen")
    expect(page.get_by_role("main")).to_contain_text("Steel Pot")  # a sub-category's product
    check_accessibility(page, context="category")
    page.get_by_role("link", name="Copper Saucepan").first.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Copper Saucepan")
    expect(page.get_by_role("main")).to_contain_text("30.00")
    check_accessibility(page, context="product page")
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()

    expect(page).to_have_url(re.compile("/cart/$"))
    expect(page.get_by_role("main")).to_contain_text("Added 2 × Copper Saucepan to your cart.")
    expect(page.get_by_role("link", name=re.compile("^Cart"))).to_contain_text("2")
    check_accessibility(page, context="cart with a line")
    page.get_by_label("Quantity of Copper Saucepan").fill("3")
    page.get_by_role("button", name="Update").click()
    expect(page.get_by_role("main")).to_contain_text("€90.00")

    page.get_by_role("link", name="Checkout").click()
    expect(page).to_have_url(re.compile("/accounts/login/"))
    expect(page.get_by_role("heading", name="Sign in to check out")).to_be_visible()
    check_accessibility(page, context="sign-in page")
    page.get_by_label("E-mail").fill(shopper.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile("/checkout/$"))
    expect(page.get_by_role("main")).to_contain_text("3 × Copper Saucepan")  # cart kept
    expect(page.get_by_role("main")).to_contain_text(f"Welcome back, {shopper.get_short_name()}.")
    check_accessibility(page, context="checkout")
    page.get_by_label("Full name").fill("Ada Lovelace")
    page.get_by_label("Street and number").fill("1 Analytical Street")
    page.get_by_label("Postal code").fill("10115")
    page.get_by_label("City").fill("Berlin")
    page.get_by_label("Country").select_option(label="Germany")
    page.get_by_role("button", name="Place order").click()

    order = Order.objects.get(user=shopper)
    expect(page).to_have_url(re.compile(f"/orders/{order.number}/$"))
    expect(page.get_by_role("main")).to_contain_text(f"Your order {order.number} is placed.")
    expect(page.get_by_role("main")).to_contain_text("Pending")
    expect(page.get_by_role("main")).to_contain_text("€90.00")
    assert Product.objects.get(pk=saucepan.pk).stock == 2
    expect(page.get_by_role("link", name=re.compile("^Cart"))).to_contain_text("0")
    check_accessibility(page, context="order confirmation")

    page.get_by_role("button", name="Cancel order").click()
    expect(page.get_by_role("heading", name=f"Cancel order {order.number}?")).to_be_visible()
    assert Product.objects.get(pk=saucepan.pk).stock == 2  # asking changes nothing
    check_accessibility(page, context="cancel confirmation")
    page.get_by_role("button", name="Cancel order").click()
    expect(page.get_by_role("main")).to_contain_text(f"Order {order.number} is cancelled.")
    expect(page.get_by_role("button", name="Cancel order")).to_have_count(0)
    assert Product.objects.get(pk=saucepan.pk).stock == 5

    page.get_by_role("link", name="All your orders").click()
    expect(page.get_by_role("row", name=re.compile(order.number))).to_contain_text("Cancelled")
    check_accessibility(page, context="order list")
    assert csp_violations == []


def test_refused_quantity_shows_the_reason_and_keeps_the_cart(page: Page):
    product = ProductFactory(name="Linen Throw", stock=2)

    page.goto(product.get_absolute_url())
    page.get_by_label("Quantity").fill("1")
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_label("Quantity of Linen Throw").fill("5")
    # The browser's own max= check would stop the form; the server must refuse it too.
    page.get_by_label("Quantity of Linen Throw").evaluate("input => input.removeAttribute('max')")
    page.get_by_role("button", name="Update").click()

    expect(page.get_by_role("main")).to_contain_text("Only 2 of Linen Throw in stock")
    expect(page.get_by_role("main")).to_contain_text("Your cart is unchanged.")
    expect(page.get_by_label("Quantity of Linen Throw")).to_have_value("1")
    check_accessibility(page, context="cart with a refused quantity")
