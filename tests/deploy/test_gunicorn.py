"""gunicorn.conf.py under real gunicorn processes, as ECS runs it.

The app runs in production mode (DEBUG off, hashed static files from collectstatic, a real
PostgreSQL migrated for it), with `tests.support.slow_wsgi` adding one slow path so that a
request can be in flight when SIGTERM arrives.
"""

import http.client
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path

import pytest
from gunicorn.config import Config

from tests.deploy import (
    GUNICORN_CONFIG,
    REPO_ROOT,
    container_definitions,
    dockerfile_healthcheck_command,
    load_gunicorn_config,
)
from tests.support.gunicorn import (
    GunicornError,
    GunicornServer,
    Response,
    minimal_env,
    wait_for,
)
from tests.support.postgres import PostgresServer
from tests.support.slow_wsgi import STARTED_MESSAGE

SLOW_APP = "tests.support.slow_wsgi:application"
SHOP_HOST = "shop.example.com"
TASK_IP = "10.0.3.17"  # how the ALB's health checks address a task
ALB_IDLE_TIMEOUT = 60
ALB_CONNECTIONS_PER_TASK = 200  # generous: the ALB holds about one per request in flight
ECS_STOP_TIMEOUT = 30
GUNICORN_VARIABLES = {
    "PORT": ("bind", "9000", ["0.0.0.0:9000"]),
    "GUNICORN_WORKERS": ("workers", "3", 3),
    "GUNICORN_THREADS": ("threads", "8", 8),
    "GUNICORN_TIMEOUT": ("timeout", "45", 45),
    "GUNICORN_GRACEFUL_TIMEOUT": ("graceful_timeout", "10", 10),
    "GUNICORN_KEEPALIVE": ("keepalive", "120", 120),
    "GUNICORN_MAX_REQUESTS": ("max_requests", "0", 0),
    "GUNICORN_MAX_REQUESTS_JITTER": ("max_requests_jitter", "5", 5),
    "GUNICORN_LOG_LEVEL": ("loglevel", "warning", "warning"),
}


def run_manage(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finish(process: subprocess.Popen[str], what: str) -> None:
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 0, f"{what} failed:\n{output}"


@pytest.fixture(scope="module")
def production_env(tmp_path_factory) -> Iterator[dict[str, str]]:
    """The environment of a production task: DEBUG off, a real secret key, one allowed host,
    a migrated PostgreSQL database and collected static files. Nothing else is inherited."""
    base = minimal_env()
    static_root = tmp_path_factory.mktemp("staticfiles")
    app_env = {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": SHOP_HOST,
        "DJANGO_STATIC_ROOT": str(static_root),
        # Plain HTTP, without the ALB's X-Forwarded-Proto: https.
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        # A production server refuses to print e-mail to the log; this drops it.
        "DJANGO_EMAIL_URL": "dummymail://",
    }
    # As at image build: no database, only a throwaway key. Runs while PostgreSQL starts.
    collectstatic = run_manage("collectstatic", "--no-input", env={**base, **app_env})
    try:
        with PostgresServer() as pg:
            pg.psql("CREATE DATABASE shop")
            app_env["DATABASE_URL"] = pg.url_for("shop")
            finish(run_manage("migrate", "--no-input", env={**base, **app_env}), "migrate")
            finish(collectstatic, "collectstatic")
            yield app_env
    finally:
        if collectstatic.poll() is None:
            collectstatic.kill()
            collectstatic.wait()


@pytest.fixture(scope="module")
def server(production_env) -> Iterator[GunicornServer]:
    """One server with the config file's own bind (0.0.0.0:$PORT) and default settings."""
    with GunicornServer(
        SLOW_APP, env=production_env, inherit_env=False, use_config_bind=True
    ) as running:
        yield running


def start_request(server: GunicornServer, path: str, timeout: float = 60) -> Future:
    """Send a GET in a background thread; the future holds the Response or the exception."""
    future: Future = Future()

    def send() -> None:
        try:
            future.set_result(
                server.request("GET", path, headers={"Host": SHOP_HOST}, timeout=timeout)
            )
        except Exception as error:
            future.set_exception(error)

    threading.Thread(target=send, daemon=True).start()
    return future


def slow_request_started(server: GunicornServer) -> None:
    wait_for(
        lambda: STARTED_MESSAGE in server.stdout,
        timeout=10,
        message=lambda: f"the slow request never started\n{server.stderr_tail()}",
    )


def refuses_connections(server: GunicornServer) -> bool:
    try:
        with socket.create_connection((server.host, server.port), timeout=0.5):
            return False
    except ConnectionRefusedError:
        return True


def assert_json_lines(lines: list[str]) -> list[dict]:
    records = []
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            pytest.fail(f"stdout line is not JSON: {line!r}")
        assert isinstance(record, dict) and {"time", "level", "logger", "message"} <= set(record)
        records.append(record)
    return records


# --- the config file --------------------------------------------------------------------------


def test_defaults_suit_a_small_task_behind_an_alb():
    config = load_gunicorn_config()
    assert config["bind"] == ["0.0.0.0:8000"]
    assert config["worker_class"] == "gthread"
    assert (config["workers"], config["threads"]) == (2, 4)
    assert config["timeout"] == 30
    assert config["graceful_timeout"] == 25 < ECS_STOP_TIMEOUT
    assert config["keepalive"] == 75 > ALB_IDLE_TIMEOUT
    # Workers are never recycled; each has a listening socket of its own and accepts whatever
    # the kernel hands it (docs/performance.md, "gunicorn").
    assert (config["max_requests"], config["max_requests_jitter"]) == (0, 0)
    assert config["reuse_port"] is True
    assert config["worker_connections"] == 1000 > config["threads"] + ALB_CONNECTIONS_PER_TASK
    assert config["preload_app"] is True  # a replaced worker forks, it does not import again
    assert config["forwarded_allow_ips"] == "*"
    assert config["accesslog"] is None and config["errorlog"] == "-"
    assert config["control_socket_disable"] is True


@pytest.mark.parametrize("variable", GUNICORN_VARIABLES)
def test_each_variable_sets_its_setting(variable):
    setting, raw, expected = GUNICORN_VARIABLES[variable]
    assert load_gunicorn_config({variable: raw})[setting] == expected


def test_recycling_workers_share_one_socket():
    """A recycled worker's own socket would take the connections queued on it along (reset)."""
    config = load_gunicorn_config({"GUNICORN_MAX_REQUESTS": "50000"})
    assert (config["max_requests"], config["max_requests_jitter"]) == (50000, 5000)
    assert config["reuse_port"] is False
    jitter = {"GUNICORN_MAX_REQUESTS": "50000", "GUNICORN_MAX_REQUESTS_JITTER": "7"}
    assert load_gunicorn_config(jitter)["max_requests_jitter"] == 7


def documented_defaults(text: str, row: re.Pattern[str]) -> dict[str, str]:
    """{variable: default} from the rows `row` matches; a default in backticks loses them."""
    found = {name: default.strip() for name, default in row.findall(text)}
    return {name: re.sub(r"^`([^`]*)`$", r"\1", default) for name, default in found.items()}


def test_documented_defaults_are_the_real_ones():
    """The config's docstring and docs/configuration.md give each variable's default:
    they say what gunicorn.conf.py does with no variable set."""
    config = load_gunicorn_config()
    docstring = documented_defaults(
        GUNICORN_CONFIG.read_text(), re.compile(r"^ {4}(PORT|GUNICORN_\w+) +(\S+) ", re.M)
    )
    readme = documented_defaults(
        (REPO_ROOT / "docs" / "configuration.md").read_text(),
        re.compile(r"^\| `(PORT|GUNICORN_\w+)` \| ([^|]+) \|", re.M),
    )
    assert set(docstring) == set(readme) == set(GUNICORN_VARIABLES)
    for variable, (setting, _, _) in GUNICORN_VARIABLES.items():
        if variable == "GUNICORN_MAX_REQUESTS_JITTER":  # a tenth of max_requests: tested above
            assert (docstring[variable], config[setting]) == ("max/10", 0)
            assert "tenth of `GUNICORN_MAX_REQUESTS`" in readme[variable]
            continue
        value = config[setting]
        default = value[0].rsplit(":", 1)[1] if setting == "bind" else str(value)
        assert docstring[variable] == readme[variable] == default, variable


@pytest.mark.parametrize("raw", ["two", "-1", "0"])
def test_a_bad_number_stops_start_up_with_its_name(raw):
    with pytest.raises(SystemExit, match="GUNICORN_WORKERS"):
        load_gunicorn_config({"GUNICORN_WORKERS": raw})


def test_gunicorn_knows_and_accepts_every_setting():
    """gunicorn ignores unknown names in a config file silently: a typo would be lost."""
    config = load_gunicorn_config()
    gunicorn = Config()
    assert not set(config) - set(gunicorn.settings)
    for name, value in config.items():
        gunicorn.set(name, value)  # runs gunicorn's own validators
    assert gunicorn.worker_class_str == "gthread"


# --- a running server -------------------------------------------------------------------------


def test_liveness_answers_a_task_ip_before_host_validation(server):
    response = server.request("GET", "/health/live/", headers={"Host": TASK_IP})
    assert response.status == 200
    assert json.loads(response.body) == {"status": "ok"}
    assert "Set-Cookie" not in response.headers
    # Host validation is on: the same Host is refused for a page, the shop's host served.
    assert server.request("GET", "/", headers={"Host": TASK_IP}).status == 400
    assert server.request("GET", "/", headers={"Host": SHOP_HOST}).status == 200


def test_serves_hashed_static_files(server):
    page = server.request("GET", "/", headers={"Host": SHOP_HOST}).text
    stylesheet = page.split('href="/static/', 1)[1].split('"', 1)[0]
    assert stylesheet.count(".") >= 2, f"not a hashed name: {stylesheet}"
    response = server.request("GET", f"/static/{stylesheet}", headers={"Host": SHOP_HOST})
    assert response.status == 200
    assert "max-age=315360000" in response.headers["Cache-Control"]


def test_stdout_holds_only_json_lines(server):
    for host, path in [(SHOP_HOST, "/"), (SHOP_HOST, "/no-such-page/"), (TASK_IP, "/"),
                       (TASK_IP, "/health/live/")]:  # fmt: skip
        server.request("GET", path, headers={"Host": host})
    records = assert_json_lines(server.stdout_lines())
    requests = {(r["path"], r["status"]) for r in records if r["logger"] == "ecommerce.request"}
    assert {("/", 200), ("/no-such-page/", 404), ("/", 400)} <= requests
    # gunicorn's own log went to stderr.
    assert "Booting worker" in server.stderr
    assert "Booting worker" not in server.stdout


@pytest.mark.parametrize("source", ["Dockerfile HEALTHCHECK", "ECS healthCheck"])
def test_health_check_commands_pass_on_a_live_server_and_fail_without_one(server, source):
    if source == "Dockerfile HEALTHCHECK":
        command = dockerfile_healthcheck_command()
    else:
        command = container_definitions()[0]["healthCheck"]["command"][1:]
    assert command[0] == "python"
    command = [sys.executable, *command[1:]]
    env = {**server.env, "PORT": str(server.port)}
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr

    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        env["PORT"] = str(closed.getsockname()[1])
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode != 0


TCP_LISTEN, TCP_ESTABLISHED = "0A", "01"


def tcp_sockets() -> Iterator[tuple[int, int, str, str]]:
    """(local port, remote port, state, inode) of every TCP socket in this network namespace."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, remote = (int(address.rsplit(":", 1)[1], 16) for address in fields[1:3])
            yield local, remote, fields[3], fields[9]


def listening_sockets(port: int) -> int:
    return sum(1 for local, _, state, _ in tcp_sockets() if local == port and state == TCP_LISTEN)


def socket_holders(pids: list[int]) -> dict[str, int]:
    """inode -> pid, for the sockets these processes hold open."""
    holders = {}
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:  # closed meanwhile
                continue
            if target.startswith("socket:["):
                holders[target[len("socket:[") : -1]] = pid
    return holders


KEEP_ALIVE_CONNECTIONS = 64


def test_keep_alive_connections_spread_over_the_workers(server):
    """Each worker listens on a socket of its own (reuse_port) and the kernel spreads new
    connections over them; with one shared socket, connections opened together mostly went to
    one worker (all 16 of 16 in 3 runs of 3; docs/performance.md). Which worker serves a
    connection is read from /proc: the worker holding the server side of it."""
    workers = wait_for(
        lambda: len(server.worker_pids()) == 2 and server.worker_pids(),
        timeout=20,
        message="the two workers never ran",
    )
    wait_for(
        lambda: listening_sockets(server.port) == len(workers),
        timeout=20,
        message=lambda: f"not one listening socket per worker\n{server.stderr_tail()}",
    )
    connections = [
        http.client.HTTPConnection(server.host, server.port, timeout=10)
        for _ in range(KEEP_ALIVE_CONNECTIONS)
    ]
    try:
        for connection in connections:  # opened together, as a burst of ALB connections
            connection.connect()
        for connection in connections:
            connection.request("GET", "/health/live/", headers={"Host": TASK_IP})
            response = connection.getresponse()
            response.read()
            assert response.status == 200 and not response.will_close  # kept alive
        # Answered, so accepted: each server side is an open file of the worker serving it.
        client_ports = {connection.sock.getsockname()[1] for connection in connections}
        server_sides = [
            inode
            for local, remote, state, inode in tcp_sockets()
            if local == server.port and remote in client_ports and state == TCP_ESTABLISHED
        ]
        holders = socket_holders(workers)
        per_worker = Counter(holders.get(inode) for inode in server_sides)
    finally:
        for connection in connections:
            connection.close()
    assert sum(per_worker.values()) == KEEP_ALIVE_CONNECTIONS and None not in per_worker
    # A fair hash puts fewer than 8 of 64 on one of two workers about once in 10^10 runs.
    assert set(per_worker) == set(workers), per_worker
    assert min(per_worker.values()) >= KEEP_ALIVE_CONNECTIONS // 8, per_worker


def can_remount_root_read_only() -> bool:
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    probe = ["unshare", "--mount", "--propagation", "private", *REMOUNT_ROOT_READ_ONLY]
    return subprocess.run(probe, capture_output=True, check=False).returncode == 0


REMOUNT_ROOT_READ_ONLY = ["mount", "-o", "remount,bind,ro", "/"]


@pytest.mark.skipif(not can_remount_root_read_only(), reason="needs root and mount namespaces")
def test_serves_with_a_read_only_root_filesystem(production_env):
    """As ECS's readonlyRootFilesystem: gunicorn alone gets a private mount namespace where `/`
    is read-only (the code, static files, $HOME, /tmp); /dev/shm stays writable, as in a task.
    Its captured output goes to files this process opened before."""
    remount = " ".join(REMOUNT_ROOT_READ_ONLY)
    wrapper = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
               f'{remount} && exec "$@"', "sh"]  # fmt: skip
    env = {**production_env, "HOME": "/nonexistent", "PYTHONDONTWRITEBYTECODE": "1",
           "GUNICORN_WORKERS": "1"}  # fmt: skip
    with GunicornServer(env=env, inherit_env=False, wrapper=wrapper) as server:
        for path in ("/", "/products/", "/cart/", "/accounts/login/", "/health/"):
            response = server.request("GET", path, headers={"Host": SHOP_HOST})
            assert response.status == 200, (path, response.status, server.diagnostics())
    assert server.returncode == 0
    assert "Read-only file system" not in server.stderr, server.diagnostics()


# --- stopping -----------------------------------------------------------------------------------


def test_sigterm_lets_an_in_flight_request_finish(production_env):
    graceful_timeout = 10
    env = {**production_env, "GUNICORN_GRACEFUL_TIMEOUT": str(graceful_timeout)}
    with GunicornServer(SLOW_APP, env=env, inherit_env=False) as server:
        pending = start_request(server, "/_test/slow?seconds=2")
        slow_request_started(server)

        server.terminate()  # as ECS stops the task, after deregistering it from the ALB
        assert server.is_running and not pending.done()

        response: Response = pending.result(timeout=graceful_timeout)
        assert (response.status, response.text) == (200, "slept 2\n")
        assert server.wait(timeout=graceful_timeout) == 0
        # Once the workers are gone nothing listens (ECS would stop the container now).
        assert refuses_connections(server)

    records = assert_json_lines(server.stdout_lines())  # start, request, shutdown: all JSON
    assert any(record["message"] == STARTED_MESSAGE for record in records)


def test_a_request_outliving_the_graceful_timeout_is_cut(production_env):
    graceful_timeout = 1
    env = {**production_env, "GUNICORN_GRACEFUL_TIMEOUT": str(graceful_timeout),
           "GUNICORN_WORKERS": "1"}  # fmt: skip
    with GunicornServer(SLOW_APP, env=env, inherit_env=False) as server:
        pending = start_request(server, "/_test/slow?seconds=60")
        slow_request_started(server)

        server.terminate()
        # The master exits after the graceful timeout, well before ECS's SIGKILL.
        server.wait(timeout=graceful_timeout + 5)
        with pytest.raises((ConnectionError, OSError)):
            pending.result(timeout=5)  # the connection was dropped, not answered


def test_helper_reports_a_server_that_cannot_start(production_env):
    """Settings refuse to load without a secret key: the helper says why, and cleans up."""
    broken = {**production_env, "DJANGO_SECRET_KEY": None, "GUNICORN_WORKERS": "1"}
    server = GunicornServer(env=broken, inherit_env=False, start_timeout=20)
    with pytest.raises(GunicornError, match="ImproperlyConfigured: DJANGO_SECRET_KEY is not set"):
        server.start()
    assert not server.is_running
    log_dir = server.log_dir
    server.cleanup()
    assert log_dir is not None and not log_dir.exists()
