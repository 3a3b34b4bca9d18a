"""Two shop processes behind one address share PostgreSQL and Redis: a shopper's session and
cart follow them from one process to the other (real gunicorn, PostgreSQL and redis-server)."""

import re
import secrets
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.gunicorn import GunicornServer, minimal_env
from tests.support.postgres import PostgresServer
from tests.support.redis import RedisServer

REPO_ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str, env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def redis() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


@pytest.fixture(scope="module")
def two_shops(redis, tmp_path_factory) -> Iterator[tuple[GunicornServer, GunicornServer]]:
    with PostgresServer() as postgres:
        env = {
            **minimal_env(),
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_STATIC_ROOT": str(tmp_path_factory.mktemp("static")),
            "DATABASE_URL": postgres.url,
            "REDIS_URL": redis.url,
        }
        for command in (
            ["migrate", "--no-input"],
            ["collectstatic", "--no-input"],
            ["seed_demo", "--products", "6"],
        ):
            manage(*command, env=env)  # fmt: skip
        args = ["--workers", "1"]
        with (
            GunicornServer(env=env, inherit_env=False, args=args) as first,
            GunicornServer(env=env, inherit_env=False, args=args) as second,
        ):
            yield first, second


def cookies_from(response, jar: dict[str, str]) -> dict[str, str]:
    for header in response.headers.get_all("Set-Cookie") or []:
        name, value = header.split(";", 1)[0].split("=", 1)
        jar[name] = value
    return jar


def cookie_header(jar: dict[str, str]) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{name}={value}" for name, value in jar.items())}


def redis_keys(redis: RedisServer, pattern: str) -> bytes:
    with socket.create_connection(("127.0.0.1", redis.port), timeout=2) as connection:
        connection.sendall(f"KEYS {pattern}\r\n".encode())
        return connection.recv(65536)


def test_a_cart_started_on_one_process_is_there_on_the_other(two_shops, redis):
    first, second = two_shops
    jar = cookies_from(first.request("GET", "/accounts/login/"), {})
    added = first.request(
        "POST",
        "/cart/add/" + demo_product_slug(first) + "/",
        body=f"quantity=2&csrfmiddlewaretoken={jar['csrftoken']}".encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", **cookie_header(jar)},
    )
    assert added.status == 302, added.text
    cookies_from(added, jar)

    cart = second.request("GET", "/cart/", headers=cookie_header(jar))
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
