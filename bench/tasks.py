"""The benchmark's work inside Django, run by bench/run.py in one-off subprocesses.

    python -m bench.tasks TASK RESULT_JSON [ARGUMENTS_JSON]

runs TASK against the benchmark's database (the environment carries the same settings as the
gunicorn under test) and writes its result as JSON to RESULT_JSON; stdout stays free for
Django's log lines. Nothing here runs while wrk measures.

Tasks:
- `fixtures`: the shoppers, sessions, carts and product pools the load needs.
- `checkout_round`: stock replenished, and N shoppers each with a cart and a session, for one
  round of "Place order" or one order flow of the mixed scenario.
- `verify_checkout`: after a round, the stock arithmetic (no oversell) and the orders' rate.
- `count_queries`: SQL queries per request of every page, with Django's test client and
  CaptureQueriesContext.
- `search_latency`: the listing's search SQL timed at the database with psycopg.
- `listing_latency`: the listing's SQL for its first and its last page, timed the same way.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import statistics
import sys
import time
import uuid
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecommerce.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import (  # noqa: E402
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
)
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.contrib.sessions.models import Session  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Max, Min, Sum  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_test_environment,
    teardown_test_environment,
)
from django.utils import timezone  # noqa: E402
from django.utils.crypto import get_random_string  # noqa: E402

from catalog.models import Category, Product  # noqa: E402
from orders.models import Cart, CartItem, Order, OrderItem  # noqa: E402
from orders.views import SESSION_CHECKOUT_TOKEN  # noqa: E402

User = get_user_model()
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
SESSION_KEY_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"

# Product pools, fixed by primary-key order so a run is repeatable.
BROWSE_PRODUCTS = 500  # product pages visited (cycled)
ADD_POOL = 200  # products "Add to cart" adds (stock set out of reach)
ADD_SHOPPERS = 8
CHECKOUT_POOL = 100  # products checkout carts hold...
CHECKOUT_POOL_STOCK = 100_000
SCARCE_PRODUCTS = 4  # ...and a few that sell out during a round: the oversell check
SCARCE_STOCK = 25
SCARCE_SHARE = 0.15  # of carts holding one scarce product
UNLIMITED_STOCK = 1_000_000


def _active_products():
    return Product.objects.active().order_by("pk")


def _pools():
    ids = list(_active_products().values_list("pk", flat=True))
    if len(ids) < ADD_POOL + CHECKOUT_POOL + SCARCE_PRODUCTS + 3:
        raise SystemExit(f"bench: need more products than {len(ids)} (use --products >= 1000)")
    add_pool = ids[:ADD_POOL]
    checkout_pool = ids[ADD_POOL : ADD_POOL + CHECKOUT_POOL]
    scarce = ids[ADD_POOL + CHECKOUT_POOL : ADD_POOL + CHECKOUT_POOL + SCARCE_PRODUCTS]
    return ids, add_pool, checkout_pool, scarce


def _session_data(user, **extra):
    return {
        SESSION_KEY: str(user.pk),
        BACKEND_SESSION_KEY: MODEL_BACKEND,
        HASH_SESSION_KEY: user.get_session_auth_hash(),
        **extra,
    }


def _bulk_sessions(data_by_user):
    """Signed-in sessions, written in bulk (what `Client.force_login` does, one by one)."""
    store = SessionStore()
    expire = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    sessions, keys = [], {}
    for user, data in data_by_user:
        key = get_random_string(32, SESSION_KEY_CHARS)
        sessions.append(
            Session(session_key=key, session_data=store.encode(data), expire_date=expire)
        )
        keys[user.pk] = key
    Session.objects.bulk_create(sessions)
    return keys


def _users(prefix, count):
    password = make_password(None)
    User.objects.bulk_create(
        [
            User(
                username=f"{prefix}-{n:05d}",
                email=f"{prefix}-{n:05d}@bench.invalid",
                first_name="Bench",
                last_name=f"Shopper {n}",
                password=password,
            )
            for n in range(count)
        ]
    )
    return list(User.objects.filter(username__startswith=f"{prefix}-").order_by("username"))


@transaction.atomic
def fixtures(args):
    rng = random.Random(1)  # noqa: S311 (load data, not secrets)
    ids, add_pool, checkout_pool, scarce = _pools()
    Product.objects.filter(pk__in=add_pool).update(stock=UNLIMITED_STOCK)

    browse = rng.sample(ids, min(BROWSE_PRODUCTS, len(ids)))
    slugs = dict(Product.objects.filter(pk__in=browse + add_pool).values_list("pk", "slug"))

    cart_user, *add_users = _users("bench-shopper", 1 + ADD_SHOPPERS)
    cart = Cart.objects.create(user=cart_user)
    CartItem.objects.bulk_create(
        CartItem(cart=cart, product_id=pk, quantity=n + 1) for n, pk in enumerate(add_pool[:3])
    )
    sessions = _bulk_sessions([(user, _session_data(user)) for user in [cart_user, *add_users]])
    categories = list(Category.objects.active().order_by("pk").values_list("slug", flat=True))
    return {
        "product_slugs": [slugs[pk] for pk in browse],
        "add_slugs": [slugs[pk] for pk in add_pool],
        "category_slugs": categories,
        "cart_session": sessions[cart_user.pk],
        "add_sessions": [sessions[user.pk] for user in add_users],
        "csrf_secret": get_random_string(32),
        "checkout_pool": checkout_pool,
        "scarce": scarce,
        "low_stock_threshold": settings.LOW_STOCK_THRESHOLD,
    }


@transaction.atomic
def checkout_round(args):
    """Stock back to its round value, and `shoppers` carts ready to be ordered.

    `scarce_stock` (default SCARCE_STOCK) is what the scarce products start the round with."""
    name, count = args["round"], args["shoppers"]
    scarce_stock = args.get("scarce_stock", SCARCE_STOCK)
    rng = random.Random(name)  # noqa: S311 (load data, not secrets)
    _, _, pool, scarce = _pools()
    Product.objects.filter(pk__in=pool).update(stock=CHECKOUT_POOL_STOCK)
    Product.objects.filter(pk__in=scarce).update(stock=scarce_stock)
    users = _users(f"bench-{name}", count)
    carts = Cart.objects.bulk_create(Cart(user=user) for user in users)
    items = []
    for cart in carts:
        for pk in rng.sample(pool, 2):
            items.append(CartItem(cart=cart, product_id=pk, quantity=rng.randint(1, 2)))
        if rng.random() < SCARCE_SHARE:
            items.append(CartItem(cart=cart, product_id=rng.choice(scarce), quantity=1))
    CartItem.objects.bulk_create(items)
    tokens = {user.pk: str(uuid.uuid4()) for user in users}
    sessions = _bulk_sessions(
        [(user, _session_data(user, **{SESSION_CHECKOUT_TOKEN: tokens[user.pk]})) for user in users]
    )
    demand = {}
    for item in items:
        demand[item.product_id] = demand.get(item.product_id, 0) + item.quantity
    return {
        "shoppers": [
            {"session": sessions[user.pk], "token": tokens[user.pk], "email": user.email}
            for user in users
        ],
        "initial_stock": {str(pk): CHECKOUT_POOL_STOCK for pk in pool}
        | {str(pk): scarce_stock for pk in scarce},
        "demand": {str(pk): quantity for pk, quantity in demand.items()},
    }


def verify_checkout(args):
    """No oversell: for every product, stock now = stock at the round's start - units sold."""
    name, initial = args["round"], {int(pk): n for pk, n in args["initial_stock"].items()}
    orders = Order.objects.filter(user__username__startswith=f"bench-{name}-")
    span = orders.aggregate(first=Min("created_at"), last=Max("created_at"))
    sold = dict(
        OrderItem.objects.filter(order__in=orders)
        .values_list("product_id")
        .annotate(units=Sum("quantity"))
        .values_list("product_id", "units")
    )
    stock = dict(Product.objects.filter(pk__in=initial).values_list("pk", "stock"))
    mismatches = {
        pk: {"initial": initial[pk], "sold": sold.get(pk, 0), "stock": stock[pk]}
        for pk in initial
        if stock[pk] != initial[pk] - sold.get(pk, 0) or stock[pk] < 0
    }
    scarce = {str(pk): stock[pk] for pk in args.get("scarce", [])}
    count = orders.count()
    seconds = (span["last"] - span["first"]).total_seconds() if count > 1 and span["first"] else 0.0
    return {
        "orders": count,
        "order_lines": OrderItem.objects.filter(order__in=orders).count(),
        "units_sold": sum(sold.values()),
        "first_to_last_s": seconds,
        "orders_per_s": (count - 1) / seconds if seconds else 0.0,
        "scarce_stock_left": scarce,
        "negative_stock": [pk for pk, n in stock.items() if n < 0],
        "mismatches": mismatches,
        "ok": not mismatches,
    }


# The pages' own SQL and CPU: rendered, never from the visitors' page cache (the load measures
# that). These tasks run after the load, when no process serves pages from the cache.
rendered_pages = override_settings(CATALOG_PAGE_CACHE=False)


@rendered_pages
def count_queries(args):
    """SQL queries of one request of each page, as the shop runs them (test client).

    `pages` maps a page to one of its load's requests: [method, path, headers, body]."""
    results = {}
    for name, (method, path, headers, body) in args["pages"].items():
        client = Client(HTTP_HOST="127.0.0.1")
        cookies = SimpleCookie(headers.get("Cookie", ""))
        for cookie, morsel in cookies.items():
            client.cookies[cookie] = morsel.value
        content_type = headers.get("Content-Type", "application/octet-stream")
        if method == "GET":
            client.get(path)  # warm: first-use costs (content types...) are not counted
        with CaptureQueriesContext(connection) as queries:
            response = client.generic(method, path, body or "", content_type)
        results[name] = {
            "queries": len(queries),
            "status": response.status_code,
            "location": response.get("Location", ""),
            "sql": [query["sql"][:300] for query in queries.captured_queries],
        }
    return results


def _percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _listing_statements(client, params):
    """The SQL on `products` of one request to the listing, exactly as the view runs it (the
    second request: the first pays per-process first-use costs), and the response."""
    client.get("/products/", params)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/products/", params)
    if response.status_code != 200:
        raise RuntimeError(f"/products/?{params} answered {response.status_code}")
    return response, [q["sql"] for q in queries.captured_queries if '"products"' in q["sql"]]


@contextlib.contextmanager
def _database_cursor():
    """A cursor of a plain psycopg connection to the benchmark's database (no Django around)."""
    import psycopg

    db = settings.DATABASES["default"]
    conninfo = {
        "host": db["HOST"],
        "port": db["PORT"],
        "dbname": db["NAME"],
        "user": db["USER"],
        "password": db["PASSWORD"],
    }
    with psycopg.connect(**conninfo, autocommit=True) as conn, conn.cursor() as cur:
        yield cur


def _time_statements(cur, sqls, repeat):
    """Run the statements of one page `repeat` times (after a warming run): the wall-clock
    times in ms, rows fetched, and a summary with each statement's plan."""
    for sql in sqls:
        cur.execute(sql)
        cur.fetchall()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        for sql in sqls:
            cur.execute(sql)
            cur.fetchall()
        times.append((time.perf_counter() - started) * 1000)
    plans = []
    for sql in sqls:
        cur.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
        plan = cur.fetchone()[0][0]
        plans.append(
            {
                "execution_ms": round(plan["Execution Time"], 2),
                "indexes": sorted(set(_index_names(plan["Plan"]))),
            }
        )
    return times, {
        "statements": len(sqls),
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(_percentile(times, 0.95), 2),
        "max_ms": round(max(times), 2),
        "plans": plans,
    }


@rendered_pages
def search_latency(args):
    """The listing's search SQL, timed at the database.

    The page's queries on `products` are captured from a real request to the listing (so they
    are exactly what the view runs: the EXISTS that decides on typo forgiveness, the COUNT of
    the paginator, the page of rows) and each search is then run `repeat` times on a plain
    psycopg connection; one search = all of its statements, wall clock, rows fetched.
    """
    client = Client(HTTP_HOST="127.0.0.1")
    statements = {term: _listing_statements(client, {"q": term})[1] for term in args["terms"]}
    results, all_times = {}, []
    with _database_cursor() as cur:
        for term, sqls in statements.items():
            times, results[term] = _time_statements(cur, sqls, args["repeat"])
            all_times += times
    return {
        "products": Product.objects.count(),
        "repeat": args["repeat"],
        "terms": results,
        "p50_ms": round(statistics.median(all_times), 2),
        "p95_ms": round(_percentile(all_times, 0.95), 2),
    }


@rendered_pages
def listing_latency(args):
    """The listing's SQL for its first page and for the last page it links to, timed at the
    database as search_latency times a search.

    The last page is the paginator's `num_pages` in the first page's context: the page the
    pagination's "Last" link shows, so a capped page count is measured as shoppers meet it.
    """
    client = Client(HTTP_HOST="127.0.0.1")
    setup_test_environment()  # the test client records the templates' context only then
    try:
        first_page, first_sqls = _listing_statements(client, {})
        last_page = first_page.context["page_obj"].paginator.num_pages
        _, last_sqls = _listing_statements(client, {"page": last_page})
    finally:
        teardown_test_environment()
    with _database_cursor() as cur:
        _, first = _time_statements(cur, first_sqls, args["repeat"])
        _, last = _time_statements(cur, last_sqls, args["repeat"])
    return {
        "products": Product.objects.count(),
        "repeat": args["repeat"],
        "last_page": last_page,
        "first": first,
        "last": last,
    }


def _index_names(plan):
    if "Index Name" in plan:
        yield plan["Index Name"]
    for child in plan.get("Plans", []):
        yield from _index_names(child)


@rendered_pages
def profile(args):
    """CPU time per request of each path under the test client, and a pyinstrument profile."""
    from pyinstrument import Profiler

    results = {}
    for path in args["paths"]:
        client = Client(HTTP_HOST="127.0.0.1")
        if args.get("session"):
            client.cookies["sessionid"] = args["session"]
        for _ in range(10):
            response = client.get(path)
        started = time.process_time()
        for _ in range(args["requests"]):
            client.get(path)
        cpu_ms = (time.process_time() - started) * 1000 / args["requests"]
        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(args["requests"]):
            client.get(path)
        profiler.stop()
        results[path] = {
            "status": response.status_code,
            "cpu_ms_per_request": round(cpu_ms, 2),
            "profile": profiler.output_text(unicode=True, color=False),
        }
    return results


TASKS = {
    "profile": profile,
    "fixtures": fixtures,
    "checkout_round": checkout_round,
    "verify_checkout": verify_checkout,
    "count_queries": count_queries,
    "search_latency": search_latency,
    "listing_latency": listing_latency,
}


def main(argv):
    task, output = argv[1], Path(argv[2])
    arguments = json.loads(Path(argv[3]).read_text()) if len(argv) > 3 else {}
    result = TASKS[task](arguments)
    output.write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
