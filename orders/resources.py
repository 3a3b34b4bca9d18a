"""Orders out to a spreadsheet (django-import-export), for the admin's export. Export only: orders
come from checkout, never from a file."""

from import_export import fields, resources, widgets

from .models import Order

# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class ShopperTextWidget(widgets.CharWidget):
    """Text a shopper typed (name, address, e-mail), kept from running as a spreadsheet formula
    (CSV/formula injection): a leading quote makes Excel and LibreOffice show it as text."""

    def render(self, value, obj=None, **kwargs):
        text = super().render(value, obj, **kwargs)
        if isinstance(text, str) and text.startswith(FORMULA_STARTS):
            return "'" + text
        return text


def _text(attribute, column_name, shopper=True):
    widget = ShopperTextWidget() if shopper else widgets.CharWidget()
    return fields.Field(attribute=attribute, column_name=column_name, widget=widget, readonly=True)


def _money(attribute, column_name):
    return fields.Field(
        attribute=attribute, column_name=column_name, widget=widgets.DecimalWidget(), readonly=True
    )


class OrderResource(resources.ModelResource):
    number = _text("number", "number", shopper=False)
    created = fields.Field(
        attribute="created_at",
        column_name="created",
        widget=widgets.DateTimeWidget(format="%Y-%m-%d %H:%M"),
        readonly=True,
    )
    status = fields.Field(attribute="status", column_name="status", readonly=True)
    email = _text("email", "e-mail")
    ship_to_name = _text("shipping_name", "ship to")
    ship_to_address = _text("shipping_address", "address")
    ship_to_postal_code = _text("shipping_postal_code", "postal code")
    ship_to_city = _text("shipping_city", "city")
    ship_to_country = _text("shipping_country", "country", shopper=False)
    ship_to_phone = _text("shipping_phone", "phone")
    items = fields.Field(
        attribute="units", column_name="items", widget=widgets.IntegerWidget(), readonly=True
    )
    subtotal = _money("subtotal", "subtotal")
    shipping = _money("shipping_cost", "shipping")
    total = _money("total", "total")
    currency = fields.Field(column_name="currency", readonly=True)
    carrier = _text("carrier", "carrier")
    tracking_number = _text("tracking_number", "tracking number")

    class Meta:
        model = Order
        fields = [
            "number",
            "created",
            "status",
            "email",
            "ship_to_name",
            "ship_to_address",
            "ship_to_postal_code",
            "ship_to_city",
            "ship_to_country",
            "ship_to_phone",
            "items",
            "subtotal",
            "shipping",
            "total",
            "currency",
            "carrier",
            "tracking_number",
        ]
        export_order = fields

    def get_queryset(self):
        return Order.objects.with_units()

    def dehydrate_status(self, order):
        return order.get_status_display()

    def dehydrate_currency(self, order):
        return "EUR"

    def dehydrate_ship_to_country(self, order):
        return order.shipping_country.code
