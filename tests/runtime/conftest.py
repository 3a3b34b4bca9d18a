"""Shared parts of the runtime tests: the shop run as in production, on real services.

Each test here starts real processes and talks to them over TCP/HTTP: PostgreSQL servers of
its own (one shared by the session, `pg`/`shop_db`; TLS has another), moto's server as the
Secrets Manager endpoint, gunicorn serving the shop (tests/support/gunicorn.py), and
tests/support/tcp_proxy.py for network faults. Nothing in-process is mocked. Subprocesses get
an environment built from scratch (`app_env`): the suite's own DATABASE_URL must never leak
into the application under test.

All of them carry the `runtime` marker (`-m "not runtime"` skips them); about a minute on
2 cores. The one long test (a hung Secrets Manager endpoint to the end, ~21 s) runs with
RUNTIME_SLOW_TESTS=1.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.gunicorn import GunicornServer
from tests.support.moto import MotoServer
from tests.support.postgres import PostgresServer
from tests.support.shop import manage

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
SECRET_KEY = "runtime-tests-only-" + "k" * 40
DB_BACKED_PAGE = "/products/"


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.runtime)


# --- environment and commands ----------------------------------------------------------------


def app_env(**variables: str) -> dict[str, str]:
    """A production-like environment for the shop, from scratch (no DATABASE_URL, no DEBUG)."""
    base = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TMPDIR") if key in os.environ}
    return {
        **base,
        "DJANGO_SETTINGS_MODULE": "ecommerce.settings",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        # Plain HTTP to gunicorn, without the ALB's X-Forwarded-Proto: https.
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        # A production server refuses to print e-mail to the log; this drops it.
        "DJANGO_EMAIL_URL": "dummymail://",
        "PYTHONUNBUFFERED": "1",
        **variables,
    }


def wait_until(condition: Callable[[], object], timeout: float, interval: float = 0.1):
    """Poll `condition` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout:g} s")
        time.sleep(interval)


# --- HTTP --------------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int | None  # None: no HTTP answer at all (connection refused, reset, timeout)
    headers: dict[str, str]
    body: str
    elapsed: float
    error: str = ""

    def json(self):
        return json.loads(self.body)


def http_get(port: int, path: str, *, timeout: float = 30.0, host: str = "127.0.0.1") -> Reply:
    """One GET on a fresh connection, as the load balancer would send it; never raises."""
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Host": host})
        response = conn.getresponse()
        body = response.read().decode(errors="replace")
        headers = {key.lower(): value for key, value in response.getheaders()}
        return Reply(response.status, headers, body, time.monotonic() - started)
    except (OSError, http.client.HTTPException) as exc:
        return Reply(None, {}, "", time.monotonic() - started, f"{type(exc).__name__}: {exc}")
    finally:
        conn.close()


def assert_clean_503(reply: Reply) -> None:
    """The shop's "back in a moment" page: 503, Retry-After, no traceback."""
    assert reply.status == 503, (reply.status, reply.error, reply.body[:300])
    assert reply.headers.get("retry-after") == "15"
    assert "Back in a moment" in reply.body
    assert "Traceback" not in reply.body


def warm_up(app: App, concurrency: int = 8, rounds: int = 3) -> None:
    """Concurrent requests, so that every worker thread (gunicorn.conf.py: 2 workers x 4
    threads) holds a persistent database connection; all must succeed."""
    with ThreadPoolExecutor(concurrency) as pool:
        for _ in range(rounds):
            replies = list(pool.map(lambda _: app.get(DB_BACKED_PAGE), range(concurrency)))
            assert [reply.status for reply in replies] == [200] * concurrency, [
                (reply.status, reply.error) for reply in replies
            ]


class Load:
    """Clients requesting a page back to back on their own threads, recording every reply
    with its start time (time.monotonic())."""

    def __init__(self, app: App, path: str, clients: int = 2, timeout: float = 70) -> None:
        self.app, self.path, self.timeout = app, path, timeout
        self.replies: list[tuple[float, Reply]] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run) for _ in range(clients)]

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            reply = self.app.get(self.path, timeout=self.timeout)
            self.replies.append((started, reply))
            time.sleep(0.02)

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()


# --- the shop's database ------------------------------------------------------------------------


@dataclass
class ShopDatabase:
    """Role `shop` owning database `shop` on `pg`, migrated and seeded with a small catalog."""

    pg: PostgresServer
    password: str
    role: str = "shop"
    name: str = "shop"

    def env(self, *, host: str = "127.0.0.1", port: int | None = None) -> dict[str, str]:
        """DB_* variables without the password (the secret supplies it)."""
        return {"DB_HOST": host, "DB_PORT": str(port or self.pg.port), "DB_NAME": self.name}

    def set_password(self, password: str) -> None:
        self.pg.psql(
            f"ALTER ROLE {self.role} PASSWORD :'password'", variables={"password": password}
        )
        self.password = password

    def kill_connections(self) -> int:
        return self.pg.kill_connections(role=self.role)

    def secret_string(self, **overrides) -> str:
        """The secret as RDS stores it for this role."""
        return json.dumps(
            {
                "engine": "postgres",
                "username": self.role,
                "password": self.password,
                "host": "127.0.0.1",
                "port": self.pg.port,
                "dbname": self.name,
                **overrides,
            }
        )


def create_shop_database(pg: PostgresServer, static_root: Path) -> ShopDatabase:
    db = ShopDatabase(pg, password=new_password())
    pg.psql(
        "CREATE ROLE shop LOGIN PASSWORD :'password'; CREATE DATABASE shop OWNER shop;",
        variables={"password": db.password},
    )
    env = app_env(
        **db.env(),
        DB_USERNAME=db.role,
        DB_PASSWORD=db.password,
        DJANGO_STATIC_ROOT=str(static_root),
    )
    for command in (("migrate", "--no-input", "-v0"), ("seed_demo", "--products", "12")):
        result = manage(*command, env=env)
        assert result.returncode == 0, f"{command[0]} failed:\n{result.stderr[-3000:]}"
    return db


def new_password() -> str:
    return "pw-" + secrets.token_urlsafe(18)


# --- gunicorn ----------------------------------------------------------------------------------


class App:
    """The shop under gunicorn as the container runs it (tests/support/gunicorn.py: the real
    gunicorn.conf.py, 2 gthread workers x 4 threads), with explicit options for the test, and
    an environment from scratch (`app_env`)."""

    def __init__(self, env: dict[str, str], *, workers: int = 2, timeout: int = 60) -> None:
        self.server = GunicornServer(
            env=env,
            inherit_env=False,
            args=["--workers", str(workers), "--timeout", str(timeout), "--graceful-timeout", "3"],
        )

    @property
    def port(self) -> int:
        assert self.server.port is not None
        return self.server.port

    def start(self) -> App:
        self.server.start()
        return self

    def stop(self) -> None:
        try:
            self.server.stop(timeout=15)
        finally:
            self.server.cleanup()

    def get(self, path: str, *, timeout: float = 30.0) -> Reply:
        return http_get(self.port, path, timeout=timeout)

    def logs(self) -> str:
        """Everything the app and gunicorn wrote so far (stdout: the app's JSON lines)."""
        return self.server.stdout + self.server.stderr


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def static_root(tmp_path_factory) -> Path:
    """collectstatic's output, as the image builds it: production pages (the 503 page too)
    need the hashed manifest."""
    root = tmp_path_factory.mktemp("staticfiles")
    result = manage("collectstatic", "--no-input", "-v0", env=app_env(DJANGO_STATIC_ROOT=str(root)))
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture(scope="session")
def pg() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the runtime tests (they restart it, rotate its role's
    password, put proxies in front of it; each leaves it running and usable)."""
    with PostgresServer() as server:
        yield server


@pytest.fixture(scope="session")
def shop_db(pg, static_root) -> ShopDatabase:
    return create_shop_database(pg, static_root)


@pytest.fixture(scope="session")
def moto() -> Iterator[MotoServer]:
    with MotoServer() as server:
        yield server


@pytest.fixture
def secrets_client(moto):
    """A boto3 Secrets Manager client on moto, with a clean slate for each test."""
    moto.reset()
    return moto.client("secretsmanager")


@pytest.fixture
def start_app() -> Iterator[Callable[..., App]]:
    apps: list[App] = []

    def start(env: dict[str, str], **options) -> App:
        app = App(env, **options)
        apps.append(app)
        return app.start()

    yield start
    for app in apps:
        app.stop()
