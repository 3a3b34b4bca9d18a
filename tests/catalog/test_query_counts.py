"""Each catalog page runs a fixed number of SQL queries, however big the catalog is.

Every page is loaded on a small catalog (a few products) and on a large one (200 more products
across a two-level tree, with pictures and approved reviews): both must stay within the page's
budget, and both must cost exactly the same, with the page cache off and on (rendering a page to
keep it). The budgets count everything the page runs for an anonymous shopper, the layout's
header (category navigation, cart) included; raise one only for a new fixed cost, never for
something that grows with the rows shown.
"""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from catalog.models import Product, ProductImage
from reviews.models import Review
from reviews.services import refresh_product_ratings
from tests.factories import (
    CartItemFactory,
    CategoryFactory,
    ProductFactory,
    ReviewFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# page: (URL, budget). A search on the listing runs one more query, for the categories named
# like it (Category.objects.matching, at most five). A search that finds nothing runs two more
# to forgive a typo: the count of similar names, and the corrected words the page names
# (catalog.spelling). Only PostgreSQL forgives typos (TYPO_PAGE). Each list of products loads
# its pictures in one more query (prefetched: ProductQuerySet.for_listing), the product page too.
TYPO_PAGE = "listing, search with a typo"
PAGES = {
    "home": ("/", 3 + 2),  # + the pictures of each shelf
    "listing": ("/products/", 3 + 1),  # + the page's pictures, here and below
    "listing, search": ("/products/?q=headphones", 4 + 1),
    TYPO_PAGE: ("/products/?q=headphnes", 6 + 1),
    "listing, filters": (
        "/products/?category=audio&min_price=1&max_price=900&in_stock=1&sort=-price",
        3 + 1,
    ),
    "listing, search and filters, page 2": (
        "/products/?q=headphones&category=audio&sort=rating&page=2",
        4 + 1,
    ),
    "category": ("/categories/audio/", 3 + 1),
    "category, search and filters": (
        "/categories/audio/?q=headphones&in_stock=on&min_price=1&sort=price",
        3 + 1,
    ),
    "product": ("/products/studio-headphones/", 3 + 1),
}


def small_catalog():
    audio = CategoryFactory(name="Audio", slug="audio")
    headphones = CategoryFactory(name="Headphones", slug="headphones", parent=audio)
    CategoryFactory(name="Speakers", slug="speakers", parent=audio)
    lighting = CategoryFactory(name="Lighting", parent=CategoryFactory(name="Home"))
    studio = ProductFactory(name="Studio Headphones", slug="studio-headphones", category=headphones)
    ProductFactory(name="Travel Headphones", category=headphones, stock=2)
    ProductFactory(name="Walnut lamp", category=lighting)
    ReviewFactory(product=studio, status=Review.Status.APPROVED)
    refresh_product_ratings(product_ids=[studio.pk])
    ProductImage.objects.bulk_create([picture(studio, 0), picture(studio, 1)])


def picture(product, position):
    """A picture row with its renditions, as saving an upload leaves it (no file: pages never
    open one)."""
    stem = f"products/{product.slug}-{position}"
    return ProductImage(
        product=product,
        image=f"{stem}.jpg",
        alt_text=f"{product.name}, view {position + 1}",
        position=position,
        width=1200,
        height=900,
        renditions={str(width): f"{stem}-{width}w.webp" for width in (160, 320, 640, 960)},
    )


def grow_to_a_large_catalog():
    """200 more products across a two-level tree, a third with 1-4 pictures, and reviews."""
    audio_children = list(
        Product.objects.get(slug="studio-headphones").category.parent.children.all()
    )
    leaves = audio_children + [
        CategoryFactory(parent=top) for top in CategoryFactory.create_batch(3) for _ in range(3)
    ]
    nouns = ["Headphones", "Speaker", "Lamp", "Kettle"]
    products = Product.objects.bulk_create(
        Product(
            category=leaves[number % len(leaves)],
            name=f"Model {number} {nouns[number % len(nouns)]}",
            slug=f"model-{number}",
            sku=f"LARGE-{number:04d}",
            description="Made to last; headphones and speakers sound better with it.",
            price=Decimal(5 + number),
            stock=number % 7,
        )
        for number in range(200)
    )
    ProductImage.objects.bulk_create(
        picture(product, position)
        for number, product in enumerate(products)
        if number % 3 == 0
        for position in range(1 + number % 4)
    )
    shoppers = get_user_model().objects.bulk_create(
        get_user_model()(
            username=f"reviewer-{number}",
            email=f"reviewer-{number}@example.com",
            password=make_password(None),
        )
        for number in range(25)
    )
    studio = Product.objects.get(slug="studio-headphones")
    reviews = [
        Review(product=product, user=shopper, rating=1 + number % 5, title="Fine", body="Fine.")
        for number, (product, shopper) in enumerate(
            [(studio, shopper) for shopper in shoppers]
            + [(product, shoppers[0]) for product in products[::2]]
        )
    ]
    for review in reviews:
        review.status = Review.Status.APPROVED
    Review.objects.bulk_create(reviews)
    refresh_product_ratings(product_ids={review.product_id for review in reviews})


@pytest.fixture(autouse=True, params=["page cache off", "page cache on"])
def page_cache(request, settings):
    """Every count with the page cache off, and on: then the page is rendered for a cache
    emptied first (what it costs to render and keep it)."""
    settings.CATALOG_PAGE_CACHE = request.param == "page cache on"
    cache.clear()
    yield settings.CATALOG_PAGE_CACHE
    cache.clear()


def count_queries(client, url):
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    # Pages with rows to show, so that equal counts do not just mean two empty pages.
    assert any(response.context.get(key) for key in ["product", "products", "newest_products"])
    return len(queries)


@pytest.fixture(params=PAGES, ids=str)
def page(request):
    """(URL, budget) of each page."""
    if request.param == TYPO_PAGE:
        request.getfixturevalue("postgresql")
    return PAGES[request.param]


@pytest.mark.parametrize("size", ["small", "large"])
def test_page_stays_within_its_query_budget(client, django_assert_max_num_queries, page, size):
    url, budget = page
    small_catalog()
    if size == "large":
        grow_to_a_large_catalog()
    cache.clear()
    with django_assert_max_num_queries(budget):
        assert client.get(url).status_code == 200


def test_page_query_count_does_not_grow_with_the_catalog(client, page):
    url, _ = page
    small_catalog()
    small = count_queries(client, url)
    grow_to_a_large_catalog()
    assert count_queries(client, url) == small


def test_a_kept_page_costs_a_signed_in_shopper_the_same_few_queries_however_big_the_catalog(
    client, page, page_cache
):
    """With the page cache on, a signed-in shopper with a cart gets the page kept for everyone:
    their session, user and cart count (and on a product page their review's state) only."""
    if not page_cache:
        pytest.skip("the page cache's own cost")
    url, _ = page
    small_catalog()
    shopper = UserFactory()
    CartItemFactory(cart__user=shopper, product=Product.objects.get(slug="studio-headphones"))
    client.force_login(shopper)
    counts = []
    for grow in (False, True):
        if grow:
            grow_to_a_large_catalog()
        cache.clear()
        Client().get(url)  # rendered and kept, for a visitor without a session
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.headers["X-Page-Cache"] == "hit"
        counts.append(len(queries))
    assert counts[0] == counts[1] <= (5 if url.startswith("/products/studio") else 3), counts
