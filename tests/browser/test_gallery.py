"""The product page's gallery in Chromium: a thumbnail shows its picture, with or without JS."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import VIEWPORT
from tests.factories import ProductFactory, ProductImageFactory
from tests.support.axe import check_accessibility


@pytest.fixture
def lamp():
    product = ProductFactory(name="Oak table lamp")
    views = [
        ("Oak table lamp, lit", "orange"),
        ("Oak table lamp from the side", "teal"),
        ("Oak table lamp, the switch", "navy"),
    ]
    for position, (alt_text, colour) in enumerate(views):
        ProductImageFactory(
            product=product, position=position, alt_text=alt_text, image__color=colour
        )
    return product


def main_picture(page: Page):
    """The gallery's one visible large picture."""
    return page.locator(".gallery-slide:visible img")


def test_clicking_a_thumbnail_shows_its_picture_in_place(page: Page, lamp):
    page.goto(lamp.get_absolute_url())
    pictures = lamp.pictures
    expect(main_picture(page)).to_have_count(1)
    expect(main_picture(page)).to_have_attribute("alt", "Oak table lamp, lit")
    thumbnails = page.get_by_role("list", name="Pictures of Oak table lamp").get_by_role("link")
    expect(thumbnails).to_have_count(3)
    expect(thumbnails.nth(0)).to_have_attribute("aria-current", "true")

    second = page.get_by_role("link", name="Picture 2 of 3: Oak table lamp from the side")
    second.scroll_into_view_if_needed()
    scrolled = page.evaluate("window.scrollY")
    second.click()

    expect(main_picture(page)).to_have_count(1)
    expect(main_picture(page)).to_have_attribute("alt", "Oak table lamp from the side")
    expect(main_picture(page)).to_have_attribute("srcset", pictures[1].srcset)
    expect(thumbnails.nth(1)).to_have_attribute("aria-current", "true")
    expect(thumbnails.nth(0)).not_to_have_attribute("aria-current", "true")
    expect(page).to_have_url(re.compile(r"#picture-2$"))
    # Shown in place: the script kept the page where it was (no jump to the anchor).
    assert page.evaluate("window.scrollY") == scrolled
    check_accessibility(page, context="product page gallery")

    thumbnails.nth(2).click()
    expect(main_picture(page)).to_have_attribute("alt", "Oak table lamp, the switch")


def test_a_link_to_a_picture_opens_the_page_on_it(page: Page, lamp):
    page.goto(f"{lamp.get_absolute_url()}#picture-3")
    expect(main_picture(page)).to_have_attribute("alt", "Oak table lamp, the switch")
    expect(page.get_by_role("link", name=re.compile("^Picture 3 of 3"))).to_have_attribute(
        "aria-current", "true"
    )


def test_the_gallery_works_without_javascript(browser: Browser, live_server, lamp):
    context = browser.new_context(
        base_url=live_server.url, viewport=VIEWPORT, java_script_enabled=False
    )
    try:
        page = context.new_page()
        page.goto(lamp.get_absolute_url())
        expect(main_picture(page)).to_have_attribute("alt", "Oak table lamp, lit")

        page.get_by_role("link", name=re.compile("^Picture 2 of 3")).click()

        expect(page).to_have_url(re.compile(r"#picture-2$"))
        expect(main_picture(page)).to_have_count(1)
        expect(main_picture(page)).to_have_attribute("alt", "Oak table lamp from the side")
    finally:
        context.close()
