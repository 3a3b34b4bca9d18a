"""The shop opens in a real Chromium: pages render, styled, with their accessible names."""

import re
from decimal import Decimal

from playwright.sync_api import Page, expect

from tests.factories import ProductFactory, UserFactory
from tests.support.axe import check_accessibility


def test_home_page_loads_styled_with_sign_in_and_a_labelled_search_box(page: Page):
    with page.expect_response("**/static/css/shop.css") as stylesheet:
        response = page.goto("/")

    assert response is not None and response.status == 200
    expect(page).to_have_title(re.compile("Storefront"))
    assert stylesheet.value.status == 200
    assert "text/css" in stylesheet.value.headers["content-type"]
    # The stylesheet is applied, not only fetched: Chromium's default body margin is 8px.
    assert page.evaluate("getComputedStyle(document.body).marginTop") != "8px"
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    check_accessibility(page, context="home")

    search = page.get_by_label("Search products", exact=True)
    expect(search).to_be_visible()
    search.fill("lamp")
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"/products/\?q=lamp"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_accessibility(page, context="listing with a search")


def test_product_page_shows_the_products_name_and_price(page: Page):
    product = ProductFactory(name="Walnut desk lamp", price=Decimal("49.90"))

    page.goto(product.get_absolute_url())

    expect(page).to_have_title(re.compile("Walnut desk lamp"))
    expect(page.get_by_role("heading", level=1, name="Walnut desk lamp")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("49.90")
    check_accessibility(page, context="product page")


def test_signed_in_page_carries_a_session_and_sign_out_posts_with_csrf(signed_in_page):
    page = signed_in_page(UserFactory())

    page.goto("/")
    sign_out = page.get_by_role("button", name="Sign out")
    expect(sign_out).to_be_visible()
    expect(page.get_by_role("link", name="Sign in")).to_have_count(0)
    check_accessibility(page, context="home, signed in")

    # A POST form: proves the browser keeps Django's CSRF cookie on http://localhost.
    sign_out.click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
