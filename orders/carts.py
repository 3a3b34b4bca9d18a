"""Which cart a request is using: the signed-in user's, or the one whose id the session holds.

An anonymous cart is found through the session's data, not its key, because Django gives the
session a new key at sign-in; the data survives that, so the cart can be merged then.
"""

from dataclasses import dataclass
from decimal import Decimal

from .models import Cart, CartItem
from .services import amount_to_free_shipping, shipping_cost_for

SESSION_CART_ID = "cart_id"


def current_cart(request, *, create: bool = False) -> Cart | None:
    if request.user.is_authenticated:
        if create:
            return Cart.objects.get_or_create(user=request.user)[0]
        return Cart.objects.filter(user=request.user).first()
    return _anonymous_cart(request, create=create)


def _anonymous_cart(request, *, create: bool) -> Cart | None:
    cart_id = request.session.get(SESSION_CART_ID)
    cart = Cart.objects.filter(pk=cart_id, user__isnull=True).first() if cart_id else None
    if cart is None and create:
        if request.session.session_key is None:
            request.session.create()
        cart = Cart.objects.create(session_key=request.session.session_key)
        request.session[SESSION_CART_ID] = cart.pk
    return cart


def take_anonymous_cart(request) -> Cart | None:
    """Remove the anonymous cart from the session and return it (at sign-in)."""
    cart_id = request.session.pop(SESSION_CART_ID, None)
    return Cart.objects.filter(pk=cart_id, user__isnull=True).first() if cart_id else None


@dataclass(frozen=True)
class CartSummary:
    """A cart's lines and totals, priced from the database."""

    items: list[CartItem]
    subtotal: Decimal
    shipping_cost: Decimal

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.shipping_cost

    @property
    def unit_count(self) -> int:
        return sum(item.quantity for item in self.items)

    @property
    def amount_to_free_shipping(self) -> Decimal:
        return amount_to_free_shipping(self.subtotal)

    @property
    def lines_beyond_stock(self) -> list[CartItem]:
        return [item for item in self.items if item.exceeds_stock or not item.product.is_active]


def summarize(items) -> CartSummary:
    """The summary of a cart's CartItem queryset (one query, the products joined; one more for
    their pictures, which the cart shows)."""
    items = list(items.with_products().prefetch_related("product__images"))
    subtotal = sum((item.line_total for item in items), Decimal("0.00"))
    return CartSummary(items=items, subtotal=subtotal, shipping_cost=shipping_cost_for(subtotal))


def current_cart_items(request):
    """The lines of the cart the request is using, without loading the cart itself."""
    if request.user.is_authenticated:
        return CartItem.objects.filter(cart__user=request.user)
    cart_id = request.session.get(SESSION_CART_ID)
    if cart_id is None:
        return CartItem.objects.none()
    return CartItem.objects.filter(cart_id=cart_id, cart__user__isnull=True)


# The request's cart, once summarized: the header's cart count (orders.context_processors)
# takes its units from there instead of counting them in a query of its own.
_REQUEST_SUMMARY = "_orders_cart_summary"


def summarize_current_cart(request) -> CartSummary:
    """The summary of the cart the request is using, remembered on the request."""
    summary = summarize(current_cart_items(request))
    setattr(request, _REQUEST_SUMMARY, summary)
    return summary


def summarized_unit_count(request) -> int | None:
    """Units in the request's cart if a view has summarized it already, else None."""
    summary = getattr(request, _REQUEST_SUMMARY, None)
    return None if summary is None else summary.unit_count
