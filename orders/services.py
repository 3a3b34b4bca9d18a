"""Business operations on carts and orders. Views and the admin call these; neither repeats
their rules. Prices, totals and stock always come from the database, never from a form."""

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.template.loader import render_to_string
from django.utils import timezone

from catalog.models import Product, StockMovement

from .models import Address, Cart, CartItem, Order, OrderItem

logger = logging.getLogger(__name__)

# Which status an order may move to from each status. Cancelling has its own service because it
# puts stock back.
STATUS_TRANSITIONS = {
    Order.Status.PENDING: {Order.Status.PAID},
    Order.Status.PAID: {Order.Status.SHIPPED},
    Order.Status.SHIPPED: {Order.Status.DELIVERED},
    Order.Status.DELIVERED: set(),
    Order.Status.CANCELLED: set(),
}


class OrderStatusError(Exception):
    """The order cannot move to the requested status from the one it is in."""


class CartError(Exception):
    """A cart change that cannot be made; the message says why, for the shopper."""


class OutOfStock(CartError):
    """There are not enough units of a product on hand."""


class EmptyCart(CartError):
    """There is nothing in the cart to order."""


class TooManyOrders(CartError):
    """The account placed settings.MAX_ORDERS_PER_HOUR orders in the last hour already."""


# Sent inside the cancelling transaction, with `order`: what relied on the order (a review of
# a purchase) goes with it, or the cancellation does not happen.
order_cancelled = Signal()
# Sent by place_order, after the order's transaction, with `order`; and with `error` (the
# CartError) when a checkout is refused. The deployment's metrics count them.
order_placed = Signal()
checkout_refused = Signal()


def shipping_cost_for(subtotal: Decimal) -> Decimal:
    if subtotal == 0 or subtotal >= settings.FREE_SHIPPING_FROM:
        return Decimal("0.00")
    return settings.SHIPPING_COST


def amount_to_free_shipping(subtotal: Decimal) -> Decimal:
    """How much more a cart must hold to ship free (the rule of shipping_cost_for); zero once it
    does, and for an empty cart, which pays no shipping either."""
    if subtotal == 0 or subtotal >= settings.FREE_SHIPPING_FROM:
        return Decimal("0.00")
    return settings.FREE_SHIPPING_FROM - subtotal


def _lock_cart(cart: Cart) -> Cart:
    """Serialise changes to one cart (two tabs, double clicks) on its row lock."""
    return Cart.objects.select_for_update().get(pk=cart.pk)


def _refuse_beyond_stock(product: Product, quantity: int) -> None:
    if not product.is_active:
        raise OutOfStock(f"{product.name} is no longer available.")
    if quantity > product.stock:
        if product.stock == 0:
            raise OutOfStock(f"{product.name} is out of stock.")
        raise OutOfStock(
            f"Only {product.stock} of {product.name} in stock; you asked for {quantity}."
        )


@transaction.atomic
def add_to_cart(*, cart: Cart, product: Product, quantity: int) -> CartItem:
    """Add units of a product, keeping the line within the stock on hand."""
    _lock_cart(cart)
    item = CartItem.objects.filter(cart=cart, product=product).first()
    total = quantity + (item.quantity if item else 0)
    _refuse_beyond_stock(product, total)
    if item is None:
        return CartItem.objects.create(cart=cart, product=product, quantity=quantity)
    item.quantity = total
    item.save(update_fields=["quantity"])
    return item


@transaction.atomic
def update_cart_item(*, cart: Cart, product_id: int, quantity: int) -> CartItem:
    """Set a line's quantity (1 to the stock on hand)."""
    _lock_cart(cart)
    item = CartItem.objects.select_related("product").filter(cart=cart, product_id=product_id)
    item = item.first()
    if item is None:
        raise CartError("That product is not in your cart.")
    _refuse_beyond_stock(item.product, quantity)
    item.quantity = quantity
    item.save(update_fields=["quantity"])
    return item


def remove_from_cart(*, cart: Cart, product_id: int) -> None:
    CartItem.objects.filter(cart=cart, product_id=product_id).delete()


@transaction.atomic
def merge_carts(*, source: Cart, user) -> list[str]:
    """Move an anonymous cart into the user's cart at sign-in; return what had to change.

    Quantities of the same product add up, capped at the stock on hand; products no longer
    sold are dropped. The anonymous cart is deleted.
    """
    target, _ = Cart.objects.get_or_create(user=user)
    list(Cart.objects.select_for_update().filter(pk__in=[source.pk, target.pk]).order_by("pk"))
    existing = {item.product_id: item for item in target.items.with_products()}
    changes = []
    for item in source.items.with_products():
        product = item.product
        current = existing.get(product.pk)
        wanted = item.quantity + (current.quantity if current else 0)
        if not product.is_active or product.stock == 0:
            changes.append(f"{product.name} is no longer available and was not kept.")
            continue
        quantity = min(wanted, product.stock)
        if quantity < wanted:
            changes.append(
                f"Only {product.stock} of {product.name} in stock; your cart has {quantity}."
            )
        CartItem.objects.update_or_create(
            cart=target, product=product, defaults={"quantity": quantity}
        )
    source.delete()
    return changes


@dataclass(frozen=True)
class ShippingDetails:
    email: str
    name: str
    address: str
    postal_code: str
    city: str
    country: str
    phone: str = ""

    @classmethod
    def from_address(cls, address: Address, *, email: str) -> "ShippingDetails":
        return cls(email=email, **{field: getattr(address, field) for field in ADDRESS_FIELDS})


# What a saved address holds: the shipping details without the e-mail.
ADDRESS_FIELDS = ["name", "address", "postal_code", "city", "country", "phone"]
MAX_SAVED_ADDRESSES = 20
ONE_HOUR = timedelta(hours=1)


class AddressLimitReached(Exception):
    """The account already keeps MAX_SAVED_ADDRESSES addresses."""


def save_address(*, user, details: dict) -> Address:
    """Keep an address on the user's account, marked as the one used last; the same address
    saved again is the same row (a unique constraint, also between two checkouts at once)."""
    values = {field: details[field] for field in ADDRESS_FIELDS}
    with transaction.atomic():
        _lock_addresses_of(user.pk)
        address = Address.objects.filter(user=user, **values).first()
        if address is None:
            if Address.objects.filter(user=user).count() >= MAX_SAVED_ADDRESSES:
                raise AddressLimitReached(
                    f"Your account keeps at most {MAX_SAVED_ADDRESSES} addresses; "
                    "delete one you no longer use first."
                )
            return Address.objects.create(user=user, **values)
    mark_address_used(address)
    return address


def update_address(address: Address, *, details: dict) -> Address:
    """Change a saved address; changing it into another saved one merges the two."""
    values = {field: details[field] for field in ADDRESS_FIELDS}
    with transaction.atomic():
        _lock_addresses_of(address.user_id)
        twin = Address.objects.filter(user_id=address.user_id, **values).exclude(pk=address.pk)
        twin = twin.first()
        if twin is not None:
            address.delete()
            return twin
        Address.objects.filter(pk=address.pk).update(**values)
    return address


def _lock_addresses_of(user_id) -> None:
    """Serialize one user's address changes (two checkouts at once), so that the limit holds
    and the same address is never inserted twice."""
    list(get_user_model().objects.select_for_update().filter(pk=user_id).values_list("pk"))


def mark_address_used(address: Address) -> None:
    Address.objects.filter(pk=address.pk).update(last_used_at=timezone.now())


def place_order(
    *, user, shipping: ShippingDetails, checkout_token: uuid.UUID
) -> tuple[Order, bool]:
    """Turn the user's cart into an order, in one transaction; return (order, created).

    The same checkout token placed twice (double click, two tabs, a retry after a timeout)
    returns the first order with `created=False` instead of placing a second one.
    Raises OutOfStock naming the product when stock ran out meanwhile, and EmptyCart.
    """
    try:
        order = _place_order(user=user, shipping=shipping, checkout_token=checkout_token)
    except (CartError, IntegrityError) as error:
        # A token already used cannot place an order: a repeat finds the cart empty (placing
        # the order emptied it) or, with items added since, the unique (user, token) constraint
        # refuses it, as it does for two submits racing in separate transactions. Looked up
        # only then, so that an order placed for the first time pays nothing for it.
        existing = Order.objects.placed_with(user, checkout_token).first()
        if existing is not None:
            return existing, False
        if isinstance(error, CartError):
            checkout_refused.send(sender=Order, error=error)
            raise
        raise CartError("This checkout form has expired; please check out again.") from None
    order_placed.send(sender=Order, order=order)
    return order, True


@transaction.atomic
def _place_order(*, user, shipping, checkout_token):
    cart = Cart.objects.select_for_update().filter(user=user).first()
    items = list(cart.items.order_by("product_id")) if cart else []
    if not items:
        raise EmptyCart("Your cart is empty.")
    # The cart's row lock serializes this user's checkouts, so the count below cannot race.
    recent = Order.objects.for_user(user).filter(created_at__gte=timezone.now() - ONE_HOUR)
    if recent.count() >= settings.MAX_ORDERS_PER_HOUR:
        raise TooManyOrders(
            f"You have placed {settings.MAX_ORDERS_PER_HOUR} orders in the last hour, the most "
            "an account can; please wait a while before placing another. Your cart is kept."
        )

    # Lock the products in primary-key order, as cancel_order does, so concurrent checkouts
    # and cancellations queue up instead of deadlocking.
    products = Product.objects.select_for_update().filter(pk__in=[i.product_id for i in items])
    products = {product.pk: product for product in products.order_by("pk")}
    for item in items:
        _refuse_beyond_stock(products[item.product_id], item.quantity)

    subtotal = sum((products[i.product_id].price * i.quantity for i in items), Decimal("0.00"))
    shipping_cost = shipping_cost_for(subtotal)
    order = Order.objects.create(
        user=user,
        checkout_token=checkout_token,
        email=shipping.email,
        shipping_name=shipping.name,
        shipping_address=shipping.address,
        shipping_postal_code=shipping.postal_code,
        shipping_city=shipping.city,
        shipping_country=shipping.country,
        shipping_phone=shipping.phone,
        subtotal=subtotal,
        shipping_cost=shipping_cost,
        total=subtotal + shipping_cost,
    )
    order_items = OrderItem.objects.bulk_create(
        OrderItem(
            order=order,
            product=products[item.product_id],
            product_name=products[item.product_id].name,
            product_sku=products[item.product_id].sku,
            unit_price=products[item.product_id].price,
            quantity=item.quantity,
        )
        for item in items
    )
    Product.objects.change_stock(
        {products[item.product_id]: -item.quantity for item in items},
        reason=StockMovement.Reason.SOLD,
        reference=order.number,
    )
    cart.items.all().delete()
    transaction.on_commit(
        partial(send_order_email, order=order, about="confirmation", items=order_items)
    )
    return order


# What the shopper hears about their order: the e-mail's subject and its template's name.
ORDER_EMAILS = {
    "confirmation": ("Your order {number}", "orders/email/order_confirmation.txt"),
    "shipped": ("Your order {number} is on its way", "orders/email/order_shipped.txt"),
    "cancelled": ("Your order {number} is cancelled", "orders/email/order_cancelled.txt"),
}


def send_order_email(*, order: Order, about: str, **context) -> None:
    """E-mail the shopper about their order, as committed. Runs after commit; a mail failure is
    logged, not raised, because the order stands either way."""
    subject, template = ORDER_EMAILS[about]
    try:
        send_mail(
            subject=subject.format(number=order.number),
            message=render_to_string(template, {"order": order, **context}),
            from_email=None,
            recipient_list=[order.email],
        )
    except Exception:
        logger.exception("Could not send the %s e-mail of order id %s", about, order.pk)


def next_statuses(order: Order) -> list[Order.Status]:
    """Where the order may go from its status, cancelling included (what staff are offered)."""
    allowed = sorted(STATUS_TRANSITIONS[order.status], key=Order.Status.values.index)
    return [*allowed, *([Order.Status.CANCELLED] if order.is_cancellable else [])]


@transaction.atomic
def change_order_status(
    *, order: Order, status: Order.Status, carrier: str = "", tracking_number: str = ""
) -> Order:
    """Move an order forward (pending → paid → shipped → delivered). Shipping records the
    carrier and tracking number, when known, and tells the shopper after commit."""
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if status not in STATUS_TRANSITIONS[locked.status]:
        raise OrderStatusError(
            f"Order {locked.number} is {locked.get_status_display().lower()}; "
            f"it cannot be marked {Order.Status(status).label.lower()}."
        )
    locked.status = status
    changed = ["status", "updated_at"]
    if status == Order.Status.SHIPPED:
        locked.carrier, locked.tracking_number = carrier, tracking_number
        locked.shipped_at = timezone.now()
        changed += ["carrier", "tracking_number", "shipped_at"]
        transaction.on_commit(partial(send_order_email, order=locked, about="shipped"))
    locked.save(update_fields=changed)
    return locked


@transaction.atomic
def cancel_order(*, order: Order) -> Order:
    """Cancel a pending or paid order and put its items back in stock, exactly once.

    The order row is locked first, so two cancellations racing each other restock only once;
    products are then locked in primary-key order, the same order checkout uses, so the two
    cannot deadlock.
    """
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if not locked.is_cancellable:
        raise OrderStatusError(
            f"Order {locked.number} is {locked.get_status_display().lower()}; "
            "only pending or paid orders can be cancelled."
        )
    quantities = dict(
        locked.items.filter(product__isnull=False).values_list("product_id", "quantity")
    )
    products = Product.objects.select_for_update().filter(pk__in=quantities).order_by("pk")
    Product.objects.change_stock(
        {product: quantities[product.pk] for product in products},
        reason=StockMovement.Reason.CANCELLED,
        reference=locked.number,
    )
    locked.status = Order.Status.CANCELLED
    locked.save(update_fields=["status", "updated_at"])
    order_cancelled.send(sender=Order, order=locked)
    transaction.on_commit(partial(send_order_email, order=locked, about="cancelled"))
    return locked
