"""`make bench`: the shop against its own stack's ceiling, end to end on this machine.

    python -m bench.run [--products 10000] [--duration 10] [--connections 4] [--pin split] ...

1. A throwaway PostgreSQL server (tests.support.postgres), `migrate`, `seed_demo --products N`
   (timed), `VACUUM ANALYZE`, `collectstatic` into a temporary STATIC_ROOT; a throwaway Redis
   (tests.support.redis) as the cache, as ElastiCache in production (`--no-redis`: none).
2. The shop under gunicorn with the project's own gunicorn.conf.py and production settings
   (DEBUG off, a generated DJANGO_SECRET_KEY, JSON request logs), serving `bench.urls`: the
   shop's URLs plus `/_bench/ceiling/`, a bare view behind the same middleware.
3. wrk (Debian's package, installed when missing) drives every page over loopback after a
   warm-up, with bench/wrk.lua supplying cookies, CSRF tokens and POST bodies and checking each
   answer. The ceiling is measured first and last; every page is reported as a ratio to it.
4. Beside the load: SQL queries per request (test client, one-off subprocess), search latency
   at the database on 100,000 products (psycopg, wall clock), seeding time, memory per worker
   (/proc), time from start to `/health/live/`, and the stock arithmetic after "Place order".
5. A table on the terminal, bench/results/<timestamp>.json (and latest.json), and a chart
   (<timestamp>.png, latest.png).

Visitors without a session get catalog pages from the cache (catalog/page_cache.py): the home,
listing, category and product pages are measured that way, as anonymous visitors use them, and
"listing, signed in" shows the listing rendered for every request.

CPU split (`--pin split`, the default): gunicorn on CPU 1; wrk, PostgreSQL and Redis on CPU 0. The
shop's CPU is what is measured, so it gets a core of its own, as in production where the
database is another machine (RDS); wrk needs a fraction of a core at these rates and PostgreSQL
less than the rest (the run prints both, per page). `--pin none` leaves all to the scheduler.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
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
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.support.debian import apt_install, can_apt_install  # noqa: E402
from tests.support.gunicorn import GunicornServer, minimal_env  # noqa: E402
from tests.support.postgres import PostgresServer  # noqa: E402
from tests.support.redis import RedisServer  # noqa: E402

BENCH_DIR = REPO_ROOT / "bench"
WRK_SCRIPT = BENCH_DIR / "wrk.lua"
DEFAULT_RESULTS = BENCH_DIR / "results"
CEILING_PATH = "/_bench/ceiling/"
SEARCH_TERMS_LOAD = ["lamp", "walnut", "travel backpack", "oak kettle"]
# The search latency terms: common and rare words, two words, and a typo (trigram fallback).
SEARCH_TERMS_DB = ["lamp", "walnut lamp", "travel backpack", "ultralight", "headphnes"]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
MB = 1024 * 1024

# Targets of the issue, on a 2-core machine at 10,000 products.
RATIO_TARGETS = {"listing": 0.5, "category": 0.5, "product": 0.5, "cart": 0.4, "add_to_cart": 0.3}
ORDERS_PER_S_TARGET = 100
SEARCH_P95_TARGET_MS = 50
SEARCH_TARGET_PRODUCTS = 100_000
WORKER_MEMORY_TARGET_MB = 120
START_TARGET_S = 3.0
# Above this share of a core used by other processes during a run, the table warns.
OTHER_CPU_WARNING_PERCENT = 15


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


# --- the machine ---------------------------------------------------------------------------------


def machine_info(wrk: str) -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    models = re.findall(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    meminfo = Path("/proc/meminfo").read_text()
    mem_kb = int(re.search(r"^MemTotal:\s+(\d+)", meminfo, re.M).group(1))
    wrk_version = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False)  # noqa: S603
    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "cpu_model": models[0].strip() if models else platform.processor() or "unknown",
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
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


# --- processes and /proc -------------------------------------------------------------------------


def descendants(pid: int) -> list[int]:
    """pid and all its descendants (from /proc/<pid>/task/*/children)."""
    found, frontier = [], [pid]
    while frontier:
        current = frontier.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            with contextlib.suppress(OSError):
                frontier += [int(child) for child in (task / "children").read_text().split()]
    return found


def cpu_seconds(pid: int) -> float:
    """CPU time of a process tree: each live process's own time plus its reaped children's."""
    total = 0
    for process in descendants(pid):
        try:
            stat = Path(f"/proc/{process}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        total += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    return total / CLOCK_TICKS


def cpu_busy() -> dict[str, tuple[int, int]]:
    """Per-CPU (busy, total) jiffies from /proc/stat."""
    result = {}
    for line in Path("/proc/stat").read_text().splitlines():
        if re.match(r"cpu\d+ ", line):
            name, *values = line.split()
            numbers = [int(value) for value in values]
            idle = numbers[3] + numbers[4]
            result[name] = (sum(numbers) - idle, sum(numbers))
    return result


def cpu_busy_percent(before: dict, after: dict) -> dict[str, float]:
    percent = {}
    for name, (busy, total) in after.items():
        busy0, total0 = before.get(name, (0, 0))
        percent[name] = round(100 * (busy - busy0) / max(1, total - total0), 1)
    return percent


def pin(pid: int, cpus: set[int]) -> None:
    """Pin a process tree (e.g. the postmaster and its backends) to `cpus`; new children inherit."""
    for process in descendants(pid):
        for task in Path(f"/proc/{process}/task").glob("*"):
            with contextlib.suppress(OSError):
                os.sched_setaffinity(int(task.name), cpus)


def memory_of(pid: int) -> dict[str, float]:
    """RSS and PSS of one process in MB (smaps_rollup)."""
    values = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("Rss", "Pss", "Private_Clean", "Private_Dirty", "Shared_Clean"):
                values[key.lower()] = int(rest.split()[0]) / 1024
    return {
        "rss_mb": round(values.get("rss", 0), 1),
        "pss_mb": round(values.get("pss", 0), 1),
        "private_mb": round(values.get("private_clean", 0) + values.get("private_dirty", 0), 1),
    }


def process_age_s(pid: int) -> float:
    with contextlib.suppress(OSError):
        start_ticks = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return round(uptime - start_ticks / CLOCK_TICKS, 1)
    return 0.0


# --- the shop's environment ----------------------------------------------------------------------


@dataclass
class Shop:
    env: dict[str, str]
    work_dir: Path
    logs: list[str] = field(default_factory=list)

    def manage(self, *args: str, timeout: float = 1800) -> float:
        """Run manage.py with the shop's settings; return the wall time in seconds."""
        started = time.perf_counter()
        log_path = self.work_dir / f"manage-{args[0]}.log"
        with log_path.open("wb") as out:
            result = subprocess.run(  # noqa: S603 (our own manage.py)
                [sys.executable, "manage.py", *args],
                cwd=REPO_ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, timeout=timeout, check=False,
            )  # fmt: skip
        if result.returncode != 0:
            tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-30:])
            raise SystemExit(f"bench: manage.py {' '.join(args)} failed:\n{tail}")
        return time.perf_counter() - started

    def task(self, name: str, arguments: dict | None = None, timeout: float = 1800) -> dict:
        """Run a bench.tasks task in a one-off subprocess; return its JSON result."""
        output = self.work_dir / f"task-{name}-{uuid.uuid4().hex[:8]}.json"
        args_path = output.with_suffix(".args.json")
        args_path.write_text(json.dumps(arguments or {}))
        log_path = output.with_suffix(".log")
        with log_path.open("wb") as out:
            result = subprocess.run(  # noqa: S603 (our own bench.tasks)
                [sys.executable, "-m", "bench.tasks", name, str(output), str(args_path)],
                cwd=REPO_ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, timeout=timeout, check=False,
            )  # fmt: skip
        if result.returncode != 0:
            tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-30:])
            raise SystemExit(f"bench: task {name} failed:\n{tail}")
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
        # Confirmation e-mails are rendered and handed to a backend that drops them (no SMTP).
        "DJANGO_EMAIL_URL": "dummymail://",
        "DATABASE_URL": database_url,
        "PYTHONDONTWRITEBYTECODE": "1",
        **overrides,
    }


# --- load ----------------------------------------------------------------------------------------


def lua_string(value: str) -> str:
    out = []
    for char in value:
        if char in '\\"':
            out.append("\\" + char)
        elif 32 <= ord(char) < 127:
            out.append(char)
        else:
            out.extend(f"\\{byte}" for byte in char.encode())
    return '"' + "".join(out) + '"'


def lua_request(method: str, path: str, headers: dict[str, str], body: str | None) -> str:
    header_items = ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in headers.items())
    body_lua = lua_string(body) if body is not None else "nil"
    return f"{{{lua_string(method)}, {lua_string(path)}, {{{header_items}}}, {body_lua}}}"


@dataclass
class Scenario:
    key: str
    label: str
    requests: list[tuple[str, str, dict[str, str], str | None]]
    expect_status: int = 200
    expect_location: str | None = None
    once: bool = False
    signed_in: bool = False

    def data_file(self, directory: Path, requests=None) -> Path:
        requests = self.requests if requests is None else requests
        path = directory / f"wrk-{self.key}-{uuid.uuid4().hex[:6]}.lua"
        lines = ",\n".join("  " + lua_request(*request) for request in requests)
        location = lua_string(self.expect_location) if self.expect_location else "nil"
        path.write_text(
            f"return {{\n once = {'true' if self.once else 'false'},\n"
            f" expect_status = {self.expect_status},\n expect_location = {location},\n"
            f" requests = {{\n{lines}\n }}\n}}\n"
        )
        return path


@dataclass
class LoadSettings:
    wrk: str
    threads: int
    connections: int
    pin: str
    timeout_s: int = 10


def run_wrk(settings: LoadSettings, url: str, data_file: Path, duration: float) -> dict:
    """One wrk run; returns the script's result line plus wrk's own CPU time."""
    command = [
        settings.wrk, "-t", str(settings.threads), "-c", str(settings.connections),
        "-d", f"{max(1, round(duration))}s", "--timeout", f"{settings.timeout_s}s",
        "-s", str(WRK_SCRIPT), url, "--", str(data_file), str(settings.threads),
    ]  # fmt: skip
    if settings.pin == "split":
        command = ["taskset", "-c", "0", *command]
    process = subprocess.Popen(  # noqa: S603 (wrk, found by ensure_wrk)
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL
    )
    _, status, rusage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    stdout = process.stdout.read().decode(errors="replace")
    stderr = process.stderr.read().decode(errors="replace")
    match = re.search(r"^BENCH_RESULT (\{.*\})$", stdout, re.M)
    if process.returncode != 0 or match is None:
        raise SystemExit(f"bench: wrk failed ({process.returncode}):\n{stdout}\n{stderr}")
    result = json.loads(match.group(1))
    result["wrk_cpu_s"] = rusage.ru_utime + rusage.ru_stime
    return result


@dataclass
class Server:
    gunicorn: GunicornServer
    data_store_pids: list[int]  # PostgreSQL, and Redis when the cache is Redis

    def data_store_cpu_seconds(self) -> float:
        return sum(cpu_seconds(pid) for pid in self.data_store_pids)

    def boots(self) -> int:
        return self.gunicorn.stderr.count("Booting worker")

    def workers_memory(self) -> list[dict]:
        return [
            {"pid": pid, "age_s": process_age_s(pid), **memory_of(pid)}
            for pid in self.gunicorn.worker_pids()
        ]


def measure(
    server: Server, load: LoadSettings, scenario: Scenario, data_file: Path, duration: float
) -> dict:
    """One measured wrk run with the CPU each party used meanwhile."""
    boots = server.boots()
    app_cpu, db_cpu = cpu_seconds(server.gunicorn.pid), server.data_store_cpu_seconds()
    busy = cpu_busy()
    result = run_wrk(load, server.gunicorn.base_url, data_file, duration)
    seconds = result["duration_us"] / 1e6
    requests = max(1, result["requests"])
    latency = result["latency_us"]
    app_cpu = cpu_seconds(server.gunicorn.pid) - app_cpu
    db_cpu = server.data_store_cpu_seconds() - db_cpu
    busy_percent = cpu_busy_percent(busy, cpu_busy())
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


# --- the scenarios -------------------------------------------------------------------------------


def form_body(fields: dict[str, str]) -> str:
    return urlencode(fields)


def build_scenarios(fixtures: dict) -> list[Scenario]:
    csrf = fixtures["csrf_secret"]
    get = [("GET", CEILING_PATH, {}, None)]
    cart_cookie = {"Cookie": f"sessionid={fixtures['cart_session']}"}
    post_headers = {"Content-Type": "application/x-www-form-urlencoded"}
    add_requests = []
    for n in range(len(fixtures["add_slugs"]) * len(fixtures["add_sessions"])):
        session = fixtures["add_sessions"][n % len(fixtures["add_sessions"])]
        slug = fixtures["add_slugs"][n // len(fixtures["add_sessions"])]
        add_requests.append(
            (
                "POST",
                f"/cart/add/{slug}/",
                {**post_headers, "Cookie": f"sessionid={session}; csrftoken={csrf}"},
                form_body({"csrfmiddlewaretoken": csrf, "quantity": "1"}),
            )
        )
    return [
        Scenario("ceiling", "ceiling (bare view)", get),
        Scenario("home", "home", [("GET", "/", {}, None)]),
        Scenario("listing", "listing", [("GET", "/products/", {}, None)]),
        Scenario(
            "listing_signed_in",
            "listing, signed in",
            [("GET", "/products/", cart_cookie, None)],
            signed_in=True,
        ),
        Scenario(
            "listing_search",
            "listing, search",
            [("GET", "/products/?" + urlencode({"q": q}), {}, None) for q in SEARCH_TERMS_LOAD],
        ),
        Scenario(
            "category",
            "category page",
            [("GET", f"/categories/{slug}/", {}, None) for slug in fixtures["category_slugs"]],
        ),
        Scenario(
            "product",
            "product page",
            [("GET", f"/products/{slug}/", {}, None) for slug in fixtures["product_slugs"]],
        ),
        Scenario(
            "cart",
            "cart (signed in, 3 items)",
            [("GET", "/cart/", cart_cookie, None)],
            signed_in=True,
        ),
        Scenario(
            "add_to_cart",
            "Add to cart (POST)",
            add_requests,
            expect_status=302,
            expect_location="/cart/",
            signed_in=True,
        ),
        Scenario(
            "place_order",
            "Place order (POST)",
            [],
            expect_status=302,
            expect_location="/orders/",
            once=True,
            signed_in=True,
        ),
    ]


def checkout_requests(round_data: dict, csrf: str) -> list:
    requests = []
    for shopper in round_data["shoppers"]:
        body = form_body(
            {
                "csrfmiddlewaretoken": csrf,
                "email": shopper["email"],
                "name": "Bench Shopper",
                "address": "1 Load Street",
                "postal_code": "10115",
                "city": "Berlin",
                "country": "Germany",
                "checkout_token": shopper["token"],
            }
        )
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"sessionid={shopper['session']}; csrftoken={csrf}",
        }
        requests.append(("POST", "/checkout/", headers, body))
    return requests


def smoke_check(server: GunicornServer, scenario: Scenario) -> None:
    """The first request of a GET page answers as expected (signed in where it should be)."""
    if scenario.key == "place_order" or scenario.expect_status != 200:
        return
    method, path, headers, _ = scenario.requests[0]
    response = server.request(method, path, headers=headers)
    if response.status != 200:
        raise SystemExit(f"bench: {scenario.key}: {path} answered {response.status}")
    if scenario.signed_in and "Sign out" not in response.text:
        raise SystemExit(f"bench: {scenario.key}: {path} is not signed in")


# --- the run -------------------------------------------------------------------------------------


def start_server(env: dict, pin_mode: str, data_store_pids: list[int]) -> tuple[Server, float]:
    wrapper = ["taskset", "-c", "1"] if pin_mode == "split" else []
    gunicorn = GunicornServer(env=env, inherit_env=False, wrapper=wrapper, start_timeout=60)
    started = time.perf_counter()
    gunicorn.start()
    return Server(gunicorn, data_store_pids), time.perf_counter() - started


def run_place_order(
    shop: Shop, server: Server, load: LoadSettings, scenario: Scenario, fixtures: dict, args
) -> dict:
    """Warm-up round, then the measured round sized from the warm-up's rate; stock is
    replenished before each round and the arithmetic checked after it."""
    csrf = fixtures["csrf_secret"]
    rounds = {}
    shoppers = max(200, int(250 * args.warmup) + 100)
    for name, duration in (("warmup", args.warmup), ("measured", args.duration)):
        round_name = f"{name}-{uuid.uuid4().hex[:6]}"
        data = shop.task("checkout_round", {"round": round_name, "shoppers": shoppers})
        data_file = scenario.data_file(shop.work_dir, checkout_requests(data, csrf))
        result = measure(server, load, scenario, data_file, duration)
        verify = shop.task(
            "verify_checkout",
            {"round": round_name, "initial_stock": data["initial_stock"],
             "scarce": fixtures["scarce"]},
        )  # fmt: skip
        result["orders"] = verify
        result["shoppers_prepared"] = shoppers
        rounds[name] = result
        rate = max(verify["orders_per_s"], result["rps"], 10)
        shoppers = int(rate * args.duration * 1.4) + 200
    measured = rounds["measured"]
    measured["warmup_round"] = {
        key: rounds["warmup"][key] for key in ("requests", "rps", "orders", "exhausted")
    }
    return measured


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
                "gunicorn on CPU 1; wrk, PostgreSQL and Redis on CPU 0"
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
                {"paths": args.profile, "requests": args.profile_requests,
                 "session": fixtures["cart_session"]},
            )  # fmt: skip
            for path, result in profiles.items():
                print(
                    f"=== {path}: {result['status']}, {result['cpu_ms_per_request']} ms CPU per "
                    f"request (test client, signed in as the cart's shopper)\n{result['profile']}"
                )
            return {}
        if args.pin == "split":
            pin(pg.pid, {0})
            if redis:
                pin(redis.process.pid, {0})
        scenarios = [s for s in build_scenarios(fixtures) if s.key in args.pages]
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
            order = [s for s in scenarios if s.key != "ceiling"]
            ceiling = next((s for s in scenarios if s.key == "ceiling"), None)
            plan = ([ceiling] if ceiling else []) + order + ([ceiling] if ceiling else [])
            for position, scenario in enumerate(plan):
                smoke_check(server.gunicorn, scenario)
                if scenario.key == "place_order":
                    result = run_place_order(shop, server, load, scenario, fixtures, args)
                else:
                    data_file = scenario.data_file(work_dir)
                    measure(server, load, scenario, data_file, args.warmup)
                    result = measure(server, load, scenario, data_file, args.duration)
                key = scenario.key
                if key == "ceiling":
                    key = "ceiling_first" if position == 0 else "ceiling_last"
                results[key] = {"label": scenario.label, **result}
                memory_samples.append(server.workers_memory())
                log(
                    f"{key:<15} {result['rps']:>8.1f} req/s  p50 {result['p50_ms']:>7.2f} ms  "
                    f"p99 {result['p99_ms']:>7.2f} ms  app CPU "
                    f"{result['app_cpu_ms_per_request']:.2f} ms/req"
                )
        finally:
            server.gunicorn.stop()
            stderr_tail = server.gunicorn.stderr_tail(10)
            server.gunicorn.cleanup()
        report["pages"] = results
        report["memory"] = summarize_memory(memory_samples)
        report["gunicorn_stderr_tail"] = stderr_tail

        log("counting SQL queries per request")
        report["queries"] = shop.task("count_queries", {"pages": query_specs(fixtures)})

        if args.search_products:
            report["search"] = search_latency(shop, pg, args)
    return report


def query_specs(fixtures: dict) -> dict:
    cart = {"sessionid": fixtures["cart_session"]}
    return {
        "ceiling": {"method": "GET", "path": CEILING_PATH},
        "home": {"method": "GET", "path": "/"},
        "listing": {"method": "GET", "path": "/products/"},
        "listing_signed_in": {"method": "GET", "path": "/products/", "cookies": cart},
        "listing_search": {
            "method": "GET",
            "path": "/products/?" + urlencode({"q": SEARCH_TERMS_LOAD[0]}),
        },
        "category": {"method": "GET", "path": f"/categories/{fixtures['category_slugs'][0]}/"},
        "product": {"method": "GET", "path": f"/products/{fixtures['product_slugs'][0]}/"},
        "cart": {"method": "GET", "path": "/cart/", "cookies": cart},
        "add_to_cart": {
            "method": "POST",
            "path": f"/cart/add/{fixtures['add_slugs'][0]}/",
            "cookies": {"sessionid": fixtures["add_sessions"][0]},
            "data": {"quantity": "1"},
        },
        "place_order": {
            "method": "POST",
            "path": "/checkout/",
            "setup": "checkout",
            "data": {
                "email": "bench-qc@bench.invalid",
                "name": "Bench Shopper",
                "address": "1 Load Street",
                "postal_code": "10115",
                "city": "Berlin",
                "country": "Germany",
            },
        },
    }


def search_latency(shop: Shop, pg: PostgresServer, args) -> dict:
    """Search at the database on `--search-products` products (a database of its own unless
    the main one is that big already)."""
    if args.products >= args.search_products:
        target, seed_s = shop, None
    else:
        pg.psql("CREATE DATABASE shop_search")
        target = Shop({**shop.env, "DATABASE_URL": pg.url_for("shop_search")}, shop.work_dir)
        target.manage("migrate", "--no-input")
        log(f"seeding {args.search_products:,} products for the search latency")
        seed_s = target.manage("seed_demo", "--products", str(args.search_products))
        pg.psql("VACUUM ANALYZE", dbname="shop_search")
    log("timing the search SQL at the database")
    result = target.task("search_latency", {"terms": SEARCH_TERMS_DB, "repeat": args.search_repeat})
    if seed_s is not None:
        result["seeding_s"] = round(seed_s, 1)
    return result


def summarize_memory(samples: list[list[dict]]) -> dict:
    workers = [worker for sample in samples for worker in sample if worker["rss_mb"]]
    if not workers:
        return {}
    last = samples[-1]
    return {
        "max_rss_mb": max(w["rss_mb"] for w in workers),
        "max_pss_mb": max(w["pss_mb"] for w in workers),
        "max_private_mb": max(w["private_mb"] for w in workers),
        "last": last,
        "samples": len(samples),
    }


# --- reporting -----------------------------------------------------------------------------------


def evaluate(report: dict) -> None:
    pages = report["pages"]
    ceilings = [pages[k]["rps"] for k in ("ceiling_first", "ceiling_last") if k in pages]
    ceiling_rps = statistics.mean(ceilings) if ceilings else None
    report["ceiling_rps"] = round(ceiling_rps, 1) if ceiling_rps else None
    ceiling_cpu = [
        pages[k]["app_cpu_ms_per_request"] for k in ("ceiling_first", "ceiling_last") if k in pages
    ]
    ceiling_cpu_ms = statistics.mean(ceiling_cpu) if ceiling_cpu else None
    for key, page in pages.items():
        page["ratio"] = round(page["rps"] / ceiling_rps, 3) if ceiling_rps else None
        # The ratio of CPU costs: what the ratio is when the shop's core is saturated, and a
        # figure other processes on the machine disturb far less than requests/s.
        page["cpu_ratio"] = (
            round(ceiling_cpu_ms / page["app_cpu_ms_per_request"], 3) if ceiling_cpu_ms else None
        )
        counted = report.get("queries", {}).get("ceiling" if key.startswith("ceiling") else key)
        page["queries"] = counted["queries"] if counted else None
    targets = []
    for key, ratio in RATIO_TARGETS.items():
        if key in pages and ceiling_rps:
            value = pages[key]["ratio"]
            targets.append(
                {"target": f"{key} >= {ratio}x ceiling", "value": value, "met": value >= ratio}
            )
    if "place_order" in pages:
        orders = pages["place_order"]["orders"]
        targets.append(
            {
                "target": f"Place order >= {ORDERS_PER_S_TARGET} orders/s",
                "value": round(orders["orders_per_s"], 1),
                "met": orders["orders_per_s"] >= ORDERS_PER_S_TARGET,
            }
        )
        targets.append({"target": "no oversell", "value": orders["ok"], "met": orders["ok"]})
    search = report.get("search")
    if search:
        enough = search["products"] >= SEARCH_TARGET_PRODUCTS
        targets.append(
            {
                "target": f"search p95 < {SEARCH_P95_TARGET_MS} ms at "
                f"{SEARCH_TARGET_PRODUCTS:,} products",
                "value": f"{search['p95_ms']} ms at {search['products']:,}",
                "met": enough and search["p95_ms"] < SEARCH_P95_TARGET_MS,
            }
        )
    memory = report.get("memory")
    if memory:
        targets.append(
            {
                "target": f"worker memory < {WORKER_MEMORY_TARGET_MB} MB (RSS)",
                "value": f"RSS {memory['max_rss_mb']} MB, PSS {memory['max_pss_mb']} MB",
                "met": memory["max_rss_mb"] < WORKER_MEMORY_TARGET_MB,
            }
        )
    start = report["start_to_healthy_s"]
    targets.append(
        {
            "target": f"start to healthy < {START_TARGET_S:g} s",
            "value": f"max {start['max']} s",
            "met": start["max"] < START_TARGET_S,
        }
    )
    report["targets"] = targets


def table(report: dict) -> str:
    pages = report["pages"]
    header = (
        f"{'page':<28}{'req/s':>9}{'ratio':>7}{'CPU r.':>7}{'p50 ms':>9}{'p99 ms':>9}{'SQL':>5}"
        f"{'app CPU':>9}{'db CPU':>8}{'wrk CPU':>9}{'boots':>7}{'bad':>5}"
    )
    lines = [header, "-" * len(header)]
    for key, page in pages.items():
        queries = page.get("queries")
        lines.append(
            f"{page['label'] if not key.startswith('ceiling') else key:<28}"
            f"{page['rps']:>9.1f}{page['ratio'] or 0:>7.2f}{page['cpu_ratio'] or 0:>7.2f}"
            f"{page['p50_ms']:>9.2f}"
            f"{page['p99_ms']:>9.2f}{'' if queries is None else queries:>5}"
            f"{page['app_cpu_ms_per_request']:>9.2f}{page['db_cpu_ms_per_request']:>8.2f}"
            f"{page['wrk_cpu_ms_per_request']:>9.2f}{page['worker_boots']:>7}"
            f"{page['unexpected'] + page['exhausted']:>5}"
        )
    lines.append(
        "(ratio: req/s over the ceiling's; CPU r.: the ceiling's CPU per request over the page's;"
        " CPU columns: ms of CPU per request, db: PostgreSQL and Redis;"
        " boots: gunicorn workers started meanwhile;"
        " bad: unexpected answers, for Place order the checkouts refused for stock)"
    )
    busy_pages = [
        f"{key} {page['other_cpu_percent']:.0f}%"
        for key, page in pages.items()
        if page.get("other_cpu_percent", 0) > OTHER_CPU_WARNING_PERCENT
    ]
    if busy_pages:
        lines.append(
            "WARNING: other processes used CPU during the runs ("
            + ", ".join(busy_pages)
            + " of a core): these figures are not reliable; run again on a quiet machine."
        )
    lines.append("")
    if "place_order" in pages:
        orders = pages["place_order"]["orders"]
        lines.append(
            f"Place order: {orders['orders']} orders in {orders['first_to_last_s']:.1f} s = "
            f"{orders['orders_per_s']:.1f} orders/s; stock arithmetic "
            f"{'OK' if orders['ok'] else 'MISMATCH'} (scarce stock left: "
            f"{orders['scarce_stock_left']}); refused (stock ran out): "
            f"{pages['place_order']['unexpected']}"
        )
    search = report.get("search")
    if search:
        per_term = ", ".join(
            f"{term!r} {data['p50_ms']}/{data['p95_ms']}" for term, data in search["terms"].items()
        )
        lines.append(
            f"Search at the database, {search['products']:,} products: p50 {search['p50_ms']} ms,"
            f" p95 {search['p95_ms']} ms (per term p50/p95 ms: {per_term})"
        )
    seeding = report["seeding"]
    extra = f"; {search['products']:,} in {search['seeding_s']} s" if search and "seeding_s" in (
        search
    ) else ""  # fmt: skip
    lines.append(f"Seeding: {seeding['products']:,} products in {seeding['seconds']} s{extra}")
    memory = report.get("memory", {})
    if memory:
        lines.append(
            f"Worker memory after warm-up: max RSS {memory['max_rss_mb']} MB, max PSS "
            f"{memory['max_pss_mb']} MB, max private {memory['max_private_mb']} MB"
        )
    start = report["start_to_healthy_s"]
    lines.append(f"Start to /health/live/: {start['samples']} s (max {start['max']} s)")
    lines.append(f"CPU split: {report['settings']['cpu_split']}")
    lines.append(f"Machine: {report['machine_line']}")
    lines.append("")
    lines.append("Targets:")
    for target in report["targets"]:
        lines.append(f"  [{'met' if target['met'] else 'MISSED'}] {target['target']}: "
                     f"{target['value']}")  # fmt: skip
    return "\n".join(lines)


def chart(report: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pages = {k: v for k, v in report["pages"].items() if not k.startswith("ceiling")}
    labels = [page["label"] for page in pages.values()]
    ceiling_rps = report["ceiling_rps"]
    ceiling_p99 = statistics.mean(
        report["pages"][k]["p99_ms"] for k in ("ceiling_first", "ceiling_last")
        if k in report["pages"]
    )  # fmt: skip
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5.5), sharey=True)
    positions = range(len(labels))
    rps = [page["rps"] for page in pages.values()]
    left.barh(positions, rps, color="#4477aa")
    left.axvline(ceiling_rps, color="#cc3311", linestyle="--", label=f"ceiling {ceiling_rps:.0f}")
    for y, page in zip(positions, pages.values(), strict=True):
        left.text(page["rps"], y, f" {page['rps']:.0f} ({page['ratio']:.2f}×)", va="center")
    left.set_yticks(list(positions), labels)
    left.invert_yaxis()
    left.set_xlabel("requests/s (higher is better)")
    left.set_xlim(0, ceiling_rps * 1.35)
    left.legend(loc="lower right")
    p99 = [page["p99_ms"] for page in pages.values()]
    right.barh(positions, p99, color="#ee7733")
    right.axvline(ceiling_p99, color="#cc3311", linestyle="--", label=f"ceiling {ceiling_p99:.1f}")
    for y, value in zip(positions, p99, strict=True):
        right.text(value, y, f" {value:.1f}", va="center")
    right.set_xlabel("p99 latency, ms (lower is better)")
    right.set_xlim(0, max([*p99, ceiling_p99]) * 1.25)
    right.legend(loc="lower right")
    settings = report["settings"]
    fig.suptitle(
        f"Storefront vs. its stack's ceiling — {settings['products']:,} products, "
        f"wrk -c{settings['wrk_connections']}, {settings['duration_s']} s per page, "
        f"{settings['cpu_split']}\n{report['machine_line']}",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_results(report: dict, directory: Path) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    json_path = directory / f"{stamp}.json"
    json_path.write_text(json.dumps(report, indent=2) + "\n")
    shutil.copyfile(json_path, directory / "latest.json")
    png_path = directory / f"{stamp}.png"
    chart(report, png_path)
    shutil.copyfile(png_path, directory / "latest.png")
    return json_path, png_path


def parse_args(argv=None):
    all_pages = [
        "ceiling", "home", "listing", "listing_signed_in", "listing_search", "category",
        "product", "cart", "add_to_cart", "place_order",
    ]  # fmt: skip
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=10_000, help="catalog size (seed_demo)")
    parser.add_argument("--duration", type=float, default=10, help="seconds of load per page")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of warm-up per page")
    parser.add_argument("--connections", type=int, default=2, help="wrk connections")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument(
        "--pin", choices=["split", "none"], default="split",
        help="split: gunicorn on CPU 1, wrk and PostgreSQL on CPU 0 (default); none: unpinned",
    )  # fmt: skip
    parser.add_argument(
        "--search-products", type=int, default=SEARCH_TARGET_PRODUCTS,
        help="catalog size for the search latency at the database (0: skip)",
    )  # fmt: skip
    parser.add_argument("--search-repeat", type=int, default=40, help="runs of each search")
    parser.add_argument("--start-samples", type=int, default=3, help="gunicorn starts timed")
    parser.add_argument(
        "--pages", default=",".join(all_pages),
        help="comma-separated subset of: " + ", ".join(all_pages),
    )  # fmt: skip
    parser.add_argument(
        "--gunicorn-env", action="append", default=[], metavar="NAME=VALUE",
        help="extra environment for the shop, e.g. GUNICORN_MAX_REQUESTS=0 (repeatable)",
    )  # fmt: skip
    parser.add_argument(
        "--redis", action=argparse.BooleanOptionalAction, default=True,
        help="a Redis server as the cache (default), as in production; --no-redis: per-process",
    )  # fmt: skip
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS, help="output folder")
    parser.add_argument(
        "--profile", action="append", default=[], metavar="PATH",
        help="instead of the load: profile PATH (repeatable) under the test client, signed in",
    )  # fmt: skip
    parser.add_argument("--profile-requests", type=int, default=200, help="requests profiled")
    args = parser.parse_args(argv)
    args.pages = [page.strip() for page in args.pages.split(",") if page.strip()]
    unknown = set(args.pages) - set(all_pages)
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
    evaluate(report)
    json_path, png_path = write_results(report, args.results)
    print(table(report))
    shown = json_path.relative_to(REPO_ROOT) if json_path.is_relative_to(REPO_ROOT) else json_path
    print(
        f"\nResults: {shown} (and latest.json), chart {png_path.name} (and latest.png); "
        f"{report['bench_seconds']:.0f} s in all"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
