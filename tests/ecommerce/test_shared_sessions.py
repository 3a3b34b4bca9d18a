"""Two shop processes behind one address share PostgreSQL and Redis: a shopper's session and
cart follow them from one process to the other (real gunicorn, PostgreSQL and redis-server)."""

import re
import socket
from collections.abc import Iterator

import pytest

from tests.support.gunicorn import GunicornServer
from tests.support.postgres import PostgresServer
from tests.support.redis import RedisServer
from tests.support.shop import CookieJar, manage_ok, production_env


@pytest.fixture(scope="module")
def redis() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


@pytest.fixture(scope="module")
def two_shops(redis, tmp_path_factory) -> Iterator[tuple[GunicornServer, GunicornServer]]:
    with PostgresServer() as postgres:
        env = production_env(
            tmp_path_factory.mktemp("static"), DATABASE_URL=postgres.url, REDIS_URL=redis.url
        )
        for command in (
            ["migrate", "--no-input"],
            ["collectstatic", "--no-input"],
            ["seed_demo", "--products", "6"],
        ):
            manage_ok(*command, env=env)  # fmt: skip
        args = ["--workers", "1"]
        with (
            GunicornServer(env=env, inherit_env=False, args=args) as first,
            GunicornServer(env=env, inherit_env=False, args=args) as second,
        ):
            yield first, second


def redis_keys(redis: RedisServer, pattern: str) -> bytes:
    with socket.create_connection(("127.0.0.1", redis.port), timeout=2) as connection:
        connection.sendall(f"KEYS {pattern}\r\n".encode())
        return connection.recv(65536)


def test_a_cart_started_on_one_process_is_there_on_the_other(two_shops, redis):
    first, second = two_shops
    jar = CookieJar().update_from(first.request("GET", "/accounts/login/"))
    added = first.request(
        "POST",
        "/cart/add/" + demo_product_slug(first) + "/",
        body=f"quantity=2&csrfmiddlewaretoken={jar['csrftoken']}".encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", **jar.header()},
    )
    assert added.status == 302, added.text
    jar.update_from(added)

    cart = second.request("GET", "/cart/", headers=jar.header())
    assert cart.status == 200
    assert 'aria-label="2 items in cart"' in cart.text
    assert b"django.contrib.sessions.cached_db" in redis_keys(redis, "storefront*")


def demo_product_slug(shop: GunicornServer) -> str:
    listing = shop.request("GET", "/products/?in_stock=1").text
    return re.findall(r'href="/products/([a-z0-9-]+)/"', listing)[0]


def test_both_processes_report_the_shared_cache_healthy(two_shops):
    for shop in two_shops:
        response = shop.request("GET", "/health/")
        assert response.status == 200, response.text
