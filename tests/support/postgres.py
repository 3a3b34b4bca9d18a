"""Throwaway PostgreSQL servers for the test suite, benchmarks and fault tests.

The application runs on PostgreSQL in production, so its tests run against a real PostgreSQL
server rather than SQLite: locking, constraints, transactions, connection limits and password
rotation only behave like production on the real thing. This module starts a private server in
a temporary directory (about 1.5 s, durability switched off because the data is thrown away),
reachable on 127.0.0.1 with a random superuser password (TCP requires the password, as on RDS)
and over a Unix socket in the same directory without one.

Several servers can run at once: each has its own directory and free port, and its port stays
the same across `restart()`, so a server can be bounced under a running application.

`initdb` and `pg_ctl` refuse to run as root. When this runs as root (containers, CI), they run
as the `postgres` system user through `runuser`, and the server's directory is handed to that
user. Missing server binaries are installed with apt-get when that is possible (root on Debian).

Library use::

    with PostgresServer() as pg:
        pg.psql("CREATE DATABASE shop")
        connect(pg.url_for("shop"))

Command line: run COMMAND with DATABASE_URL pointing at a fresh server, which is removed
afterwards. When DATABASE_URL is already set, COMMAND runs against that instead::

    python -m tests.support.postgres -- pytest -q

Stdlib only: this must run under the system python3 as well as the project's virtualenv.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any
from urllib.parse import quote

from tests.support.debian import PackageInstallError, apt_install, can_apt_install

ConfValue = str | int | float | bool

SERVER_USER = "postgres"
DEBIAN_PG_ROOT = Path("/usr/lib/postgresql")
INSTALL_HINT = (
    "PostgreSQL server binaries not found. Install them (Debian/Ubuntu: "
    "`apt-get install postgresql`), or set DATABASE_URL to a server of your own."
)
KILL_CONNECTIONS_SQL = """
SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'
  AND (:'role' = '' OR usename = :'role') AND (:'dbname' = '' OR datname = :'dbname')
"""
# Unix socket paths are limited to 107 bytes (sun_path).
MAX_SOCKET_PATH = 107
START_TIMEOUT = 60


class PostgresError(RuntimeError):
    """A PostgreSQL tool or the server failed; the message carries its output."""


# --- locating and installing PostgreSQL --------------------------------------------------------


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", path.name)) or (0,)


def find_bindir() -> Path | None:
    """The newest Debian PostgreSQL bin dir, else the dir of a `pg_ctl` on PATH, else None."""
    versions = [p for p in DEBIAN_PG_ROOT.glob("*") if (p / "bin" / "pg_ctl").is_file()]
    if versions:
        return max(versions, key=_version_key) / "bin"
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


def ensure_bindir() -> Path:
    """Find the server binaries, installing them with apt-get if possible."""
    bindir = find_bindir()
    if bindir is None and can_apt_install():
        try:
            apt_install("postgresql")
        except PackageInstallError as error:
            raise PostgresError(f"{error}\n{INSTALL_HINT}") from None
        bindir = find_bindir()
    if bindir is None:
        raise PostgresError(INSTALL_HINT)
    return bindir


# --- small helpers -----------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _literal(value: str) -> str:
    """An SQL / postgresql.conf string literal."""
    return "'" + value.replace("'", "''") + "'"


def _conf_value(value: ConfValue) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, int | float):
        return str(value)
    return _literal(str(value))


def _clean_env() -> dict[str, str]:
    """The environment without PG* variables, which would redirect the PostgreSQL tools."""
    return {key: value for key, value in os.environ.items() if not key.startswith("PG")}


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --- the server --------------------------------------------------------------------------------


class PostgresServer:
    """A private PostgreSQL server in its own directory, on 127.0.0.1 and a Unix socket.

    The directory holds `data/` (the cluster), `postgres.log` and the Unix socket. Settings in
    `extra_conf` are written on every `start()`, so they can be changed before a `restart()`
    (e.g. to turn on TLS). Files the server must read, such as TLS keys, can be handed to it
    with `give_to_server()`.
    """

    def __init__(
        self,
        port: int | None = None,
        extra_conf: Mapping[str, ConfValue] | None = None,
        base_dir: str | os.PathLike[str] | None = None,
        *,
        password: str | None = None,
        max_connections: int = 200,
        bindir: str | os.PathLike[str] | None = None,
    ) -> None:
        self._auto_port = port is None
        self._port = free_port() if port is None else port
        self.extra_conf: dict[str, ConfValue] = dict(extra_conf or {})
        self.max_connections = max_connections
        self._password = password or secrets.token_urlsafe(24)
        self._bindir = Path(bindir) if bindir else None
        if base_dir is None:
            self.base_dir = Path(tempfile.mkdtemp(prefix="pgtest-"))
        else:
            self.base_dir = Path(base_dir).resolve()
            self.base_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._as_root = os.geteuid() == 0
        self._atexit_registered = False

    def __repr__(self) -> str:
        return f"<PostgresServer {self.host}:{self.port} dir={self.base_dir}>"

    # properties

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def superuser(self) -> str:
        return SERVER_USER

    @property
    def port(self) -> int:
        return self._port

    @property
    def password(self) -> str:
        return self._password

    @property
    def url(self) -> str:
        return self.url_for("postgres")

    def url_for(self, dbname: str) -> str:
        """A postgres:// URL for the superuser over TCP, for database `dbname`."""
        auth = f"{quote(self.superuser, safe='')}:{quote(self.password, safe='')}"
        return f"postgres://{auth}@{self.host}:{self.port}/{quote(dbname, safe='')}"

    @property
    def data_dir(self) -> Path:
        return self.base_dir / "data"

    @property
    def socket_dir(self) -> Path:
        return self.base_dir

    @property
    def log_path(self) -> Path:
        return self.base_dir / "postgres.log"

    @property
    def hba_path(self) -> Path:
        return self.data_dir / "pg_hba.conf"

    @property
    def pid(self) -> int | None:
        """The postmaster's pid while it runs, else None."""
        try:
            pid = int((self.data_dir / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None
        return pid if _pid_alive(pid) else None

    @property
    def is_running(self) -> bool:
        return self.pid is not None

    # lifecycle

    def start(self) -> None:
        """Create the cluster on first use, then start the server and wait until it accepts."""
        if self.is_running:
            return
        self._bindir = self._bindir or ensure_bindir()
        self._prepare_base_dir()
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb()
        self._register_atexit()
        for attempt in range(3):
            self._write_conf()
            try:
                self._pg_ctl("start", "-l", str(self.log_path), "-t", str(START_TIMEOUT))
                return
            except PostgresError as exc:
                if not (self._auto_port and attempt < 2 and "could not bind" in str(exc)):
                    raise
                self._port = free_port()  # another process took the port: pick another

    def stop(self) -> None:
        """Fast shutdown: roll back open transactions and disconnect clients. No-op if down."""
        if self.is_running:
            self._pg_ctl("stop", "-m", "fast", "-t", str(START_TIMEOUT))

    def restart(self) -> None:
        """Stop and start again on the same port, re-reading `extra_conf`."""
        self.stop()
        self.start()

    def reload(self) -> None:
        """Re-read postgresql.conf and pg_hba.conf without a restart."""
        self._pg_ctl("reload")

    def cleanup(self) -> None:
        """Stop the server if it runs and remove the base directory."""
        try:
            self.stop()
        except PostgresError:
            self._kill_immediately()
            raise
        finally:
            shutil.rmtree(self.base_dir, ignore_errors=True)
            if self._atexit_registered:
                atexit.unregister(self.cleanup)
                self._atexit_registered = False

    def __enter__(self) -> PostgresServer:
        try:
            self.start()
        except BaseException:
            self.cleanup()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.cleanup()

    # SQL

    def psql(
        self, sql: str, dbname: str = "postgres", variables: Mapping[str, str] | None = None
    ) -> str:
        """Run SQL as the superuser over the Unix socket; return unaligned, tuples-only output.

        `variables` become psql variables: write `:'name'` in `sql` for a quoted literal.
        """
        args = ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"]
        for name, value in (variables or {}).items():
            args += ["-v", f"{name}={value}"]
        args += ["-h", str(self.socket_dir), "-p", str(self.port), "-U", self.superuser]
        args += ["-d", dbname, "-f", "-"]
        result = self._run([str(self._binary("psql")), *args], input_text=sql, as_server=False)
        if result.returncode != 0:
            raise PostgresError(f"psql failed: {result.stderr.strip()}")
        return result.stdout.rstrip("\n")

    def set_password(self, password: str) -> None:
        """Change the superuser's password (the old one stops working for new connections)."""
        self.psql("ALTER ROLE CURRENT_USER PASSWORD :'password'", variables={"password": password})
        self._password = password

    def kill_connections(self, role: str | None = None, dbname: str | None = None) -> int:
        """Terminate client connections (optionally of one role / database); return how many."""
        variables = {"role": role or "", "dbname": dbname or ""}  # '' matches every one
        return int(self.psql(KILL_CONNECTIONS_SQL, variables=variables))

    def give_to_server(self, path: str | os.PathLike[str]) -> None:
        """Make a file the server must read (e.g. a TLS key, mode 0600) owned by its user."""
        if self._as_root:
            user = pwd.getpwnam(SERVER_USER)
            os.chown(path, user.pw_uid, user.pw_gid)

    # internals

    def _kill_immediately(self) -> None:
        pid = self.pid
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGQUIT)  # immediate shutdown

    def _binary(self, name: str) -> Path:
        self._bindir = self._bindir or ensure_bindir()
        return self._bindir / name

    def _run(
        self, args: Sequence[str], *, input_text: str | None = None, as_server: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Run a PostgreSQL tool, as the server user when root and `as_server`."""
        prefix = ["runuser", "-u", SERVER_USER, "--"] if self._as_root and as_server else []
        return subprocess.run(
            [*prefix, *args],
            input=input_text,
            stdin=None if input_text is not None else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            cwd=self.base_dir,
            env=_clean_env(),
            start_new_session=True,  # keep Ctrl-C in the terminal away from the server
        )

    def _pg_ctl(self, action: str, *args: str) -> None:
        command = [str(self._binary("pg_ctl")), action, "-D", str(self.data_dir), "-w", *args]
        result = self._run(command)
        if result.returncode != 0:
            output = _tail(result.stdout + result.stderr, 10)
            raise PostgresError(
                f"pg_ctl {action} failed (port {self.port}, dir {self.base_dir}):\n{output}\n"
                f"--- tail of {self.log_path} ---\n{self._log_tail()}"
            )

    def _log_tail(self) -> str:
        try:
            return _tail(self.log_path.read_text(errors="replace"))
        except OSError:
            return "(no log)"

    def _prepare_base_dir(self) -> None:
        socket_path = self.socket_dir / f".s.PGSQL.{self.port}"
        if len(str(socket_path).encode()) > MAX_SOCKET_PATH:
            raise PostgresError(f"base dir path too long for a Unix socket: {socket_path}")
        if self._as_root:
            try:
                self.give_to_server(self.base_dir)
            except KeyError:
                raise PostgresError(
                    f"running as root needs a '{SERVER_USER}' system user to run the server"
                ) from None

    def _initdb(self) -> None:
        pwfile = self.base_dir / "pwfile"
        fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(self.password + "\n")
            self.give_to_server(pwfile)
            result = self._run(self._initdb_command(pwfile))
        finally:
            pwfile.unlink(missing_ok=True)
        if result.returncode != 0:
            output = _tail(result.stdout + result.stderr)
            if self._as_root and "Permission denied" in output:
                output += f"\n(user {SERVER_USER} must be able to reach {self.base_dir})"
            raise PostgresError(f"initdb failed in {self.data_dir}:\n{output}")
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write("\ninclude 'throwaway.conf'\n")

    def _initdb_command(self, pwfile: Path) -> list[str]:
        return [
            str(self._binary("initdb")),
            "-D",
            str(self.data_dir),
            "-U",
            self.superuser,
            f"--pwfile={pwfile}",
            "--auth-host=scram-sha-256",
            "--auth-local=trust",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
            "--no-instructions",
        ]

    def _write_conf(self) -> None:
        settings: dict[str, ConfValue] = {
            "listen_addresses": self.host,
            "port": self.port,
            "unix_socket_directories": str(self.socket_dir),
            "max_connections": self.max_connections,
            "fsync": False,
            "synchronous_commit": False,
            "full_page_writes": False,
            **self.extra_conf,
        }
        lines = [f"{key} = {_conf_value(value)}" for key, value in settings.items()]
        path = self.data_dir / "throwaway.conf"
        path.write_text("# written by tests/support/postgres.py\n" + "\n".join(lines) + "\n")
        self.give_to_server(path)

    def _register_atexit(self) -> None:
        if not self._atexit_registered:
            atexit.register(self.cleanup)
            self._atexit_registered = True


# --- command line ------------------------------------------------------------------------------

USAGE = "usage: python -m tests.support.postgres -- COMMAND [ARGS...]"
HANDLED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_Handler = Callable[[int, FrameType | None], Any] | signal.Handlers


class _Terminated(Exception):
    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _set_handlers(handler: _Handler) -> None:
    for signum in HANDLED_SIGNALS:
        signal.signal(signum, handler)


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    _set_handlers(signal.SIG_IGN)  # let the teardown finish
    raise _Terminated(signum)


def _terminal_sent_sigint() -> bool:
    """Whether Ctrl-C reaches the child directly (we are in the terminal's foreground group)."""
    for fd in (2, 1, 0):
        try:
            return os.tcgetpgrp(fd) == os.getpgrp()
        except OSError:
            continue
    return False


def _exit_code(returncode: int) -> int:
    return 128 - returncode if returncode < 0 else returncode


def _run_child(command: Sequence[str], env: Mapping[str, str]) -> int:
    """Run COMMAND to completion, forwarding signals to it; return its exit code."""
    child: subprocess.Popen[bytes] | None = None

    def forward(signum: int, frame: FrameType | None) -> None:
        if child is None:
            _raise_terminated(signum, frame)
        elif not (signum == signal.SIGINT and _terminal_sent_sigint()):
            child.send_signal(signum)

    _set_handlers(forward)
    try:
        child = subprocess.Popen(command, env=env)
    except OSError as exc:
        print(f"postgres: cannot run {command[0]}: {exc}", file=sys.stderr)
        return 127
    returncode = child.wait()
    _set_handlers(signal.SIG_IGN)  # let the teardown finish
    return _exit_code(returncode)


def _run_with_server(command: Sequence[str]) -> int:
    try:
        with PostgresServer() as pg:
            print(
                f"postgres: test server up on {pg.host}:{pg.port}, data dir {pg.data_dir}",
                file=sys.stderr,
            )
            return _run_child(command, {**os.environ, "DATABASE_URL": pg.url})
    except PostgresError as exc:
        print(f"postgres: {exc}", file=sys.stderr)
        return 1


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--"]:
        args = args[1:]
    elif args[:1] in (["-h"], ["--help"]):
        args = []
    if not args:
        print(USAGE, file=sys.stderr)
        return 2
    _set_handlers(_raise_terminated)
    try:
        if os.environ.get("DATABASE_URL"):
            return _run_child(args, os.environ)  # the caller's server: env passes through as is
        return _run_with_server(args)
    except _Terminated as exc:
        return 128 + exc.signum


if __name__ == "__main__":
    sys.exit(main())
