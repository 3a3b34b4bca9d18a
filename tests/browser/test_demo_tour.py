"""The demo catalog as `make run` seeds it, in Chromium on a laptop and a phone.

It checks what a newcomer sees first (real pictures, the account of a demo shopper with orders
and a saved address) and, with `--screenshots-dir docs/screenshots`, makes the README's images.
"""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from catalog.models import Product
from orders.models import Order
from tests.support.axe import check_accessibility

PHONE = {"width": 390, "height": 844}
DEMO_SHOPPER = "demo-shopper-01"


@pytest.fixture
def demo_shop(django_user_model):
    call_command("seed_demo", products=48, verbosity=0)
    return django_user_model.objects.get(username=DEMO_SHOPPER)


IMAGES_IN_VIEW = """() => [...document.images].filter(img => {
    const box = img.getBoundingClientRect();
    return box.width > 0 && box.top < innerHeight && box.bottom > 0;
})"""


def pictures_are_loaded(page: Page) -> None:
    """Every picture in view (lazy ones below it wait) has arrived and is not a broken link."""
    page.wait_for_function(f"() => ({IMAGES_IN_VIEW})().every(img => img.complete)")
    broken = page.evaluate(
        f"() => ({IMAGES_IN_VIEW})().filter(img => img.naturalWidth === 0).map(img => img.src)"
    )
    assert broken == []
    assert page.evaluate(f"() => ({IMAGES_IN_VIEW})().length") > 0


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_a_demo_shopper_tours_the_demo_shop(signed_in_page, screenshot, demo_shop, device):
    page = signed_in_page(demo_shop)
    if device == "phone":
        page.set_viewport_size(PHONE)
    shot = {} if device == "desktop" else {"size": PHONE}

    page.goto("/")
    expect(page.get_by_role("navigation", name="Categories")).to_contain_text("Audio")
    pictures_are_loaded(page)
    check_accessibility(page, context=f"demo home ({device})")
    screenshot(f"home-{device}", **shot)

    product = Product.objects.active().filter(stock__gte=5).order_by("pk").first()
    page.goto(product.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text(product.name)
    pictures_are_loaded(page)
    check_accessibility(page, context=f"demo product page ({device})")
    screenshot(f"product-{device}", **shot)

    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(re.compile("/cart/$"))
    pictures_are_loaded(page)
    check_accessibility(page, context=f"demo cart ({device})")
    screenshot(f"cart-{device}", **shot)

    page.goto("/account/")
    orders = Order.objects.filter(user=demo_shop)
    expect(page.get_by_role("region", name="Recent orders")).to_contain_text(orders.first().number)
    expect(page.get_by_role("region", name="Shipping addresses")).to_contain_text(
        demo_shop.addresses.get().city
    )
    check_accessibility(page, context=f"demo account page ({device})")
    screenshot(f"account-{device}", **shot)
