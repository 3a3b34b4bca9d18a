"""Business operations on the catalog that staff start: receiving and adjusting stock.

Stock changes only through ProductQuerySet.change_stock, which writes a StockMovement for every
change and applies it with F() under the product's row lock, so a sale made while staff had a
page open is never undone by what that page showed.
"""

from django.db import transaction

from .models import Product, StockMovement

Reason = StockMovement.Reason

# What staff may record, and what the number they type means for each.
STAFF_REASONS = [Reason.RECEIVED, Reason.RETURNED, Reason.DAMAGED, Reason.COUNTED]


class StockError(Exception):
    """The stock change cannot be made; the message says why, for staff."""


@transaction.atomic
def adjust_stock(*, product: Product, reason: str, quantity: int, note: str = "", by=None):
    """Record a stock change by staff and return the product as it now is.

    `quantity` is the units received, returned or damaged; for a count, the units counted on
    the shelf, from which the change is worked out under the lock (a sale made meanwhile is
    not counted back).
    """
    if reason not in STAFF_REASONS:
        raise StockError("Stock changes for orders are recorded by the orders themselves.")
    if quantity < 0 or (quantity == 0 and reason != Reason.COUNTED):
        raise StockError("Enter a positive number of units.")
    locked = Product.objects.select_for_update().get(pk=product.pk)
    change = {
        Reason.RECEIVED: quantity,
        Reason.RETURNED: quantity,
        Reason.DAMAGED: -quantity,
        Reason.COUNTED: quantity - locked.stock,
    }[reason]
    if locked.stock + change < 0:
        raise StockError(
            f"{locked.name} has {locked.stock} unit(s) in stock; {quantity} cannot be taken away."
        )
    if change:
        Product.objects.change_stock({locked: change}, reason=reason, note=note, by=by)
    locked.refresh_from_db(fields=["stock"])
    return locked
