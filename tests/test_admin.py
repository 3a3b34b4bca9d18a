"""The admin, as staff use it every day."""

import pytest
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalog.models import Category, Product, StockMovement
from orders.models import Cart, Order
from reviews.models import Review
from tests.factories import (
    CartItemFactory,
    CategoryFactory,
    OrderItemFactory,
    ProductFactory,
    ReviewFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

REGISTERED_MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def populate(rows):
    """`rows` of every model the admin shows, with their related rows."""
    categories = CategoryFactory.create_batch(rows, parent=CategoryFactory())
    for index in range(rows):
        Group.objects.create(name=f"Group {Group.objects.count()}")
        item = OrderItemFactory(product=ProductFactory(category=categories[index]))
        CartItemFactory(product=item.product)
        ReviewFactory(product=item.product, user=item.order.user)
        AccessAttempt.objects.create(
            username=f"attempt{AccessAttempt.objects.count()}",
            ip_address="203.0.113.7",
            user_agent="test",
            get_data="",
            post_data="",
            http_accept="",
            path_info="/accounts/login/",
            failures_since_start=1,
            attempt_time=timezone.now(),
        )


@pytest.mark.parametrize("model", REGISTERED_MODELS, ids=lambda model: model._meta.label)
def test_every_changelist_loads_for_staff(staff_client, model):
    populate(2)
    response = staff_client.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1


@pytest.mark.parametrize("model", REGISTERED_MODELS, ids=lambda model: model._meta.label)
def test_every_add_page_loads_for_staff_unless_adding_is_not_allowed(staff_client, model):
    response = staff_client.get(admin_url(model, "add"))
    # Orders come only from checkout, reviews only from shoppers who bought the product, stock
    # movements only from orders and the product's stock page, sign-in attempts from sign-ins.
    expected = 403 if model in (Order, Review, StockMovement, AccessAttempt) else 200
    assert response.status_code == expected


@pytest.mark.parametrize("model", REGISTERED_MODELS, ids=lambda model: model._meta.label)
def test_every_change_page_loads_for_staff(staff_client, model):
    populate(1)
    instance = model.objects.order_by("pk").last()
    assert staff_client.get(admin_url(model, "change", instance.pk)).status_code == 200


@pytest.mark.parametrize("model", REGISTERED_MODELS, ids=lambda model: model._meta.label)
def test_changelist_query_count_does_not_grow_with_rows(staff_client, model):
    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            assert staff_client.get(admin_url(model, "changelist")).status_code == 200
        return len(queries)

    populate(2)
    few = count_queries()
    populate(20)
    assert count_queries() == few


def test_low_stock_filter_lists_only_products_at_or_below_the_threshold(staff_client, settings):
    settings.LOW_STOCK_THRESHOLD = 5
    low = ProductFactory(stock=5)
    ProductFactory(stock=6)
    response = staff_client.get(admin_url(Product, "changelist"), {"stock": "low"})
    assert list(response.context["cl"].queryset) == [low]


def test_product_search_finds_by_sku(staff_client):
    wanted = ProductFactory(sku="LAMP-0042")
    ProductFactory()
    response = staff_client.get(admin_url(Product, "changelist"), {"q": "lamp-0042"})
    assert list(response.context["cl"].queryset) == [wanted]


def test_order_items_are_shown_read_only_on_the_order(staff_client):
    item = OrderItemFactory(product_name="Snapshot name", product_sku="SNAP-1")
    content = staff_client.get(admin_url(Order, "change", item.order.pk)).content.decode()
    assert "Snapshot name" in content
    assert "SNAP-1" in content
    assert 'name="items-0-product_name"' not in content
    assert 'name="items-0-quantity"' not in content


def run_action(client, model, action, objects):
    return client.post(
        admin_url(model, "changelist"),
        {"action": action, admin.helpers.ACTION_CHECKBOX_NAME: [obj.pk for obj in objects]},
        follow=True,
    )


def test_approve_action_publishes_reviews_and_updates_the_product_rating(staff_client):
    product = ProductFactory()
    reviews = [ReviewFactory(product=product, rating=rating) for rating in (2, 5)]
    run_action(staff_client, Review, "approve", reviews)
    product.refresh_from_db()
    assert set(Review.objects.values_list("status", flat=True)) == {Review.Status.APPROVED}
    assert (product.rating_average, product.rating_count) == (3.5, 2)


def test_reject_action_withdraws_a_review_from_the_rating(staff_client):
    product = ProductFactory()
    kept = ReviewFactory(product=product, rating=4)
    dropped = ReviewFactory(product=product, rating=1)
    run_action(staff_client, Review, "approve", [kept, dropped])
    run_action(staff_client, Review, "reject", [dropped])
    product.refresh_from_db()
    assert (product.rating_average, product.rating_count) == (4, 1)


def test_deleting_a_review_in_the_admin_updates_the_product_rating(staff_client):
    product = ProductFactory()
    kept = ReviewFactory(product=product, rating=5)
    dropped = ReviewFactory(product=product, rating=1)
    run_action(staff_client, Review, "approve", [kept, dropped])
    staff_client.post(admin_url(Review, "delete", dropped.pk), {"post": "yes"})
    product.refresh_from_db()
    assert (product.rating_average, product.rating_count) == (5, 1)


def test_order_status_actions_follow_the_allowed_transitions(staff_client):
    item = OrderItemFactory()
    order = item.order
    response = run_action(staff_client, Order, "mark_shipped", [order])
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
    assert "cannot be marked shipped" in response.content.decode()

    for action, status in [
        ("mark_paid", Order.Status.PAID),
        ("mark_shipped", Order.Status.SHIPPED),
        ("mark_delivered", Order.Status.DELIVERED),
    ]:
        run_action(staff_client, Order, action, [order])
        order.refresh_from_db()
        assert order.status == status


def test_cancel_action_restocks_once(staff_client):
    item = OrderItemFactory(quantity=3, product=ProductFactory(stock=7))
    run_action(staff_client, Order, "cancel_orders", [item.order])
    run_action(staff_client, Order, "cancel_orders", [item.order])
    item.product.refresh_from_db()
    item.order.refresh_from_db()
    assert item.order.status == Order.Status.CANCELLED
    assert item.product.stock == 10


def test_admin_is_closed_to_shoppers(client):
    client.force_login(UserFactory())
    response = client.get(admin_url(Category, "changelist"))
    assert response.status_code == 302
    assert Cart.objects.count() == 0


def test_the_review_list_shows_what_the_review_says(staff_client):
    ReviewFactory(body="The lamp's brass darkens nicely over the months.")
    content = staff_client.get(admin_url(Review, "changelist")).content.decode()
    assert "The lamp&#x27;s brass darkens nicely over the months." in content


def test_the_cart_admin_never_shows_a_session_key(staff_client):
    cart = CartItemFactory(cart__session_key="k" * 32, cart__user=None).cart
    pages = [admin_url(Cart, "changelist"), admin_url(Cart, "change", cart.pk)]
    for url in pages:
        assert "k" * 32 not in staff_client.get(url).content.decode()
    found = staff_client.get(admin_url(Cart, "changelist"), {"q": "k" * 32}).context["cl"]
    assert list(found.result_list) == []
