import pytest
from django.urls import reverse

from orders.models import Order
from orders.services import cancel_order
from reviews import services
from reviews.models import Review
from tests.factories import (
    OrderFactory,
    OrderItemFactory,
    ProductFactory,
    ReviewFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

REVIEW = {"rating": "5", "title": "Lovely lamp", "body": "Warm light, solid build."}


@pytest.fixture
def buyer(client):
    item = OrderItemFactory(order__status=Order.Status.PAID)
    client.force_login(item.order.user)
    return item.order.user, item.product


def post_review(client, product, **changes):
    return client.post(reverse("reviews:review-create", args=[product.slug]), {**REVIEW, **changes})


def test_a_buyer_can_review_and_the_review_awaits_approval(client, buyer):
    user, product = buyer
    response = post_review(client, product)
    assert response.status_code == 302
    review = Review.objects.get()
    assert (review.user, review.rating, review.status) == (user, 5, Review.Status.PENDING)
    page = client.get(product.get_absolute_url()).content.decode()
    assert "awaiting approval" in page
    product.refresh_from_db()
    assert product.rating_count == 0


def test_without_approval_a_review_is_published_and_counts_at_once(client, buyer, settings):
    settings.REVIEWS_REQUIRE_APPROVAL = False
    _, product = buyer
    post_review(client, product, rating="3")
    product.refresh_from_db()
    assert (product.rating_count, product.rating_average) == (1, 3)
    assert "Lovely lamp" in client.get(product.get_absolute_url()).content.decode()


def test_only_a_shopper_who_ordered_the_product_may_review_it(client):
    client.force_login(UserFactory())
    product = ProductFactory()
    response = post_review(client, product)
    assert response.status_code == 302
    assert not Review.objects.exists()
    page = client.get(product.get_absolute_url())
    assert page.context["can_review"] is False
    assert "Submit review" not in page.content.decode()


def test_one_review_per_product(client, buyer):
    user, product = buyer
    post_review(client, product)
    response = post_review(client, product, title="Again")
    assert response.status_code == 302
    assert Review.objects.count() == 1
    with pytest.raises(services.ReviewNotAllowed, match="already reviewed"):
        services.submit_review(user=user, product=product, rating=4, title="t", body="b")


@pytest.mark.parametrize(
    "changes",
    [{"rating": "0"}, {"rating": "6"}, {"rating": "abc"}, {"title": ""}, {"title": "t" * 121},
     {"body": "b" * 4001}, {"body": ""}],
)  # fmt: skip
def test_bad_review_input_is_refused_with_a_400_and_nothing_saved(client, buyer, changes):
    _, product = buyer
    response = post_review(client, product, **changes)
    assert response.status_code == 400
    assert response.context["review_form"].errors
    assert not Review.objects.exists()


def test_review_text_is_shown_escaped(client, buyer, settings):
    settings.REVIEWS_REQUIRE_APPROVAL = False
    _, product = buyer
    post_review(client, product, title="<script>alert(1)</script>", body="<b>bold</b>")
    content = client.get(product.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert "&lt;b&gt;bold&lt;/b&gt;" in content


def test_the_product_page_shows_only_approved_reviews(client):
    product = ProductFactory()
    ReviewFactory(product=product, title="Approved one", status=Review.Status.APPROVED)
    ReviewFactory(product=product, title="Pending one")
    ReviewFactory(product=product, title="Rejected one", status=Review.Status.REJECTED)
    content = client.get(product.get_absolute_url()).content.decode()
    assert "Approved one" in content
    assert "Pending one" not in content
    assert "Rejected one" not in content


def test_reviewing_needs_sign_in(client):
    product = ProductFactory()
    response = post_review(client, product)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize("status", [Order.Status.PENDING, Order.Status.CANCELLED])
def test_an_unpaid_or_cancelled_order_is_not_a_verified_purchase(status):
    item = OrderItemFactory(order=OrderFactory(status=status))
    with pytest.raises(services.ReviewNotAllowed, match="a paid order"):
        services.submit_review(
            user=item.order.user, product=item.product, rating=4, title="t", body="b"
        )


def test_cancelling_the_order_withdraws_the_review_it_allowed_and_its_rating():
    item = OrderItemFactory(order__status=Order.Status.PAID)
    shopper, lamp = item.order.user, item.product
    services.submit_review(user=shopper, product=lamp, rating=1, title="Bad", body="b")
    Review.objects.update(status=Review.Status.APPROVED)
    services.refresh_product_ratings(product_ids=[lamp.pk])

    cancel_order(order=item.order)

    assert not Review.objects.filter(user=shopper).exists()
    lamp.refresh_from_db()
    assert (lamp.rating_count, lamp.rating_average) == (0, 0)


def test_a_review_backed_by_another_purchase_stays_when_one_order_is_cancelled():
    first = OrderItemFactory(order__status=Order.Status.PAID)
    shopper, lamp = first.order.user, first.product
    OrderItemFactory(order__user=shopper, order__status=Order.Status.DELIVERED, product=lamp)
    services.submit_review(user=shopper, product=lamp, rating=5, title="Good", body="b")
    cancel_order(order=first.order)
    assert Review.objects.filter(user=shopper, product=lamp).exists()
