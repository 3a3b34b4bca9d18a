"""Business operations on orders. Views and the admin call these; neither repeats their rules."""

from django.db import transaction
from django.db.models import F

from catalog.models import Product

from .models import Order

# Which status an order may move to from each status. Cancelling has its own service because it
# puts stock back.
STATUS_TRANSITIONS = {
    Order.Status.PENDING: {Order.Status.PAID},
    Order.Status.PAID: {Order.Status.SHIPPED},
    Order.Status.SHIPPED: {Order.Status.DELIVERED},
    Order.Status.DELIVERED: set(),
    Order.Status.CANCELLED: set(),
}


class OrderStatusError(Exception):
    """The order cannot move to the requested status from the one it is in."""


@transaction.atomic
def change_order_status(*, order: Order, status: Order.Status) -> Order:
    """Move an order forward (pending → paid → shipped → delivered)."""
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if status not in STATUS_TRANSITIONS[locked.status]:
        raise OrderStatusError(
            f"Order {locked.number} is {locked.get_status_display().lower()}; "
            f"it cannot be marked {Order.Status(status).label.lower()}."
        )
    locked.status = status
    locked.save(update_fields=["status", "updated_at"])
    return locked


@transaction.atomic
def cancel_order(*, order: Order) -> Order:
    """Cancel a pending or paid order and put its items back in stock, exactly once.

    The order row is locked first, so two cancellations racing each other restock only once;
    products are then locked in primary-key order, the same order checkout uses, so the two
    cannot deadlock.
    """
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if not locked.is_cancellable:
        raise OrderStatusError(
            f"Order {locked.number} is {locked.get_status_display().lower()}; "
            "only pending or paid orders can be cancelled."
        )
    quantities = dict(
        locked.items.filter(product__isnull=False).values_list("product_id", "quantity")
    )
    list(Product.objects.select_for_update().filter(pk__in=quantities).order_by("pk"))
    for product_id, quantity in sorted(quantities.items()):
        Product.objects.filter(pk=product_id).update(stock=F("stock") + quantity)
    locked.status = Order.Status.CANCELLED
    locked.save(update_fields=["status", "updated_at"])
    return locked
