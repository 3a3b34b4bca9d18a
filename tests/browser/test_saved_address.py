"""The account page and a saved address reused at checkout, in Chromium."""

import re
from decimal import Decimal

from playwright.sync_api import Page, expect

from orders.models import Address, Order
from tests.factories import ProductFactory, UserFactory
from tests.support.axe import check_accessibility

PHONE = {"width": 390, "height": 844}


def add_to_cart(page: Page, product) -> None:
    page.goto(product.get_absolute_url())
    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(re.compile("/cart/$"))


def test_an_address_saved_at_checkout_is_edited_on_the_account_page_and_picked_next_time(
    signed_in_page,
):
    shopper = UserFactory(first_name="Ada", last_name="Lovelace", email="ada@example.com")
    lamp = ProductFactory(name="Brass Desk Lamp", price=Decimal("40.00"), stock=5)
    page = signed_in_page(shopper)

    add_to_cart(page, lamp)
    page.get_by_role("link", name="Checkout").click()
    expect(page.get_by_label("Full name")).to_have_value("Ada Lovelace")
    page.get_by_label("Street and number").fill("1 Analytical Street")
    page.get_by_label("Postal code").fill("10115")
    page.get_by_label("City").fill("Berlin")
    page.get_by_label("Country").select_option(label="Germany")
    page.get_by_label("Phone").fill("+49 30 1234567")
    expect(page.get_by_label("Save this address to my account")).to_be_checked()
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_role("main")).to_contain_text("is placed")

    page.get_by_role("link", name="Ada", exact=True).click()
    expect(page).to_have_url(re.compile("/account/$"))
    account = page.get_by_role("main")
    expect(account).to_contain_text("ada@example.com")
    expect(account.get_by_role("region", name="Shipping addresses")).to_contain_text(
        "1 Analytical Street"
    )
    first_order = Order.objects.get(user=shopper)
    expect(account.get_by_role("region", name="Recent orders")).to_contain_text(first_order.number)
    check_accessibility(page, context="account page")

    account.get_by_role("link", name=re.compile("^Change the address")).click()
    check_accessibility(page, context="address form")
    page.get_by_label("City").fill("Potsdam")
    page.get_by_label("Postal code").fill("14467")
    page.get_by_role("button", name="Save address").click()
    expect(page.get_by_role("main")).to_contain_text("The address is changed.")
    expect(page.get_by_role("main")).to_contain_text("14467 Potsdam")

    add_to_cart(page, lamp)
    page.get_by_role("link", name="Checkout").click()
    saved = Address.objects.get(user=shopper)
    picked = page.get_by_label(str(saved))
    expect(picked).to_be_checked()
    expect(page.get_by_label("Street and number")).to_be_hidden()  # not needed for a saved one
    check_accessibility(page, context="checkout with a saved address")
    page.get_by_role("button", name="Place order").click()

    second_order = Order.objects.exclude(pk=first_order.pk).get(user=shopper)
    expect(page).to_have_url(re.compile(f"/orders/{second_order.number}/$"))
    expect(page.get_by_role("main")).to_contain_text("14467 Potsdam")
    assert (second_order.shipping_city, second_order.shipping_phone) == (
        "Potsdam",
        "+49 30 1234567",
    )


def test_on_a_phone_the_order_summary_comes_before_place_order(signed_in_page):
    page = signed_in_page(UserFactory())
    page.set_viewport_size(PHONE)
    add_to_cart(page, ProductFactory(name="Brass Desk Lamp", stock=5))
    page.get_by_role("link", name="Checkout").click()

    summary = page.get_by_role("region", name="Order summary").bounding_box()
    fields = page.get_by_label("City").bounding_box()
    button = page.get_by_role("button", name="Place order").bounding_box()
    assert fields["y"] < summary["y"] < button["y"]
    assert abs(summary["x"] - fields["x"]) < 40  # one column
