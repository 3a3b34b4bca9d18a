from django.conf import settings
from django.db.models import Sum

from .carts import current_cart_items, summarized_unit_count


def cart_summary(request):
    """How many units the header's cart link shows: one query, none for a visitor without a cart
    or when the page has summarized the cart already (the cart and checkout pages)."""
    units = summarized_unit_count(request)
    if units is None:
        units = current_cart_items(request).aggregate(units=Sum("quantity"))["units"] or 0
    return {"cart_item_count": units}


def shipping_terms(request):
    """The free-shipping threshold the footer states (orders.services.shipping_cost_for)."""
    return {"free_shipping_from": settings.FREE_SHIPPING_FROM}
