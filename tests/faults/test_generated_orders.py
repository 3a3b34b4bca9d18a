"""Hypothesis drives the cart, checkout and order forms: a state machine plays a shopper who adds
to the cart, changes and removes lines (of products that exist and ids that do not), checks out
with generated shipping details and checkout tokens (fresh, reused, another shopper's, garbage),
cancels orders (their own, another shopper's, garbage numbers), and signs in with an anonymous
cart of their own, while staff change stock and take products off sale in between.

The invariants, after every step:

- no 500, and no stock below zero;
- no order without items, and the shopper's orders are exactly those the model expects;
- stock = what staff set - units ordered + units of cancelled orders, for every product.

About "no cart line above stock". A cart line CAN hold more than the stock on hand: the shopper
added 3 when there were 3, then staff counted 1, or another shopper bought 2. The shop cannot
prevent that without taking stock away from other shoppers at add time (a reservation), which
it does not do. So the invariant is about what the shop *accepts* and what it *orders*:

- every quantity it accepts (add to cart, update, merge at sign-in) is a whole number from 1 to
  the stock on hand at that moment; whatever it refuses (400, 404, 409) leaves the cart as it was;
- checkout orders exactly the cart's lines only when every line is within stock and on sale,
  and then takes exactly those units from stock; otherwise it sends the shopper back to the cart
  (the cart page shows the line above stock) and changes nothing.

Beside the safety checks, the machine checks that the shop does not refuse what it should accept
(a plain quantity within stock must be added; a valid checkout of an orderable cart must place
the order), so a shop that refused everything would fail too.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from urllib.parse import quote, quote_from_bytes

import pytest
from django.db import transaction
from django.test import Client
from hypothesis import event, given
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from catalog.models import Product
from orders.forms import MAX_QUANTITY, AddressForm, CheckoutForm
from orders.models import CartItem, Order
from orders.services import shipping_cost_for
from tests.factories import (
    CartFactory,
    CartItemFactory,
    OrderFactory,
    OrderItemFactory,
    ProductFactory,
    UserFactory,
)
from tests.faults.generated import (
    FORM,
    as_submitted,
    assert_not_server_error,
    carries_nul,
    encode,
    example,
    forms,
    mostly,
    nasty_text,
    raw_value,
)

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
CHECKOUT_FIELDS = ["name", "address", "postal_code", "city", "country"]
VALID = {
    "email": "ada@example.com",
    "name": "Ada Lovelace",
    "address": "1 Analytical Street",
    "postal_code": "10115",
    "city": "Berlin",
    "country": "DE",
}
VALID_FORM = {name: value.encode() for name, value in VALID.items()}
# Product ids in cart URLs besides the machine's own five (0-4 name those): most exist nowhere.
OTHER_IDS = st.one_of(st.integers(5, 10**25), st.integers(-5, -1))


def quantities() -> st.SearchStrategy[bytes]:
    """Mostly plain numbers around the stock (the shop's answers to them can be predicted),
    else anything a form can carry."""
    plain = st.one_of(st.integers(1, 3), st.integers(-1, 12)).map(lambda n: str(n).encode())
    anything = st.one_of(st.integers(0, 10**30).map(lambda n: str(n).encode()), raw_value())
    return mostly(plain, anything)


def plain_quantity(raw: bytes) -> int | None:
    """The number a plain ASCII decimal names (the shop's answer to it is predictable)."""
    text = raw.decode("ascii", errors="replace")
    return int(text) if text.isascii() and text.isdigit() else None


def emails() -> st.SearchStrategy[str]:
    long_local = st.integers(1, 330).map(lambda n: "a" * n + "@example.com")
    return st.one_of(st.emails(), long_local, nasty_text())


def shipping_values() -> st.SearchStrategy[dict[str, bytes]]:
    """The checkout's fields: all valid, one of them generated, or all of them generated
    (long, blank, NUL, any Unicode, bytes that are not UTF-8)."""
    odd = {name: raw_value(400) for name in CHECKOUT_FIELDS}
    odd["email"] = st.one_of(emails().map(str.encode), raw_value())
    return forms(VALID_FORM, odd)


def tokens(*known: str) -> st.SearchStrategy[str]:
    """Checkout tokens: fresh, spelled otherwise, ones already used, garbage."""
    fresh = st.one_of(
        st.uuids().map(str),
        st.uuids().map(lambda u: "{" + str(u).upper() + "}"),
        st.uuids().map(lambda u: u.hex),
    )
    again = st.sampled_from(known) if known else fresh
    return mostly(st.one_of(fresh, again), nasty_text())


class Shop(RuleBasedStateMachine):
    """One signed-in shopper, five products (out of stock, the last one, a few, plenty, off
    sale), another shopper's order; each run in a savepoint rolled back at its end."""

    def __init__(self) -> None:
        super().__init__()
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        self.user = UserFactory(password=PASSWORD)
        self.client = Client()
        self.client.force_login(self.user)
        self.products = [
            ProductFactory(name="Empty shelf", stock=0, price=Decimal("5.00")),
            ProductFactory(name="Last lamp", stock=1, price=Decimal("49.99")),
            ProductFactory(name="Three mugs", stock=3, price=Decimal("4.50")),
            ProductFactory(name="Many pens", stock=10, price=Decimal("0.00")),
            ProductFactory(name="Retired kettle", stock=5, is_active=False),
        ]
        self.stock = {product.pk: product.stock for product in self.products}
        self.orders: dict[str, dict] = {}  # number -> lines, token, cancelled
        other = OrderItemFactory(order=OrderFactory(checkout_token=uuid.uuid4())).order
        self.other_number, self.other_token = other.number, str(other.checkout_token)

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)

    @initialize()
    def start_with_a_cart_that_can_be_ordered(self):
        for index in (2, 3):
            added = self.client.post(f"/cart/add/{self.products[index].slug}/", {"quantity": 1})
            assert added.status_code == 302

    # --- helpers ----------------------------------------------------------------------------

    def lines(self) -> dict[int, int]:
        items = CartItem.objects.filter(cart__user=self.user)
        return dict(items.values_list("product_id", "quantity"))

    def snapshot(self) -> tuple[dict[int, int], dict[int, int], set[str]]:
        """The cart's lines, every product's stock, the numbers of the shopper's orders."""
        return (
            self.lines(),
            dict(Product.objects.values_list("pk", "stock")),
            set(Order.objects.filter(user=self.user).values_list("number", flat=True)),
        )

    def product(self, pk: int) -> Product:
        return Product.objects.get(pk=pk)

    def post(self, path: str, pairs: list[tuple[str, bytes]]):
        response = self.client.post(path, encode(pairs), content_type=FORM)
        assert_not_server_error(response)
        return response

    def accepted(self, before: dict[int, int], product_id: int) -> None:
        """A line the shop just accepted is within the stock on hand."""
        after = self.lines()
        assert 1 <= after[product_id] <= self.product(product_id).stock, (before, after)

    # --- the shopper's steps ----------------------------------------------------------------

    @rule(index=st.integers(0, 4), quantity=quantities())
    def add_to_cart(self, index, quantity):
        product = self.products[index]
        before = self.lines()
        response = self.post(f"/cart/add/{product.slug}/", [("quantity", quantity)])
        assert response.status_code in (302, 400, 404, 409), response.status_code
        event(f"add to cart: {response.status_code}")
        if response.status_code == 302:
            self.accepted(before, product.pk)
            assert self.lines()[product.pk] > before.get(product.pk, 0)
        else:
            assert self.lines() == before
        wanted, current = plain_quantity(quantity), self.product(product.pk)
        if b"\x00" in quantity:
            assert response.status_code == 400  # ecommerce.errors.RefuseNulBytes
        elif not current.is_active:
            assert response.status_code == 404
        elif wanted is not None:
            total = before.get(product.pk, 0) + wanted
            if not 1 <= wanted <= MAX_QUANTITY:
                assert response.status_code == 400
            elif total > current.stock:
                assert response.status_code == 409
            else:
                assert response.status_code == 302
                assert self.lines()[product.pk] == total

    @rule(product_id=mostly(st.integers(0, 4), OTHER_IDS), quantity=quantities())
    def update_line(self, product_id, quantity):
        if 0 <= product_id <= 4:
            product_id = self.products[product_id].pk
        before = self.lines()
        if product_id < 0:  # not a URL of the shop's
            assert self.client.post(f"/cart/items/{product_id}/update/").status_code == 404
            return
        response = self.post(f"/cart/items/{product_id}/update/", [("quantity", quantity)])
        assert response.status_code in (302, 400, 404, 409), response.status_code
        event(f"update: {response.status_code}")
        if response.status_code == 302:
            self.accepted(before, product_id)
        else:
            assert self.lines() == before
        wanted = plain_quantity(quantity)
        if wanted is not None and not 1 <= wanted <= MAX_QUANTITY:
            assert response.status_code == 400
        elif wanted is not None and product_id in before:
            product = self.product(product_id)
            if product.is_active and wanted <= product.stock:
                assert response.status_code == 302
                assert self.lines() == {**before, product_id: wanted}
            else:
                assert response.status_code == 409

    @rule(product_id=mostly(st.integers(0, 4), OTHER_IDS.filter(lambda pk: pk >= 0)))
    def remove_line(self, product_id):
        if 0 <= product_id <= 4:
            product_id = self.products[product_id].pk
        before = self.lines()
        response = self.post(f"/cart/items/{product_id}/remove/", [])
        assert response.status_code == 302
        before.pop(product_id, None)
        assert self.lines() == before

    @rule(data=st.data())
    def checkout(self, data):
        token = data.draw(tokens(self.other_token), label="checkout_token")
        self.place_order(token, data.draw(mostly(st.just(VALID_FORM), shipping_values())))

    @precondition(lambda self: self.orders)
    @rule(data=st.data())
    def checkout_with_a_form_already_used(self, data):
        """A double click, a second tab, a retry after a lost answer."""
        token = data.draw(st.sampled_from([order["token"] for order in self.orders.values()]))
        self.place_order(token, data.draw(mostly(st.just(VALID_FORM), shipping_values())))

    def place_order(self, token: str, shipping: dict[str, bytes]) -> None:
        pairs = [*shipping.items(), ("checkout_token", token.encode())]
        body = encode(pairs)
        before = self.snapshot()
        lines, stock, numbers = before
        active = dict(Product.objects.values_list("pk", "is_active"))
        prices = dict(Product.objects.values_list("pk", "price"))

        response = self.client.post("/checkout/", body, content_type=FORM)
        assert_not_server_error(response)
        form = CheckoutForm(as_submitted(body), addresses=[])
        submitted = as_submitted(body)
        if carries_nul(submitted) or not (form.is_valid() and AddressForm(submitted).is_valid()):
            event("checkout: invalid form")
            assert response.status_code == 400
            assert self.snapshot() == before
            return
        assert response.status_code == 302, response.status_code
        token = str(form.cleaned_data["checkout_token"])
        known = {order["token"]: number for number, order in self.orders.items()}
        orderable = lines and all(active[pk] and qty <= stock[pk] for pk, qty in lines.items())
        if token in known:
            outcome = "the same form again"
        elif token == self.other_token:
            outcome = "another shopper's token"
        else:
            outcome = "placed" if orderable else "refused, back to the cart"
        event(f"checkout: {outcome}")
        if outcome == "the same form again":  # the same order, nothing else
            assert response.url == f"/orders/{known[token]}/"
            assert self.snapshot() == before
        elif outcome != "placed":
            assert response.url == "/cart/"
            assert self.snapshot() == before
        else:
            (number,) = self.snapshot()[2] - numbers
            assert response.url == f"/orders/{number}/"
            order = Order.objects.get(number=number)
            assert dict(order.items.values_list("product_id", "quantity")) == lines
            subtotal = sum((prices[pk] * qty for pk, qty in lines.items()), Decimal(0))
            assert (order.subtotal, order.total) == (
                subtotal,
                subtotal + shipping_cost_for(subtotal),
            )
            assert self.lines() == {}
            for pk, quantity in lines.items():
                self.stock[pk] -= quantity
                assert self.stock[pk] >= 0
            self.orders[number] = {"lines": lines, "token": token, "cancelled": False}

    @precondition(lambda self: self.orders)
    @rule(data=st.data())
    def cancel_an_order(self, data):
        self.cancel(data.draw(st.sampled_from(sorted(self.orders)), label="number"))

    @rule(data=st.data())
    def cancel_another_shoppers_or_a_made_up_order(self, data):
        garbage = st.one_of(nasty_text(40), st.binary(max_size=12))
        self.cancel(data.draw(st.one_of(st.just(self.other_number), garbage), label="number"))

    def cancel(self, number: str | bytes) -> None:
        raw = number if isinstance(number, bytes) else number.encode()
        own = raw.decode(errors="replace") in self.orders
        event("cancel: own order" if own else "cancel: not theirs")
        path = f"/orders/{quote_from_bytes(raw, safe='')}/"
        page = self.client.get(path)
        assert_not_server_error(page)
        response = self.client.post(path + "cancel/")
        assert_not_server_error(response)
        missing = 400 if b"\x00" in raw else 404  # a NUL is refused before any lookup
        assert (page.status_code, response.status_code) == ((200, 302) if own else (missing,) * 2)
        if own:
            order = self.orders[raw.decode()]
            if not order["cancelled"]:  # cancelling puts the stock back, once
                order["cancelled"] = True
                for pk, quantity in order["lines"].items():
                    self.stock[pk] += quantity
            assert Order.objects.get(number=raw.decode()).status == Order.Status.CANCELLED

    @rule(index=st.integers(0, 4), quantity=st.integers(1, 12))
    def sign_in_with_an_anonymous_cart(self, index, quantity):
        """Add as a visitor, then sign in: the visitor's cart is merged, capped at stock."""
        product = self.products[index]
        before = self.lines()
        visitor = Client()
        added = visitor.post(f"/cart/add/{product.slug}/", {"quantity": quantity})
        assert_not_server_error(added)
        signed_in = visitor.post(
            "/accounts/login/", {"username": self.user.username, "password": PASSWORD}
        )
        assert signed_in.status_code == 302
        self.client = visitor
        expected = dict(before)
        current = self.product(product.pk)
        if added.status_code == 302 and current.is_active and current.stock > 0:
            expected[product.pk] = min(before.get(product.pk, 0) + quantity, current.stock)
            self.accepted(before, product.pk)
        assert self.lines() == expected

    # --- staff, in between ------------------------------------------------------------------

    @rule(index=st.integers(0, 4), stock=st.integers(0, 12))
    def staff_count_the_stock(self, index, stock):
        Product.objects.filter(pk=self.products[index].pk).update(stock=stock)
        self.stock[self.products[index].pk] = stock

    @rule(index=st.integers(0, 3))
    def staff_take_a_product_off_sale_or_back(self, index):
        product = self.product(self.products[index].pk)
        Product.objects.filter(pk=product.pk).update(is_active=not product.is_active)

    # --- invariants ---------------------------------------------------------------------------

    @invariant()
    def stock_is_what_staff_set_less_what_was_ordered(self):
        actual = dict(Product.objects.values_list("pk", "stock"))
        assert {pk: actual[pk] for pk in self.stock} == self.stock
        assert min(actual.values()) >= 0

    @invariant()
    def every_order_has_items_and_is_one_the_shopper_placed(self):
        assert not Order.objects.filter(items__isnull=True).exists()
        mine = set(Order.objects.filter(user=self.user).values_list("number", flat=True))
        assert mine == set(self.orders)


def test_the_cart_checkout_and_orders_hold_their_invariants_whatever_is_sent():
    run_state_machine_as_test(Shop)


@given(page=raw_value(40))
def test_any_page_of_the_order_list_is_a_page_or_a_404(page):
    with example() as client:
        client.force_login(UserFactory())
        response = client.get("/orders/?page=" + quote_from_bytes(page, safe=""))
        assert_not_server_error(response)
        assert response.status_code in ((400,) if b"\x00" in page else (200, 404))


@given(number=st.one_of(nasty_text(40), st.binary(max_size=12).map(lambda b: b.decode("latin-1"))))
def test_another_shoppers_order_or_a_made_up_number_is_a_404(number):
    with example() as client:
        theirs = OrderItemFactory().order
        client.force_login(UserFactory())
        for candidate in (theirs.number, number):
            path = f"/orders/{quote(candidate, safe='')}/"
            missing = 400 if "\x00" in candidate else 404  # a NUL is refused before any lookup
            assert client.get(path).status_code == missing
            assert client.post(path + "cancel/").status_code == missing
        assert Order.objects.get(pk=theirs.pk).status == Order.Status.PENDING


@pytest.fixture
def shopper_with_a_cart():
    user = UserFactory()
    lamp, mug = ProductFactory(stock=2, price=Decimal("30.00")), ProductFactory(stock=9)
    cart = CartFactory(user=user)
    CartItemFactory(cart=cart, product=lamp, quantity=2)
    CartItemFactory(cart=cart, product=mug, quantity=1)
    taken = OrderFactory(checkout_token=uuid.uuid4())  # another shopper's order and token
    return user, {lamp.pk: 2, mug.pk: 1}, str(taken.checkout_token)


@given(shipping=shipping_values(), data=st.data())
def test_any_checkout_form_places_the_order_as_submitted_or_changes_nothing(
    shopper_with_a_cart, shipping, data
):
    user, lines, taken = shopper_with_a_cart
    token = data.draw(tokens(taken), label="checkout_token")
    body = encode([*shipping.items(), ("checkout_token", token.encode())])
    stock = dict(Product.objects.values_list("pk", "stock"))
    with example() as client:
        client.force_login(user)
        response = client.post("/checkout/", body, content_type=FORM)
        assert_not_server_error(response)
        form = CheckoutForm(as_submitted(body), addresses=[])
        address = AddressForm(as_submitted(body))
        orders = Order.objects.filter(user=user)
        valid = form.is_valid() and address.is_valid() and not carries_nul(as_submitted(body))
        errors = {**form.errors, **address.errors}
        event("valid form" if valid else "invalid: " + ", ".join(sorted(errors)))
        if not valid:
            assert response.status_code == 400
            assert not orders.exists()
            assert dict(Product.objects.values_list("pk", "stock")) == stock
            return
        assert response.status_code == 302
        if str(form.cleaned_data["checkout_token"]) == taken:
            assert response.url == "/cart/"  # "This checkout form has expired"
            assert not orders.exists()
            return
        order = orders.get()
        assert response.url == f"/orders/{order.number}/"
        assert order.email == user.email  # whatever was typed: the shop mails its own shoppers
        stored = {
            "name": order.shipping_name,
            "address": order.shipping_address,
            "postal_code": order.shipping_postal_code,
            "city": order.shipping_city,
            "country": order.shipping_country,
        }
        submitted = {**form.cleaned_data, **address.cleaned_data}
        assert stored == {name: submitted[name] for name in CHECKOUT_FIELDS}
        assert dict(order.items.values_list("product_id", "quantity")) == lines
        for pk, quantity in lines.items():
            assert Product.objects.get(pk=pk).stock == stock[pk] - quantity
