"""Real gunicorn servers for tests: the shop's own config, a real socket, real signals.

`GunicornServer` runs `python -m gunicorn -c gunicorn.conf.py APP` in a child process with the
environment you give it, waits until `/health/live/` answers, and stops it the way ECS does
(SIGTERM, then waits). Its stdout and stderr go to files, never to pipes (a full pipe would
block the server), and can be read at any time::

    with GunicornServer(env={"DJANGO_SECRET_KEY": key, "DATABASE_URL": pg.url_for("shop"),
                             "DJANGO_ALLOWED_HOSTS": "shop.example.com"}) as server:
        response = server.request("GET", "/health/live/")
        ...
        server.terminate()               # SIGTERM, like `docker stop` / ECS
        assert server.wait(timeout=30) == 0
    server.stdout_lines()                # still readable after the server is gone

By default the listening socket is bound here, on 127.0.0.1 and a free port, and handed to
gunicorn (`--bind fd://N`), so no other process can take the port between picking and binding
it. Pass `use_config_bind=True` to let gunicorn.conf.py bind `0.0.0.0:$PORT` itself.

`wait_for(condition, timeout=...)` is the polling loop the class uses; tests use it too instead
of fixed sleeps.
"""

from __future__ import annotations

import atexit
import contextlib
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from types import TracebackType
from typing import TypeVar

from tests.support.postgres import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = REPO_ROOT / "gunicorn.conf.py"
DEFAULT_APP = "ecommerce.wsgi:application"
LIVENESS_PATH = "/health/live/"
# Variables the child keeps with `inherit_env=False`: enough to find programs and decode text.
BASE_ENV_KEYS = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
EXCEPTION_LINE = re.compile(
    r"^(?:[A-Za-z_][\w.]*\.)?[A-Z]\w*(?:Error|Exception|Configured|Server|Exit): .*$", re.M
)

T = TypeVar("T")


class GunicornError(RuntimeError):
    """gunicorn failed to start or stop; the message carries the errors and tail of its stderr."""


def wait_for(
    condition: Callable[[], T],
    *,
    timeout: float,
    interval: float = 0.05,
    message: str | Callable[[], str] = "condition not met",
) -> T:
    """Call `condition` until it returns a truthy value, and return that value.

    Raises TimeoutError after `timeout` seconds, with `message` (a string, or a callable for
    details gathered at that moment, such as a log tail).
    """
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            text = message() if callable(message) else message
            raise TimeoutError(f"after {timeout:g} s: {text}")
        time.sleep(interval)


@dataclass
class Response:
    status: int
    headers: Message
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class GunicornServer:
    """One gunicorn master (and its workers) in its own session, with captured output.

    `env` is laid over the test process's environment (or over a minimal one with
    `inherit_env=False`, so that e.g. the suite's DATABASE_URL cannot leak in); a value of
    None removes a variable. `args` are extra gunicorn command-line options; they override the
    config file (e.g. `["--workers", "1"]`). `wrapper` is a command that runs gunicorn's
    command line given as its arguments and must exec it (keeping the pid, so that signals
    reach the master), e.g. `["unshare", "--mount", "sh", "-c", 'mount ... && exec "$@"', "sh"]`.
    """

    def __init__(
        self,
        app: str = DEFAULT_APP,
        *,
        env: Mapping[str, str | None] | None = None,
        config: str | os.PathLike[str] | None = DEFAULT_CONFIG,
        args: Sequence[str] = (),
        inherit_env: bool = True,
        use_config_bind: bool = False,
        cwd: str | os.PathLike[str] = REPO_ROOT,
        ready_path: str = LIVENESS_PATH,
        start_timeout: float = 30.0,
        wrapper: Sequence[str] = (),
    ) -> None:
        self.app = app
        self.wrapper = list(wrapper)
        self.config = Path(config) if config is not None else None
        self.args = list(args)
        self.cwd = Path(cwd)
        self.ready_path = ready_path
        self.start_timeout = start_timeout
        self.use_config_bind = use_config_bind
        self.env = self._build_env(env or {}, inherit_env)
        self.host = "127.0.0.1"
        self.port: int | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self.log_dir: Path | None = None  # created by start()
        self._atexit_registered = False

    def __repr__(self) -> str:
        state = "not started" if self.process is None else f"pid {self.process.pid}"
        return f"<GunicornServer {self.app} {self.host}:{self.port} {state}>"

    # --- properties ----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise GunicornError("the server has not been started")
        return f"http://{self.host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    @property
    def pid(self) -> int:
        if self.process is None:
            raise GunicornError("the server has not been started")
        return self.process.pid

    @property
    def returncode(self) -> int | None:
        return None if self.process is None else self.process.poll()

    @property
    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def worker_pids(self) -> list[int]:
        """The master's current child processes (its workers), from /proc."""
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    # --- output --------------------------------------------------------------------------------

    @property
    def stdout_path(self) -> Path | None:
        return self.log_dir / "stdout.log" if self.log_dir else None

    @property
    def stderr_path(self) -> Path | None:
        return self.log_dir / "stderr.log" if self.log_dir else None

    @property
    def stdout(self) -> str:
        """Everything the server printed on stdout so far (also after it exited)."""
        return _read(self.stdout_path)

    @property
    def stderr(self) -> str:
        return _read(self.stderr_path)

    def stdout_lines(self) -> list[str]:
        return [line for line in self.stdout.splitlines() if line.strip()]

    def stderr_tail(self, lines: int = 30) -> str:
        return "\n".join(self.stderr.splitlines()[-lines:])

    def stderr_errors(self) -> list[str]:
        """The exception lines in stderr (`module.Error: message`), first seen first, once each.

        When workers fail to boot, the app's own error is buried under gunicorn's tracebacks.
        """
        found = dict.fromkeys(EXCEPTION_LINE.findall(self.stderr))
        return list(found)

    def diagnostics(self) -> str:
        errors = "\n".join(self.stderr_errors()) or "(none)"
        return f"--- errors in stderr ---\n{errors}\n--- tail of stderr ---\n{self.stderr_tail()}"

    # --- lifecycle -----------------------------------------------------------------------------

    def start(self) -> GunicornServer:
        """Start gunicorn and wait until `ready_path` answers 200; raise GunicornError if not."""
        if self.process is not None:
            raise GunicornError("a GunicornServer starts once; make a new one")
        command = [*self.wrapper, sys.executable, "-m", "gunicorn"]
        if self.config is not None:
            command += ["--config", str(self.config)]
        env = dict(self.env)
        listener: socket.socket | None = None
        if self.use_config_bind:
            self.port = free_port()
            env["PORT"] = str(self.port)
        else:
            listener = socket.create_server((self.host, 0), backlog=128)
            self.port = listener.getsockname()[1]
            command += ["--bind", f"fd://{listener.fileno()}"]
        command += [*self.args, self.app]
        self._register_atexit()
        self.log_dir = Path(tempfile.mkdtemp(prefix="gunicorn-test-"))
        try:
            with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
                self.process = subprocess.Popen(
                    command,
                    cwd=self.cwd,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=err,
                    pass_fds=(listener.fileno(),) if listener else (),
                    start_new_session=True,  # its own process group: Ctrl-C and kill stay ours
                )
        finally:
            # gunicorn holds the listener now. Keeping a copy here would let the kernel go on
            # accepting connections after gunicorn has closed its socket on SIGTERM.
            if listener is not None:
                listener.close()
        try:
            wait_for(
                self._ready,
                timeout=self.start_timeout,
                message=lambda: (
                    f"gunicorn not ready at {self.url(self.ready_path)}\n{self.diagnostics()}"
                ),
            )
        except (TimeoutError, GunicornError) as error:
            self.kill()
            raise GunicornError(str(error)) from None
        return self

    def terminate(self, sig: int = signal.SIGTERM) -> None:
        """Send `sig` (SIGTERM: graceful shutdown) to the master, as `docker stop` does."""
        if self.is_running:
            os.kill(self.pid, sig)

    def wait(self, timeout: float) -> int:
        """Wait for the master to exit; return its exit status (negative: killed by a signal)."""
        if self.process is None:
            raise GunicornError("the server has not been started")
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise GunicornError(
                f"gunicorn (pid {self.pid}) still running after {timeout:g} s\n{self.diagnostics()}"
            ) from None

    def stop(self, timeout: float = 60.0) -> int:
        """SIGTERM and wait; if it outlives `timeout`, kill it and raise GunicornError."""
        if self.process is None:
            return 0
        self.terminate()
        try:
            return self.wait(timeout)
        except GunicornError:
            self.kill()
            raise

    def kill(self) -> None:
        """SIGKILL the master and everything in its process group (its workers)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            # The group is still surely ours while its leader is not reaped. (Workers of a
            # master that died on its own notice it and exit by themselves.)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def cleanup(self) -> None:
        """Kill anything left and delete the captured output."""
        self.kill()
        if self.log_dir is not None:
            shutil.rmtree(self.log_dir, ignore_errors=True)
        if self._atexit_registered:
            atexit.unregister(self.cleanup)
            self._atexit_registered = False

    def __enter__(self) -> GunicornServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self.is_running:
                self.stop()
        finally:
            self.kill()  # leaves the output files for inspection after the block

    # --- HTTP ----------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        timeout: float = 10.0,
    ) -> Response:
        """One request on a new connection (no redirects followed, no cookies kept)."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=dict(headers or {}))
            response = connection.getresponse()
            return Response(response.status, response.msg, response.read())
        finally:
            connection.close()

    # --- internals -----------------------------------------------------------------------------

    def _ready(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise GunicornError(
                f"gunicorn exited with status {self.process.returncode} while starting\n"
                f"{self.diagnostics()}"
            )
        try:
            return self.request("GET", self.ready_path, timeout=2).status == 200
        except OSError:
            return False

    @staticmethod
    def _build_env(overrides: Mapping[str, str | None], inherit: bool) -> dict[str, str]:
        env = dict(os.environ) if inherit else minimal_env()
        for key, value in overrides.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        return env

    def _register_atexit(self) -> None:
        if not self._atexit_registered:
            atexit.register(self.cleanup)
            self._atexit_registered = True


def minimal_env() -> dict[str, str]:
    """The few variables of this process a child needs to find programs and decode text."""
    return {key: os.environ[key] for key in BASE_ENV_KEYS if key in os.environ}


def _read(path: Path | None) -> str:
    if path is None:
        return ""
    try:
        return path.read_text(errors="replace")
    except FileNotFoundError:
        return ""
