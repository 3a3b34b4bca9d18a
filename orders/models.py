import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from catalog.models import Product

# Crockford's base32 without the letters people misread (I, L, O, U).
ORDER_NUMBER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ORDER_NUMBER_LENGTH = 10


def generate_order_number():
    """A short number a shopper can read out on the phone; 32**10 values make clashes negligible,
    and the unique constraint refuses one if it ever happens."""
    return "".join(secrets.choice(ORDER_NUMBER_ALPHABET) for _ in range(ORDER_NUMBER_LENGTH))


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

    def placed_with(self, user, checkout_token):
        """The user's order placed with this checkout token (at most one: a unique constraint)."""
        return self.filter(user=user, checkout_token=checkout_token)


class OrderStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PAID = "paid", "Paid"
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered"
    CANCELLED = "cancelled", "Cancelled"


class Order(models.Model):
    Status = OrderStatus

    number = models.CharField(
        max_length=ORDER_NUMBER_LENGTH, unique=True, default=generate_order_number, editable=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders"
    )
    email = models.EmailField("e-mail")
    shipping_name = models.CharField("full name", max_length=200)
    shipping_address = models.CharField("address", max_length=300)
    shipping_postal_code = models.CharField("postal code", max_length=20)
    shipping_city = models.CharField("city", max_length=100)
    shipping_country = models.CharField("country", max_length=100)
    status = models.CharField(max_length=20, choices=Status, default=Status.PENDING)
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
        ]

    def __str__(self):
        return f"Order {self.number}"

    def get_absolute_url(self):
        return reverse("orders:order-detail", kwargs={"number": self.number})

    @property
    def is_cancellable(self):
        return self.status in (self.Status.PENDING, self.Status.PAID)


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
