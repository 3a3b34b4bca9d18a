from functools import partial

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.html import format_html
from import_export.admin import ExportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ExportForm

from . import services
from .models import Cart, CartItem, Order, OrderItem
from .resources import OrderResource

# Given when an order ships (services.change_order_status), editable afterwards.
SHIPMENT_FIELDS = ["carrier", "tracking_number"]


class CartItemInline(admin.TabularInline):
    model = CartItem
    autocomplete_fields = ["product"]
    extra = 0


@admin.register(Cart)
class CartAdmin(admin.ModelAdmin):
    # No session key anywhere: pasted into a cookie, it would open that visitor's cart.
    list_display = ["pk", "user", "updated_at"]
    list_select_related = ["user"]
    search_fields = ["user__email", "user__username"]
    autocomplete_fields = ["user"]
    exclude = ["session_key"]
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


class OrderChangeForm(forms.ModelForm):
    """The order's own page: its details, and its next status through the same guarded services
    as the list's actions (never a status written from a form)."""

    next_status = forms.ChoiceField(label="Change status to", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["next_status"].choices = [
            ("", "Keep the status"),
            *(
                (status, Order.Status(status).label)
                for status in services.next_statuses(self.instance)
            ),
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("next_status") == Order.Status.SHIPPED and not cleaned.get("carrier"):
            self.add_error("carrier", "Name the carrier when you ship the order.")
        return cleaned


@admin.register(Order)
class OrderAdmin(ExportMixin, admin.ModelAdmin):
    form = OrderChangeForm
    # Export (CSV, XLSX) of the list as filtered; no import: orders come from checkout.
    resource_classes = [OrderResource]
    formats = [CSV, XLSX]
    # Every column, no per-column checkboxes (their "Select all" is an inline script, blocked by
    # the Content-Security-Policy).
    export_form_class = ExportForm
    list_display = ["number", "created_at", "ship_to", "email", "status", "units", "total_paid"]
    list_filter = ["status", "created_at"]
    search_fields = ["number", "email", "user__email", "shipping_name", "tracking_number"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "number",
        "user",
        "status",
        "shipped_at",
        "packing_slip",
        "subtotal",
        "shipping_cost",
        "total",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["number", "user", "email", "created_at", "updated_at"]}),
        (
            "Status",
            {
                "fields": [
                    "status",
                    "next_status",
                    "carrier",
                    "tracking_number",
                    "shipped_at",
                    "packing_slip",
                ]
            },
        ),
        (
            "Shipping",
            {
                "fields": [
                    "shipping_name",
                    "shipping_address",
                    "shipping_postal_code",
                    "shipping_city",
                    "shipping_country",
                    "shipping_phone",
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

    def get_queryset(self, request):
        return super().get_queryset(request).with_units()

    @admin.display(description="Ship to", ordering="shipping_name")
    def ship_to(self, order):
        return order.shipping_name

    @admin.display(description="Items", ordering="units")
    def units(self, order):
        return order.units

    @admin.display(description="Total", ordering="total")
    def total_paid(self, order):
        return f"€{order.total}"

    @admin.display(description="Packing slip")
    def packing_slip(self, order):
        url = reverse("admin:orders_order_packing_slip", args=[order.pk])
        return format_html('<a href="{}" target="_blank">Print the packing slip</a>', url)

    def get_urls(self):
        packing_slip = self.admin_site.admin_view(self.packing_slip_view)
        return [
            path("<int:pk>/packing-slip/", packing_slip, name="orders_order_packing_slip"),
            *super().get_urls(),
        ]

    def packing_slip_view(self, request, pk):
        order = get_object_or_404(self.get_queryset(request).with_items(), pk=pk)
        if not self.has_view_permission(request, order):
            raise PermissionDenied
        return render(request, "admin/orders/order/packing_slip.html", {"order": order})

    def save_model(self, request, obj, form, change):
        """Details are saved as edited; a new status goes through its service, which locks the
        order, checks the move, puts stock back on a cancellation and e-mails the shopper."""
        next_status = form.cleaned_data.get("next_status")
        shipping = next_status == Order.Status.SHIPPED
        edited = [
            name
            for name in form.changed_data
            if name != "next_status" and not (shipping and name in SHIPMENT_FIELDS)
        ]
        if edited:
            obj.save(update_fields=[*edited, "updated_at"])
        if not next_status:
            return
        try:
            if next_status == Order.Status.CANCELLED:
                services.cancel_order(order=obj)
            else:
                services.change_order_status(
                    order=obj,
                    status=next_status,
                    **{name: form.cleaned_data[name] for name in SHIPMENT_FIELDS},
                )
        except services.OrderStatusError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            label = Order.Status(next_status).label.lower()
            self.message_user(request, f"Order {obj.number} is {label}.", messages.SUCCESS)

    def has_add_permission(self, request):
        # Orders come from checkout, which locks stock and snapshots prices.
        return False
