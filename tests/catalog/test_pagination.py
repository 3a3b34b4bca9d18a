"""CappedPaginator: counts no further than its last page and serves no page past it."""

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Product
from catalog.pagination import CappedPaginator
from catalog.templatetags.page_numbers import page_numbers
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def paginator():
    """Two products a page, two pages at most: counts up to 4."""
    return CappedPaginator(Product.objects.order_by("name", "pk"), 2, max_pages=2)


@pytest.mark.parametrize(
    ("products", "count", "capped"), [(3, 3, False), (4, 4, False), (5, 4, True)]
)
def test_counts_exactly_up_to_the_cap_and_says_when_there_are_more(products, count, capped):
    ProductFactory.create_batch(products)
    pages = paginator()
    assert (pages.count, pages.is_capped) == (count, capped)
    assert pages.num_pages == 2


def test_counts_in_one_query_that_stops_one_past_the_cap_and_sorts_nothing():
    ProductFactory.create_batch(6)
    pages = paginator()
    with CaptureQueriesContext(connection) as queries:
        assert pages.is_capped
        assert pages.count == 4
    assert len(queries) == 1
    sql = queries[0]["sql"]
    assert "LIMIT 5" in sql
    assert "ORDER BY" not in sql


@pytest.mark.parametrize("number", [3, 99999])
def test_a_page_past_the_cap_is_the_last_page_within_it(number):
    for letter in "ABCDEF":
        ProductFactory(name=letter)
    page = paginator().get_page(number)
    assert page.number == 2
    assert [product.name for product in page] == ["C", "D"]
    assert not page.has_next()


@pytest.mark.parametrize(
    ("number", "shown"),
    [
        (1, [1, 2, 3, None, 11]),
        (6, [1, None, 4, 5, 6, 7, 8, None, 11]),
        (11, [1, None, 9, 10, 11]),
        (5, [1, 2, 3, 4, 5, 6, 7, None, 11]),  # no ellipsis standing for one page
    ],
)
def test_page_numbers_are_the_ends_and_the_current_page_give_or_take_two(number, shown):
    pages = Paginator(range(110), 10)
    assert page_numbers(pages.page(number)) == shown


def test_few_pages_are_all_numbered():
    assert page_numbers(Paginator(range(50), 10).page(3)) == [1, 2, 3, 4, 5]
