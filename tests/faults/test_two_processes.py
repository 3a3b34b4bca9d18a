"""Two shop processes behind a round-robin reverse proxy, sharing PostgreSQL and Redis.

The proxy (tests/support/http_proxy.py) plays the load balancer: each request goes to the next
process in turn, so consecutive requests of one shopper land on different processes. Each
request carries a trace id of the proxy's, which the shop logs as the request id: the tests
check in both processes' own logs that the requests really reached both.

- A shopper's session and cart follow them from one process to the other: an anonymous cart,
  the sign-in that merges it, the checkout token, the order placed and shown.
- A race for the last units across both processes never oversells: 20 shoppers want the last 5
  units and press Place order at once; exactly 5 orders, stock 0, and each of the 15 others is
  sent back to the cart and told which product ran out. Visitors without a session, whose
  pages both processes serve from the shared cache, see "Out of stock" on both right after.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis

from tests.support.http_proxy import RoundRobinProxy
from tests.support.shoppers import Reply, Shopper, shop_env, shop_server

RACERS = 20
LAST_UNITS = 5
USERNAMES = ["traveller", *(f"racer{index:02d}" for index in range(RACERS))]
PRODUCTS = {"travel-mug": 1000, "last-lamp": LAST_UNITS}


@pytest.fixture(scope="module")
def shops(shop_template, faults_static_root, faults_redis):
    """The two processes (one worker each, as two small tasks) behind the proxy."""
    database = shop_template.copy("faults_two_processes")
    product_ids = database.seed(products=PRODUCTS, shoppers=USERNAMES)
    # One secret key and one release, as two tasks of one image.
    env = shop_env(
        database, faults_static_root, REDIS_URL=faults_redis.url, RELEASE_ID="two-processes"
    )
    first, second = shop_server(env, workers=1), shop_server(env, workers=1)
    with first, second, RoundRobinProxy([(s.host, s.port) for s in (first, second)]) as proxy:
        yield database, (first, second), proxy, product_ids
    first.cleanup()
    second.cleanup()


def served_by(servers, trace_id: str) -> list[int]:
    """Which processes logged the request with this trace id (as their request id)."""
    return [index for index, server in enumerate(servers) if f'"{trace_id}"' in server.stdout]


def test_the_session_and_cart_follow_the_shopper_from_one_process_to_the_other(shops):
    database, servers, proxy, product_ids = shops
    mug = product_ids["travel-mug"]
    shopper = Shopper(proxy.port)
    first_hop = len(proxy.hops)

    added = shopper.add_to_cart("travel-mug", 2)  # anonymous: a session cart
    assert added.status == 302, added.body[:300]
    cart, lines = shopper.cart()
    assert cart.status == 200 and lines == {mug: 2}
    assert 'aria-label="2 items in cart"' in cart.body
    assert added.backend != cart.backend  # added on one process, shown by the other

    assert shopper.sign_in("traveller").status == 302  # merges the anonymous cart
    cart, lines = shopper.cart()
    assert lines == {mug: 2}
    pages = [shopper.checkout_page() for _ in range(2)]
    assert {reply.backend for reply, _ in pages} == {0, 1}
    tokens = {token for _, token in pages}
    assert len(tokens) == 1 and None not in tokens  # one checkout token, kept in the session

    placed = shopper.place_order(tokens.pop())
    assert placed.order_number, placed.body[:300]
    shown = [shopper.get(placed.location) for _ in range(2)]
    assert [reply.status for reply in shown] == [200, 200]
    assert {reply.backend for reply in shown} == {0, 1}
    assert database.query(
        "SELECT count(*), sum(i.quantity) FROM orders o JOIN order_items i ON i.order_id = o.id"
        " WHERE o.number = %s AND i.product_id = %s",
        [placed.order_number, mug],
    ) == [(1, 2)]
    _, lines = shopper.cart()
    assert lines == {}

    hops = proxy.hops[first_hop:]
    assert Counter(hop.backend for hop in hops).keys() == {0, 1}
    for hop in hops:  # each request is in the log of the process it was sent to, and only there
        assert served_by(servers, hop.trace_id) == [hop.backend], hop


def visitors_see(proxy, path: str) -> list[Reply]:
    """Two visitors without cookies, one after the other: one on each process."""
    replies = [Shopper(proxy.port).get(path) for _ in range(2)]
    assert [reply.status for reply in replies] == [200, 200]
    assert {reply.backend for reply in replies} == {0, 1}
    return replies


def cached_catalog_pages(redis_url: str) -> list[bytes]:
    return redis.Redis.from_url(redis_url).keys("*catalog-pages:*")


def test_a_race_for_the_last_units_across_both_processes_never_oversells(shops, faults_redis):
    database, servers, proxy, product_ids = shops
    lamp = product_ids["last-lamp"]
    racers = [Shopper(proxy.port) for _ in range(RACERS)]
    # Rendered and cached by the first visitor, served from the cache by both processes after.
    path = "/products/last-lamp/"
    views = visitors_see(proxy, path) + visitors_see(proxy, path)
    assert [view.headers["X-Page-Cache"] for view in views] == ["miss", "hit", "hit", "hit"]
    for reply in views:
        assert f"Only {LAST_UNITS} left" in reply.body
    assert cached_catalog_pages(faults_redis.url)

    def get_ready(shopper: Shopper, username: str) -> str:
        assert shopper.sign_in(username).status == 302
        assert shopper.add_to_cart("last-lamp", 1).status == 302
        _, token = shopper.checkout_page()
        assert token is not None
        return token

    with ThreadPoolExecutor(4) as pool:
        tokens = list(pool.map(get_ready, racers, USERNAMES[1:]))

    start = threading.Barrier(RACERS)
    first_hop = len(proxy.hops)

    def place(shopper: Shopper, token: str):
        start.wait(timeout=30)
        return shopper.place_order(token)

    with ThreadPoolExecutor(RACERS) as pool:
        replies = list(pool.map(place, racers, tokens))

    answers = Counter((reply.status, reply.order_number or reply.location) for reply in replies)
    winners = {reply.order_number for reply in replies if reply.order_number}
    assert len(winners) == LAST_UNITS, answers
    lost = [(reply.error, reply.elapsed) for reply in replies if reply.status is None]
    assert answers[(302, "/cart/")] == RACERS - LAST_UNITS, (answers, lost)
    assert database.query("SELECT stock FROM products WHERE id = %s", [lamp]) == [(0,)]
    ordered = database.query(
        "SELECT o.number, i.quantity FROM orders o JOIN order_items i ON i.order_id = o.id"
        " WHERE i.product_id = %s",
        [lamp],
    )
    assert sorted(ordered) == sorted((number, 1) for number in winners)

    for reply in visitors_see(proxy, "/products/last-lamp/"):
        assert "Out of stock" in reply.body and "Add to cart" not in reply.body

    losers = [racer for racer, reply in zip(racers, replies, strict=True) if not reply.order_number]
    for shopper in losers:
        cart, lines = shopper.cart()
        assert ("error", "Last Lamp is out of stock.") in cart.messages(), cart.messages()
        assert lines == {lamp: 1}  # the cart is kept; the shopper decides

    placing = [hop for hop in proxy.hops[first_hop:] if hop.method == "POST"]
    assert len(placing) == RACERS
    assert Counter(hop.backend for hop in placing).keys() == {0, 1}
    for hop in placing:
        assert served_by(servers, hop.trace_id) == [hop.backend], hop
