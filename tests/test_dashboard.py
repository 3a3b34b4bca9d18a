"""The admin index's dashboard: figures against a known set of orders, links to the filtered
lists, and a fixed number of queries whatever the size of the shop."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from orders import dashboard
from orders.models import Order
from reviews.models import Review
from tests.factories import (
    OrderFactory,
    OrderItemFactory,
    ProductFactory,
    ReviewFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def order(total, *, days_ago=0, status=Order.Status.PAID, lines=()):
    placed = OrderFactory(subtotal=Decimal(total), total=Decimal(total), status=status)
    for product, quantity in lines:
        OrderItemFactory(order=placed, product=product, quantity=quantity)
    Order.objects.filter(pk=placed.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    return placed


@pytest.fixture
def known_shop():
    lamp, shelf, kettle = (
        ProductFactory(name=name, stock=50) for name in ("Lamp", "Shelf", "Kettle")
    )
    order("20.00", lines=[(lamp, 2)])
    order("15.50", lines=[(shelf, 1), (lamp, 1)])
    order("99.00", status=Order.Status.CANCELLED, lines=[(kettle, 9)])  # never counts
    order("40.00", days_ago=3, lines=[(shelf, 4)])
    order("70.00", days_ago=29, lines=[(kettle, 1)])
    order("500.00", days_ago=31, lines=[(kettle, 50)])  # before the period


def test_sales_today_and_over_thirty_days_leave_out_cancelled_and_older_orders(known_shop):
    sales = dashboard.sales()
    assert (sales.today.orders, sales.today.revenue) == (2, Decimal("35.50"))
    assert (sales.orders, sales.revenue) == (4, Decimal("145.50"))
    assert len(sales.days) == 30 and sales.days[-1].day == timezone.localdate()
    three_days_ago = sales.days[-4]
    assert (three_days_ago.orders, three_days_ago.bar_height) == (1, pytest.approx(40 / 70 * 100))
    assert max(day.bar_height for day in sales.days) == 100  # the best day: €70.00
    assert [(row["name"], row["units"]) for row in sales.best_sellers] == [
        ("Shelf", 5),
        ("Lamp", 3),
        ("Kettle", 1),
    ]


def test_the_admin_index_shows_the_figures_with_links_to_the_filtered_lists(
    staff_client, known_shop, settings
):
    settings.LOW_STOCK_THRESHOLD = 5
    ProductFactory(name="Brass Hook", stock=2)
    ReviewFactory(status=Review.Status.PENDING)
    content = staff_client.get(reverse("admin:index")).content.decode()
    assert "2 orders" in content and "€35.50 revenue" in content
    assert "4 orders" in content and "€145.50 revenue" in content
    today = timezone.localdate().isoformat()
    assert f"{reverse('admin:orders_order_changelist')}?created_at__gte={today}" in content
    assert "Brass Hook</a>: 2 left" in content
    assert f"{reverse('admin:catalog_product_changelist')}?stock=low" in content
    assert "1 awaiting approval" in content
    assert "?status__exact=pending" in content


def test_the_dashboards_queries_do_not_grow_with_the_shop(staff_client):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert staff_client.get(reverse("admin:index")).status_code == 200
        return len(queries)

    product = ProductFactory(stock=1)
    order("10.00", lines=[(product, 1)])
    small = count()
    for days_ago in range(20):
        order("12.00", days_ago=days_ago, lines=[(ProductFactory(stock=1), 2)])
        ReviewFactory()
    assert count() == small


def test_staff_without_order_rights_see_no_sales(client):
    clerk = UserFactory(is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_review"))
    client.force_login(clerk)
    content = client.get(reverse("admin:index")).content.decode()
    assert "awaiting approval" in content
    assert "Revenue per day" not in content
