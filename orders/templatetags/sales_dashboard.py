"""The admin dashboard's sales tiles (templates/admin/dashboard.html)."""

from django import template

from orders import dashboard

register = template.Library()


@register.inclusion_tag("admin/orders/sales_tiles.html")
def sales_tiles():
    return {"sales": dashboard.sales()}
