"""The orders app's sections of the account page (/account/): accounts imports no other app, so
its page asks for them by name: {% load account_sections %}{% saved_addresses %}."""

from django import template

from orders.models import Address, Order

register = template.Library()

RECENT_ORDERS = 5


@register.inclusion_tag("orders/account_addresses.html", takes_context=True)
def saved_addresses(context):
    user = context["request"].user
    return {"addresses": Address.objects.for_user(user), "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("orders/account_orders.html", takes_context=True)
def recent_orders(context):
    user = context["request"].user
    orders = Order.objects.for_user(user).order_by("-created_at")[:RECENT_ORDERS]
    return {"orders": orders}
