"""Business operations on reviews: moderation, and the product rating it feeds."""

from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from catalog.models import Product
from orders.models import Order, OrderItem

from .models import Review


@transaction.atomic
def set_review_status(*, reviews: Iterable[Review], status: Review.Status) -> int:
    """Approve or reject reviews and refresh the ratings of the products they belong to.

    Returns how many reviews changed status.
    """
    review_ids = [review.pk for review in reviews]
    changed = Review.objects.filter(pk__in=review_ids).exclude(status=status).update(status=status)
    product_ids = Review.objects.filter(pk__in=review_ids).values_list("product_id", flat=True)
    refresh_product_ratings(product_ids=set(product_ids))
    return changed


@transaction.atomic
def delete_reviews(*, reviews: Iterable[Review]) -> None:
    """Delete reviews and refresh the ratings of the products they belonged to."""
    review_ids = [review.pk for review in reviews]
    product_ids = set(Review.objects.filter(pk__in=review_ids).values_list("product_id", flat=True))
    Review.objects.filter(pk__in=review_ids).delete()
    refresh_product_ratings(product_ids=product_ids)


def refresh_product_ratings(*, product_ids: Iterable[int]) -> None:
    """Recompute the cached average and count of approved reviews on the given products.

    One set-based UPDATE, so it costs the same for one product or thousands.
    """
    approved = Review.objects.approved().filter(product=OuterRef("pk")).values("product")
    Product.objects.filter(pk__in=set(product_ids)).update(
        rating_average=Coalesce(
            Subquery(approved.annotate(average=Avg("rating")).values("average")), Value(0.0)
        ),
        rating_count=Coalesce(Subquery(approved.annotate(count=Count("pk")).values("count")), 0),
    )


class ReviewNotAllowed(Exception):
    """The shopper may not review this product; the message says why."""


def has_purchased(*, user, product: Product | int) -> bool:
    """A verified purchase: the product is in one of the user's paid (or later) orders."""
    return OrderItem.objects.purchased().filter(order__user=user, product=product).exists()


def withdraw_reviews_of_cancelled_purchase(*, order: Order) -> None:
    """A review that relied on this order, now cancelled, goes: unless another purchase of the
    product stands behind it."""
    products = order.items.exclude(product=None).values_list("product_id", flat=True)
    unbacked = [
        review
        for review in Review.objects.filter(user=order.user_id, product__in=products)
        if not has_purchased(user=order.user_id, product=review.product_id)
    ]
    if unbacked:
        delete_reviews(reviews=unbacked)


@transaction.atomic
def submit_review(*, user, product: Product, rating: int, title: str, body: str) -> Review:
    """Store a shopper's review of a product they bought; one per product.

    With SHOP_REVIEWS_REQUIRE_APPROVAL on (the default) it waits for staff; otherwise it is
    published at once and counts in the product's rating.
    """
    if not has_purchased(user=user, product=product):
        raise ReviewNotAllowed(
            "Only shoppers who bought this product (a paid order) can review it."
        )
    status = Review.Status.PENDING if settings.REVIEWS_REQUIRE_APPROVAL else Review.Status.APPROVED
    try:
        with transaction.atomic():
            review = Review.objects.create(
                user=user, product=product, rating=rating, title=title, body=body, status=status
            )
    except IntegrityError:
        raise ReviewNotAllowed("You have already reviewed this product.") from None
    if status == Review.Status.APPROVED:
        refresh_product_ratings(product_ids=[product.pk])
    return review
