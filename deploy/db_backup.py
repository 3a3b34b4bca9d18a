#!/usr/bin/env python3
"""Backups of the shop's and Keycloak's databases and their restore (make backup, make restore).

The deployment strategy keeps both databases on one PostgreSQL server (RDS). RDS's automated
snapshots cover the server as a whole; this covers the other cases: moving a local shop to RDS,
copying data between environments, a logical copy kept outside AWS, restoring one database
without touching the other. It writes `pg_dump --format=custom` dumps, one per database, into a
new directory with a manifest (names, server version, sizes, sha256), and restores them with
`pg_restore` into existing databases of the same name.

    python3 deploy/db_backup.py backup [--databases ecommerce,keycloak] [--out DIR]
    python3 deploy/db_backup.py restore DIR [--databases ecommerce[:target],...] [--force]

Connection: DATABASE_URL (postgres://user:password@host:port/dbname?sslmode=...), or DB_HOST,
DB_PORT (5432), DB_USERNAME or DB_USER, DB_PASSWORD, DB_NAME, DB_SSLMODE, DB_SSLROOTCERT, as
the shop reads them. On RDS a backup connects as `backup_user` (read-only on both databases);
a restore as the database's owner (`ecom_app_user` for `ecommerce`, `keycloak_user` for
`keycloak`), one database at a time. The password reaches pg_dump, pg_restore and psql through
the environment (PGPASSWORD), never their command line.

The databases to back up: --databases, else BACKUP_DATABASES, else `ecommerce,keycloak`; one
missing from the server is an error (narrow the list to skip it). The new directory is
`<BACKUP_ROOT>/<UTC time>/` (default `backups/`, ignored by git), mode 0700: the dumps hold
customers' personal data.

A restore takes every database of the manifest unless narrowed; `name:target` restores a dump
into another existing database (a scratch copy to inspect, a test). It checks each dump's
sha256, and refuses a target that already holds tables unless --force (`FORCE=1`): `--clean`
would replace them. Each database is restored in one transaction (`--single-transaction
--exit-on-error`): a failed restore leaves it as it was. `--no-owner --no-privileges`: the
restored objects belong to whoever restores.

Stdlib only, so that it runs with the system python3 wherever the PostgreSQL client tools are
(Debian: `apt-get install postgresql-client`); the client's major version must be at least the
server's.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

DEFAULT_DATABASES = ("ecommerce", "keycloak")
DEFAULT_ROOT = Path(__file__).resolve().parent.parent / "backups"
MANIFEST = "manifest.json"
MANIFEST_FORMAT = 1
CONNECT_TIMEOUT = "10"
USER_TABLES_SQL = (
    "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
    " AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'"
)
RESTORE_OPTIONS = (
    "--no-owner",
    "--no-privileges",
    "--clean",
    "--if-exists",
    "--exit-on-error",
    "--single-transaction",
)


class BackupError(Exception):
    """A problem stated in one line for the operator; never holds a password."""


# --- connection ---------------------------------------------------------------------------------


def connection_env(environ: Mapping[str, str]) -> tuple[dict[str, str], str]:
    """libpq's environment (PGHOST, PGUSER, PGPASSWORD, ...) from DATABASE_URL or DB_*, and a
    database to connect to for questions about the server (the URL's, DB_NAME, or postgres)."""
    env = {key: value for key, value in environ.items() if not key.startswith("PG")}
    # Keep the caller's own libpq files and TLS settings; drop what would redirect the tools.
    for key in ("PGPASSFILE", "PGSSLMODE", "PGSSLROOTCERT", "PGSERVICEFILE"):
        if key in environ:
            env[key] = environ[key]
    env["PGCONNECT_TIMEOUT"] = environ.get("PGCONNECT_TIMEOUT", CONNECT_TIMEOUT)
    env["PGAPPNAME"] = "storefront-backup"

    url = environ.get("DATABASE_URL", "")
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("postgres", "postgresql", "pgsql"):
            raise BackupError("DATABASE_URL is not a postgres:// URL.")
        values = {
            "PGHOST": unquote(parts.hostname or ""),
            "PGPORT": str(parts.port or 5432),
            "PGUSER": unquote(parts.username or ""),
            "PGPASSWORD": unquote(parts.password or ""),
        }
        query = {key: value[-1] for key, value in parse_qs(parts.query).items()}
        values["PGSSLMODE"] = query.get("sslmode", "")
        values["PGSSLROOTCERT"] = query.get("sslrootcert", "")
        maintenance = unquote(parts.path.lstrip("/")) or "postgres"
    elif environ.get("DB_HOST"):
        values = {
            "PGHOST": environ["DB_HOST"],
            "PGPORT": environ.get("DB_PORT") or "5432",
            "PGUSER": environ.get("DB_USERNAME") or environ.get("DB_USER") or "",
            "PGPASSWORD": environ.get("DB_PASSWORD", ""),
        }
        maintenance = environ.get("DB_NAME") or "postgres"
    else:
        raise BackupError("No database: set DATABASE_URL, or DB_HOST with DB_USERNAME/DB_PASSWORD.")
    values["PGSSLMODE"] = environ.get("DB_SSLMODE") or values.get("PGSSLMODE", "")
    values["PGSSLROOTCERT"] = environ.get("DB_SSLROOTCERT") or values.get("PGSSLROOTCERT", "")
    env.update({key: value for key, value in values.items() if value})
    return env, maintenance


def describe(env: Mapping[str, str]) -> str:
    """Where the tools connect, for messages: user@host:port, no password."""
    return f"{env.get('PGUSER', '(default user)')}@{env.get('PGHOST')}:{env.get('PGPORT')}"


def tool(name: str) -> str:
    """A PostgreSQL client program: from PG_BINDIR when set, else from PATH."""
    bindir = os.environ.get("PG_BINDIR")
    found = str(Path(bindir) / name) if bindir else shutil.which(name)
    if not found or not Path(found).exists():
        raise BackupError(
            f"{name} not found: install the PostgreSQL client (Debian: apt-get install"
            " postgresql-client) or set PG_BINDIR to its bin directory."
        )
    return found


def run(args: Sequence[str], env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    # Arguments are ours and the databases' names; the password only in `env`.
    return subprocess.run(  # noqa: S603
        list(args),
        env=dict(env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )


def tail(text: str, lines: int = 5) -> str:
    return " | ".join(text.strip().splitlines()[-lines:])


def psql(sql: str, *, dbname: str, env: Mapping[str, str]) -> list[str]:
    """Rows of one query (unaligned, one line each), as the connection's user."""
    result = run(
        [
            tool("psql"),
            "-X",
            "-w",
            "-q",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            dbname,
            "-c",
            sql,
        ],
        env,
    )
    if result.returncode != 0:
        raise BackupError(f"psql on {dbname} as {describe(env)} failed: {tail(result.stderr)}")
    return result.stdout.splitlines()


def client_version(name: str) -> str:
    return run([tool(name), "--version"], os.environ).stdout.strip()


# --- backup -------------------------------------------------------------------------------------


def now() -> datetime.datetime:
    # timezone.utc, not Python 3.11's datetime.UTC: this runs with whatever python3 the operator's
    # machine has (CloudShell's is 3.9).
    return datetime.datetime.now(datetime.timezone.utc)  # noqa: UP017


def backup(databases: Sequence[str], *, root: Path, environ: Mapping[str, str]) -> Path:
    """Dump `databases` into a new directory under `root`; return it."""
    env, maintenance = connection_env(environ)
    server_version = psql("SHOW server_version", dbname=maintenance, env=env)[0]
    present = set(psql("SELECT datname FROM pg_database", dbname=maintenance, env=env))
    missing = [name for name in databases if name not in present]
    if missing:
        raise BackupError(
            f"No database {', '.join(missing)} on {describe(env)}. Back up only the others with"
            f" DATABASES={','.join(n for n in databases if n in present) or '...'}"
            " (make) or --databases."
        )

    stamp = now().strftime("%Y%m%dT%H%M%SZ")
    final = root / stamp
    partial = root / f"{stamp}.partial"
    if final.exists() or partial.exists():
        raise BackupError(f"{final} exists already; try again in a second.")
    partial.mkdir(mode=0o700, parents=True)  # the dumps hold customers' personal data
    entries = []
    try:
        for name in databases:
            started = time.monotonic()
            path = partial / f"{name}.dump"
            result = run(
                [tool("pg_dump"), "-w", "--format=custom", f"--file={path}", "-d", name], env
            )
            if result.returncode != 0:
                raise BackupError(f"pg_dump of {name} failed: {tail(result.stderr)}")
            entries.append({"name": name, "file": path.name, **file_facts(path)})
            print(
                f"{name}: {human_size(path.stat().st_size)} in {time.monotonic() - started:.1f} s"
            )
        manifest = {
            "format": MANIFEST_FORMAT,
            "created_at": now().isoformat(timespec="seconds"),
            "server": describe(env),
            "server_version": server_version,
            "pg_dump_version": client_version("pg_dump"),
            "databases": entries,
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    partial.rename(final)  # a directory without `.partial` is a complete backup
    return final


def file_facts(path: Path) -> dict[str, object]:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return {"bytes": path.stat().st_size, "sha256": digest.hexdigest()}


def human_size(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


# --- restore ------------------------------------------------------------------------------------


def read_manifest(directory: Path) -> dict:
    try:
        manifest = json.loads((directory / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupError(
            f"{directory} has no {MANIFEST}: not a backup made by make backup."
        ) from None
    except ValueError:
        raise BackupError(f"{directory / MANIFEST} is not valid JSON.") from None
    if manifest.get("format") != MANIFEST_FORMAT:
        raise BackupError(f"{directory / MANIFEST} has an unknown format.")
    return manifest


def restore_plan(manifest: dict, selection: Sequence[str]) -> list[tuple[dict, str]]:
    """(manifest entry, target database) for each selected `name` or `name:target`."""
    entries = {entry["name"]: entry for entry in manifest["databases"]}
    plan = []
    for item in selection or list(entries):
        name, _, target = item.partition(":")
        if name not in entries:
            raise BackupError(f"No dump of {name} in this backup (it has {', '.join(entries)}).")
        plan.append((entries[name], target or name))
    return plan


def restore(directory: Path, selection: Sequence[str], *, force: bool, environ) -> None:
    """Restore the selected dumps of `directory`, each into its existing target database."""
    manifest = read_manifest(directory)
    plan = restore_plan(manifest, selection)
    env, _ = connection_env(environ)
    # Every check before the first change: a half-restored pair of databases helps nobody.
    for entry, target in plan:
        if file_facts(directory / entry["file"]) != {
            "bytes": entry["bytes"],
            "sha256": entry["sha256"],
        }:
            raise BackupError(f"{entry['file']} does not match its sha256 in the manifest.")
        try:
            tables = int(psql(USER_TABLES_SQL, dbname=target, env=env)[0])
        except BackupError as error:
            if f'database "{target}" does not exist' not in str(error):
                raise
            raise BackupError(
                f"No database {target} on {describe(env)}: a restore goes into an existing"
                " database. Create it first (on RDS: manage.py bootstrap_databases)."
            ) from None
        if tables and not force:
            raise BackupError(
                f"Database {target} on {describe(env)} already holds {tables} tables; the restore"
                " would replace them. Back it up first, then run again with FORCE=1 (make) or"
                " --force."
            )
    for entry, target in plan:
        started = time.monotonic()
        result = run(
            [
                tool("pg_restore"),
                "-w",
                *RESTORE_OPTIONS,
                "-d",
                target,
                str(directory / entry["file"]),
            ],
            env,
        )
        if result.returncode != 0:
            raise BackupError(
                f"pg_restore of {entry['name']} into {target} failed, {target} is unchanged:"
                f" {tail(result.stderr)}"
            )
        print(f"{target}: restored from {entry['file']} in {time.monotonic() - started:.1f} s")


# --- command line -------------------------------------------------------------------------------


def names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("backup", help="dump the databases into a new directory")
    make.add_argument("--databases", type=names, help="comma-separated (BACKUP_DATABASES)")
    make.add_argument("--out", type=Path, help="parent directory (BACKUP_ROOT, default backups/)")
    back = commands.add_parser("restore", help="restore a backup directory's dumps")
    back.add_argument("directory", type=Path)
    back.add_argument("--databases", type=names, default=[], help="name or name:target, ...")
    back.add_argument("--force", action="store_true", help="restore over existing tables")
    args = parser.parse_args(argv)
    try:
        if args.command == "backup":
            databases = (
                args.databases
                or names(os.environ.get("BACKUP_DATABASES", ""))
                or list(DEFAULT_DATABASES)
            )
            root = args.out or Path(os.environ.get("BACKUP_ROOT") or DEFAULT_ROOT)
            directory = backup(databases, root=root, environ=os.environ)
            print(f"Backup written to {directory}")
        else:
            restore(args.directory, args.databases, force=args.force, environ=os.environ)
    except BackupError as error:
        print(f"db_backup: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
