from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection

from orders import services
from orders.models import Order
from tests.factories import OrderFactory, OrderItemFactory, ProductFactory


@pytest.mark.django_db
def test_cancel_order_puts_every_item_back_in_stock():
    order = OrderFactory()
    first = OrderItemFactory(order=order, quantity=2, product=ProductFactory(stock=1))
    second = OrderItemFactory(order=order, quantity=5, product=ProductFactory(stock=0))
    services.cancel_order(order=order)
    first.product.refresh_from_db()
    second.product.refresh_from_db()
    assert (first.product.stock, second.product.stock) == (3, 5)
    assert Order.objects.get(pk=order.pk).status == Order.Status.CANCELLED


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Order.Status.SHIPPED, Order.Status.DELIVERED])
def test_cancel_order_refuses_orders_already_on_their_way(status):
    item = OrderItemFactory(order=OrderFactory(status=status), product=ProductFactory(stock=4))
    with pytest.raises(services.OrderStatusError, match="only pending or paid"):
        services.cancel_order(order=item.order)
    item.product.refresh_from_db()
    assert item.product.stock == 4


@pytest.mark.django_db
def test_cancel_order_keeps_orders_of_deleted_products():
    item = OrderItemFactory()
    item.product.delete()
    services.cancel_order(order=item.order)
    assert Order.objects.get(pk=item.order.pk).status == Order.Status.CANCELLED


@pytest.mark.django_db
def test_change_order_status_refuses_skipping_a_step():
    order = OrderFactory()
    with pytest.raises(services.OrderStatusError):
        services.change_order_status(order=order, status=Order.Status.DELIVERED)
    assert Order.objects.get(pk=order.pk).status == Order.Status.PENDING


@pytest.mark.django_db(transaction=True)
def test_concurrent_cancellations_restock_once():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    item = OrderItemFactory(quantity=4, product=ProductFactory(stock=0))

    def cancel(_):
        try:
            services.cancel_order(order=item.order)
            return "cancelled"
        except services.OrderStatusError:
            return "refused"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(cancel, range(4)))

    item.product.refresh_from_db()
    assert sorted(outcomes) == ["cancelled", "refused", "refused", "refused"]
    assert item.product.stock == 4


@pytest.mark.parametrize(
    ("subtotal", "missing"),
    [
        ("0.00", "0.00"),
        ("12.50", "37.50"),
        ("49.99", "0.01"),
        ("50.00", "0.00"),
        ("80.00", "0.00"),
    ],
)
def test_amount_to_free_shipping_is_what_the_cart_lacks_below_the_threshold(
    settings, subtotal, missing
):
    settings.FREE_SHIPPING_FROM = Decimal("50.00")
    assert services.amount_to_free_shipping(Decimal(subtotal)) == Decimal(missing)
    # The same rule as the shipping cost: something left to add exactly when shipping is charged.
    charged = services.shipping_cost_for(Decimal(subtotal)) > 0
    assert (services.amount_to_free_shipping(Decimal(subtotal)) > 0) == charged
