from django.conf import settings
from django.db.models import Sum

from .carts import SESSION_CART_ID, summarized_unit_count
from .models import CartItem


def cart_summary(request):
    """How many units the header's cart link shows: one query, none for a visitor without a cart
    or when the page has summarized the cart already (the cart and checkout pages)."""
    units = summarized_unit_count(request)
    if units is not None:
        return {"cart_item_count": units}
    if request.user.is_authenticated:
        items = CartItem.objects.filter(cart__user=request.user)
    elif request.session.get(SESSION_CART_ID):
        items = CartItem.objects.filter(cart_id=request.session[SESSION_CART_ID])
    else:
        return {"cart_item_count": 0}
    return {"cart_item_count": items.aggregate(units=Sum("quantity"))["units"] or 0}


def shipping_terms(request):
    """The free-shipping threshold the footer states (orders.services.shipping_cost_for)."""
    return {"free_shipping_from": settings.FREE_SHIPPING_FROM}
