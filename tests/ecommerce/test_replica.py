"""The optional read replica, with two real PostgreSQL servers under a real gunicorn.

The "replica" here is a second server holding a different catalog, so every page shows which
database it read: catalog GETs from the replica, everything else, and a client's requests just
after its own write, from the primary.
"""

import re
from collections.abc import Iterator

import pytest

from tests.support.gunicorn import GunicornServer
from tests.support.postgres import PostgresServer
from tests.support.shop import CookieJar, manage_ok, production_env

REPLICA_ADDRESS = "127.0.0.2"  # same port as the primary, as an RDS replica has


def add_product(env: dict[str, str], name: str) -> None:
    manage_ok(
        "shell",
        "-c",
        "from catalog.models import Category, Product; "
        "category, _ = Category.objects.get_or_create(slug='lamps', defaults={'name': 'Lamps'}); "
        f"Product.objects.create(category=category, name={name!r}, slug={name.lower()!r}, "
        f"sku={name.upper()!r}, price=10, stock=5)",
        env=env,
    )


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Iterator[GunicornServer]:
    with (
        PostgresServer() as primary,
        PostgresServer(
            port=primary.port,
            password=primary.password,
            extra_conf={"listen_addresses": REPLICA_ADDRESS},
        ) as replica,
    ):
        env = production_env(
            tmp_path_factory.mktemp("static"),
            DB_HOST="127.0.0.1",
            DB_PORT=str(primary.port),
            DB_NAME="postgres",
            DB_USERNAME="postgres",
            DB_PASSWORD=primary.password,
        )
        manage_ok("collectstatic", "--no-input", env=env)
        for server, name in ((primary, "Primarylamp"), (replica, "Replicalamp")):
            server_env = {**env, "DB_HOST": server.host if server is primary else REPLICA_ADDRESS}
            manage_ok("migrate", "--no-input", env=server_env)
            add_product(server_env, name)
        app_env = {**env, "DB_REPLICA_HOST": REPLICA_ADDRESS}
        with GunicornServer(env=app_env, inherit_env=False, args=["--workers", "1"]) as server:
            yield server


def product_names(response) -> set[str]:
    return set(re.findall(r"(Primarylamp|Replicalamp)", response.text))


def test_catalog_pages_read_from_the_replica(shop):
    assert product_names(shop.request("GET", "/products/")) == {"Replicalamp"}
    assert shop.request("GET", "/products/replicalamp/").status == 200
    assert shop.request("GET", "/products/primarylamp/").status == 404


def test_a_write_and_the_writers_next_reads_go_to_the_primary(shop):
    jar = CookieJar().update_from(shop.request("GET", "/accounts/login/"))
    added = shop.request(
        "POST",
        "/cart/add/primarylamp/",  # only the primary has this product
        body=f"quantity=1&csrfmiddlewaretoken={jar['csrftoken']}".encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", **jar.header()},
    )
    assert added.status == 302, added.text
    jar.update_from(added)
    assert jar["pin_primary"] == "1"

    cart = shop.request("GET", "/cart/", headers=jar.header())
    assert product_names(cart) == {"Primarylamp"}
    assert product_names(shop.request("GET", "/products/", headers=jar.header())) == {"Primarylamp"}
    # Another shopper, who has written nothing, still reads the replica.
    assert product_names(shop.request("GET", "/products/")) == {"Replicalamp"}


def test_health_checks_the_primary(shop):
    assert shop.request("GET", "/health/").status == 200
