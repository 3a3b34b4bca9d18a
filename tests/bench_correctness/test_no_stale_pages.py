"""Catalog pages never show stale data, with each of their two speed-ups warm.

- Memoized product cards and filter forms (catalog/rendering.py), a per-process memo keyed by
  the values they show: the HTML is the template's own.
- Whole pages for visitors without a session (catalog/page_cache.py), served while the
  versions of what they show (catalog/changes.py) are unchanged.

Every test runs with the page cache off and on: a price or stock change (by staff in the admin,
by a queryset update, by an order taking the last unit) or a category change shows on the very
next page view. The tests commit their changes (transactional tests), as the versions move on
commit.
"""

import uuid
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.template import engines
from django.test import Client
from django.urls import reverse

from catalog import rendering
from catalog.models import Category, Product
from orders import services
from orders.models import Cart, CartItem
from tests.factories import (
    SHIPPING,
    CategoryFactory,
    ProductFactory,
    ProductImageFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

LISTING = reverse("catalog:product-list")


@pytest.fixture(autouse=True, params=["page cache off", "page cache on"])
def _page_cache(request, settings):
    settings.CATALOG_PAGE_CACHE = request.param == "page cache on"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _empty_memos():
    rendering.card_memo.clear()
    rendering.filter_form_memo.clear()
    yield
    rendering.card_memo.clear()
    rendering.filter_form_memo.clear()


def page(client, url=LISTING):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def card_of(html, product):
    """The <li class="card"> of `product` in a page."""
    link = f'href="{product.get_absolute_url()}"'
    start = html.rindex('<li class="card">', 0, html.index(link))
    return html[start : html.index("</li>", start)]


def test_a_memoized_card_is_the_template_s_own_html(settings):
    settings.LOW_STOCK_THRESHOLD = 5
    products = [
        ProductFactory(name="Plain lamp", price=Decimal("10.00"), stock=50),
        ProductFactory(name="Low lamp", stock=3, rating_average=Decimal("4.50"), rating_count=2),
        ProductFactory(name="Gone lamp", stock=0),
        ProductImageFactory(product__name="Pictured <lamp>").product,
    ]
    included = engines["django"].from_string(
        '{% for product in products %}{% include "catalog/product_card.html" %}{% endfor %}'
    )
    memoized = engines["django"].from_string(
        "{% load catalog_fragments %}"
        "{% for product in products %}{% product_card product %}{% endfor %}"
    )
    expected = included.render({"products": products})
    assert memoized.render({"products": products}) == expected  # rendered (memo empty)
    assert memoized.render({"products": products}) == expected  # from the memo
    assert len(rendering.card_memo) == len(products)
    assert "Pictured &lt;lamp&gt;" in expected


def test_equal_decimals_that_print_differently_are_not_confused():
    product = ProductFactory(price=Decimal("5.00"))
    assert "€5.00" in rendering.product_card(product)
    product.price = Decimal("5")  # equal to 5.00, printed "5"
    assert "€5<" in rendering.product_card(product)


def test_a_price_and_stock_changed_by_staff_in_the_admin_show_at_once(client):
    """The price on the product's page, the stock through its stock page (a count of 0)."""
    product = ProductFactory(name="Oak lamp", price=Decimal("20.00"), stock=10)
    assert "€20.00" in card_of(page(client), product)  # memo warm
    assert "€20.00" in page(client, "/")
    staff = Client()
    staff.force_login(UserFactory(is_staff=True, is_superuser=True))
    form = {
        "category": product.category_id, "name": product.name, "slug": product.slug,
        "sku": product.sku, "description": product.description, "price": "18.50",
        "is_active": "on", "images-TOTAL_FORMS": "0", "images-INITIAL_FORMS": "0",
    }  # fmt: skip
    response = staff.post(reverse("admin:catalog_product_change", args=[product.pk]), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    counted = {"reason": "counted", "quantity": "0"}
    response = staff.post(reverse("admin:catalog_product_stock", args=[product.pk]), counted)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert "€18.50" in card_of(page(client), product)
    assert "Out of stock" in card_of(page(client), product)
    assert "€18.50" in page(client, "/")
    assert "€18.50" in page(client, product.category.get_absolute_url())


def test_stock_changed_by_a_queryset_update_shows_at_once(client, settings):
    # update() leaves updated_at alone: the memo's key is the row itself, not a timestamp.
    settings.LOW_STOCK_THRESHOLD = 5
    product = ProductFactory(name="Oak lamp", stock=40)
    assert "In stock" in card_of(page(client), product)
    Product.objects.filter(pk=product.pk).update(stock=3)
    assert "Only a few left" in card_of(page(client), product)  # the count: its page only
    assert "Only 3 left" in page(client, product.get_absolute_url())
    Product.objects.filter(pk=product.pk).update(stock=2)
    assert "Only 2 left" in page(client, product.get_absolute_url())


def test_an_order_taking_the_last_unit_shows_out_of_stock_at_once(client):
    product = ProductFactory(name="Last lamp", stock=1)
    assert "Only a few left" in card_of(page(client), product)
    shopper = UserFactory()
    CartItem.objects.create(cart=Cart.objects.create(user=shopper), product=product, quantity=1)
    services.place_order(user=shopper, shipping=SHIPPING, checkout_token=uuid.uuid4())
    assert "Out of stock" in card_of(page(client), product)
    assert "Out of stock" in card_of(page(client, "/"), product)
    assert "Out of stock" in page(client, product.get_absolute_url())


def test_a_renamed_or_hidden_category_shows_at_once_in_the_filter_form(client):
    home = CategoryFactory(name="Home", slug="home")
    lighting = CategoryFactory(name="Lighting", slug="lighting", parent=home)
    ProductFactory(category=lighting)
    assert "Home › Lighting" not in page(client)  # sub-categories show by their own name
    assert ">Lighting</option>" in page(client)
    Category.objects.filter(pk=lighting.pk).update(name="Lamps")
    html = page(client)
    assert ">Lamps</option>" in html and ">Lighting</option>" not in html
    Category.objects.filter(pk=lighting.pk).update(is_active=False)
    assert 'value="lighting"' not in page(client)


def test_the_filter_form_redisplays_each_request_s_own_values(client):
    ProductFactory(name="Oak lamp")
    first = page(client, LISTING + "?q=oak&min_price=5")
    second = page(client, LISTING + "?q=lamp&min_price=5.00")
    assert 'value="oak"' in first and 'value="lamp"' not in first
    assert 'value="lamp"' in second and 'value="oak"' not in second
    assert 'name="min_price" value="5"' in first
    assert 'name="min_price" value="5.00"' in second
