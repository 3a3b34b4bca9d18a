"""Accessibility: axe-core's WCAG 2.x A/AA rules on the shop's pages, signed out and signed in.

tests/support/axe.py runs axe-core in the page; a serious or critical violation fails the test.
"""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from catalog.models import Product
from catalog.views import PRODUCTS_PER_PAGE
from orders.models import Address, Order
from reviews.models import Review
from tests.factories import (
    CategoryFactory,
    OrderFactory,
    OrderItemFactory,
    ProductFactory,
    ProductImageFactory,
    ReviewFactory,
    UserFactory,
)
from tests.support.axe import axe_violations, check_accessibility


def test_check_accessibility_fails_on_an_image_without_alternative_text(page: Page):
    page.set_content(
        "<!doctype html><html lang='en'><title>t</title><main><img src='x.png'></main>"
    )

    with pytest.raises(AssertionError) as failure:
        check_accessibility(page, context="an unlabelled image")

    message = str(failure.value)
    assert "image-alt [critical]" in message
    assert "an unlabelled image" in message
    assert "img" in message  # the element's selector


def test_check_accessibility_fails_on_an_input_without_a_label(page: Page):
    page.set_content("<!doctype html><html lang='en'><title>t</title><main><input></main>")

    with pytest.raises(AssertionError, match=r"label \[critical\]"):
        check_accessibility(page)


def test_check_accessibility_runs_under_the_shops_content_security_policy(page: Page):
    response = page.goto("/")
    assert (
        response is not None and "script-src 'self'" in response.headers["content-security-policy"]
    )
    # An unnamed button: a critical violation added to the shop's own page.
    page.evaluate("document.querySelector('main').append(document.createElement('button'))")

    with pytest.raises(AssertionError, match=r"button-name \[critical\]"):
        check_accessibility(page, context="home with an unnamed button")


def test_check_accessibility_passes_moderate_findings_and_clean_pages(page: Page):
    # lang and xml:lang disagree: a WCAG A violation of moderate impact, reported, not failed.
    page.set_content(
        "<!doctype html><html lang='en' xml:lang='fr'><title>t</title>"
        "<main><h1>Hi</h1><label>Name <input></label></main>"
    )
    assert [(v["id"], v["impact"]) for v in axe_violations(page)] == [
        ("html-xml-lang-mismatch", "moderate")
    ]
    check_accessibility(page)

    page.set_content(
        "<!doctype html><html lang='en'><title>t</title>"
        "<main><h1>Hi</h1><label>Name <input></label></main>"
    )
    assert axe_violations(page) == []
    check_accessibility(page)


@pytest.fixture
def catalog():
    kitchen = CategoryFactory(name="Kitchen", slug="kitchen")
    cookware = CategoryFactory(name="Cookware", slug="cookware", parent=kitchen)
    saucepan = ProductFactory(
        category=cookware, name="Copper Saucepan", price=Decimal("30.00"), stock=5
    )
    ProductFactory(category=cookware, name="Steel Pot", price=Decimal("20.00"), stock=0)
    # Photos: the product page's gallery with its thumbnails, and the cards' pictures.
    ProductImageFactory(product=saucepan, position=0, alt_text="Copper saucepan, front view")
    ProductImageFactory(product=saucepan, position=1, alt_text="Copper saucepan, from above")
    ReviewFactory(product=saucepan, rating=5, title="Heats evenly", status=Review.Status.APPROVED)
    return saucepan


def test_signed_out_pages_have_no_serious_accessibility_violations(page: Page, catalog):
    steel_pot = Product.objects.get(name="Steel Pot")
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_accessibility(page, context="home")

    page.goto("/products/?q=saucepan")
    expect(page.get_by_role("main")).to_contain_text("Copper Saucepan")
    check_accessibility(page, context="listing with a search")

    page.goto("/products/?q=nothing-matches-this")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_accessibility(page, context="listing with no results")

    ProductFactory.create_batch(PRODUCTS_PER_PAGE, category=catalog.category)
    page.goto("/products/?sort=price&page=2")
    expect(page.get_by_role("navigation", name="Pages")).to_be_visible()
    check_accessibility(page, context="listing, second page, sorted")

    page.goto("/categories/kitchen/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kitchen")
    check_accessibility(page, context="category")

    page.goto(catalog.get_absolute_url())
    expect(page.get_by_role("main")).to_contain_text("Heats evenly")
    expect(page.get_by_role("img", name="Copper saucepan, from above").first).to_be_attached()
    check_accessibility(page, context="product page with a review, signed out")

    page.goto(steel_pot.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("Steel Pot")
    check_accessibility(page, context="product page, out of stock")

    page.goto("/cart/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_accessibility(page, context="empty cart")

    page.goto(catalog.get_absolute_url())
    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(re.compile("/cart/$"))
    expect(page.get_by_role("main")).to_contain_text("Copper Saucepan")
    check_accessibility(page, context="cart with a line and a message")

    page.goto("/accounts/login/?next=/checkout/")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    check_accessibility(page, context="sign-in page")

    page.locator("#id_username").fill("nobody@example.com")
    page.locator("#id_password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    check_accessibility(page, context="sign-in page with errors")

    page.goto("/accounts/signup/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_accessibility(page, context="sign-up page")
    # The server's errors, not the browser's own `required` bubbles.
    page.get_by_role("main").locator("form").evaluate("form => { form.noValidate = true; }")
    page.get_by_role("main").get_by_role("button", name="Create account").click()
    expect(page.locator(".error").first).to_be_visible()
    check_accessibility(page, context="sign-up page with errors")

    page.goto("/accounts/password/reset/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_accessibility(page, context="password reset")

    footer_links = page.get_by_role("contentinfo").get_by_role("link")
    for href in [link.get_attribute("href") for link in footer_links.all()]:
        page.goto(href)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        check_accessibility(page, context=f"footer page {href}")

    response = page.goto("/products/no-such-product/")
    assert response is not None and response.status == 404
    check_accessibility(page, context="404")

    # A phone's width: the narrow layout has its own colours and sizes to get right.
    page.set_viewport_size({"width": 390, "height": 844})
    for path in ["/", catalog.get_absolute_url(), "/cart/"]:
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        check_accessibility(page, context=f"{path} at 390 px wide")


def test_signed_in_pages_have_no_serious_accessibility_violations(signed_in_page, catalog):
    shopper = UserFactory(first_name="Ada")
    order = OrderFactory(user=shopper, shipping_country="DE", status=Order.Status.PAID)
    OrderItemFactory(order=order, product=catalog)  # a verified purchase: the review form shows
    page = signed_in_page(shopper)

    page.goto(catalog.get_absolute_url())
    expect(page.get_by_role("button", name="Submit review")).to_be_visible()
    check_accessibility(page, context="product page with the review form")

    review_form = page.locator("form.review-form")
    review_form.evaluate("form => { form.noValidate = true; }")  # the server's errors
    page.get_by_role("button", name="Submit review").click()  # no rating, no title
    expect(page.get_by_role("heading", level=1)).to_have_text("Review Copper Saucepan")
    check_accessibility(page, context="review form with errors")

    page.goto(catalog.get_absolute_url())
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(re.compile("/cart/$"))
    check_accessibility(page, context="cart with lines, signed in")

    page.goto("/checkout/")
    page.get_by_role("button", name="Place order").click()  # every field empty
    expect(page.locator(".has-error").first).to_be_visible()
    check_accessibility(page, context="checkout with form errors")

    Address.objects.create(
        user=shopper,
        name="Ada Lovelace",
        address="1 Analytical Street",
        postal_code="10115",
        city="Berlin",
        country="DE",
    )
    page.goto("/checkout/")
    expect(page.get_by_role("button", name="Place order")).to_be_visible()
    check_accessibility(page, context="checkout with a saved address")

    # Placing an order through the form is the journey's part (test_journey.py, checked there);
    # here the order pages come from an order made directly.
    page.goto(order.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_contain_text(order.number)
    check_accessibility(page, context="order detail")

    page.goto(f"{page.url}cancel/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Cancel order")
    check_accessibility(page, context="cancel confirmation")
    page.get_by_role("button", name="Cancel order").click()
    expect(page.get_by_role("main")).to_contain_text("is cancelled")
    check_accessibility(page, context="cancelled order")

    page.goto("/orders/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_accessibility(page, context="order list")

    page.goto("/cart/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_accessibility(page, context="empty cart, signed in")

    page.goto("/account/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_accessibility(page, context="account page with a saved address and an order")

    page.goto("/accounts/password/change/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_accessibility(page, context="password change")
