from io import StringIO

import pytest
from django.core.management import call_command

from catalog.models import Category, Product
from reviews.models import Review

pytestmark = pytest.mark.django_db


def seed(**options):
    call_command("seed_demo", **options, stdout=StringIO())


def counts():
    return Category.objects.count(), Product.objects.count(), Review.objects.count()


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
    Product.objects.all().delete()
    Review.objects.all().delete()
    seed(products=30, seed=3)
    assert (
        list(Product.objects.order_by("sku").values_list("sku", "name", "price", "stock")) == first
    )
