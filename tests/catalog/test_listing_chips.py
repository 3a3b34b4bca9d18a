"""The listing's frame: active filters as removable chips, the breadcrumb that follows the
category filter, the categories a search names, and the filter panel."""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from catalog.models import MAX_MATCHING_CATEGORIES, Category
from tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def audio():
    audio = CategoryFactory(name="Audio", slug="audio")
    headphones = CategoryFactory(name="Headphones", slug="headphones", parent=audio)
    CategoryFactory(name="Speakers", slug="speakers", parent=audio)
    lighting = CategoryFactory(name="Lighting", slug="lighting")
    ProductFactory(name="Studio Headphones", category=headphones, price="120", stock=3)
    ProductFactory(name="Desk lamp", category=lighting, price="40")
    return audio


def chips(response):
    """The chips as {label: link}, "Clear all" included."""
    html = response.content.decode()
    block = re.search(r'<ul class="chip-list active-filters"[^>]*>(.*?)</ul>', html, re.S)
    if block is None:
        return {}
    links = re.findall(r'<a (?:class="[^"]*" )?href="([^"]*)">(.*?)</a>', block.group(1), re.S)
    return {
        re.sub(r"<[^>]+>|×", "", unescape(label)).replace("Remove filter: ", "").strip(): unescape(
            href
        )
        for href, label in links
    }


def params(url):
    parts = urlsplit(url)
    return parts.path, {name: values[0] for name, values in parse_qs(parts.query).items()}


# --- chips --------------------------------------------------------------------------------------


def test_each_active_filter_is_a_chip_linking_to_the_listing_without_it(client, audio):
    query = {
        "q": "headphones",
        "category": "headphones",
        "min_price": "10",
        "max_price": "200",
        "in_stock": "1",
        "sort": "-price",
        "page": "1",
    }
    found = chips(client.get("/products/", query))
    assert list(found) == [
        "Search: “headphones”",
        "Headphones",
        "From €10",
        "Up to €200",
        "In stock only",
        "Clear all",
    ]
    kept = {name: value for name, value in query.items() if name != "page"}
    for label, name in [
        ("Search: “headphones”", "q"),
        ("Headphones", "category"),
        ("From €10", "min_price"),
        ("Up to €200", "max_price"),
        ("In stock only", "in_stock"),
    ]:
        path, remaining = params(found[label])
        assert path == "/products/"
        assert remaining == {key: value for key, value in kept.items() if key != name}, label
    assert found["Clear all"] == "/products/"


def test_removing_a_chip_shows_the_wider_listing(client, audio):
    found = chips(client.get("/products/", {"category": "headphones", "max_price": "50"}))
    assert client.get(found["Headphones"]).context["products"][0].name == "Desk lamp"


def test_no_chips_without_filters_or_with_only_a_sort(client, audio):
    assert chips(client.get("/products/")) == {}
    assert chips(client.get("/products/", {"sort": "price"})) == {}


def test_ignored_parameters_make_no_chip(client, audio):
    found = chips(client.get("/products/", {"category": "nope", "min_price": "abc", "q": "lamp"}))
    assert list(found) == ["Search: “lamp”", "Clear all"]


def test_a_chip_shows_the_search_escaped(client, audio):
    html = client.get("/products/", {"q": "<b>lamp</b>"}).content.decode()
    assert "Search: “&lt;b&gt;lamp&lt;/b&gt;”" in html
    assert "<b>lamp</b>" not in html


def test_category_page_chips_stay_on_the_category_page(client, audio):
    found = chips(client.get("/categories/audio/", {"min_price": "5", "in_stock": "on"}))
    assert params(found["From €5"]) == ("/categories/audio/", {"in_stock": "1"})
    assert params(found["In stock only"]) == ("/categories/audio/", {"min_price": "5"})
    assert found["Clear all"] == "/categories/audio/"


# --- breadcrumb ---------------------------------------------------------------------------------


def test_breadcrumb_follows_the_category_filter(client, audio):
    response = client.get("/products/", {"category": "headphones", "q": "studio"})
    assert response.context["breadcrumbs"] == [
        ("Home", "/"),
        ("Products", "/products/"),
        ("Audio", "/products/?category=audio"),
        ("Headphones", "/products/?category=headphones"),
    ]
    html = response.content.decode()
    assert '<li><a href="/products/?category=audio">Audio</a></li>' in html
    assert '<li aria-current="page">Headphones</li>' in html


@pytest.mark.parametrize("query", [{}, {"category": "no-such-category"}])
def test_breadcrumb_without_a_valid_category_ends_at_products(client, audio, query):
    response = client.get("/products/", query)
    assert response.context["breadcrumbs"] == [("Home", "/"), ("Products", "/products/")]
    assert '<li aria-current="page">Products</li>' in response.content.decode()


# --- categories a search names ------------------------------------------------------------------


def matching(client, q):
    response = client.get("/products/", {"q": q})
    return [category.name for category in response.context["matching_categories"]]


def test_search_shows_the_categories_named_like_it_above_the_products(client, audio):
    response = client.get("/products/", {"q": "headphones"})
    html = response.content.decode()
    assert [c.name for c in response.context["matching_categories"]] == ["Headphones"]
    categories = html.index('aria-label="Matching categories"')
    assert categories < html.index('<ul class="grid">')
    assert '<li><a href="/categories/headphones/">Headphones</a></li>' in html[categories:]


def test_no_categories_line_without_a_search_or_without_a_match(client, audio):
    assert 'aria-label="Matching categories"' not in client.get("/products/").content.decode()
    assert matching(client, "kettle") == []


def test_hidden_categories_are_not_named(client, audio):
    CategoryFactory(name="Headphone stands", is_active=False)
    CategoryFactory(name="Headphone cables", parent=CategoryFactory(is_active=False))
    assert matching(client, "headphone") == ["Headphones"]


def test_at_most_a_few_categories_are_named(client, audio):
    for number in range(MAX_MATCHING_CATEGORIES + 3):
        CategoryFactory(name=f"Lamps {number}")
    assert len(matching(client, "lamps")) == MAX_MATCHING_CATEGORIES


def test_category_page_names_no_categories(client, audio):
    response = client.get("/categories/audio/", {"q": "headphones"})
    assert "matching_categories" not in response.context


@pytest.mark.parametrize(
    "q",
    ["headphnes", "wireless headphones", "HEADPHONES", "headphone"],
)
def test_category_names_forgive_a_typo_and_other_words(postgresql, q):
    CategoryFactory(name="Headphones")
    CategoryFactory(name="Speakers")
    CategoryFactory(name="Studio lights")
    assert [c.name for c in Category.objects.active().matching(q)] == ["Headphones"]


def test_close_names_come_first(postgresql):
    CategoryFactory(name="Lamp shades")
    CategoryFactory(name="Lamps")
    assert [c.name for c in Category.objects.active().matching("lamps")] == ["Lamps", "Lamp shades"]


@pytest.mark.parametrize("q", ["", "   "])
def test_blank_search_names_no_category(q):
    CategoryFactory(name="Headphones")
    assert list(Category.objects.matching(q)) == []


# --- the filter panel ---------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/products/", "/categories/audio/"])
def test_filters_are_a_panel_closed_in_the_html(client, audio, url):
    html = client.get(url).content.decode()
    assert '<details class="filters">' in html
    assert "<summary>Filter and sort</summary>" in html
