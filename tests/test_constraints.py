"""The database refuses bad rows on its own, whatever code writes them.

Each case writes past the ORM's validation (`bulk_create` and `update` never call
`full_clean`) and expects the database to raise.
"""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from accounts.models import User
from catalog.models import Category, Product
from orders.models import Cart, CartItem, Order, OrderItem
from reviews.models import Review
from tests.factories import (
    CartFactory,
    CartItemFactory,
    CategoryFactory,
    OrderFactory,
    OrderItemFactory,
    ProductFactory,
    ReviewFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def assert_refused(write):
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


def test_product_price_cannot_be_negative():
    product = ProductFactory()
    assert_refused(lambda: Product.objects.filter(pk=product.pk).update(price=Decimal("-0.01")))


def test_product_stock_cannot_be_negative():
    product = ProductFactory(stock=1)
    assert_refused(lambda: Product.objects.filter(pk=product.pk).update(stock=F("stock") - 2))


@pytest.mark.parametrize("field", ["slug", "sku"])
def test_product_slug_and_sku_are_unique(field):
    existing = ProductFactory()
    duplicate = ProductFactory.build(
        category=existing.category, **{field: getattr(existing, field)}
    )
    assert_refused(lambda: Product.objects.bulk_create([duplicate]))


def test_category_slug_is_unique():
    existing = CategoryFactory()
    assert_refused(lambda: Category.objects.bulk_create([Category(name="x", slug=existing.slug)]))


def test_category_cannot_be_its_own_parent():
    category = CategoryFactory()
    assert_refused(lambda: Category.objects.filter(pk=category.pk).update(parent=category))


def test_user_email_is_unique_ignoring_case():
    UserFactory(email="ada@example.com")
    assert_refused(
        lambda: User.objects.bulk_create([User(username="other", email="ADA@example.com")])
    )


def test_user_identity_provider_subject_is_unique_but_may_be_empty():
    UserFactory(oidc_sub=None)
    UserFactory(oidc_sub=None)  # many local accounts without a subject are fine
    UserFactory(oidc_sub="f81d4fae-7dec-11d0-a765-00a0c91e6bf6")
    assert_refused(
        lambda: User.objects.bulk_create(
            [
                User(
                    username="b",
                    email="b@example.com",
                    oidc_sub="f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
                )
            ]
        )
    )


def test_cart_must_belong_to_a_user_or_a_session():
    assert_refused(lambda: Cart.objects.bulk_create([Cart(user=None, session_key=None)]))


def test_cart_item_quantity_must_be_at_least_one():
    item = CartItemFactory()
    assert_refused(lambda: CartItem.objects.filter(pk=item.pk).update(quantity=0))


def test_cart_holds_one_row_per_product():
    item = CartItemFactory()
    assert_refused(
        lambda: CartItem.objects.bulk_create([CartItem(cart=item.cart, product=item.product)])
    )


def test_order_number_is_unique():
    existing = OrderFactory()
    duplicate = OrderFactory.build(user=existing.user, number=existing.number)
    assert_refused(lambda: Order.objects.bulk_create([duplicate]))


def test_order_status_must_be_a_known_one():
    order = OrderFactory()
    assert_refused(lambda: Order.objects.filter(pk=order.pk).update(status="lost"))


def test_order_total_must_equal_subtotal_plus_shipping():
    order = OrderFactory()
    assert_refused(lambda: Order.objects.filter(pk=order.pk).update(total=F("total") + 1))


def test_order_item_quantity_must_be_at_least_one():
    item = OrderItemFactory()
    assert_refused(lambda: OrderItem.objects.filter(pk=item.pk).update(quantity=0))


def test_order_item_price_cannot_be_negative():
    item = OrderItemFactory()
    assert_refused(lambda: OrderItem.objects.filter(pk=item.pk).update(unit_price=-1))


@pytest.mark.parametrize("rating", [0, 6])
def test_review_rating_is_one_to_five(rating):
    review = ReviewFactory()
    assert_refused(lambda: Review.objects.filter(pk=review.pk).update(rating=rating))


def test_one_review_per_user_per_product():
    review = ReviewFactory()
    duplicate = ReviewFactory.build(product=review.product, user=review.user)
    assert_refused(lambda: Review.objects.bulk_create([duplicate]))


def test_the_same_rows_pass_when_valid():
    """The constraints above refuse only bad rows: valid ones of every model are stored."""
    item = OrderItemFactory(quantity=1, unit_price=Decimal("0.00"))
    CartItemFactory(cart=CartFactory(user=None, session_key="s" * 32), quantity=1)
    ReviewFactory(rating=1)
    ReviewFactory(rating=5)
    Product.objects.filter(pk=item.product_id).update(price=0, stock=0)
    assert Product.objects.get(pk=item.product_id).stock == 0
