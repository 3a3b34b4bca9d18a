"""Business operations on carts and orders. Views and the admin call these; neither repeats
their rules. Prices, totals and stock always come from the database, never from a form."""

import logging
import uuid
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string

from catalog.models import Product

from .models import Cart, CartItem, Order, OrderItem

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


def place_order(
    *, user, shipping: ShippingDetails, checkout_token: uuid.UUID
) -> tuple[Order, bool]:
    """Turn the user's cart into an order, in one transaction; return (order, created).

    The same checkout token placed twice (double click, two tabs, a retry after a timeout)
    returns the first order with `created=False` instead of placing a second one.
    Raises OutOfStock naming the product when stock ran out meanwhile, and EmptyCart.
    """
    try:
        return _place_order(user=user, shipping=shipping, checkout_token=checkout_token), True
    except (CartError, IntegrityError) as error:
        # A token already used cannot place an order: a repeat finds the cart empty (placing
        # the order emptied it) or, with items added since, the unique (user, token) constraint
        # refuses it, as it does for two submits racing in separate transactions. Looked up
        # only then, so that an order placed for the first time pays nothing for it.
        existing = Order.objects.placed_with(user, checkout_token).first()
        if existing is not None:
            return existing, False
        if isinstance(error, CartError):
            raise
        raise CartError("This checkout form has expired; please check out again.") from None


@transaction.atomic
def _place_order(*, user, shipping, checkout_token):
    cart = Cart.objects.select_for_update().filter(user=user).first()
    items = list(cart.items.order_by("product_id")) if cart else []
    if not items:
        raise EmptyCart("Your cart is empty.")

    # Lock the products in primary-key order, as cancel_order does, so concurrent checkouts
    # and cancellations queue up instead of deadlocking.
    products = Product.objects.select_for_update().filter(pk__in=[i.product_id for i in items])
    products = {product.pk: product for product in products.order_by("pk")}
    for item in items:
        _refuse_beyond_stock(products[item.product_id], item.quantity)
    Product.objects.change_stock({products[item.product_id]: -item.quantity for item in items})

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
    cart.items.all().delete()
    transaction.on_commit(partial(send_order_confirmation, order=order, items=order_items))
    return order


def send_order_confirmation(*, order: Order, items: list[OrderItem]) -> None:
    """E-mail the shopper their order, as committed. Runs after commit; a mail failure is logged,
    not raised, because the order stands either way."""
    try:
        send_mail(
            subject=f"Your order {order.number}",
            message=render_to_string(
                "orders/email/order_confirmation.txt", {"order": order, "items": items}
            ),
            from_email=None,
            recipient_list=[order.email],
        )
    except Exception:
        logger.exception("Could not send the confirmation of order id %s", order.pk)


@transaction.atomic
def change_order_status(*, order: Order, status: Order.Status) -> Order:
    """Move an order forward (pending → paid → shipped → delivered)."""
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if status not in STATUS_TRANSITIONS[locked.status]:
        raise OrderStatusError(
            f"Order {locked.number} is {locked.get_status_display().lower()}; "
            f"it cannot be marked {Order.Status(status).label.lower()}."
        )
    locked.status = status
    locked.save(update_fields=["status", "updated_at"])
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
    Product.objects.change_stock({product: quantities[product.pk] for product in products})
    locked.status = Order.Status.CANCELLED
    locked.save(update_fields=["status", "updated_at"])
    return locked
