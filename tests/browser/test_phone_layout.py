"""The listing on a phone (390x844) and on a desktop: the filter panel, the product grid's
columns, the chips of active filters and the footer's pages, in Chromium."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from pages.models import Page as TextPage
from tests.factories import CategoryFactory, ProductFactory
from tests.support.axe import check_accessibility

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def catalog():
    audio = CategoryFactory(name="Audio", slug="audio")
    headphones = CategoryFactory(name="Headphones", slug="headphones", parent=audio)
    for number in range(6):
        ProductFactory(
            name=f"Studio Headphones {number}", category=headphones, price=Decimal(50 + number)
        )
    return headphones


def grid_columns(page: Page) -> int:
    """Columns of the product grid as laid out: the distinct left edges of its cards."""
    return page.evaluate(
        """() => new Set([...document.querySelectorAll('.results .grid > *')]
                .map((card) => Math.round(card.getBoundingClientRect().left))).size"""
    )


def test_on_a_phone_the_filters_are_a_closed_panel_and_products_show_in_two_columns(
    page: Page, catalog
):
    page.set_viewport_size(PHONE)
    page.goto("/products/")

    panel = page.locator("details.filters")
    expect(panel).not_to_have_attribute("open", "")
    expect(page.get_by_label("Keywords")).to_be_hidden()
    # The first screen shows products, not the filter form.
    expect(page.locator(".results .grid > *").first).to_be_in_viewport()
    assert grid_columns(page) == 2
    check_accessibility(page, context="listing on a phone")

    page.get_by_text("Filter and sort", exact=True).click()
    expect(panel).to_have_attribute("open", "")
    page.get_by_label("Keywords").fill("headphones")
    page.get_by_label("Category").select_option("headphones")
    page.get_by_role("button", name="Filter").click()

    expect(page).to_have_url(re.compile(r"/products/\?q=headphones&category=headphones"))
    chips = page.get_by_role("list", name="Active filters")
    expect(chips.get_by_role("link")).to_have_text(
        ["Remove filter: Search: “headphones” ×", "Remove filter: Headphones ×", "Clear all"]
    )
    breadcrumb = page.get_by_role("navigation", name="Breadcrumb")
    expect(breadcrumb.get_by_role("listitem")).to_have_text(
        ["Home", "Products", "Audio", "Headphones"]
    )
    expect(page.get_by_role("navigation", name="Matching categories")).to_contain_text("Headphones")
    check_accessibility(page, context="filtered listing on a phone")

    chips.get_by_role("link", name="Remove filter: Headphones").click()
    expect(page.get_by_role("list", name="Active filters").get_by_role("link")).to_have_text(
        ["Remove filter: Search: “headphones” ×", "Clear all"]
    )
    assert "category=" not in page.url


def test_on_a_desktop_the_filters_show_without_opening_the_panel(page: Page, catalog):
    page.set_viewport_size(DESKTOP)
    page.goto("/products/")

    expect(page.get_by_label("Keywords")).to_be_visible()
    expect(page.get_by_role("button", name="Filter")).to_be_visible()
    assert grid_columns(page) >= 3


def test_footer_links_open_the_pages_staff_edit(page: Page, catalog):
    TextPage.objects.update_or_create(
        slug="returns", defaults={"title": "Returns and refunds", "body": "Within 30 days."}
    )
    page.set_viewport_size(PHONE)
    page.goto("/")
    footer = page.get_by_role("navigation", name="Shop information")
    footer.get_by_role("link", name="Returns").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Returns and refunds")
    expect(page.get_by_role("main")).to_contain_text("Within 30 days.")
    check_accessibility(page, context="a page of text on a phone")
    page.get_by_role("link", name="Storefront").click()
    expect(page).to_have_url("/")
