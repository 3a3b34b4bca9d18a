"""`make bench`: the shop against its own stack's ceiling, end to end on this machine.

    python -m bench.run [--products 10000] [--duration 10] [--connections 2] [--pin split] ...

1. A throwaway PostgreSQL server (tests.support.postgres), `migrate`, `seed_demo --products N`
   (timed), `VACUUM ANALYZE`, `collectstatic` into a temporary STATIC_ROOT; a throwaway Redis
   (tests.support.redis) as the cache, as ElastiCache in production (`--no-redis`: none).
2. The shop under gunicorn with the project's own gunicorn.conf.py and production settings
   (DEBUG off, a generated DJANGO_SECRET_KEY, JSON request logs), serving `bench.urls`: the
   shop's URLs plus `/_bench/ceiling/`, a bare view behind the same middleware.
3. wrk (Debian's package, installed when missing) drives every page of bench/pages.py over
   loopback after a warm-up, with bench/wrk.lua supplying cookies, CSRF tokens and POST bodies
   and checking each answer. The ceiling is measured first and last; every page is reported as
   a ratio to it. Then the mixed scenario: anonymous pages under wrk while orders flow beside
   them at 1, 5 and 20 orders/s (bench/load.py's OrderFlow), against the same pages with none.
4. Beside the load: SQL queries per request (test client, one-off subprocess), the listing's
   and the search's SQL at the database on 100,000 products (psycopg, wall clock), seeding
   time, memory per worker and CPU per party (psutil, bench/processes.py), time from start to
   `/health/live/`, and the stock arithmetic after every round of orders.
5. A table on the terminal, bench/results/<timestamp>.json (and latest.json), and a chart
   (<timestamp>.png, latest.png): bench/report.py, which also holds the targets.

CPU split (`--pin split`, the default): gunicorn on CPU 1; wrk, the order flow, PostgreSQL and
Redis on CPU 0. The shop's CPU is what is measured, so it gets a core of its own, as in
production where the database is another machine (RDS). `--pin none` leaves all to the
scheduler.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import math
import os
import platform
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench import processes  # noqa: E402
from bench import report as reporting  # noqa: E402
from bench.load import LoadSettings, OrderFlow, run_wrk  # noqa: E402
from bench.pages import (  # noqa: E402
    MIXED_ORDER_RATES,
    MIXED_PAGE_SETS,
    PAGE,
    PAGES,
    Page,
    Request,
    checkout_requests,
)
from tests.support.debian import apt_install, can_apt_install  # noqa: E402
from tests.support.gunicorn import GunicornServer, minimal_env  # noqa: E402
from tests.support.postgres import PostgresServer  # noqa: E402
from tests.support.redis import RedisServer  # noqa: E402

DEFAULT_RESULTS = REPO_ROOT / "bench" / "results"
# The search latency terms: common and rare words, two words, and a typo (trigram fallback).
SEARCH_TERMS_DB = ["lamp", "walnut lamp", "travel backpack", "ultralight", "headphnes"]
# The scarce products of an order flow start this far above the low-stock threshold, so that
# sales cross it from about 5 orders/s and sell them out at 20 (15 % of carts hold one).
MIXED_SCARCE_STOCK_ABOVE_THRESHOLD = 2
# Shoppers prepared for an order flow beyond its warm-up and measured run.
ORDER_FLOW_SPARE_S = 3
ALL_PAGES = [*(page.key for page in PAGES), "mixed"]


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


# --- the machine ---------------------------------------------------------------------------------


def machine_info(wrk: str) -> dict:
    models = re.findall(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
    wrk_version = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False)  # noqa: S603
    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "cpu_model": models[0].strip() if models else platform.processor() or "unknown",
        "cores": os.cpu_count(),
        "memory_gb": processes.total_memory_gb(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "wrk": (wrk_version.stdout + wrk_version.stderr).splitlines()[0].strip(),
    }


def code_version() -> str:
    """The commit measured, and whether the work tree had uncommitted changes."""
    git = shutil.which("git")
    if git is None:
        return "unknown"
    head = subprocess.run(  # noqa: S603
        [git, "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True
    )
    if head.returncode != 0:
        return "unknown"
    dirty = subprocess.run(  # noqa: S603
        [git, "status", "--porcelain"], cwd=REPO_ROOT, capture_output=True, text=True
    ).stdout.strip()
    return head.stdout.strip() + (" with uncommitted changes" if dirty else "")


def machine_line(machine: dict) -> str:
    return (
        f"{machine['date'][:10]}, {machine['cpu_model']}, {machine['cores']} cores, "
        f"{machine['memory_gb']:g} GB, Linux {machine['kernel']}, Python {machine['python']}"
    )


def ensure_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk is None and can_apt_install():
        apt_install("wrk")
        wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("bench: wrk not found; install Debian's package: apt-get install wrk")
    return wrk


# --- the shop's environment ----------------------------------------------------------------------


@dataclass
class Shop:
    env: dict[str, str]
    work_dir: Path

    def _run(self, argv: list[str], log_path: Path, what: str, timeout: float) -> None:
        """Run one of our own Python commands with the shop's environment, its output logged."""
        with log_path.open("wb") as out:
            result = subprocess.run(  # noqa: S603 (our own manage.py and bench.tasks)
                [sys.executable, *argv],
                cwd=REPO_ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                check=False,
            )
        if result.returncode != 0:
            tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-30:])
            raise SystemExit(f"bench: {what} failed:\n{tail}")

    def manage(self, *args: str, timeout: float = 1800) -> float:
        """Run manage.py with the shop's settings; return the wall time in seconds."""
        started = time.perf_counter()
        log_path = self.work_dir / f"manage-{args[0]}.log"
        self._run(["manage.py", *args], log_path, f"manage.py {' '.join(args)}", timeout)
        return time.perf_counter() - started

    def task(self, name: str, arguments: dict | None = None, timeout: float = 1800) -> dict:
        """Run a bench.tasks task in a one-off subprocess; return its JSON result."""
        output = self.work_dir / f"task-{name}-{uuid.uuid4().hex[:8]}.json"
        args_path = output.with_suffix(".args.json")
        args_path.write_text(json.dumps(arguments or {}))
        argv = ["-m", "bench.tasks", name, str(output), str(args_path)]
        self._run(argv, output.with_suffix(".log"), f"task {name}", timeout)
        return json.loads(output.read_text())


def shop_env(database_url: str, work_dir: Path, overrides: dict[str, str]) -> dict[str, str]:
    """Production settings: DEBUG off, a fresh secret key, hashed static files, JSON logs."""
    return {
        **minimal_env(),
        # The shop's settings with the benchmark's URLconf (bench/settings.py).
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_STATIC_ROOT": str(work_dir / "static"),
        "DJANGO_MEDIA_ROOT": str(work_dir / "media"),
        # Plain HTTP to gunicorn, without the ALB's X-Forwarded-Proto: https.
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        # Confirmation e-mails are rendered and handed to a backend that drops them (no SMTP).
        "DJANGO_EMAIL_URL": "dummymail://",
        # A few bench shoppers place thousands of orders an hour; a real account may not.
        "SHOP_MAX_ORDERS_PER_HOUR": "1000000000",
        "DATABASE_URL": database_url,
        "PYTHONDONTWRITEBYTECODE": "1",
        **overrides,
    }


# --- measuring -----------------------------------------------------------------------------------


@dataclass
class Server:
    gunicorn: GunicornServer
    data_store_pids: list[int]  # PostgreSQL, and Redis when the cache is Redis

    def data_store_cpu_seconds(self) -> float:
        return sum(processes.cpu_seconds(pid) for pid in self.data_store_pids)

    def boots(self) -> int:
        return self.gunicorn.stderr.count("Booting worker")

    def workers_memory(self) -> list[dict]:
        return [processes.memory_of(pid) for pid in processes.children(self.gunicorn.pid)]


def measure(server: Server, load: LoadSettings, data_file: Path, duration: float) -> dict:
    """One measured wrk run with the CPU each party used meanwhile."""
    boots = server.boots()
    app_cpu = processes.cpu_seconds(server.gunicorn.pid)
    db_cpu = server.data_store_cpu_seconds()
    processes.cpu_busy_percent()  # the reference point of the call after the run
    result = run_wrk(load, server.gunicorn.base_url, data_file, duration)
    busy_percent = processes.cpu_busy_percent()
    app_cpu = processes.cpu_seconds(server.gunicorn.pid) - app_cpu
    db_cpu = server.data_store_cpu_seconds() - db_cpu
    seconds = result["duration_us"] / 1e6
    requests = max(1, result["requests"])
    latency = result["latency_us"]
    # Whatever else ran meanwhile (another test suite, a build): figures are unreliable then.
    other = sum(busy_percent.values()) - 100 * (app_cpu + db_cpu + result["wrk_cpu_s"]) / seconds
    return {
        "requests": result["requests"],
        "seconds": round(seconds, 2),
        "rps": round(result["requests"] / seconds, 1),
        "p50_ms": round(latency["p50"] / 1000, 2),
        "p90_ms": round(latency["p90"] / 1000, 2),
        "p99_ms": round(latency["p99"] / 1000, 2),
        "max_ms": round(latency["max"] / 1000, 2),
        "ok": result["ok"],
        "unexpected": result["unexpected"],
        "unexpected_statuses": result["unexpected_statuses"],
        "socket_errors": {k: v for k, v in result["errors"].items() if k != "status" and v},
        "exhausted": result["exhausted"],
        "page_cache": result["page_cache"],
        "hit_rate": result["hit_rate"],
        "app_cpu_ms_per_request": round(1000 * app_cpu / requests, 3),
        "db_cpu_ms_per_request": round(1000 * db_cpu / requests, 3),
        "wrk_cpu_ms_per_request": round(1000 * result["wrk_cpu_s"] / requests, 3),
        "cpu_busy_percent": busy_percent,
        "other_cpu_percent": round(max(0.0, other), 1),
        "app_cpu_percent": round(100 * app_cpu / seconds, 1),
        "db_cpu_percent": round(100 * db_cpu / seconds, 1),
        "wrk_cpu_percent": round(100 * result["wrk_cpu_s"] / seconds, 1),
        "worker_boots": server.boots() - boots,
    }


def smoke_check(server: GunicornServer, page: Page, fixtures: dict) -> None:
    """The first request of a GET page answers as expected (signed in where it should be)."""
    if page.requests is None or page.expect_status != 200:
        return
    method, path, headers, _ = page.requests(fixtures)[0]
    response = server.request(method, path, headers=headers)
    if response.status != 200:
        raise SystemExit(f"bench: {page.key}: {path} answered {response.status}")
    if page.signed_in and "Sign out" not in response.text:
        raise SystemExit(f"bench: {page.key}: {path} is not signed in")


def fill_page_cache(server: GunicornServer, requests: list[Request], connections: int) -> None:
    """Every distinct page requested once, so that a run starts from a warm page cache however
    many pages it cycles through (500 product pages outlast a warm-up of a few seconds)."""
    distinct = list(dict.fromkeys((method, path) for method, path, _, _ in requests))

    def fetch(request: tuple[str, str]) -> None:
        response = server.request(*request)
        if response.status != 200:
            raise SystemExit(f"bench: {request[1]} answered {response.status}")

    with ThreadPoolExecutor(connections) as pool:
        list(pool.map(fetch, distinct))


def start_server(env: dict, pin_mode: str, data_store_pids: list[int]) -> tuple[Server, float]:
    wrapper = ["taskset", "-c", "1"] if pin_mode == "split" else []
    gunicorn = GunicornServer(env=env, inherit_env=False, wrapper=wrapper, start_timeout=60)
    started = time.perf_counter()
    gunicorn.start()
    return Server(gunicorn, data_store_pids), time.perf_counter() - started


# --- the scenarios -------------------------------------------------------------------------------


def run_page(shop: Shop, server: Server, load: LoadSettings, page: Page, fixtures, args) -> dict:
    """A warm-up, then the measured run."""
    data_file = page.data_file(shop.work_dir, page.requests(fixtures))
    measure(server, load, data_file, args.warmup)
    return measure(server, load, data_file, args.duration)


def run_place_order(shop: Shop, server: Server, load: LoadSettings, fixtures: dict, args) -> dict:
    """Warm-up round, then the measured round sized from the warm-up's rate; stock is
    replenished before each round and the arithmetic checked after it."""
    page, csrf = PAGE["place_order"], fixtures["csrf_secret"]
    rounds = {}
    shoppers = max(200, int(250 * args.warmup) + 100)
    for name, duration in (("warmup", args.warmup), ("measured", args.duration)):
        round_name = f"{name}-{uuid.uuid4().hex[:6]}"
        data = shop.task("checkout_round", {"round": round_name, "shoppers": shoppers})
        data_file = page.data_file(shop.work_dir, checkout_requests(data, csrf))
        result = measure(server, load, data_file, duration)
        result["orders"] = shop.task(
            "verify_checkout",
            {
                "round": round_name,
                "initial_stock": data["initial_stock"],
                "scarce": fixtures["scarce"],
            },
        )
        result["shoppers_prepared"] = shoppers
        rounds[name] = result
        rate = max(result["orders"]["orders_per_s"], result["rps"], 10)
        shoppers = int(rate * args.duration * 1.4) + 200
    measured = rounds["measured"]
    measured["warmup_round"] = {
        key: rounds["warmup"][key] for key in ("requests", "rps", "orders", "exhausted")
    }
    return measured


def run_with_orders(
    shop: Shop, server: Server, load: LoadSettings, data_file: Path, rate: float, fixtures, args
) -> dict:
    """The pages' warm-up and measured run while orders flow at `rate`, then the round's stock
    arithmetic."""
    round_name = f"mixed-{rate}-{uuid.uuid4().hex[:6]}"
    scarce_stock = fixtures["low_stock_threshold"] + MIXED_SCARCE_STOCK_ABOVE_THRESHOLD
    shoppers = math.ceil(rate * (args.warmup + args.duration + ORDER_FLOW_SPARE_S))
    data = shop.task(
        "checkout_round",
        {"round": round_name, "shoppers": shoppers, "scarce_stock": scarce_stock},
    )
    flow = OrderFlow(
        server.gunicorn.host,
        server.gunicorn.port,
        checkout_requests(data, fixtures["csrf_secret"]),
        rate,
        cpus=load.load_cpus,
    )
    flow.start()
    try:
        measure(server, load, data_file, args.warmup)
        result = measure(server, load, data_file, args.duration)
    finally:
        orders = flow.stop()
    orders["stock"] = shop.task(
        "verify_checkout",
        {"round": round_name, "initial_stock": data["initial_stock"], "scarce": fixtures["scarce"]},
    )
    return {**result, "orders": orders}


def run_mixed(shop: Shop, server: Server, load: LoadSettings, fixtures: dict, args) -> dict:
    """Each of MIXED_PAGE_SETS under wrk while orders flow at each of MIXED_ORDER_RATES."""
    page_sets = {}
    for page in MIXED_PAGE_SETS:
        requests = page.requests(fixtures)
        fill_page_cache(server.gunicorn, requests, load.connections)
        data_file = page.data_file(shop.work_dir, requests)
        runs = {}
        for rate in MIXED_ORDER_RATES:
            if rate:
                run = run_with_orders(shop, server, load, data_file, rate, fixtures, args)
            else:
                measure(server, load, data_file, args.warmup)
                run = {**measure(server, load, data_file, args.duration), "orders": None}
            run["ratio_to_no_orders"] = round(run["rps"] / runs["0"]["rps"], 3) if runs else 1.0
            runs[str(rate)] = run
            achieved = f", {run['orders']['orders_per_s']} orders/s" if rate else ""
            log(
                f"{page.key} at {rate:>2} orders/s: {run['rps']:>8.1f} req/s "
                f"({run['ratio_to_no_orders']:.2f}x), hits {reporting.hits_cell(run['hit_rate'])}"
                f"{achieved}"
            )
        page_sets[page.key] = {"label": page.label, "runs": runs}
    return {
        "order_rates": list(MIXED_ORDER_RATES),
        "scarce_stock_above_threshold": MIXED_SCARCE_STOCK_ABOVE_THRESHOLD,
        "page_sets": page_sets,
    }


def query_requests(shop: Shop, pages: list[Page], fixtures: dict) -> dict[str, Request]:
    """One request of each page for counting its SQL queries; a checkout of its own for Place
    order (run after the load, so its round does not disturb one)."""
    requests = {page.key: page.requests(fixtures)[0] for page in pages if page.requests}
    if "place_order" in {page.key for page in pages}:
        data = shop.task("checkout_round", {"round": "qc", "shoppers": 1})
        requests["place_order"] = checkout_requests(data, fixtures["csrf_secret"])[0]
    return requests


def at_scale(shop: Shop, pg: PostgresServer, args) -> dict:
    """The listing's and the search's SQL timed at the database on `--scale-products` products
    (a database of its own unless the main one is that big already)."""
    result = {}
    if args.products >= args.scale_products:
        target = shop
    else:
        pg.psql("CREATE DATABASE shop_scale")
        target = Shop({**shop.env, "DATABASE_URL": pg.url_for("shop_scale")}, shop.work_dir)
        target.manage("migrate", "--no-input")
        log(f"seeding {args.scale_products:,} products for the listing and search at scale")
        result["seeding_s"] = round(
            target.manage("seed_demo", "--products", str(args.scale_products)), 1
        )
        pg.psql("VACUUM ANALYZE", dbname="shop_scale")
    log("timing the listing's and the search's SQL at the database")
    result["listing"] = target.task("listing_latency", {"repeat": args.scale_repeat})
    result["search"] = target.task(
        "search_latency", {"terms": SEARCH_TERMS_DB, "repeat": args.scale_repeat}
    )
    result["products"] = result["search"]["products"]
    return result


def summarize_memory(samples: list[list[dict]]) -> dict:
    workers = [worker for sample in samples for worker in sample if worker["rss_mb"]]
    if not workers:
        return {}
    return {
        "max_rss_mb": max(w["rss_mb"] for w in workers),
        "max_pss_mb": max(w["pss_mb"] for w in workers),
        "max_uss_mb": max(w["uss_mb"] for w in workers),
        "last": samples[-1],
        "samples": len(samples),
    }


# --- the run -------------------------------------------------------------------------------------


def bench(args) -> dict:
    wrk = ensure_wrk()
    machine = machine_info(wrk)
    load = LoadSettings(wrk, args.threads, args.connections, args.pin)
    overrides = dict(item.split("=", 1) for item in args.gunicorn_env)
    report: dict = {
        "code": code_version(),
        "machine": machine,
        "machine_line": machine_line(machine),
        "settings": {
            "products": args.products,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "wrk_threads": args.threads,
            "wrk_connections": args.connections,
            "pin": args.pin,
            "cpu_split": (
                "gunicorn on CPU 1; wrk, orders, PostgreSQL and Redis on CPU 0"
                if args.pin == "split"
                else "no pinning"
            ),
            "gunicorn_env": overrides,
            "cache": "Redis" if args.redis else "per-process memory",
        },
    }
    with (
        tempfile.TemporaryDirectory(prefix="bench-") as tmp,
        PostgresServer(extra_conf={"shared_buffers": "256MB"}) as pg,
        RedisServer() if args.redis else contextlib.nullcontext() as redis,
    ):
        work_dir = Path(tmp)
        pg.psql("CREATE DATABASE shop")
        pg_version = pg.psql("SHOW server_version")
        report["machine"]["postgresql"] = pg_version
        if redis:
            overrides = {"REDIS_URL": redis.url, **overrides}
        shop = Shop(shop_env(pg.url_for("shop"), work_dir, overrides), work_dir)
        log(f"PostgreSQL {pg_version} on port {pg.port}; migrating")
        shop.manage("migrate", "--no-input")
        log(f"seeding {args.products:,} products")
        seed_s = shop.manage("seed_demo", "--products", str(args.products))
        pg.psql("VACUUM ANALYZE", dbname="shop")
        shop.manage("collectstatic", "--no-input")
        fixtures = shop.task("fixtures")
        report["seeding"] = {"products": args.products, "seconds": round(seed_s, 1)}
        if args.profile:
            profiles = shop.task(
                "profile",
                {
                    "paths": args.profile,
                    "requests": args.profile_requests,
                    "session": fixtures["cart_session"],
                },
            )
            for path, result in profiles.items():
                print(
                    f"=== {path}: {result['status']}, {result['cpu_ms_per_request']} ms CPU per "
                    f"request (test client, signed in as the cart's shopper)\n{result['profile']}"
                )
            return {}
        if args.pin == "split":
            processes.pin(pg.pid, {0})
            if redis:
                processes.pin(redis.process.pid, {0})
        pages = [page for page in PAGES if page.key in args.pages]
        data_store_pids = [pg.pid, *([redis.process.pid] if redis else [])]

        startups = []
        for _ in range(max(0, args.start_samples - 1)):
            server, seconds = start_server(shop.env, args.pin, data_store_pids)
            startups.append(seconds)
            server.gunicorn.stop()
            server.gunicorn.cleanup()
        server, seconds = start_server(shop.env, args.pin, data_store_pids)
        startups.append(seconds)
        report["start_to_healthy_s"] = {
            "samples": [round(s, 2) for s in startups],
            "median": round(statistics.median(startups), 2),
            "max": round(max(startups), 2),
        }
        log(f"gunicorn up in {seconds:.2f} s (pid {server.gunicorn.pid}); measuring")
        results, memory_samples = {}, []
        try:
            # The ceiling first and last: the mean of the two is what the pages are compared with.
            ceiling = [page for page in pages if page.key == "ceiling"]
            plan = ceiling + [page for page in pages if page.key != "ceiling"] + ceiling
            for position, page in enumerate(plan):
                smoke_check(server.gunicorn, page, fixtures)
                if page.key == "place_order":
                    result = run_place_order(shop, server, load, fixtures, args)
                else:
                    result = run_page(shop, server, load, page, fixtures, args)
                key = page.key
                if key == "ceiling":
                    key = "ceiling_first" if position == 0 else "ceiling_last"
                results[key] = {"label": page.label, **result}
                memory_samples.append(server.workers_memory())
                log(
                    f"{key:<18} {result['rps']:>8.1f} req/s  p50 {result['p50_ms']:>7.2f} ms  "
                    f"p99 {result['p99_ms']:>7.2f} ms  app CPU "
                    f"{result['app_cpu_ms_per_request']:.2f} ms/req  "
                    f"hits {reporting.hits_cell(result['hit_rate'])}"
                )
            if "mixed" in args.pages:
                report["mixed"] = run_mixed(shop, server, load, fixtures, args)
                memory_samples.append(server.workers_memory())
        finally:
            server.gunicorn.stop()
            stderr_tail = server.gunicorn.stderr_tail(10)
            server.gunicorn.cleanup()
        report["pages"] = results
        report["memory"] = summarize_memory(memory_samples)
        report["gunicorn_stderr_tail"] = stderr_tail

        log("counting SQL queries per request")
        report["queries"] = shop.task(
            "count_queries", {"pages": query_requests(shop, pages, fixtures)}
        )

        if args.scale_products:
            report["at_scale"] = at_scale(shop, pg, args)
    return report


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=10_000, help="catalog size (seed_demo)")
    parser.add_argument(
        "--duration", type=float, default=10, help="seconds of load per page (and per order rate)"
    )
    parser.add_argument("--warmup", type=float, default=2, help="seconds of warm-up per page")
    parser.add_argument("--connections", type=int, default=2, help="wrk connections")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument(
        "--pin",
        choices=["split", "none"],
        default="split",
        help="split: gunicorn on CPU 1, wrk and PostgreSQL on CPU 0 (default); none: unpinned",
    )
    parser.add_argument(
        "--scale-products",
        type=int,
        default=reporting.AT_SCALE_PRODUCTS,
        help="catalog size for the listing and search SQL timed at the database (0: skip)",
    )
    parser.add_argument(
        "--scale-repeat", type=int, default=40, help="runs of each listing page and search"
    )
    parser.add_argument("--start-samples", type=int, default=3, help="gunicorn starts timed")
    parser.add_argument(
        "--pages",
        default=",".join(ALL_PAGES),
        help="comma-separated subset of: " + ", ".join(ALL_PAGES),
    )
    parser.add_argument(
        "--gunicorn-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for the shop, e.g. GUNICORN_MAX_REQUESTS=0 (repeatable)",
    )
    parser.add_argument(
        "--redis",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="a Redis server as the cache (default), as in production; --no-redis: per-process",
    )
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS, help="output folder")
    parser.add_argument(
        "--profile",
        action="append",
        default=[],
        metavar="PATH",
        help="instead of the load: profile PATH (repeatable) under the test client, signed in",
    )
    parser.add_argument("--profile-requests", type=int, default=200, help="requests profiled")
    args = parser.parse_args(argv)
    args.pages = [page.strip() for page in args.pages.split(",") if page.strip()]
    unknown = set(args.pages) - set(ALL_PAGES)
    if unknown:
        parser.error(f"unknown pages: {', '.join(sorted(unknown))}")
    if args.pin == "split" and (os.cpu_count() or 1) < 2:
        parser.error("--pin split needs 2 CPUs; use --pin none")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    report = bench(args)
    if args.profile:
        return 0
    report["bench_seconds"] = round(time.perf_counter() - started, 1)
    reporting.evaluate(report)
    json_path, png_path = reporting.write_results(report, args.results)
    print(reporting.table(report))
    shown = json_path.relative_to(REPO_ROOT) if json_path.is_relative_to(REPO_ROOT) else json_path
    print(
        f"\nResults: {shown} (and latest.json), chart {png_path.name} (and latest.png); "
        f"{report['bench_seconds']:.0f} s in all"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
