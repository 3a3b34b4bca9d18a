"""What search engines read: the sitemap, robots.txt, canonical links, meta descriptions and
the product page's JSON-LD."""

import json
import re
import uuid
from decimal import Decimal
from html import unescape
from xml.etree import ElementTree

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from catalog.models import Product
from orders.services import place_order
from pages.models import Page
from reviews.models import Review
from reviews.services import refresh_product_ratings
from tests.factories import (
    SHIPPING,
    CartItemFactory,
    CategoryFactory,
    ProductFactory,
    ReviewFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ORIGIN = "http://testserver"
SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def sitemap_locations(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ElementTree.fromstring(response.content)  # noqa: S314 (the shop's own XML)
    return [loc.text for loc in root.findall(".//sm:loc", SITEMAP_NS)]


def all_sitemap_locations(client):
    """Every URL of every section the index at /sitemap.xml lists."""
    sections = sitemap_locations(client, "/sitemap.xml")
    return [url for section in sections for url in sitemap_locations(client, section)]


def head_tag(response, pattern):
    match = re.search(pattern, response.content.decode())
    assert match, f"no {pattern} in the page"
    return unescape(match.group(1))


def canonical(response):
    return head_tag(response, r'<link rel="canonical" href="([^"]*)">')


def meta_description(response):
    return head_tag(response, r'<meta name="description" content="([^"]*)">')


def json_ld(response):
    scripts = re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', response.content.decode(), re.S
    )
    return {document["@type"]: document for document in map(json.loads, scripts)}


# --- sitemap ------------------------------------------------------------------------------------


def test_sitemap_lists_pages_and_active_categories_and_products_with_absolute_urls(client):
    audio = CategoryFactory(name="Audio", slug="audio")
    headphones = CategoryFactory(slug="headphones", parent=audio)
    hidden = CategoryFactory(slug="hidden", is_active=False)
    CategoryFactory(slug="under-hidden", parent=hidden)
    ProductFactory(slug="studio-headphones", category=headphones)
    ProductFactory(slug="hidden-lamp", category=audio, is_active=False)
    ProductFactory(slug="lamp-in-hidden-category", category=hidden)
    # The shop's pages of text: whatever the migrations left (a transactional test flushes them).
    Page.objects.all().delete()
    Page.objects.create(slug="returns", title="Returns", body="Within 30 days.")

    locations = all_sitemap_locations(client)

    assert sorted(locations) == sorted(
        [
            f"{ORIGIN}/",
            f"{ORIGIN}/products/",
            f"{ORIGIN}/categories/audio/",
            f"{ORIGIN}/categories/headphones/",
            f"{ORIGIN}/products/studio-headphones/",
            f"{ORIGIN}/pages/returns/",
        ]
    )


def test_sitemap_index_links_each_section_absolutely(client):
    assert sitemap_locations(client, "/sitemap.xml") == [
        f"{ORIGIN}/sitemap-pages.xml",
        f"{ORIGIN}/sitemap-categories.xml",
        f"{ORIGIN}/sitemap-products.xml",
        f"{ORIGIN}/sitemap-info.xml",
    ]


def test_sitemap_uses_https_behind_the_load_balancer(client):
    ProductFactory(slug="lamp")
    # The load balancer's Host header carries no port, unlike the test client's default.
    headers = {"host": "testserver", "x-forwarded-proto": "https"}
    response = client.get("/sitemap-products.xml", headers=headers)
    assert b"<loc>https://testserver/products/lamp/</loc>" in response.content


def test_sitemap_gives_products_their_last_change(client):
    product = ProductFactory(slug="lamp")
    response = client.get("/sitemap-products.xml")
    assert f"<lastmod>{product.updated_at.date().isoformat()}".encode() in response.content


def test_unknown_sitemap_section_is_not_found(client):
    assert client.get("/sitemap-orders.xml").status_code == 404


def test_sitemap_queries_do_not_grow_with_the_catalog(client):
    def queries():
        counts = []
        for url in [
            "/sitemap.xml",
            "/sitemap-categories.xml",
            "/sitemap-products.xml",
            "/sitemap-info.xml",
        ]:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            counts.append(len(captured))
        return counts

    ProductFactory(category=CategoryFactory(parent=CategoryFactory()))
    small = queries()
    for top in CategoryFactory.create_batch(3):
        for category in CategoryFactory.create_batch(3, parent=top):
            ProductFactory.create_batch(10, category=category)
    assert queries() == small
    # The index: a count per section and the newest change of products and of pages of text.
    assert sum(small) <= 11


# --- robots.txt ---------------------------------------------------------------------------------


def test_robots_txt_allows_the_shop_and_points_at_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Allow: /" in lines
    for path in ["/admin/", "/cart/", "/checkout/", "/orders/", "/account/", "/accounts/"]:
        assert f"Disallow: {path}" in lines
    assert "Disallow: /products/" not in lines
    assert f"Sitemap: {ORIGIN}/sitemap.xml" in lines


def test_robots_txt_runs_no_query(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        client.get("/robots.txt")


# --- canonical links and meta descriptions ------------------------------------------------------


def test_product_page_is_canonical_without_its_query_and_describes_the_product(client):
    ProductFactory(slug="lamp", description="A walnut lamp. " + "Warm light. " * 30)
    response = client.get("/products/lamp/?utm_source=newsletter")
    assert canonical(response) == f"{ORIGIN}/products/lamp/"
    description = meta_description(response)
    assert description.startswith("A walnut lamp. Warm light.")
    assert len(description) <= 155


def test_product_without_a_description_gets_a_sentence_naming_it(client):
    ProductFactory(name="Walnut lamp", slug="lamp", description="")
    assert "Walnut lamp" in meta_description(client.get("/products/lamp/"))


def test_category_page_is_canonical_and_names_the_category(client):
    CategoryFactory(name="Lighting", slug="lighting")
    response = client.get("/categories/lighting/?sort=price&min_price=5&in_stock=on")
    assert canonical(response) == f"{ORIGIN}/categories/lighting/"
    assert "Lighting" in meta_description(response)


def test_later_pages_of_a_category_are_their_own_canonical_page(client):
    lighting = CategoryFactory(slug="lighting")
    ProductFactory.create_batch(25, category=lighting)
    response = client.get("/categories/lighting/?page=2&sort=price")
    assert canonical(response) == f"{ORIGIN}/categories/lighting/?page=2"


def test_listing_canonical_keeps_only_search_category_and_page(client):
    lighting = CategoryFactory(name="Lighting", slug="lighting")
    ProductFactory.create_batch(25, name="Walnut lamp", category=lighting)
    response = client.get(
        "/products/?sort=price&q=walnut+lamp&min_price=1&category=lighting&page=2&utm_source=x"
    )
    assert canonical(response) == f"{ORIGIN}/products/?q=walnut%20lamp&category=lighting&page=2"
    assert "Lighting" in meta_description(response)


def test_plain_listing_and_its_first_page_are_canonical_as_products(client):
    ProductFactory()
    for url in ["/products/", "/products/?page=1&sort=newest", "/products/?category=nope"]:
        response = client.get(url)
        assert canonical(response) == f"{ORIGIN}/products/"
        assert "Storefront" in meta_description(response)


def test_home_is_canonical_as_the_root_with_a_shop_description(client):
    response = client.get("/?utm_campaign=spring")
    assert canonical(response) == f"{ORIGIN}/"
    assert "Storefront" in meta_description(response)


def test_pages_outside_the_catalog_have_no_canonical_link(client):
    response = client.get("/cart/")
    assert 'rel="canonical"' not in response.content.decode()


# --- JSON-LD ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stock", "availability"),
    [
        (10, "https://schema.org/InStock"),
        (2, "https://schema.org/LimitedAvailability"),
        (0, "https://schema.org/OutOfStock"),
    ],
)
def test_product_json_ld_offers_the_price_in_eur_with_its_availability(
    client, settings, stock, availability
):
    settings.LOW_STOCK_THRESHOLD = 5
    audio = CategoryFactory(name="Audio", slug="audio")
    headphones = CategoryFactory(name="Headphones", slug="headphones", parent=audio)
    ProductFactory(
        name="Studio Headphones",
        slug="studio-headphones",
        sku="HP-1",
        category=headphones,
        price=Decimal("129.90"),
        stock=stock,
    )

    documents = json_ld(client.get("/products/studio-headphones/"))

    product = documents["Product"]
    assert product["@context"] == "https://schema.org"
    assert product["name"] == "Studio Headphones"
    assert product["sku"] == "HP-1"
    assert product["url"] == f"{ORIGIN}/products/studio-headphones/"
    assert product["offers"] == {
        "@type": "Offer",
        "url": f"{ORIGIN}/products/studio-headphones/",
        "price": "129.90",
        "priceCurrency": "EUR",
        "availability": availability,
    }
    assert "aggregateRating" not in product
    assert documents["BreadcrumbList"]["itemListElement"] == [
        {"@type": "ListItem", "position": 1, "name": "Home", "item": f"{ORIGIN}/"},
        {
            "@type": "ListItem",
            "position": 2,
            "name": "Audio",
            "item": f"{ORIGIN}/categories/audio/",
        },
        {
            "@type": "ListItem",
            "position": 3,
            "name": "Headphones",
            "item": f"{ORIGIN}/categories/headphones/",
        },
        {"@type": "ListItem", "position": 4, "name": "Studio Headphones"},
    ]


def test_product_json_ld_rates_only_from_approved_reviews(client):
    product = ProductFactory(slug="lamp")
    ReviewFactory(product=product, rating=5, status=Review.Status.PENDING)
    refresh_product_ratings(product_ids=[product.pk])
    assert "aggregateRating" not in json_ld(client.get("/products/lamp/"))["Product"]

    ReviewFactory(product=product, rating=4, status=Review.Status.APPROVED)
    ReviewFactory(product=product, rating=5, status=Review.Status.APPROVED)
    refresh_product_ratings(product_ids=[product.pk])
    rating = json_ld(client.get("/products/lamp/"))["Product"]["aggregateRating"]
    assert rating["@type"] == "AggregateRating"
    assert Decimal(rating["ratingValue"]) == Decimal("4.5")
    assert rating["reviewCount"] == 2


def test_product_name_cannot_break_out_of_the_json_ld(client):
    hostile = '</script><script>alert("x")</script> & <!-- \u2028 \\"'
    ProductFactory(
        name=hostile,
        slug="hostile",
        description=hostile,
        category=CategoryFactory(name=hostile),
    )
    html = client.get("/products/hostile/").content.decode()

    assert "<script>alert" not in html
    documents = json_ld(client.get("/products/hostile/"))
    assert documents["Product"]["name"] == hostile
    assert documents["Product"]["description"] == hostile
    assert documents["Product"]["category"] == hostile
    assert documents["BreadcrumbList"]["itemListElement"][-1]["name"] == hostile


@pytest.mark.django_db(transaction=True)
def test_kept_product_page_s_json_ld_follows_price_and_stock_and_not_the_visitor(settings):
    settings.CATALOG_PAGE_CACHE = True
    settings.LOW_STOCK_THRESHOLD = 5
    cache.clear()
    lamp = ProductFactory(slug="lamp", price=Decimal("20.00"), stock=7)

    def offer(client):
        response = client.get("/products/lamp/")
        assert response.status_code == 200
        return json_ld(response)["Product"]["offers"], canonical(response), response

    first, link, response = offer(Client())
    assert response["X-Page-Cache"] == "miss"
    assert (first["price"], first["availability"]) == ("20.00", "https://schema.org/InStock")
    signed_in = Client()
    signed_in.force_login(UserFactory())
    kept, kept_link, response = offer(signed_in)
    assert response["X-Page-Cache"] == "hit"
    assert (kept, kept_link) == (first, link)

    Product.objects.filter(pk=lamp.pk).update(price=Decimal("25.50"))
    shopper = UserFactory()
    CartItemFactory(cart__user=shopper, product=lamp, quantity=3)
    place_order(user=shopper, shipping=SHIPPING, checkout_token=uuid.uuid4())
    changed, _, _ = offer(Client())
    assert changed["price"] == "25.50"
    assert changed["availability"] == "https://schema.org/LimitedAvailability"
    cache.clear()
