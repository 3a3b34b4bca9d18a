from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Avg, Count, Q

from bench.pages import SEARCH_TERMS_LOAD
from bench.run import SEARCH_TERMS_DB
from catalog.models import Category, Product
from orders.models import Order, OrderItem
from orders.services import shipping_cost_for
from reviews.models import Review
from reviews.services import has_purchased

pytestmark = pytest.mark.django_db

# What a product's name ends with, by its sub-category's slug: a few rules, not the whole list.
NAME_ENDINGS = {
    "lighting": ("Lamp",),
    "headphones": ("Headphones", "Earbuds"),
    "speakers": ("Speaker", "Soundbar"),
    "hi-fi": ("Amplifier", "Turntable", "CD Player"),
    "coffee-tea": ("Kettle", "Teapot", "Mug", "French Press", "Coffee Grinder"),
    "bags": ("Backpack", "Messenger Bag", "Laptop Sleeve", "Tote", "Duffel"),
}
# Words that belong under one top-level category only.
WORDS_OF_ONE_ROOT = {
    "Amplifier": "audio",
    "Speaker": "audio",
    "Headphones": "audio",
    "Earbuds": "audio",
    "Lamp": "living",
    "Kettle": "kitchen",
    "Tent": "outdoors",
}


def seed(**options):
    call_command("seed_demo", **options, stdout=StringIO())


def counts():
    return (
        Category.objects.count(),
        Product.objects.count(),
        Order.objects.count(),
        OrderItem.objects.count(),
        Review.objects.count(),
    )


def orders_and_reviews():
    return (
        sorted(OrderItem.objects.values_list("order__number", "product_sku", "quantity")),
        sorted(Review.objects.values_list("user__username", "product__sku", "rating", "title")),
    )


def test_seed_demo_builds_a_two_level_catalog_with_products_and_reviews():
    seed(products=300)
    assert Product.objects.count() == 300
    assert Category.objects.filter(parent__isnull=True).exists()
    assert not Category.objects.filter(parent__parent__isnull=False).exists()
    assert not Product.objects.filter(category__parent__isnull=True).exists()
    assert Review.objects.exists()
    rated = Product.objects.filter(rating_count__gt=0)
    assert rated.count() == Review.objects.values("product").distinct().count()
    assert Product.objects.filter(stock=0).exists()
    assert Product.objects.filter(stock__gt=0).exists()


def test_no_top_level_category_is_called_home_and_each_has_sub_categories():
    seed(products=20)
    roots = Category.objects.filter(parent__isnull=True).annotate(children_count=Count("children"))
    assert "home" not in {root.name.lower() for root in roots}
    assert all(root.children_count >= 2 for root in roots)
    assert Category.objects.get(slug="headphones").parent.name == "Audio"
    assert Category.objects.get(slug="lighting").parent.slug != "home"


def test_product_names_match_their_category():
    seed(products=600)
    for slug, endings in NAME_ENDINGS.items():
        names = Product.objects.filter(category__slug=slug).values_list("name", flat=True)
        assert names
        assert [name for name in names if not name.endswith(endings)] == [], slug
    for word, root in WORDS_OF_ONE_ROOT.items():
        elsewhere = Product.objects.filter(name__contains=word).exclude(category__parent__slug=root)
        assert list(elsewhere.values_list("name", "category__name")) == [], word
    assert not Product.objects.filter(category__slug="lighting", name__endswith="Amplifier")


def test_prices_fit_what_the_product_is():
    seed(products=600)
    mugs = Product.objects.filter(name__endswith=" Mug").values_list("price", flat=True)
    amplifiers = Product.objects.filter(name__endswith=" Amplifier").values_list("price", flat=True)
    assert mugs and amplifiers
    assert max(mugs) < min(amplifiers)


def test_every_demo_review_is_written_by_a_shopper_who_ordered_the_product():
    seed(products=100)
    reviews = Review.objects.select_related("user", "product")
    assert reviews.count() > 20
    for review in reviews:
        assert review.user.username.startswith("demo-shopper-")
        assert has_purchased(user=review.user, product=review.product), review
    assert not Order.objects.filter(
        status=Order.Status.CANCELLED, items__product__reviews__isnull=False
    )


def test_demo_orders_snapshot_their_products_and_add_up():
    seed(products=100)
    assert Order.objects.exists()
    for order in Order.objects.prefetch_related("items__product"):
        items = list(order.items.all())
        assert items
        for item in items:
            product = item.product
            assert (item.product_name, item.product_sku, item.unit_price) == (
                product.name,
                product.sku,
                product.price,
            )
        assert order.subtotal == sum((item.line_total for item in items), Decimal(0))
        assert order.shipping_cost == shipping_cost_for(order.subtotal)
        assert order.total == order.subtotal + order.shipping_cost
        assert order.email == order.user.email


def test_ratings_equal_the_average_of_the_approved_reviews():
    seed(products=100)
    approved = Q(reviews__status=Review.Status.APPROVED)
    products = Product.objects.annotate(
        average=Avg("reviews__rating", filter=approved), count=Count("reviews", filter=approved)
    )
    assert products.filter(count__gt=0).exists()
    for product in products:
        assert product.rating_count == product.count
        expected = Decimal(product.average or 0).quantize(Decimal("0.01"))
        assert abs(product.rating_average - expected) <= Decimal("0.01"), product


def test_orders_and_reviews_do_not_grow_with_the_catalog():
    seed(products=100)
    small = orders_and_reviews()
    seed(products=1000)
    assert orders_and_reviews() == small


def test_seed_demo_with_more_products_completes_the_same_orders_and_reviews():
    seed(products=15)
    seed(products=100)
    grown = orders_and_reviews()
    Review.objects.all().delete()
    Order.objects.all().delete()
    Product.objects.all().delete()
    seed(products=100)
    assert orders_and_reviews() == grown


def test_seed_demo_finds_what_the_bench_searches_for():
    seed(products=3000)
    for term in {*SEARCH_TERMS_LOAD, *SEARCH_TERMS_DB} - {"headphnes"}:
        assert Product.objects.search(term).exists(), term
    forgiven = Product.objects.similar_names("headphnes")
    assert forgiven.exists()
    assert all("Headphones" in name for name in forgiven.values_list("name", flat=True))


def test_seed_demo_twice_duplicates_nothing():
    seed(products=120, seed=7)
    first = counts()
    seed(products=120, seed=7)
    assert counts() == first


def test_seed_demo_keeps_stock_that_changed_since():
    seed(products=10)
    Product.objects.filter(sku="DEMO-000001").update(stock=12345)
    seed(products=10)
    assert Product.objects.get(sku="DEMO-000001").stock == 12345


def test_seed_demo_with_more_products_adds_only_the_new_ones():
    seed(products=50)
    seed(products=80)
    assert Product.objects.count() == 80


def test_same_seed_gives_the_same_catalog():
    seed(products=30, seed=3)
    first = list(Product.objects.order_by("sku").values_list("sku", "name", "price", "stock"))
    Review.objects.all().delete()
    Order.objects.all().delete()
    Product.objects.all().delete()
    seed(products=30, seed=3)
    assert (
        list(Product.objects.order_by("sku").values_list("sku", "name", "price", "stock")) == first
    )
