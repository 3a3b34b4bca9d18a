"""Catalog pages kept for everyone, each visitor's own parts filled in (catalog/page_cache.py).

That they never show stale data after a change is proven in
tests/bench_correctness/test_no_stale_pages.py, and across two processes sharing Redis in
tests/faults/test_two_processes.py; here: what is served from the cache, to whom, and how.
"""

import re
import threading
import uuid
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog import changes, page_cache
from catalog.models import Category, Product
from catalog.views import ProductDetailView
from orders.services import cancel_order, place_order
from reviews.services import set_review_status
from tests.factories import (
    SHIPPING,
    CartItemFactory,
    CategoryFactory,
    OrderItemFactory,
    ProductFactory,
    ReviewFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.CATALOG_PAGE_CACHE = True
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def product():
    return ProductFactory(name="Oak lamp", slug="oak-lamp", price=Decimal("20.00"), stock=10)


def get(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(queries)


def without_csrf_token(html):
    return CSRF_INPUT.sub("", html)


@pytest.mark.parametrize("url", ["/", "/products/", "/products/?q=oak&sort=price", "category"])
def test_a_visitor_without_a_session_is_served_from_the_cache_without_a_query(product, url):
    url = product.category.get_absolute_url() if url == "category" else url
    first, first_queries = get(Client(), url)
    second, second_queries = get(Client(), url)
    assert first_queries > 0 and second_queries == 0
    assert second.content.decode() == first.content.decode()
    assert "Oak lamp" in second.content.decode()


def test_every_visitor_gets_their_own_csrf_token_and_it_works(product):
    first_visitor = Client(enforce_csrf_checks=True)
    second_visitor = Client(enforce_csrf_checks=True)
    first, _ = get(first_visitor, product.get_absolute_url())
    second, second_queries = get(second_visitor, product.get_absolute_url())
    assert second_queries == 0  # from the cache

    tokens = [CSRF_INPUT.search(page.content.decode()).group(1) for page in (first, second)]
    assert page_cache.csrf_placeholder() not in tokens and tokens[0] != tokens[1]
    assert without_csrf_token(first.content.decode()) == without_csrf_token(second.content.decode())
    added = second_visitor.post(
        reverse("orders:cart-add", args=[product.slug]),
        {"quantity": "1", "csrfmiddlewaretoken": tokens[1]},
    )
    assert added.status_code == 302 and added.url == reverse("orders:cart")


def test_a_visitor_with_a_session_gets_the_kept_page_with_their_own_cart(client, product):
    get(Client(), "/products/")  # cached for visitors without a session
    client.post(reverse("orders:cart-add", args=[product.slug]), {"quantity": "2"})
    client.get(reverse("orders:cart"))  # shows the "added" message, and expires its cookie
    assert not client.cookies.pop("messages").value  # as a browser drops an expired cookie

    page, _ = get(client, "/products/")
    assert page.headers["X-Page-Cache"] == "hit"
    assert 'aria-label="2 items in cart"' in page.content.decode()
    assert 'aria-label="0 items in cart"' in get(Client(), "/products/")[0].content.decode()


def test_a_visitor_with_messages_waiting_is_not_served_from_the_cache(product):
    get(Client(), "/")
    visitor = Client()
    visitor.cookies["messages"] = "waiting"
    assert get(visitor, "/")[1] > 0


def test_a_page_rendered_during_a_change_is_not_served_after_it(client, product):
    request = RequestFactory().get(product.get_absolute_url())
    # The versions, read before the page's queries.
    cached_page = page_cache.lookup(request, [changes.TREE, changes.product_page(product.slug)])
    cached_page.release_lock()  # so that the next request renders at once
    stale = client.get(product.get_absolute_url())  # the page as it was
    Product.objects.filter(pk=product.pk).update(price=Decimal("12.00"))  # commits meanwhile
    cached_page.store(stale.content.decode())  # the old page arrives in the cache last

    page, queries = get(Client(), product.get_absolute_url())
    assert queries > 0
    assert "€12.00" in page.content.decode()


def test_a_rolled_back_change_keeps_the_cached_pages(product):
    get(Client(), "/products/")
    with pytest.raises(RuntimeError), transaction.atomic():
        Product.objects.filter(pk=product.pk).update(price=Decimal("1.00"))
        raise RuntimeError
    assert get(Client(), "/products/")[1] == 0


def test_pages_are_rendered_as_usual_when_the_cache_cannot_be_reached(product, monkeypatch, caplog):
    def unreachable(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(page_cache.cache, "get_many", unreachable)
    page, queries = get(Client(), "/products/")
    assert queries > 0 and "Oak lamp" in page.content.decode()
    assert "Could not read the cached catalog pages" in caplog.text


def test_errors_are_not_cached_and_show_the_visitor_s_own_header(product):
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            response = Client().get("/products/no-such-product/")
        assert response.status_code == 404 and len(queries) > 0
        assert "shopper-part" not in response.content.decode()
        assert "Sign in</a>" in response.content.decode()


@pytest.mark.parametrize("write", ["bulk update", "save", "category update"])
def test_outside_a_transaction_pages_go_out_of_date_after_the_write_not_before(
    product, monkeypatch, write
):
    """A page rendered between the two would be kept as current with the old data."""
    prices_seen_by_the_change = []
    replace_versions = changes._replace_versions

    def noting_what_is_written(scopes):
        product.refresh_from_db()
        prices_seen_by_the_change.append((product.price, product.category.name))
        replace_versions(scopes)

    monkeypatch.setattr(changes, "_replace_versions", noting_what_is_written)
    if write == "bulk update":
        Product.objects.filter(pk=product.pk).update(price=Decimal("12.00"))
    elif write == "save":
        product.price = Decimal("12.00")
        product.save()
    else:
        Category.objects.filter(pk=product.category_id).update(name="Renamed")
    assert prices_seen_by_the_change
    for price, category_name in prices_seen_by_the_change:
        assert price == Decimal("12.00") or category_name == "Renamed"


def test_the_cache_is_off_without_the_setting(settings, product):
    settings.CATALOG_PAGE_CACHE = False
    get(Client(), "/products/")
    assert get(Client(), "/products/")[1] > 0


def test_a_release_does_not_serve_another_release_s_pages(settings, product):
    settings.RELEASE_ID = "release-1"
    get(Client(), "/products/")
    settings.RELEASE_ID = "release-2"
    assert get(Client(), "/products/")[1] > 0
    settings.RELEASE_ID = "release-1"
    assert get(Client(), "/products/")[1] == 0


def test_a_page_without_a_form_sets_no_csrf_cookie(product):
    for _ in range(2):  # rendered, then from the cache
        visitor = Client()
        get(visitor, "/products/")
        assert "csrftoken" not in visitor.cookies


# --- What a change re-renders (catalog.changes) ----------------------------------------------


@pytest.fixture
def shop():
    """Two products in two sub-categories of two top-level categories, every page warm."""
    lighting = CategoryFactory(slug="lighting", parent=CategoryFactory(slug="home-and-living"))
    audio = CategoryFactory(slug="audio", parent=CategoryFactory(slug="electronics"))
    lamp = ProductFactory(name="Oak lamp", slug="oak-lamp", category=lighting, stock=50)
    speaker = ProductFactory(name="Speaker", slug="speaker", category=audio, stock=50)
    pages = {
        "home": "/",
        "listing": "/products/",
        "lamp": lamp.get_absolute_url(),
        "lighting": lighting.get_absolute_url(),
        "home-and-living": lighting.parent.get_absolute_url(),
        "speaker": speaker.get_absolute_url(),
        "audio": audio.get_absolute_url(),
        "electronics": audio.parent.get_absolute_url(),
    }
    for url in pages.values():
        get(Client(), url)
    return lamp, speaker, pages


def rendered_again(pages):
    """The names of the pages that are not served from the cache any more."""
    return {name for name, url in pages.items() if get(Client(), url)[1] > 0}


def sell(product, quantity):
    shopper = UserFactory()
    CartItemFactory(cart__user=shopper, product=product, quantity=quantity)
    order, _ = place_order(user=shopper, shipping=SHIPPING, checkout_token=uuid.uuid4())
    return order


def test_a_price_change_renders_its_product_s_page_and_listings_again_and_nothing_else(shop):
    lamp, _, pages = shop
    Product.objects.filter(pk=lamp.pk).update(price=Decimal("31.00"))
    assert rendered_again(pages) == {"home", "listing", "lamp", "lighting", "home-and-living"}
    assert "€31.00" in get(Client(), pages["lamp"])[0].content.decode()


def test_products_added_in_bulk_show_on_their_category_s_pages_at_once(shop):
    lamp, _, pages = shop
    Product.objects.bulk_create(
        [Product(category=lamp.category, name="Brass lamp", slug="brass-lamp", sku="B-1", price=9)]
    )
    assert rendered_again(pages) == {"home", "listing", "lighting", "home-and-living"}
    assert "Brass lamp" in get(Client(), pages["lighting"])[0].content.decode()


def test_a_product_moved_by_staff_leaves_its_old_category_s_pages_too(shop, staff_client):
    lamp, _, pages = shop
    audio = Category.objects.get(slug="audio")
    form = {
        "category": audio.pk, "name": lamp.name, "slug": lamp.slug, "sku": lamp.sku,
        "description": lamp.description, "price": "20.00", "stock": "50", "is_active": "on",
        "images-TOTAL_FORMS": "0", "images-INITIAL_FORMS": "0",
    }  # fmt: skip
    response = staff_client.post(reverse("admin:catalog_product_change", args=[lamp.pk]), form)
    assert response.status_code == 302
    assert rendered_again(pages) == {
        "home", "listing", "lamp", "lighting", "home-and-living", "audio", "electronics"
    }  # fmt: skip
    assert "Oak lamp" in get(Client(), pages["audio"])[0].content.decode()
    assert "Oak lamp" not in get(Client(), pages["lighting"])[0].content.decode()


def test_a_sale_that_leaves_in_stock_as_it_was_renders_nothing_again(shop, settings):
    lamp, _, pages = shop
    settings.LOW_STOCK_THRESHOLD = 5
    sell(lamp, 3)
    assert Product.objects.get(pk=lamp.pk).stock == 47
    assert rendered_again(pages) == set()


def test_a_sale_to_the_low_stock_threshold_and_to_zero_shows_at_once(shop, settings):
    lamp, _, pages = shop
    settings.LOW_STOCK_THRESHOLD = 5
    sell(lamp, 45)
    assert rendered_again(pages) == {"home", "listing", "lamp", "lighting", "home-and-living"}
    assert "Only 5 left" in get(Client(), pages["lamp"])[0].content.decode()
    assert "Only a few left" in get(Client(), pages["listing"])[0].content.decode()
    sell(lamp, 1)  # the count shows on the product's page only: every unit sold shows there
    assert rendered_again(pages) == {"lamp"}
    assert "Only 4 left" in get(Client(), pages["lamp"])[0].content.decode()
    order = sell(lamp, 4)
    assert "Out of stock" in get(Client(), pages["lamp"])[0].content.decode()
    cancel_order(order=order)  # back in stock
    assert "Only 4 left" in get(Client(), pages["lamp"])[0].content.decode()


def test_an_approved_review_renders_its_product_s_pages_again(shop):
    lamp, _, pages = shop
    review = ReviewFactory(product=lamp, rating=4, title="Warm light", status="pending")
    rendered_again(pages)  # a pending review is not shown, but its save reports the product
    set_review_status(reviews=[review], status="approved")
    assert rendered_again(pages) == {"home", "listing", "lamp", "lighting", "home-and-living"}
    assert "Warm light" in get(Client(), pages["lamp"])[0].content.decode()


def test_a_category_change_renders_every_page_again(shop):
    _, _, pages = shop
    Category.objects.filter(slug="audio").update(name="Sound")
    assert rendered_again(pages) == set(pages)


def test_responses_say_whether_they_came_from_the_cache(product):
    assert Client().get("/products/").headers["X-Page-Cache"] == "miss"
    assert Client().get("/products/").headers["X-Page-Cache"] == "hit"


def test_a_page_missing_from_the_cache_is_rendered_once_for_requests_waiting_together(
    product, monkeypatch
):
    """A second visitor asking while the first renders waits for that render (no stampede)."""
    renders, rendering, release = [], threading.Event(), threading.Event()
    waiting = threading.Event()
    original_context = ProductDetailView.get_context_data
    original_sleep = page_cache.time.sleep

    def slow_context(view, **kwargs):
        renders.append(threading.get_ident())
        rendering.set()
        assert release.wait(10)
        return original_context(view, **kwargs)

    def noted_sleep(seconds):
        waiting.set()
        original_sleep(seconds)

    monkeypatch.setattr(ProductDetailView, "get_context_data", slow_context)
    monkeypatch.setattr(page_cache.time, "sleep", noted_sleep)
    responses = {}

    def visit(name):
        try:
            responses[name] = Client().get(product.get_absolute_url())
        finally:
            connection.close()

    first = threading.Thread(target=visit, args=["first"])
    first.start()
    assert rendering.wait(10)
    second = threading.Thread(target=visit, args=["second"])
    second.start()
    assert waiting.wait(10)  # the second visitor waits for the page...
    release.set()  # ...which the first one finishes now
    first.join(10)
    second.join(10)
    assert len(renders) == 1
    assert responses["first"].headers["X-Page-Cache"] == "miss"
    assert responses["second"].headers["X-Page-Cache"] == "hit"
    assert "Oak lamp" in responses["second"].content.decode()


# --- Shoppers with a session: the shared page with their own parts ----------------------------


def test_a_signed_in_shopper_gets_the_shared_page_with_their_own_name_and_cart(product):
    staff = UserFactory(first_name="Stella", is_staff=True)
    shopper = UserFactory(first_name="Sam")
    CartItemFactory(cart__user=shopper, product=product, quantity=3)
    anonymous = Client().get("/products/")
    assert anonymous.headers["X-Page-Cache"] == "miss"

    signed_in = Client()
    signed_in.force_login(shopper)
    page = signed_in.get("/products/")
    html = page.content.decode()
    assert page.headers["X-Page-Cache"] == "hit"
    assert '<span class="user-name">Sam</span>' in html
    assert 'aria-label="3 items in cart"' in html and ">Admin</a>" not in html

    staff_client = Client()
    staff_client.force_login(staff)
    html = staff_client.get("/products/").content.decode()
    assert "Stella" in html and ">Admin</a>" in html and "Sam" not in html
    again = Client().get("/products/")
    assert again.headers["X-Page-Cache"] == "hit"
    assert "Sign in</a>" in again.content.decode() and "Stella" not in again.content.decode()


def test_a_page_first_rendered_for_a_signed_in_shopper_is_kept_without_their_parts(product):
    shopper = UserFactory(first_name="Sam")
    signed_in = Client(enforce_csrf_checks=True)
    signed_in.force_login(shopper)
    first = signed_in.get(product.get_absolute_url())
    assert first.headers["X-Page-Cache"] == "miss" and "Sam" in first.content.decode()

    anonymous = Client().get(product.get_absolute_url())
    assert anonymous.headers["X-Page-Cache"] == "hit"
    assert "Sam" not in anonymous.content.decode()
    assert "to review a product you bought" in anonymous.content.decode()
    token = CSRF_INPUT.search(signed_in.get(product.get_absolute_url()).content.decode())[1]
    signed_out = signed_in.post(reverse("accounts:logout"), {"csrfmiddlewaretoken": token})
    assert signed_out.status_code == 302  # their own token, in the shared page


def test_the_review_form_is_each_shopper_s_own_on_a_shared_product_page(product):
    buyer, pending_reviewer = UserFactory(), UserFactory()
    for shopper in (buyer, pending_reviewer):
        OrderItemFactory(order__user=shopper, order__status="paid", product=product)
    ReviewFactory(user=pending_reviewer, product=product, title="Bright", status="pending")
    get(Client(), product.get_absolute_url())  # kept for everyone

    pages = {}
    for name, shopper in {"buyer": buyer, "pending": pending_reviewer}.items():
        client = Client()
        client.force_login(shopper)
        response = client.get(product.get_absolute_url())
        assert response.headers["X-Page-Cache"] == "hit"
        pages[name] = response.content.decode()
    assert "Write a review" in pages["buyer"] and "awaiting approval" not in pages["buyer"]
    assert 'Your review "Bright" is awaiting approval.' in pages["pending"]
    assert "Write a review" not in pages["pending"]


def test_a_shopper_with_a_message_waiting_gets_a_page_rendered_for_them(client, product):
    get(Client(), "/products/")
    client.force_login(UserFactory())
    client.post(reverse("orders:cart-add", args=[product.slug]), {"quantity": "1"})
    with_message = client.get("/products/")
    assert "X-Page-Cache" not in with_message.headers
    assert "Added 1 × Oak lamp to your cart." in with_message.content.decode()
    client.cookies.pop("messages")  # shown, so expired: as a browser drops it
    assert client.get("/products/").headers["X-Page-Cache"] == "hit"


def test_pages_rendered_for_a_shopper_keep_the_category_tree_while_it_is_current(
    client, product, settings
):
    client.force_login(UserFactory())
    top_level = product.category
    settings.CATALOG_PAGE_CACHE = False
    _, without_keeping = get(client, reverse("orders:cart"))
    settings.CATALOG_PAGE_CACHE = True
    get(client, reverse("orders:cart"))
    page, kept = get(client, reverse("orders:cart"))
    assert kept == without_keeping - 1
    assert f">{top_level.name}</a></li>" in page.content.decode()

    Category.objects.filter(pk=top_level.pk).update(name="Renamed")
    page, queries = get(client, reverse("orders:cart"))
    assert queries == without_keeping
    assert ">Renamed</a></li>" in page.content.decode()


def test_a_signed_out_visitor_s_parts_are_remembered_per_url(product):
    first = Client().get("/products/?sort=price")
    second = Client().get("/products/?sort=price")  # kept page, parts remembered
    other = Client().get("/products/?sort=name")
    assert second.headers["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert "next=/products/%3Fsort%3Dprice" in second.content.decode()
    assert "next=/products/%3Fsort%3Dname" in other.content.decode()
