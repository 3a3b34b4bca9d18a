"""Hypothesis drives the listing's and a category page's query strings (q, category,
min_price, max_price, in_stock, sort, page, and parameters nobody expects).

The README's promise: no URL gives an error; nonsense is ignored with a note, a page out of
range shows the nearest page. And what is shown is right: only products a shopper may see
(active, in a visible category), each one matching every filter the page says it applied, and,
without a search, exactly the products that match (computed here in Python from the catalog,
not with the shop's queries), 24 to a page.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from catalog.models import Category, Product
from tests.factories import CategoryFactory, ProductFactory
from tests.faults.generated import (
    assert_not_server_error,
    carries_nul,
    encode,
    example,
    params,
)

pytestmark = pytest.mark.django_db

PER_PAGE = 24
LISTING = ["q", "category", "min_price", "max_price", "in_stock", "sort", "page"]
PRICES = [Decimal(p) for p in ("0.00", "0.01", "4.99", "10.00", "10.01", "49.99", "99999999.99")]


def as_bytes(strategy):
    return strategy.map(lambda value: str(value).encode())


SENSIBLE = {
    "q": as_bytes(st.sampled_from(["lamp", "Lamp", "lmap", "mug -lamp", '"oak lamp"', "or"])),
    "category": as_bytes(st.sampled_from(["kitchen", "cookware", "hidden", "hidden-child"])),
    "min_price": as_bytes(st.sampled_from(PRICES) | st.integers(-5, 200)),
    "max_price": as_bytes(st.sampled_from(PRICES) | st.integers(-5, 200)),
    "in_stock": as_bytes(st.sampled_from(["1", "on", "0", "off", "true", "no", "yes"])),
    "sort": as_bytes(st.sampled_from(["price", "-price", "newest", "rating", "name", "-name"])),
    "page": as_bytes(st.integers(-3, 5) | st.sampled_from(["last", "0", "1.0", "1e1"])),
}


@pytest.fixture
def catalog():
    """31 products (more than a page) over a visible tree and a hidden one."""
    kitchen = CategoryFactory(name="Kitchen", slug="kitchen")
    cookware = CategoryFactory(name="Cookware", slug="cookware", parent=kitchen)
    hidden = CategoryFactory(name="Hidden", slug="hidden", is_active=False)
    hidden_child = CategoryFactory(name="Hidden child", slug="hidden-child", parent=hidden)
    for index in range(31):
        ProductFactory(
            name=f"{['Oak', 'Steel', 'Glass'][index % 3]} {['Lamp', 'Mug'][index % 2]} {index}",
            category=[kitchen, cookware, cookware, hidden, hidden_child][index % 5],
            price=PRICES[index % len(PRICES)],
            stock=[0, 1, 7][index % 3],
            is_active=index % 7 != 6,
        )
    return {"kitchen": kitchen, "cookware": cookware}


def visible_products() -> list[Product]:
    """What a shopper may see, worked out here: active, in an active category under an active
    parent (or none)."""
    return [
        product
        for product in Product.objects.select_related("category__parent")
        if product.is_active
        and product.category.is_active
        and (product.category.parent is None or product.category.parent.is_active)
    ]


def subtree(category: Category) -> set[int]:
    """The category and its active sub-categories (the shop's tree has two levels)."""
    children = Category.objects.filter(parent=category, is_active=True)
    return {category.pk, *children.values_list("pk", flat=True)}


def check_listing(response, products, category=None):
    """The page's products obey the filters the page applied; without a search, they are
    exactly the products that match, in pages of 24. Any query string gives a page, except one
    carrying a NUL, which PostgreSQL cannot take: a 400 (ecommerce.errors.RefuseNulBytes)."""
    if carries_nul(response.wsgi_request.GET):
        assert response.status_code == 400, response.status_code
        event("refused: a NUL")
        return
    assert response.status_code == 200, response.status_code
    view = response.context["view"]
    filters = view.filter_form.filters
    category = filters.get("category") or category
    categories = subtree(category) if category else None

    def matches(product):
        return (
            (categories is None or product.category_id in categories)
            and (filters["min_price"] is None or product.price >= filters["min_price"])
            and (filters["max_price"] is None or product.price <= filters["max_price"])
            and (not filters["in_stock"] or product.stock > 0)
        )

    applied = sorted(name for name, value in filters.items() if value not in (None, False, ""))
    event("applied: " + (", ".join(applied) or "nothing"))
    expected = {product.pk for product in products if matches(product)}
    shown = list(response.context["products"])
    page = response.context["page_obj"]
    assert len(shown) <= PER_PAGE
    assert 1 <= page.number <= page.paginator.num_pages
    assert {product.pk for product in shown} <= expected  # visible and matching, all of them
    if not filters["q"]:
        assert page.paginator.count == len(expected)
    for name in ("min_price", "max_price"):
        if filters[name] is not None:
            assert Decimal(0) <= filters[name] < Decimal("1e8")


@given(query=params(LISTING, SENSIBLE))
def test_any_listing_query_string_gives_a_page_of_the_right_products(catalog, query):
    products = visible_products()
    with example() as client:
        response = client.get("/products/?" + encode(query))
        assert_not_server_error(response)
        check_listing(response, products)


@given(slug=st.sampled_from(["kitchen", "cookware"]), query=params(LISTING, SENSIBLE))
def test_any_category_query_string_gives_a_page_of_that_category(catalog, slug, query):
    products = visible_products()
    with example() as client:
        response = client.get(f"/categories/{slug}/?" + encode(query))
        assert_not_server_error(response)
        check_listing(response, products, category=Category.objects.get(slug=slug))


@given(slug=st.sampled_from(["hidden", "hidden-child"]) | st.from_regex(r"\A[-\w]{1,60}\Z"))
def test_a_hidden_or_unknown_category_is_a_404(catalog, slug):
    with example() as client:
        response = client.get(f"/categories/{slug}/")
        assert_not_server_error(response)
        visible = Category.objects.active().filter(slug=slug).exists()
        assert response.status_code == (200 if visible else 404)
