"""What shoppers see of a stock level: the shop's one rule for it.

The product's properties (and through them the templates) and the sales' report to
catalog.changes both ask here, so a page never shows a level that a sale did not report.
"""

from django.conf import settings


def is_low(stock: int) -> bool:
    """In stock, but low enough that the shop says so ("Only a few left", "Only 3 left")."""
    return 0 < stock <= settings.LOW_STOCK_THRESHOLD


def on_listings(stock: int) -> str:
    """What a listing's card shows: out of stock, only a few left, or in stock."""
    if stock <= 0:
        return "out"
    return "low" if is_low(stock) else "in"


def on_its_page(stock: int) -> int | None:
    """What the product's own page shows: the count when low or out, else just "In stock"."""
    return stock if stock <= 0 or is_low(stock) else None
