"""The catalog's reads: what a shopper may see, search, filters and sort orders."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from catalog.models import Category, Product
from tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


def names(products):
    return [product.name for product in products]


def search(query, products=None):
    products = Product.objects.for_listing() if products is None else products
    return names(products.search(query).sorted_by())


# --- what a shopper may see ---------------------------------------------------------------------


def test_active_hides_inactive_products_and_products_of_inactive_categories():
    shown = ProductFactory(name="Shown")
    ProductFactory(name="Inactive product", is_active=False)
    ProductFactory(name="In an inactive category", category=CategoryFactory(is_active=False))
    assert names(Product.objects.active()) == [shown.name]


def test_an_inactive_category_hides_its_sub_categories_and_their_products():
    hidden_parent = CategoryFactory(is_active=False)
    child = CategoryFactory(parent=hidden_parent)
    ProductFactory(category=child)
    visible = CategoryFactory()
    assert list(Category.objects.active()) == [visible]
    assert not Product.objects.active().exists()


# --- search -------------------------------------------------------------------------------------


def test_search_ranks_name_matches_above_description_matches():
    # By name alone, "Acacia tray" would come first; relevance must put the name match first.
    ProductFactory(name="Acacia tray", description="Looks good next to anything walnut.")
    ProductFactory(name="Zebra walnut tray", description="A tray.")
    ProductFactory(name="Oak tray", description="Plain oak.")
    assert search("walnut") == ["Zebra walnut tray", "Acacia tray"]


def test_search_requires_every_word():
    ProductFactory(name="Walnut lamp")
    ProductFactory(name="Walnut shelf")
    ProductFactory(name="Oak lamp")
    assert search("walnut lamp") == ["Walnut lamp"]


def test_search_finds_nothing_for_an_unknown_word():
    ProductFactory(name="Walnut lamp")
    assert search("zeppelin") == []


def test_search_never_shows_inactive_products_or_categories():
    ProductFactory(name="Walnut lamp", is_active=False)
    ProductFactory(name="Walnut shelf", category=CategoryFactory(is_active=False))
    ProductFactory(
        name="Walnut stool", category=CategoryFactory(parent=CategoryFactory(is_active=False))
    )
    assert search("walnut") == []
    assert search("walnt") == []


def test_blank_search_does_not_filter():
    ProductFactory(name="Walnut lamp")
    assert search("   ") == ["Walnut lamp"]


def test_search_finds_other_forms_of_a_word(postgresql):
    ProductFactory(name="Reading lamp")
    assert search("lamps") == ["Reading lamp"]


def test_search_understands_web_search_syntax(postgresql):
    ProductFactory(name="Walnut lamp")
    ProductFactory(name="Walnut shelf")
    assert search("walnut -lamp") == ["Walnut shelf"]
    assert search('"walnut lamp"') == ["Walnut lamp"]


def test_similar_names_forgive_a_typo_in_the_name(postgresql):
    ProductFactory(name="Studio Headphones")
    ProductFactory(name="Oak Lamp", description="Not headphones, a lamp.")
    results = Product.objects.for_listing().similar_names("headphnes").sorted_by()
    assert names(results) == ["Studio Headphones"]
    assert results[0].is_approximate_match


def test_similar_names_stay_within_the_other_filters(postgresql):
    audio = CategoryFactory()
    ProductFactory(name="Studio Headphones", category=audio)
    ProductFactory(name="Travel Headphones")
    in_audio = Product.objects.for_listing().filter_listing(category=audio)
    assert names(in_audio.similar_names("headphnes").sorted_by()) == ["Studio Headphones"]


def test_similar_names_need_a_like_word_for_every_word_typed(postgresql):
    ProductFactory(name="Studio Headphones")
    products = Product.objects.for_listing()
    assert names(products.similar_names("studoi headphnes")) == ["Studio Headphones"]
    assert not products.similar_names("zeppelin headphnes").exists()


def test_similar_names_know_the_words_of_new_and_renamed_products(postgresql):
    product = ProductFactory(name="Walnut lamp")
    product.name = "E-Reader stand"
    product.save()
    products = Product.objects.for_listing()
    assert names(products.similar_names("readr")) == ["E-Reader stand"]
    assert names(products.similar_names("walnt")) == []


def test_similar_names_find_nothing_without_postgresql_or_a_query():
    ProductFactory(name="Studio Headphones")
    assert not Product.objects.similar_names("   ").exists()
    if connection.vendor != "postgresql":
        assert not Product.objects.similar_names("headphones").exists()


def plan(queryset):
    """The query plan with sequential scans ruled out, so an index is used if one can be.

    Tiny test tables would rather not use an index, but they must be able to. The query is
    left unfiltered, or the partial indexes on is_active might win the plan instead.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    return queryset.explain()


def test_full_text_search_can_use_the_gin_index(postgresql):
    ProductFactory(name="Walnut lamp")
    products = Product.objects.search("walnut").sorted_by()
    assert not products[0].is_approximate_match
    assert "products_search_document_idx" in plan(products)


def test_typo_forgiving_search_can_use_the_name_index(postgresql):
    ProductFactory(name="Studio Headphones")
    products = Product.objects.similar_names("headphnes").sorted_by()
    assert products[0].is_approximate_match
    assert "products_name_document_idx" in plan(products)


# --- filters ------------------------------------------------------------------------------------


def test_category_filter_includes_products_of_sub_categories():
    audio = CategoryFactory(name="Audio")
    headphones = CategoryFactory(name="Headphones", parent=audio)
    ProductFactory(name="Amplifier", category=audio)
    ProductFactory(name="Studio Headphones", category=headphones)
    ProductFactory(name="Lamp")
    assert names(Product.objects.for_listing().filter_listing(category=audio)) == [
        "Amplifier",
        "Studio Headphones",
    ]
    assert names(Product.objects.for_listing().filter_listing(category=headphones)) == [
        "Studio Headphones"
    ]


def test_price_range_includes_both_ends():
    for price in ["9.99", "10.00", "20.00", "20.01"]:
        ProductFactory(name=price, price=Decimal(price))
    products = Product.objects.for_listing()
    in_range = products.filter_listing(min_price=Decimal("10"), max_price=Decimal("20"))
    assert names(in_range) == ["10.00", "20.00"]
    assert names(products.filter_listing(min_price=Decimal("20.01"))) == ["20.01"]
    assert names(products.filter_listing(max_price=Decimal("9.99"))) == ["9.99"]


def test_in_stock_filter_leaves_out_sold_out_products():
    ProductFactory(name="Sold out", stock=0)
    ProductFactory(name="Last one", stock=1)
    assert names(Product.objects.for_listing().filter_listing(in_stock=True)) == ["Last one"]
    assert len(Product.objects.for_listing().filter_listing(in_stock=False)) == 2


# --- sort orders --------------------------------------------------------------------------------


@pytest.fixture
def three_products():
    now = timezone.now()
    products = [
        ProductFactory(name="Bravo", price=Decimal("30"), rating_average=4, rating_count=2),
        ProductFactory(name="Charlie", price=Decimal("10"), rating_average=4, rating_count=9),
        ProductFactory(name="Alpha", price=Decimal("20")),
    ]
    for days_old, product in zip([1, 2, 3], products, strict=True):
        Product.objects.filter(pk=product.pk).update(created_at=now - timedelta(days=days_old))
    return products


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (None, ["Alpha", "Bravo", "Charlie"]),
        ("price", ["Charlie", "Alpha", "Bravo"]),
        ("-price", ["Bravo", "Alpha", "Charlie"]),
        ("newest", ["Bravo", "Charlie", "Alpha"]),
        ("rating", ["Charlie", "Bravo", "Alpha"]),
    ],
)
def test_sorted_by_name_by_default_or_by_price_newest_or_rating(three_products, sort, expected):
    assert names(Product.objects.for_listing().sorted_by(sort)) == expected


def test_equal_prices_keep_a_stable_order_across_pages():
    for name in ["Delta", "Alpha", "Charlie", "Bravo"]:
        ProductFactory(name=name, price=Decimal("5"))
    ordered = list(Product.objects.for_listing().sorted_by("price"))
    assert ordered == sorted(ordered, key=lambda product: product.pk)


def test_top_rated_lists_only_rated_products_best_average_then_most_ratings_first():
    ProductFactory(name="Unrated")
    ProductFactory(name="Good", rating_average=Decimal("4.00"), rating_count=3)
    ProductFactory(name="Good and popular", rating_average=Decimal("4.00"), rating_count=30)
    ProductFactory(name="Best", rating_average=Decimal("4.80"), rating_count=1)
    assert names(Product.objects.for_listing().top_rated()) == ["Best", "Good and popular", "Good"]


def test_newest_lists_the_latest_product_first():
    first = ProductFactory(name="First")
    second = ProductFactory(name="Second")
    Product.objects.filter(pk=first.pk).update(created_at=second.created_at + timedelta(hours=1))
    assert names(Product.objects.for_listing().newest()) == ["First", "Second"]
