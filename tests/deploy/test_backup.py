"""`make backup` and `make restore` (deploy/db_backup.py): a shop survives the round trip.

A shop with a catalog, reviews and orders (placed, paid, cancelled) lives in a fresh database on
the suite's PostgreSQL server. `make backup` dumps it as a read-only user like RDS's
`backup_user`; `make restore` loads it into another fresh database as that database's owner,
not a superuser, as on RDS. The restored shop must hold the same catalog, orders and totals
(read through the shop's own models in both databases) and serve them over HTTP to the
shopper who placed the orders, and take new orders. The databases and roles have unique names
and are dropped afterwards.
"""

from __future__ import annotations

import html
import json
import os
import re
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import sql

from tests.support.gunicorn import GunicornServer
from tests.support.postgres import PostgresServer
from tests.support.shop import PROJECT_ROOT, manage_ok, production_env
from tests.support.shoppers import Shopper, run_manage

SHOPPER = "restorer"
SHOPPER_PASSWORD = "correct horse battery staple"

# Orders placed through the shop's services: one paid, one cancelled, one pending; a review.
ORDERS_CODE = """
import json, os, uuid
from django.contrib.auth import get_user_model
from catalog.models import Product
from orders.models import Cart, Order
from orders.services import (
    ShippingDetails, add_to_cart, cancel_order, change_order_status, place_order,
)
from reviews.services import submit_review

user = get_user_model().objects.create_user(
    os.environ["SHOPPER"], f"{os.environ['SHOPPER']}@example.com", os.environ["SHOPPER_PASSWORD"]
)
shipping = ShippingDetails(
    email=user.email, name="Ada Lovelace", address="1 Analytical Street", postal_code="10115",
    city="Berlin", country="DE",
)
products = list(Product.objects.filter(stock__gte=5).order_by("pk")[:5])
numbers = []
for chosen, quantity in ((products[:2], 1), (products[2:4], 2), (products[4:], 3)):
    cart, _ = Cart.objects.get_or_create(user=user)
    for product in chosen:
        add_to_cart(cart=cart, product=product, quantity=quantity)
    order, _ = place_order(user=user, shipping=shipping, checkout_token=uuid.uuid4())
    numbers.append(order.number)
change_order_status(order=Order.objects.get(number=numbers[0]), status=Order.Status.PAID)
cancel_order(order=Order.objects.get(number=numbers[1]))
submit_review(user=user, product=products[0], rating=4, title="Survived a restore", body="Yes.")
print("ORDERS " + json.dumps(numbers))
"""

# What a shop holds, read through its models: compared between the original and the restore.
SNAPSHOT_CODE = """
import json
from catalog.models import Category, Product
from orders.models import Order
from reviews.models import Review
from django.contrib.auth import get_user_model

print("SNAPSHOT " + json.dumps({
    "categories": sorted(Category.objects.values_list("slug", "name", "parent__slug", "is_active")),
    "products": [
        [p.sku, p.name, str(p.price), p.stock, p.is_active, str(p.rating_average), p.rating_count]
        for p in Product.objects.order_by("sku")
    ],
    "search": list(Product.objects.search("lamp").values_list("sku", flat=True)[:5]),
    "orders": [
        [o.number, o.user.username, o.status, str(o.subtotal), str(o.shipping_cost), str(o.total),
         [[i.product_sku, i.product_name, str(i.unit_price), i.quantity] for i in o.items.all()]]
        for o in Order.objects.order_by("number").select_related("user").prefetch_related("items")
    ],
    "reviews": sorted(
        [r.user.username, r.product.sku, r.rating, r.title, r.status]
        for r in Review.objects.select_related("user", "product")
    ),
    "users": sorted(get_user_model().objects.values_list("username", "email", "is_active")),
}))
"""


@dataclass
class Database:
    """A database and a role to connect with, on the server at host:port."""

    host: str
    port: int
    name: str
    user: str
    password: str

    def env(self, **variables: str) -> dict[str, str]:
        """The DB_* variables, as the shop and deploy/db_backup.py read them."""
        return {
            "DB_HOST": self.host,
            "DB_PORT": str(self.port),
            "DB_NAME": self.name,
            "DB_USERNAME": self.user,
            "DB_PASSWORD": self.password,
            **variables,
        }

    def as_user(self, user: str, password: str) -> Database:
        return Database(self.host, self.port, self.name, user, password)


@dataclass
class RoundTrip:
    source: Database  # as its owner
    target: Database  # as its owner (the same role), empty until restored
    reader: str
    reader_password: str
    order_numbers: list[str]
    static_root: Path


@pytest.fixture(scope="module")
def superuser_url() -> Iterator[str]:
    """The suite's PostgreSQL server (make test's DATABASE_URL), or one of our own."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        yield url
        return
    with PostgresServer() as server:
        yield server.url


@pytest.fixture(scope="module")
def round_trip(superuser_url, tmp_path_factory) -> Iterator[RoundTrip]:
    tag = secrets.token_hex(4)
    owner, reader = f"bk_{tag}_owner", f"bk_{tag}_reader"
    source_name, target_name = f"bk_{tag}_shop", f"bk_{tag}_restored"
    passwords = {
        owner: "pw-" + secrets.token_urlsafe(18),
        reader: "pw-" + secrets.token_urlsafe(18),
    }
    server = urlsplit(superuser_url)
    admin = psycopg.connect(superuser_url, autocommit=True)
    try:
        for role, password in passwords.items():
            admin.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                    sql.Identifier(role), sql.Literal(password)
                )
            )
        # As bootstrap_databases makes backup_user.
        admin.execute(sql.SQL("GRANT pg_read_all_data TO {}").format(sql.Identifier(reader)))
        admin.execute(
            sql.SQL("ALTER ROLE {} SET default_transaction_read_only = on").format(
                sql.Identifier(reader)
            )
        )
        for name in (source_name, target_name):
            admin.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(name), sql.Identifier(owner)
                )
            )
        source = Database(server.hostname, server.port, source_name, owner, passwords[owner])
        static_root = tmp_path_factory.mktemp("backup-static")
        env = production_env(static_root, **source.env())
        manage_ok("collectstatic", "--no-input", "-v0", env=env)
        manage_ok("migrate", "--no-input", "-v0", env=env)
        manage_ok("seed_demo", "--products", "24", env=env)
        output = run_manage(
            "shell",
            "-c",
            ORDERS_CODE,
            env={**env, "SHOPPER": SHOPPER, "SHOPPER_PASSWORD": SHOPPER_PASSWORD},
        )
        numbers = json.loads(re.search(r"^ORDERS (.*)$", output, re.M).group(1))
        yield RoundTrip(
            source=source,
            target=Database(server.hostname, server.port, target_name, owner, passwords[owner]),
            reader=reader,
            reader_password=passwords[reader],
            order_numbers=numbers,
            static_root=static_root,
        )
    finally:
        for name in (source_name, target_name):
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        for role in (reader, owner):
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
        admin.close()


def make(target: str, *variables: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """`make TARGET VAR=value...` in the project, as an operator types it."""
    clean = {k: v for k, v in env.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    return subprocess.run(
        ["make", "--no-print-directory", target, *variables],
        cwd=PROJECT_ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def base_env(**variables: str) -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
    return {**{k: os.environ[k] for k in keep if k in os.environ}, **variables}


def snapshot(database: Database, static_root: Path) -> dict:
    output = run_manage(
        "shell", "-c", SNAPSHOT_CODE, env=production_env(static_root, **database.env())
    )
    return json.loads(re.search(r"^SNAPSHOT (.*)$", output, re.M).group(1))


@pytest.fixture(scope="module")
def backup_dir(round_trip, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("backups")
    reading = round_trip.source.as_user(round_trip.reader, round_trip.reader_password)
    result = make(
        "backup", f"DATABASES={reading.name}", env=base_env(**reading.env(), BACKUP_ROOT=str(root))
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert round_trip.reader_password not in result.stdout + result.stderr
    [directory] = root.iterdir()
    return directory


@pytest.fixture(scope="module")
def restored(round_trip, backup_dir) -> subprocess.CompletedProcess:
    mapping = f"{round_trip.source.name}:{round_trip.target.name}"
    result = make(
        "restore",
        f"BACKUP={backup_dir}",
        f"DATABASES={mapping}",
        env=base_env(**round_trip.target.env()),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_backup_writes_a_custom_format_dump_and_its_manifest(round_trip, backup_dir):
    assert re.fullmatch(r"\d{8}T\d{6}Z", backup_dir.name)
    assert oct(backup_dir.stat().st_mode & 0o777) == "0o700"
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    [entry] = manifest["databases"]
    dump = backup_dir / entry["file"]
    assert entry["name"] == round_trip.source.name
    assert dump.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    assert entry["bytes"] == dump.stat().st_size
    assert re.fullmatch(r"[0-9a-f]{64}", entry["sha256"])
    assert re.match(r"\d+\.\d+", manifest["server_version"])
    assert round_trip.reader_password not in (backup_dir / "manifest.json").read_text()


def test_the_restored_shop_holds_the_same_catalog_orders_and_totals(round_trip, restored):
    assert f"{round_trip.target.name}: restored from {round_trip.source.name}.dump" in (
        restored.stdout
    )
    original = snapshot(round_trip.source, round_trip.static_root)
    copy = snapshot(round_trip.target, round_trip.static_root)
    assert len(original["products"]) >= 24 and original["reviews"] and original["search"]
    # The demo shoppers' orders (seed_demo), and the ones this test placed.
    assert set(round_trip.order_numbers) <= {number for number, *_ in original["orders"]}
    assert copy == original


def test_the_restored_shop_serves_the_orders_and_takes_new_ones(round_trip, restored):
    original = dict(
        query(
            round_trip.source,
            "SELECT o.number, o.total::text FROM orders o JOIN users u ON u.id = o.user_id"
            " WHERE u.username = %s",
            (SHOPPER,),
        )
    )
    assert sorted(original) == sorted(round_trip.order_numbers)
    env = production_env(round_trip.static_root, **round_trip.target.env())
    with GunicornServer(env=env, inherit_env=False, args=["--workers", "1"]) as server:
        shopper = Shopper(server.port)
        assert shopper.sign_in(SHOPPER, SHOPPER_PASSWORD).status == 302
        for number, total in original.items():
            page = shopper.get(f"/orders/{number}/")
            assert page.status == 200
            assert f'<dd class="grand-total">€{total}</dd>' in page.body
        [(slug, name)] = query(
            round_trip.target,
            "SELECT slug, name FROM products WHERE stock > 0 AND is_active ORDER BY id LIMIT 1",
        )
        assert html.escape(name) in shopper.get("/products/").body
        # The sequences came back with the rows: a new order gets a new primary key.
        assert shopper.add_to_cart(slug).status == 302
        _, token = shopper.checkout_page()
        assert shopper.place_order(token).order_number not in (None, *original)


def query(database: Database, statement: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(
        host=database.host,
        port=database.port,
        dbname=database.name,
        user=database.user,
        password=database.password,
        connect_timeout=5,
    ) as connection:
        return connection.execute(statement, params).fetchall()


def test_restore_refuses_a_database_that_holds_tables_unless_forced(
    round_trip, backup_dir, restored
):
    mapping = f"DATABASES={round_trip.source.name}:{round_trip.target.name}"
    env = base_env(**round_trip.target.env())
    refused = make("restore", f"BACKUP={backup_dir}", mapping, env=env)
    assert refused.returncode != 0
    assert (
        f"db_backup: Database {round_trip.target.name} on {round_trip.target.user}@"
        in refused.stderr
    )
    assert "already holds" in refused.stderr and "FORCE=1" in refused.stderr

    forced = make("restore", f"BACKUP={backup_dir}", mapping, "FORCE=1", env=env)
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert snapshot(round_trip.target, round_trip.static_root) == snapshot(
        round_trip.source, round_trip.static_root
    )


def test_backup_names_a_database_missing_from_the_server(round_trip, tmp_path):
    reading = round_trip.source.as_user(round_trip.reader, round_trip.reader_password)
    env = base_env(**reading.env(), BACKUP_ROOT=str(tmp_path))
    result = make("backup", f"DATABASES={reading.name},no_such_db", env=env)
    assert result.returncode != 0
    assert "db_backup: No database no_such_db on " in result.stderr
    assert f"DATABASES={reading.name}" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_restore_refuses_a_dump_that_does_not_match_its_manifest(round_trip, backup_dir, tmp_path):
    copy = shutil.copytree(backup_dir, tmp_path / backup_dir.name)
    dump = copy / f"{round_trip.source.name}.dump"
    dump.write_bytes(dump.read_bytes()[:-100])
    mapping = f"DATABASES={round_trip.source.name}:{round_trip.target.name}"
    result = make(
        "restore", f"BACKUP={copy}", mapping, "FORCE=1", env=base_env(**round_trip.target.env())
    )
    assert result.returncode != 0
    assert "does not match its sha256 in the manifest" in result.stderr
