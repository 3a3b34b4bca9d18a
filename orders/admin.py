from functools import partial

from django.contrib import admin, messages

from . import services
from .models import Cart, CartItem, Order, OrderItem


class CartItemInline(admin.TabularInline):
    model = CartItem
    autocomplete_fields = ["product"]
    extra = 0


@admin.register(Cart)
class CartAdmin(admin.ModelAdmin):
    list_display = ["pk", "user", "session_key", "updated_at"]
    list_select_related = ["user"]
    search_fields = ["user__email", "user__username", "session_key"]
    autocomplete_fields = ["user"]
    inlines = [CartItemInline]


class OrderItemInline(admin.TabularInline):
    """The snapshot of what was bought: shown, never edited."""

    model = OrderItem
    fields = ["product_name", "product_sku", "unit_price", "quantity", "line_total", "product"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def _apply_to_each(request, modeladmin, queryset, operation, done):
    """Run a service on each selected order; report refusals one by one."""
    succeeded = 0
    for order in queryset:
        try:
            operation(order=order)
        except services.OrderStatusError as error:
            modeladmin.message_user(request, str(error), messages.WARNING)
        else:
            succeeded += 1
    if succeeded:
        modeladmin.message_user(request, f"{succeeded} order(s) {done}.", messages.SUCCESS)


def _status_action(status):
    label = Order.Status(status).label.lower()

    @admin.action(description=f"Mark selected orders as {label}", permissions=["change"])
    def action(modeladmin, request, queryset):
        operation = partial(services.change_order_status, status=status)
        _apply_to_each(request, modeladmin, queryset, operation, f"marked as {label}")

    action.__name__ = f"mark_{status}"
    return action


@admin.action(description="Cancel selected orders and put their stock back", permissions=["change"])
def cancel_orders(modeladmin, request, queryset):
    _apply_to_each(request, modeladmin, queryset, services.cancel_order, "cancelled")


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["number", "user", "email", "status", "total", "created_at"]
    list_filter = ["status", "created_at"]
    list_select_related = ["user"]
    search_fields = ["number", "email", "user__email", "shipping_name"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "number",
        "user",
        "status",
        "subtotal",
        "shipping_cost",
        "total",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["number", "user", "email", "status", "created_at", "updated_at"]}),
        (
            "Shipping",
            {
                "fields": [
                    "shipping_name",
                    "shipping_address",
                    "shipping_postal_code",
                    "shipping_city",
                    "shipping_country",
                ]
            },
        ),
        ("Totals", {"fields": ["subtotal", "shipping_cost", "total"]}),
    ]
    inlines = [OrderItemInline]
    actions = [
        _status_action(Order.Status.PAID),
        _status_action(Order.Status.SHIPPED),
        _status_action(Order.Status.DELIVERED),
        cancel_orders,
    ]

    def has_add_permission(self, request):
        # Orders come from checkout, which locks stock and snapshots prices.
        return False
