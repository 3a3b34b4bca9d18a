"""PostgreSQL restarted in the middle of checkout load.

Shoppers (threads, each a browser with its own session cookie: tests/support/shoppers.py) sign
in, then add to cart and place orders continuously against gunicorn in production mode (2
workers x 4 threads, the container's configuration). Halfway through, the database server is
stopped (fast shutdown: every session ends, open transactions roll back) until the shoppers
notice, and started again. FAULTS_LOAD_SECONDS sets the length of the load (default 15;
`make faults`: 60).

What "confirmed" means. The shop confirms an order with the redirect to /orders/<number>/ that
answers Place order. An answer can be lost in a restart while its order is committed: the commit
went through and then the connection died (the confirmation e-mail's after-commit query, the
session save), so the shopper sees a 503 for an order that exists. A shopper who gets a 503 or no
answer to Place order does what a person retrying does: submits the same form again, with the
same checkout token, until the shop answers for certain: with the order (placed now, or "already
placed"), or with the cart and a reason (stock ran out). The checkout token must make that retry
safe. So at the end every checkout a shopper started has one definite outcome, and:

- every confirmed order exists, with exactly the lines the shopper had in the cart (none lost);
- each shopper has exactly the orders they saw confirmed, each with the token its form carried:
  a retry never made a second order (none doubled); a double submit of a confirmed form leads
  to the same order;
- for every product, stock before - units in orders not cancelled = stock after, and no stock is
  negative (the database refuses negative stock, so an oversell attempt would also be a 500);
- no answer is a 500 (the shoppers' replies and the app's own access log), none is lost;
- a refused checkout names the product that ran out;
- the shop serves a database-backed page within 10 s of the database accepting connections.
"""

from __future__ import annotations

import os
import random
import threading
import time
import traceback
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest
from django.db import OperationalError, connection

from tests.factories import CartFactory, CartItemFactory, UserFactory
from tests.support.gunicorn import wait_for
from tests.support.shoppers import (
    CART_LINE,
    CHECKOUT_TOKEN,
    Reply,
    Shopper,
    shop_env,
    shop_server,
)

LOAD_SECONDS = float(os.environ.get("FAULTS_LOAD_SECONDS", "15"))
SHOPPERS = 12
USERNAMES = [f"shopper{index:02d}" for index in range(SHOPPERS)]
PLENTY = {f"plenty-{index}": 1_000_000 for index in range(1, 6)}
SCARCE = "scarce-lamp"  # runs out during the load: checkouts are refused for it
SCARCE_STOCK = 30
SCARCE_SHARE = 0.25
RECOVERY_BOUND = 10.0
RETRY_PAUSE = 0.1  # a shopper's pause before sending again after a 503 or a lost answer
RESOLVE_WITHIN = 90.0  # after the load ends, in-flight checkouts must be resolved by then


@dataclass
class Checkout:
    """One Place order, possibly sent several times with the same token."""

    shopper: int
    token: str
    lines: dict[int, int]  # the cart as the shopper saw it: product id -> quantity
    outcome: str = "pending"  # confirmed, refused, unresolved, or "unexpected <status>"
    number: str | None = None
    attempts: int = 0
    answered_at: float = 0.0
    messages: list[str] = field(default_factory=list)


class RecordingShopper(Shopper):
    """A shopper whose every reply goes into the load's record."""

    def __init__(self, port: int, record: list[Reply]) -> None:
        super().__init__(port)
        self.record = record

    def request(self, method, path, *, form=None):
        reply = super().request(method, path, form=form)
        self.record.append(reply)  # list.append is atomic: the threads share the list
        return reply


class CheckoutLoad:
    """Shoppers on their own threads, shopping and checking out until `stop` is set."""

    def __init__(self, port: int, product_ids: dict[str, int]) -> None:
        self.replies: list[Reply] = []
        self.checkouts: list[Checkout] = []
        self.double_submits: list[tuple[str, str | None]] = []  # (order, order of the re-submit)
        self.cancelled: set[str] = set()
        self.crashes: list[str] = []
        self.stop = threading.Event()
        self.deadline = float("inf")  # for retries; set when the load stops
        self.plenty = sorted(slug for slug in product_ids if slug != SCARCE)
        self.shoppers = [RecordingShopper(port, self.replies) for _ in USERNAMES]
        self.threads = [
            threading.Thread(target=self._shop, args=(index,), name=f"shopper-{index}")
            for index in range(SHOPPERS)
        ]

    def sign_in_everyone(self) -> None:
        with ThreadPoolExecutor(4) as pool:
            replies = list(pool.map(Shopper.sign_in, self.shoppers, USERNAMES))
        assert [reply.status for reply in replies] == [302] * SHOPPERS, replies[0].body[:500]

    def confirmed(self, since: float = 0.0) -> int:
        return sum(1 for c in self.checkouts if c.outcome == "confirmed" and c.answered_at >= since)

    def statuses(self, since: float = 0.0) -> Counter[int | None]:
        return Counter(reply.status for reply in self.replies if reply.started >= since)

    def __enter__(self) -> CheckoutLoad:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.deadline = time.monotonic() + RESOLVE_WITHIN
        self.stop.set()
        for thread in self.threads:
            thread.join(RESOLVE_WITHIN + 30)
        alive = [thread.name for thread in self.threads if thread.is_alive()]
        assert not alive, f"shoppers still running: {alive}"

    # --- on a shopper's thread ------------------------------------------------------------------

    def _shop(self, index: int) -> None:
        rng = random.Random(index)
        try:
            while not self.stop.is_set():
                self._shop_once(index, self.shoppers[index], rng)
        except Exception:
            self.crashes.append(traceback.format_exc())

    def _answered(self, send: Callable[[], Reply]) -> Reply | None:
        """Send until the shop answers other than 503 (or the retry deadline passes)."""
        while True:
            reply = send()
            if reply.status not in (None, 503):
                return reply
            if time.monotonic() > self.deadline:
                return None
            time.sleep(RETRY_PAUSE)

    def _shop_once(self, index: int, shopper: Shopper, rng: random.Random) -> None:
        for _ in range(rng.randint(1, 2)):
            slug = SCARCE if rng.random() < SCARCE_SHARE else rng.choice(self.plenty)
            shopper.add_to_cart(slug, rng.randint(1, 3))  # any answer: the cart is read below
        cart = self._answered(lambda: shopper.cart()[0])
        lines = shopper_lines(cart)
        if not lines:
            return
        page = self._answered(lambda: shopper.checkout_page()[0])
        token = checkout_token(page)
        if token is None:
            return
        checkout = Checkout(index, token, lines)
        self.checkouts.append(checkout)

        def submit() -> Reply:
            checkout.attempts += 1
            return shopper.place_order(token)

        answer = self._answered(submit)
        checkout.answered_at = time.monotonic()
        if answer is None:
            checkout.outcome = "unresolved"
        elif answer.order_number:
            checkout.outcome, checkout.number = "confirmed", answer.order_number
            self._after_confirmation(shopper, checkout, rng)
        elif answer.status == 302 and answer.location == "/cart/":
            checkout.outcome = "refused"
            cart = self._answered(lambda: shopper.cart()[0])
            shown = cart.messages() if cart is not None else []
            checkout.messages = [text for level, text in shown if level == "error"]
            for product_id in lines:
                self._answered(lambda pid=product_id: shopper.remove_from_cart(pid))
        else:
            checkout.outcome = f"unexpected {answer.status}"

    def _after_confirmation(self, shopper: Shopper, checkout: Checkout, rng) -> None:
        if rng.random() < 1 / 3:  # a double click, or a retry after the answer got lost
            again = self._answered(lambda: shopper.place_order(checkout.token))
            self.double_submits.append((checkout.number, again and again.order_number))
        if rng.random() < 1 / 5:
            cancelled = self._answered(lambda: shopper.cancel_order(checkout.number))
            if cancelled is not None and cancelled.location == f"/orders/{checkout.number}/":
                self.cancelled.add(checkout.number)


def shopper_lines(cart: Reply | None) -> dict[int, int]:
    if cart is None or cart.status != 200:
        return {}
    return {int(pid): int(quantity) for pid, quantity in CART_LINE.findall(cart.body)}


def checkout_token(page: Reply | None) -> str | None:
    if page is None or page.status != 200:
        return None
    match = CHECKOUT_TOKEN.search(page.body)
    return match.group(1) if match else None


def pause_until(moment: float) -> None:
    """The scenario's schedule (load for a while, then the fault), not a wait for a condition."""
    time.sleep(max(0.0, moment - time.monotonic()))


@pytest.fixture
def shop(new_shop_database, faults_static_root):
    database = new_shop_database()
    product_ids = database.seed(products={**PLENTY, SCARCE: SCARCE_STOCK}, shoppers=USERNAMES)
    server = shop_server(shop_env(database, faults_static_root))
    with server:
        yield database, server, product_ids
    server.cleanup()


def test_a_database_restart_under_checkout_load_loses_and_doubles_no_order(faults_pg, shop):
    database, server, product_ids = shop
    stock_before = database.stock()
    load = CheckoutLoad(server.port, product_ids)
    load.sign_in_everyone()

    started = time.monotonic()
    with load:
        wait_for(lambda: load.confirmed() >= 3, timeout=60, message="no order before the restart")
        pause_until(started + LOAD_SECONDS / 2)
        confirmed_before = load.confirmed()
        stopped_at = time.monotonic()
        faults_pg.stop()
        try:
            wait_for(
                lambda: load.statuses(since=stopped_at)[503] >= SHOPPERS,
                timeout=30,
                message="the shoppers did not notice the database going away",
            )
        finally:
            faults_pg.start()
        wait_for(database.accepts_connections, timeout=30, message="PostgreSQL did not come back")
        accepting_at = time.monotonic()
        probe = Shopper(server.port)
        wait_for(lambda: probe.get("/products/").status == 200, timeout=60)
        recovery = time.monotonic() - accepting_at
        pause_until(started + LOAD_SECONDS)
        wait_for(
            lambda: load.confirmed(since=accepting_at + recovery) >= 3,
            timeout=60,
            message="no order after the restart",
        )

    assert not load.crashes, load.crashes[0]
    statuses = load.statuses()
    summary = (
        f"{len(load.checkouts)} checkouts, {load.confirmed()} confirmed "
        f"({confirmed_before} before the restart), "
        f"{sum(c.attempts > 1 for c in load.checkouts)} sent again after a 503, "
        f"statuses {dict(statuses)}, "
        f"recovery {recovery:.2f} s"
    )
    print(summary)
    odd = [(r.method, r.path, r.status, r.error) for r in load.replies if r.status != 200]
    odd = [reply for reply in odd if reply[2] not in (302, 409, 503)]
    assert statuses[503] >= SHOPPERS, summary  # the outage was felt
    assert not odd, f"{summary}; unexpected answers: {odd[:10]}"  # no 500, none lost, no 400
    assert '"status": 500' not in server.stdout

    outcomes = Counter(checkout.outcome for checkout in load.checkouts)
    assert set(outcomes) <= {"confirmed", "refused"}, outcomes  # every checkout has an answer
    confirmed = [checkout for checkout in load.checkouts if checkout.outcome == "confirmed"]
    assert len({checkout.number for checkout in confirmed}) == len(confirmed)

    orders = {
        number: (username, token, status)
        for number, username, token, status in database.query(
            "SELECT o.number, u.username, o.checkout_token::text, o.status"
            " FROM orders o JOIN users u ON u.id = o.user_id"
        )
    }
    items: dict[str, dict[int, int]] = defaultdict(dict)
    for number, product_id, quantity in database.query(
        "SELECT o.number, i.product_id, i.quantity FROM order_items i JOIN orders o"
        " ON o.id = i.order_id"
    ):
        items[number][product_id] = quantity

    # None lost: every confirmed order is there, the shopper's, with its form's token and lines.
    for checkout in confirmed:
        assert checkout.number in orders, f"confirmed order {checkout.number} is lost"
        username, token, _ = orders[checkout.number]
        assert (username, token) == (USERNAMES[checkout.shopper], checkout.token)
        assert items[checkout.number] == checkout.lines, checkout
    # None doubled: each shopper has exactly the orders they saw confirmed.
    for index, username in enumerate(USERNAMES):
        theirs = {number for number, (user, _, _) in orders.items() if user == username}
        seen = {checkout.number for checkout in confirmed if checkout.shopper == index}
        assert theirs == seen, f"{username}: orders {theirs - seen} never confirmed"
    assert set(items) == set(orders)  # no order without items
    assert load.double_submits and all(first == again for first, again in load.double_submits)
    cancelled = {number for number, (_, _, status) in orders.items() if status == "cancelled"}
    assert cancelled == load.cancelled

    # Stock: before - sold (orders not cancelled) = after, for every product; never negative.
    sold: Counter[int] = Counter()
    for checkout in confirmed:
        if checkout.number not in cancelled:
            sold.update(checkout.lines)
    stock_after = database.stock()
    assert {pid: stock_before[pid] - sold[pid] for pid in stock_before} == stock_after
    assert min(stock_after.values()) >= 0
    assert stock_after[product_ids[SCARCE]] < SCARCE_STOCK

    refused = [checkout for checkout in load.checkouts if checkout.outcome == "refused"]
    for checkout in refused:
        assert checkout.messages and all("Scarce Lamp" in text for text in checkout.messages)

    assert recovery < RECOVERY_BOUND, summary
    assert confirmed_before > 0 and load.confirmed(since=accepting_at) > 0, summary


@pytest.mark.django_db
def test_a_session_save_cut_off_by_the_database_is_a_503_not_a_400(client):
    """The restart above, at its worst moment and every time: the database goes away while the
    session is saved (after the view's work, an order say, is done). Django calls that
    SessionInterrupted, a 400 "the session was deleted"; the shopper must get the 503 that says
    to try again (ecommerce/errors.py)."""
    user = UserFactory()
    CartItemFactory(cart=CartFactory(user=user))
    client.force_login(user)

    def database_gone_at_session_save(execute, sql, params, many, context):
        if sql.startswith('UPDATE "django_session"'):
            raise OperationalError("terminating connection due to administrator command")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(database_gone_at_session_save):
        response = client.get("/checkout/")  # puts the checkout token in the session

    assert response.status_code == 503
    assert response["Retry-After"] == "15"
    assert "Back in a moment" in response.content.decode()
