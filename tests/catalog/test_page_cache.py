"""Whole catalog pages for visitors without a session (catalog/page_cache.py).

That they never show stale data after a change is proven in
tests/bench_correctness/test_no_stale_pages.py, and across two processes sharing Redis in
tests/faults/test_two_processes.py; here: what is served from the cache, to whom, and how.
"""

import re
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog import page_cache
from catalog.models import Product
from tests.factories import ProductFactory

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
    assert page_cache.CSRF_PLACEHOLDER not in tokens and tokens[0] != tokens[1]
    assert without_csrf_token(first.content.decode()) == without_csrf_token(second.content.decode())
    added = second_visitor.post(
        reverse("orders:cart-add", args=[product.slug]),
        {"quantity": "1", "csrfmiddlewaretoken": tokens[1]},
    )
    assert added.status_code == 302 and added.url == reverse("orders:cart")


def test_a_visitor_with_a_session_sees_their_own_cart_not_the_cached_page(client, product):
    get(Client(), "/products/")  # cached for visitors without a session
    client.post(reverse("orders:cart-add", args=[product.slug]), {"quantity": "2"})
    client.get(reverse("orders:cart"))  # shows the "added" message, and expires its cookie
    assert not client.cookies.pop("messages").value  # as a browser drops an expired cookie

    page, queries = get(client, "/products/")
    assert queries > 0
    assert 'aria-label="2 items in cart"' in page.content.decode()
    assert 'aria-label="0 items in cart"' in get(Client(), "/products/")[0].content.decode()


def test_a_visitor_with_messages_waiting_is_not_served_from_the_cache(product):
    get(Client(), "/")
    visitor = Client()
    visitor.cookies["messages"] = "waiting"
    assert get(visitor, "/")[1] > 0


def test_a_page_rendered_during_a_change_is_not_served_after_it(client, product):
    request = RequestFactory().get(product.get_absolute_url())
    cached_page = page_cache.lookup(request)  # the generation, read before the page's queries
    stale = client.get(product.get_absolute_url())  # the page as it was
    Product.objects.filter(pk=product.pk).update(price=Decimal("12.00"))  # commits meanwhile
    cached_page.store(stale, request)  # the old page arrives in the cache last

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


def test_errors_are_not_cached(product):
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert Client().get("/products/no-such-product/").status_code == 404
        assert len(queries) > 0


def test_the_cache_is_off_without_the_setting(settings, product):
    settings.CATALOG_PAGE_CACHE = False
    get(Client(), "/products/")
    assert get(Client(), "/products/")[1] > 0


def test_a_release_with_other_shop_settings_uses_other_keys(settings):
    page_cache.release_fingerprint.cache_clear()
    before = page_cache.release_fingerprint()
    settings.LOW_STOCK_THRESHOLD += 1
    page_cache.release_fingerprint.cache_clear()
    try:
        assert page_cache.release_fingerprint() != before
    finally:
        page_cache.release_fingerprint.cache_clear()


def test_a_page_without_a_form_sets_no_csrf_cookie(product):
    for _ in range(2):  # rendered, then from the cache
        visitor = Client()
        get(visitor, "/products/")
        assert "csrftoken" not in visitor.cookies


def test_the_release_fingerprint_hashes_the_project_s_files_not_installed_packages(monkeypatch):
    read = []
    original = Path.read_bytes

    def recording(path):
        read.append(path)
        return original(path)

    monkeypatch.setattr(Path, "read_bytes", recording)
    page_cache.release_fingerprint.cache_clear()
    try:
        page_cache.release_fingerprint()
    finally:
        page_cache.release_fingerprint.cache_clear()
    assert Path(page_cache.__file__) in read
    assert Path(settings.BASE_DIR, "templates", "base.html") in read
    assert not [path for path in read if path.is_relative_to(sys.prefix)]
