"""Many shoppers at once against the shop run as in production: for the fault tests.

Built on tests/support/shop.py (manage.py, the production-like environment, the cookie jar):

- `ShopDatabase`: role `shop` owning a database on a `PostgresServer`. `create_template()`
  migrates one database once; `copy()` clones it for a test in a fraction of a second
  (`CREATE DATABASE ... TEMPLATE`). `seed()` adds products of known stock and shoppers who can
  sign in with their password; `query()` reads the result back.
- `shop_server()`: a `GunicornServer` (tests/support/gunicorn.py) serving the shop on a database,
  as the container runs it.
- `Shopper`: one shopper's browser. An HTTP client with its own cookie jar that fills the shop's
  forms as a person would (CSRF token included) and never raises: a lost answer is a `Reply`
  with status None. It talks to one address: a shop process, or a proxy in front of several
  (tests/support/http_proxy.py).
"""

from __future__ import annotations

import html
import http.client
import json
import re
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from email.message import Message
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import psycopg

from tests.support.gunicorn import GunicornServer
from tests.support.postgres import PostgresServer
from tests.support.shop import PROJECT_ROOT, CookieJar, manage, production_env

SHOPPER_PASSWORD = "correct horse battery staple"
SHIPPING = {
    "email": "ada@example.com",
    "name": "Ada Lovelace",
    "address": "1 Analytical Street",
    "postal_code": "10115",
    "city": "Berlin",
    "country": "DE",
}
ORDER_PATH = re.compile(r"/orders/([0-9A-Z]+)/")
CART_LINE = re.compile(r'id="quantity-(\d+)" name="quantity" value="(\d+)"')
CHECKOUT_TOKEN = re.compile(r'name="checkout_token" value="([^"]+)"')
MESSAGE = re.compile(r'<li class="message message-(\w+)">(.*?)</li>', re.S)


def run_manage(*args: str, env: Mapping[str, str]) -> str:
    """`manage.py ARGS`; its stdout, or an AssertionError with its output when it fails."""
    result = manage(*args, env=dict(env))
    assert result.returncode == 0, f"manage.py {args[0]}:\n{result.stdout}{result.stderr}"
    return result.stdout


# --- the shop's database -----------------------------------------------------------------------

# Run by `manage.py shell -c` with the spec in SHOP_SEED: one category, the products, and the
# shoppers, who all get the same password hash (hashed once: PBKDF2 takes 0.3 s a time here).
SEED_CODE = """
import json, os
from decimal import Decimal
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from catalog.models import Category, Product

spec = json.loads(os.environ["SHOP_SEED"])
category, _ = Category.objects.get_or_create(slug="faults", defaults={"name": "Faults"})
ids = {}
for product in spec["products"]:
    ids[product["slug"]] = Product.objects.create(
        category=category, slug=product["slug"], name=product["name"], sku=product["slug"].upper(),
        price=Decimal(product["price"]), stock=product["stock"], description="For the tests.",
    ).pk
password = make_password(spec["password"])
User = get_user_model()
User.objects.bulk_create(
    User(username=name, email=f"{name}@example.com", password=password) for name in spec["shoppers"]
)
print("SEEDED " + json.dumps(ids))
"""


@dataclass
class ShopDatabase:
    """Role `role` owning database `name` on `pg`, migrated."""

    pg: PostgresServer
    name: str
    password: str
    role: str = "shop"

    @classmethod
    def create_template(cls, pg: PostgresServer, name: str = "shop_template") -> ShopDatabase:
        """Create role `shop` and database `name`, and migrate it: the template of `copy()`."""
        password = "pw-" + secrets.token_urlsafe(18)
        pg.psql("CREATE ROLE shop LOGIN PASSWORD :'password'", variables={"password": password})
        pg.psql(f'CREATE DATABASE "{name}" OWNER shop')
        database = cls(pg, name, password)
        run_manage("migrate", "--no-input", "-v0", env=database.command_env())
        return database

    def copy(self, name: str) -> ShopDatabase:
        """A new database with this one's contents (nobody may be connected to this one)."""
        self.pg.psql(f'CREATE DATABASE "{name}" TEMPLATE "{self.name}" OWNER "{self.role}"')
        return ShopDatabase(self.pg, name, self.password, self.role)

    def env(self) -> dict[str, str]:
        """The DB_* variables of the deployment documents for this database."""
        return {
            "DB_HOST": self.pg.host,
            "DB_PORT": str(self.pg.port),
            "DB_NAME": self.name,
            "DB_USERNAME": self.role,
            "DB_PASSWORD": self.password,
        }

    def command_env(self, **variables: str) -> dict[str, str]:
        """The environment of a manage.py command on this database (no static files needed)."""
        return production_env(PROJECT_ROOT / "staticfiles", **self.env(), **variables)

    def query(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        """Rows of one SQL statement, on a connection of its own."""
        with psycopg.connect(
            host=self.pg.host, port=self.pg.port, dbname=self.name, user=self.role,
            password=self.password, connect_timeout=5, autocommit=True,
        ) as connection:  # fmt: skip
            return connection.execute(sql, params).fetchall()

    def accepts_connections(self) -> bool:
        try:
            return self.query("SELECT 1") == [(1,)]
        except psycopg.OperationalError:
            return False

    def seed(
        self,
        *,
        products: Mapping[str, int],
        shoppers: Sequence[str] = (),
        price: Decimal = Decimal("10.00"),
    ) -> dict[str, int]:
        """Add products (slug: stock, named after the slug) and shoppers who sign in with
        SHOPPER_PASSWORD; return the products' ids by slug."""
        spec = {
            "products": [
                {
                    "slug": slug,
                    "name": slug.replace("-", " ").title(),
                    "price": str(price),
                    "stock": stock,
                }
                for slug, stock in products.items()
            ],
            "shoppers": list(shoppers),
            "password": SHOPPER_PASSWORD,
        }
        output = run_manage(
            "shell", "-c", SEED_CODE, env=self.command_env(SHOP_SEED=json.dumps(spec))
        )
        seeded = [line for line in output.splitlines() if line.startswith("SEEDED ")]
        return json.loads(seeded[-1].removeprefix("SEEDED "))

    def stock(self) -> dict[int, int]:
        return dict(self.query("SELECT id, stock FROM products"))


def shop_env(database: ShopDatabase, static_root: Path, **variables: str) -> dict[str, str]:
    """The production-like environment of the shop on `database`. Processes that share
    sessions must share one such environment: it holds a fresh secret key. The load tests' few
    shoppers order far more often than an account may (SHOP_MAX_ORDERS_PER_HOUR)."""
    return production_env(
        static_root, **database.env(), SHOP_MAX_ORDERS_PER_HOUR="1000000", **variables
    )


def shop_server(env: Mapping[str, str], *, workers: int = 2) -> GunicornServer:
    """gunicorn serving the shop as the container does (gunicorn.conf.py: gthread, 4 threads a
    worker), not started yet."""
    args = ["--workers", str(workers), "--graceful-timeout", "3"]
    return GunicornServer(env=dict(env), inherit_env=False, args=args)


# --- shoppers ---------------------------------------------------------------------------------


@dataclass
class Reply:
    """One HTTP answer (status None: none came: refused, reset or timed out; see `error`)."""

    method: str
    path: str
    status: int | None
    headers: Message
    body: str
    started: float  # time.monotonic()
    elapsed: float
    error: str = ""

    @property
    def location(self) -> str:
        return urlsplit(self.headers.get("Location", "")).path

    @property
    def order_number(self) -> str | None:
        """The number of the order a redirect leads to (checkout's confirmation), else None."""
        match = ORDER_PATH.fullmatch(self.location)
        return match.group(1) if match else None

    @property
    def backend(self) -> int | None:
        """Which backend answered, when the reply came through tests/support/http_proxy.py."""
        value = self.headers.get("X-Backend")
        return int(value) if value is not None else None

    def messages(self) -> list[tuple[str, str]]:
        """The page's messages to the shopper: (level, text)."""
        return [(level, html.unescape(text).strip()) for level, text in MESSAGE.findall(self.body)]


class Shopper:
    """One shopper's browser against the shop on `host:port`: its own cookies (session, CSRF,
    messages), a new connection for every request, and no redirect followed. Not thread-safe:
    one thread per shopper."""

    def __init__(self, port: int, host: str = "127.0.0.1", *, timeout: float = 30.0) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.cookies = CookieJar()

    def __repr__(self) -> str:
        return f"<Shopper of {self.host}:{self.port}>"

    def request(self, method: str, path: str, *, form: Mapping[str, str] | None = None) -> Reply:
        headers = self.cookies.header() if self.cookies else {}
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.monotonic()
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read().decode(errors="replace")
        except (OSError, http.client.HTTPException) as error:
            elapsed = time.monotonic() - started
            problem = f"{type(error).__name__}: {error}"
            return Reply(method, path, None, Message(), "", started, elapsed, problem)
        finally:
            connection.close()
        reply = Reply(
            method, path, response.status, response.msg, content, started,
            time.monotonic() - started,
        )  # fmt: skip
        self.cookies.update_from(reply)
        return reply

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post(self, path: str, form: Mapping[str, str] | None = None) -> Reply:
        """A form POST with the CSRF token, as the shop's pages send it."""
        if "csrftoken" not in self.cookies:
            self.get("/accounts/login/")  # a page with a form sets the CSRF cookie
        token = self.cookies.get("csrftoken", "")
        return self.request("POST", path, form={**(form or {}), "csrfmiddlewaretoken": token})

    # the shop's pages and buttons

    def sign_in(self, username: str, password: str = SHOPPER_PASSWORD) -> Reply:
        """The sign-in form; a 302 is a success."""
        self.get("/accounts/login/")
        form = {"username": username, "password": password, "next": "/"}
        return self.post("/accounts/login/", form)

    def add_to_cart(self, slug: str, quantity: int = 1) -> Reply:
        return self.post(f"/cart/add/{slug}/", {"quantity": str(quantity)})

    def remove_from_cart(self, product_id: int) -> Reply:
        return self.post(f"/cart/items/{product_id}/remove/")

    def cart(self) -> tuple[Reply, dict[int, int]]:
        """The cart page and its lines (product id: quantity), read from the page."""
        reply = self.get("/cart/")
        lines = {int(pid): int(quantity) for pid, quantity in CART_LINE.findall(reply.body)}
        return reply, lines

    def checkout_page(self) -> tuple[Reply, str | None]:
        """The checkout page and the form's one-time checkout token (None without a form)."""
        reply = self.get("/checkout/")
        match = CHECKOUT_TOKEN.search(reply.body) if reply.status == 200 else None
        return reply, match.group(1) if match else None

    def place_order(self, checkout_token: str, **shipping: str) -> Reply:
        """Place order; a redirect to /orders/<number>/ is the shop's confirmation."""
        return self.post("/checkout/", {**SHIPPING, **shipping, "checkout_token": checkout_token})

    def cancel_order(self, number: str) -> Reply:
        return self.post(f"/orders/{number}/cancel/")
