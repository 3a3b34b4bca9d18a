"""The admin dashboard's low-stock tile (templates/admin/dashboard.html)."""

from django import template
from django.conf import settings

from catalog.models import Product

register = template.Library()

SHOWN = 8


@register.inclusion_tag("admin/catalog/low_stock_tile.html")
def low_stock_tile():
    low = Product.objects.active().low_stock(settings.LOW_STOCK_THRESHOLD)
    return {
        "products": low.order_by("stock", "name").only("name", "stock")[:SHOWN],
        "count": low.count(),
        "threshold": settings.LOW_STOCK_THRESHOLD,
    }
