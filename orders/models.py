import secrets
from decimal import Decimal

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from django_countries.fields import CountryField

from catalog.models import Product

# Crockford's base32 without the letters people misread (I, L, O, U).
ORDER_NUMBER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ORDER_NUMBER_LENGTH = 10


def generate_order_number():
    """A short number a shopper can read out on the phone; 32**10 values make clashes negligible,
    and the unique constraint refuses one if it ever happens."""
    return "".join(secrets.choice(ORDER_NUMBER_ALPHABET) for _ in range(ORDER_NUMBER_LENGTH))


# Line breaks and other control characters have no place on a shipping label, and would let a
# typed address add lines to the e-mails that print it.
no_control_characters = RegexValidator(
    r"[\x00-\x1f\x7f]",
    inverse_match=True,
    message="Remove the line breaks and other control characters from this field.",
)

# Digits with the separators people type; a leading + for the country code. Also keeps control
# characters out of what the shipping label and the e-mail print.
PHONE_PATTERN = r"^\+?[0-9(][0-9 ()./-]{4,30}\Z"
validate_phone = RegexValidator(
    PHONE_PATTERN, "Enter a phone number: digits, spaces, + ( ) - . / only."
)


class CartQuerySet(models.QuerySet):
    def abandoned(self):
        """Anonymous carts whose session has ended: expired, signed out, or removed by
        `clearsessions`. A cart is created after its session is saved, so a new one is never
        taken for abandoned."""
        live_sessions = Session.objects.filter(expire_date__gt=timezone.now())
        return self.filter(user__isnull=True).exclude(
            session_key__in=live_sessions.values("session_key")
        )


class Cart(models.Model):
    """A shopper's cart: a signed-in user's, or an anonymous session's until sign-in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="cart",
    )
    session_key = models.CharField(max_length=40, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CartQuerySet.as_manager()

    class Meta:
        db_table = "carts"
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | Q(session_key__isnull=False),
                name="carts_has_owner",
                violation_error_message="A cart belongs to a user or to a session.",
            ),
        ]

    def __str__(self):
        return f"Cart of {self.user or 'anonymous session'}"


class CartItemQuerySet(models.QuerySet):
    def with_products(self):
        return self.select_related("product").order_by("added_at", "pk")


class CartItem(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="cart_items")
    quantity = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    added_at = models.DateTimeField(auto_now_add=True)

    objects = CartItemQuerySet.as_manager()

    class Meta:
        db_table = "cart_items"
        ordering = ["added_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["cart", "product"],
                name="cart_items_one_row_per_product",
                violation_error_message="This product is already in the cart.",
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=1),
                name="cart_items_quantity_positive",
                violation_error_message="The quantity must be at least 1.",
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.product}"

    @property
    def line_total(self):
        return self.product.price * self.quantity

    @property
    def exceeds_stock(self):
        return self.quantity > self.product.stock


class OrderQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user)

    def with_items(self):
        return self.prefetch_related("items")

    def placed(self):
        """Orders that stand: every order but the cancelled ones (what the shop sold)."""
        return self.exclude(status=OrderStatus.CANCELLED)

    def daily_sales(self, since):
        """Orders and revenue per day (in the shop's time zone) from `since`, days without an
        order left out: [{"day", "orders", "revenue"}], oldest first."""
        return (
            self.placed()
            .filter(created_at__gte=since)
            .annotate(day=TruncDate("created_at"))
            .values("day")
            .annotate(orders=Count("pk"), revenue=Sum("total"))
            .order_by("day")
        )

    def with_units(self):
        """Each order's number of units ordered, as `units` (one query for a whole list)."""
        return self.annotate(units=Sum("items__quantity"))

    def placed_with(self, user, checkout_token):
        """The user's order placed with this checkout token (at most one: a unique constraint)."""
        return self.filter(user=user, checkout_token=checkout_token)


class OrderStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PAID = "paid", "Paid"
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered"
    CANCELLED = "cancelled", "Cancelled"


PURCHASE_STATUSES = [OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED]


class Order(models.Model):
    Status = OrderStatus

    number = models.CharField(
        max_length=ORDER_NUMBER_LENGTH, unique=True, default=generate_order_number, editable=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders"
    )
    email = models.EmailField("e-mail")
    shipping_name = models.CharField(
        "full name", max_length=200, validators=[no_control_characters]
    )
    shipping_address = models.CharField(
        "address", max_length=300, validators=[no_control_characters]
    )
    shipping_postal_code = models.CharField(
        "postal code", max_length=20, validators=[no_control_characters]
    )
    shipping_city = models.CharField("city", max_length=100, validators=[no_control_characters])
    shipping_country = CountryField("country")
    shipping_phone = models.CharField(
        "phone", max_length=32, blank=True, validators=[validate_phone]
    )
    status = models.CharField(max_length=20, choices=Status, default=Status.PENDING)
    carrier = models.CharField(max_length=60, blank=True, help_text="Who delivers the parcel.")
    tracking_number = models.CharField(max_length=100, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The checkout form's one-time token: a second submit of the same form finds this order
    # instead of placing another.
    checkout_token = models.UUIDField(unique=True, null=True, blank=True, editable=False)
    subtotal = models.DecimalField(max_digits=12, decimal_places=2)
    shipping_cost = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0.00"))
    total = models.DecimalField(max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        db_table = "orders"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"], name="orders_user_newest_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=OrderStatus.values),
                name="orders_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(subtotal__gte=0) & Q(shipping_cost__gte=0),
                name="orders_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(total=F("subtotal") + F("shipping_cost")),
                name="orders_total_is_sum",
            ),
            models.CheckConstraint(
                condition=Q(tracking_number="") | ~Q(carrier=""),
                name="orders_tracking_number_has_a_carrier",
                violation_error_message="A tracking number needs the carrier it belongs to.",
            ),
        ]

    def __str__(self):
        return f"Order {self.number}"

    def get_absolute_url(self):
        return reverse("orders:order-detail", kwargs={"number": self.number})

    @property
    def is_cancellable(self):
        return self.status in (self.Status.PENDING, self.Status.PAID)


class OrderItemQuerySet(models.QuerySet):
    def purchased(self):
        """Lines of orders that are paid (or shipped, or delivered): a purchase, which a pending
        order that may still be cancelled is not."""
        return self.filter(order__status__in=PURCHASE_STATUSES)

    def best_sellers(self, since, limit):
        """The products sold most (units) in orders placed from `since` and not cancelled:
        [{"product_id", "name", "units", "revenue"}], under the product's current name."""
        return (
            self.filter(order__created_at__gte=since)
            .exclude(order__status=OrderStatus.CANCELLED)
            .exclude(product=None)
            .values("product_id", name=F("product__name"))
            .annotate(
                units=Sum("quantity"),
                revenue=Sum(F("unit_price") * F("quantity")),
            )
            .order_by("-units", "name")[:limit]
        )


class OrderItem(models.Model):
    """A line of an order. Name, SKU and price are copied from the product when the order is
    placed, so later catalog edits never change what the shopper bought."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(
        Product, on_delete=models.SET_NULL, null=True, related_name="order_items"
    )
    product_name = models.CharField(max_length=200)
    product_sku = models.CharField("SKU", max_length=64)
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])

    objects = OrderItemQuerySet.as_manager()

    class Meta:
        db_table = "order_items"
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "product"], name="order_items_one_per_product"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="order_items_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="order_items_price_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.product_name}"

    @property
    def line_total(self):
        return self.unit_price * self.quantity


class AddressQuerySet(models.QuerySet):
    def for_user(self, user):
        """The user's saved addresses, the one used last first."""
        return self.filter(user=user).order_by("-last_used_at", "-pk")


class Address(models.Model):
    """A shipping address a shopper saved to their account, to pick at checkout."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="addresses"
    )
    name = models.CharField("full name", max_length=200, validators=[no_control_characters])
    address = models.CharField(
        "street and number", max_length=300, validators=[no_control_characters]
    )
    postal_code = models.CharField("postal code", max_length=20, validators=[no_control_characters])
    city = models.CharField(max_length=100, validators=[no_control_characters])
    country = CountryField(blank_label="Choose a country")
    phone = models.CharField(max_length=32, blank=True, validators=[validate_phone])
    last_used_at = models.DateTimeField(auto_now_add=True)

    objects = AddressQuerySet.as_manager()

    class Meta:
        db_table = "addresses"
        verbose_name_plural = "addresses"
        constraints = [
            models.CheckConstraint(
                condition=~Q(name="")
                & ~Q(address="")
                & ~Q(postal_code="")
                & ~Q(city="")
                & ~Q(country=""),
                name="addresses_required_fields_not_empty",
            ),
            # Saving the same address at two checkouts keeps one row.
            models.UniqueConstraint(
                fields=["user", "name", "address", "postal_code", "city", "country", "phone"],
                name="addresses_unique_per_user",
            ),
        ]

    def __str__(self):
        return ", ".join(
            part for part in (self.name, self.address, self.city, self.country.name) if part
        )
