"""A real Keycloak for the sign-in tests, with its database on PostgreSQL as in production.

The shop signs people in through Keycloak (OpenID Connect), so its tests run against a real
Keycloak server rather than a mock: `KeycloakServer` starts the official distribution in
development mode (`kc.sh start-dev`) on 127.0.0.1, imports the committed realm
`deploy/keycloak/realm-shop.json`, and keeps its data in a `keycloak` database on a PostgreSQL
server, the layout of the AWS deployment (one RDS server, a `keycloak` database beside the shop's).

The distribution (`org.keycloak:keycloak-quarkus-dist`, about 170 MB) is downloaded from Maven
Central once, verified against Maven Central's `.sha512` (else `.sha1`) file and unpacked into a
cache outside the repository: `$KEYCLOAK_CACHE_DIR`, else `$XDG_CACHE_HOME/storefront-tests/
keycloak`, else `~/.cache/storefront-tests/keycloak`. That unpacked distribution is shared by
every run and never written to: each server runs from a small home directory of its own (its
`bin/`, `conf/`, `data/` and `lib/quarkus/`, with the big jar folders linked), in a temporary
directory removed by `stop()`. Keycloak "builds" itself (Quarkus augmentation, about 35 s on
2 cores) into `lib/quarkus/` on its first start; that build is kept in the cache too, so later
runs start in about 45 s instead of 80 s.

Java: Keycloak 26 runs on Java 17, 21 or 25. The first of `$JAVA_HOME`, `java` on PATH and the
JDKs under /usr/lib/jvm (newest first) with Java 17 or newer is used.

Library use::

    reason = availability()            # None, or why Keycloak cannot run here
    with keycloak_for_tests() as kc:   # on $DATABASE_URL's server, else a PostgreSQL of its own
        kc.add_redirect_uri(f"{live_server.url}/oidc/callback/")
        settings.KEYCLOAK_URL = kc.url

`python -m tests.support.keycloak` downloads the distribution into the cache and says where it
is (or why not), e.g. to warm a CI machine.

Stdlib only, except psycopg (in the project's virtualenv), imported where a database is prepared.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from tests.support.postgres import PostgresServer, free_port

KEYCLOAK_VERSION = "26.7.3"
MAVEN_CENTRAL = "https://repo1.maven.org/maven2"
ARTIFACT = "org/keycloak/keycloak-quarkus-dist/{version}/keycloak-quarkus-dist-{version}.zip"
REPO_ROOT = Path(__file__).resolve().parents[2]
REALM_FILE = REPO_ROOT / "deploy" / "keycloak" / "realm-shop.json"
REALM = "shop"
CLIENT_ID = "storefront"
HOST = "127.0.0.1"

CACHE_ENV = "KEYCLOAK_CACHE_DIR"
START_TIMEOUT_ENV = "KEYCLOAK_START_TIMEOUT"
# On 2 cores: about 80 s with the first build, 45 s after; generous for a loaded CI machine.
START_TIMEOUT = 180.0
STOP_TIMEOUT = 30.0
DOWNLOAD_TIMEOUT = 60.0  # per network operation, not for the whole download
MIN_JAVA = 17
JVM_DIR = Path("/usr/lib/jvm")
# Build-time options (they change what `lib/quarkus/` holds); the cached build is keyed on them.
BUILD_OPTIONS = ("--db=postgres", "--health-enabled=true")
DB_POOL_MAX_SIZE = 20
# Marks the database and role that prepare_database() made, so it only ever drops its own.
DB_MARKER = "storefront tests: throwaway Keycloak database (tests/support/keycloak.py)"
# Variables that would reconfigure Keycloak or its JVM behind the harness's back.
SCRUBBED_ENV_PREFIXES = ("KC_", "KEYCLOAK_", "QUARKUS_", "JAVA_OPTS")


class KeycloakError(RuntimeError):
    """Keycloak could not be fetched, started or asked; the message says why."""


# --- where things live -------------------------------------------------------------------------


def cache_dir() -> Path:
    """The download cache: $KEYCLOAK_CACHE_DIR, else under $XDG_CACHE_HOME or ~/.cache."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override).expanduser().resolve()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser().resolve() / "storefront-tests" / "keycloak"


def artifact_url(version: str = KEYCLOAK_VERSION) -> str:
    return f"{MAVEN_CENTRAL}/{ARTIFACT.format(version=version)}"


def dist_dir(version: str = KEYCLOAK_VERSION, cache: Path | None = None) -> Path:
    """Where the unpacked distribution lives (it exists once `ensure_distribution` ran)."""
    return (cache or cache_dir()) / f"keycloak-{version}"


def _complete_marker(dist: Path) -> Path:
    return dist / ".storefront-complete"


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock across processes (two test runs must not unpack at the same time)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


# --- Java ----------------------------------------------------------------------------------------


def java_major(java: str | os.PathLike[str]) -> int | None:
    """The major version of a `java` binary (17, 21, 25), or None if it does not run."""
    try:
        result = subprocess.run(
            [str(java), "-XshowSettings:properties", "-version"],
            capture_output=True,
            text=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r"java\.specification\.version = (\d+)", result.stderr)
    return int(match.group(1)) if match else None


def _java_candidates() -> Iterator[Path]:
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        yield Path(java_home) / "bin" / "java"
    on_path = shutil.which("java")
    if on_path:
        yield Path(on_path)
    if JVM_DIR.is_dir():
        homes = sorted(
            JVM_DIR.iterdir(), key=lambda p: [int(n) for n in re.findall(r"\d+", p.name)]
        )
        for home in reversed(homes):
            yield home / "bin" / "java"


def find_java() -> Path | None:
    """The first Java 17+ binary: $JAVA_HOME's, then `java` on PATH, then /usr/lib/jvm's."""
    for java in _java_candidates():
        if java.is_file() and os.access(java, os.X_OK) and (java_major(java) or 0) >= MIN_JAVA:
            return java
    return None


# --- the distribution ----------------------------------------------------------------------------


def _fetch_text(url: str) -> str:
    with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response:  # noqa: S310 (https)
        return response.read().decode("ascii", errors="replace")


def _expected_digest(url: str) -> tuple[str, str]:
    """(algorithm, hex digest) from Maven Central's checksum file next to the artifact."""
    for algorithm in ("sha512", "sha1"):
        try:
            text = _fetch_text(f"{url}.{algorithm}")
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                continue
            raise
        digest = text.split()[0].lower() if text.split() else ""
        if re.fullmatch(r"[0-9a-f]+", digest):
            return algorithm, digest
    raise KeycloakError(f"no usable .sha512 or .sha1 checksum next to {url}")


def _download(url: str, target: Path) -> tuple[str, str]:
    """Download `url` to `target`, verifying it; return (algorithm, digest)."""
    algorithm, expected = _expected_digest(url)
    digest = hashlib.new(algorithm)
    print(f"keycloak: downloading {url} ...", file=sys.stderr)
    started = time.monotonic()
    size = 0
    with (
        urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response,  # noqa: S310 (https)
        target.open("wb") as out,
    ):
        while chunk := response.read(1 << 20):
            digest.update(chunk)
            out.write(chunk)
            size += len(chunk)
    if digest.hexdigest() != expected:
        target.unlink(missing_ok=True)
        raise KeycloakError(
            f"{url}: {algorithm} mismatch (got {digest.hexdigest()}, Maven Central says "
            f"{expected}); the download was discarded"
        )
    elapsed = time.monotonic() - started
    print(
        f"keycloak: {size / 1e6:.0f} MB in {elapsed:.1f} s, {algorithm} verified", file=sys.stderr
    )
    return algorithm, expected


def _unzip(archive: Path, target: Path) -> None:
    """Unpack keeping the executable bits (zipfile drops them)."""
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            extracted = Path(zf.extract(info, target))
            mode = (info.external_attr >> 16) & 0o777
            if mode and not info.is_dir():
                extracted.chmod(mode)


def ensure_distribution(version: str = KEYCLOAK_VERSION, cache: Path | None = None) -> Path:
    """The unpacked distribution in the cache, downloading and verifying it the first time."""
    cache = cache or cache_dir()
    dist = dist_dir(version, cache)
    if _complete_marker(dist).is_file():
        return dist
    with _locked(cache / ".lock"):
        if _complete_marker(dist).is_file():  # another process finished it while we waited
            return dist
        work = Path(tempfile.mkdtemp(prefix=f".keycloak-{version}-", dir=cache))
        try:
            url = artifact_url(version)
            try:
                algorithm, digest = _download(url, work / "dist.zip")
            except (urllib.error.URLError, OSError) as exc:
                raise KeycloakError(f"cannot download {url}: {exc}") from exc
            _unzip(work / "dist.zip", work / "unpacked")
            unpacked = work / "unpacked" / f"keycloak-{version}"
            if not (unpacked / "bin" / "kc.sh").is_file():
                raise KeycloakError(f"{url} has no keycloak-{version}/bin/kc.sh")
            shutil.rmtree(dist, ignore_errors=True)  # a half-finished earlier attempt
            unpacked.rename(dist)
            _complete_marker(dist).write_text(f"{url}\n{algorithm} {digest}\n")
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return dist


def availability(version: str = KEYCLOAK_VERSION) -> str | None:
    """None when Keycloak can run here (Java 17+, and the distribution cached or downloadable),
    else the reason it cannot, for a skip message."""
    if find_java() is None:
        return (
            f"Keycloak needs Java {MIN_JAVA} or newer: install it (Debian: `apt-get install "
            "openjdk-17-jre-headless`) or set JAVA_HOME"
        )
    if _complete_marker(dist_dir(version)).is_file():
        return None
    url = artifact_url(version)
    try:
        _expected_digest(url)
    except (urllib.error.URLError, OSError, KeycloakError) as exc:
        return (
            f"Keycloak {version} is not in the cache ({cache_dir()}) and {url} is out of "
            f"reach: {exc}"
        )
    return None


# --- the database --------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeycloakDatabase:
    """Where Keycloak keeps its data: a database and its owner role on a PostgreSQL server."""

    host: str
    port: int
    name: str
    username: str
    password: str

    @property
    def url(self) -> str:
        """A postgres:// URL for Keycloak's own role (not a superuser)."""
        auth = f"{urllib.parse.quote(self.username, safe='')}:"
        auth += urllib.parse.quote(self.password, safe="")
        return f"postgres://{auth}@{self.host}:{self.port}/{urllib.parse.quote(self.name, safe='')}"

    def __repr__(self) -> str:  # never print the password
        return f"<KeycloakDatabase {self.username}@{self.host}:{self.port}/{self.name}>"


class NotSuperuserError(KeycloakError):
    """The database URL's role may not create Keycloak's database and role."""


def _server_address(superuser_url: str) -> tuple[str, int]:
    parts = urllib.parse.urlsplit(superuser_url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise KeycloakError(f"not a postgres:// URL (scheme {parts.scheme!r})")
    if not parts.hostname or parts.hostname.startswith("/"):
        raise KeycloakError("Keycloak reaches PostgreSQL over TCP: the URL needs a host name")
    return parts.hostname, parts.port or 5432


def _connect(superuser_url: str) -> Any:
    import psycopg  # the project's virtualenv has it; imported here so the module loads without

    return psycopg.connect(superuser_url, autocommit=True, connect_timeout=10)


def _taken_by_others(cursor: Any, dbname: str, role: str) -> bool:
    """Whether a database or role of that name exists that prepare_database() did not make."""
    cursor.execute(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s"
        " UNION ALL "
        "SELECT shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname = %s",
        (dbname, role),
    )
    return any(comment != DB_MARKER for (comment,) in cursor.fetchall())


def prepare_database(
    superuser_url: str, name: str = "keycloak", role: str = "keycloak"
) -> KeycloakDatabase:
    """Create an empty database `name` owned by a new login role `role` with a random password.

    `superuser_url` is a postgres:// URL of a superuser (as `make test`'s DATABASE_URL). A
    database or role of that name that this function made earlier is dropped and made anew; one
    it did not make (a developer's real Keycloak) is left alone, and `<name>_tests` /
    `<role>_tests` are used instead. Raises NotSuperuserError when the URL's role is no superuser.
    """
    from psycopg import sql

    host, port = _server_address(superuser_url)
    password = secrets.token_urlsafe(24)
    with _connect(superuser_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cur.fetchone()
        if not (row and row[0]):
            raise NotSuperuserError("the database URL's role is not a superuser")
        if _taken_by_others(cur, name, role):
            name, role = f"{name}_tests", f"{role}_tests"
            if _taken_by_others(cur, name, role):
                raise KeycloakError(f"database or role {name!r} exists and is not the tests' own")
        db_id, role_id = sql.Identifier(name), sql.Identifier(role)
        cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(db_id))
        cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))
        verb = "ALTER" if cur.fetchone() else "CREATE"
        cur.execute(
            sql.SQL(verb + " ROLE {} LOGIN PASSWORD {}").format(role_id, sql.Literal(password))
        )
        cur.execute(sql.SQL("COMMENT ON ROLE {} IS {}").format(role_id, sql.Literal(DB_MARKER)))
        cur.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(db_id, role_id))
        cur.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(db_id, sql.Literal(DB_MARKER)))
    return KeycloakDatabase(host, port, name, role, password)


def drop_database(superuser_url: str, database: KeycloakDatabase) -> None:
    """Drop a database and role that prepare_database() made (none other)."""
    from psycopg import sql

    with _connect(superuser_url) as conn, conn.cursor() as cur:
        if _taken_by_others(cur, database.name, database.username):
            return
        cur.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database.name))
        )
        cur.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(database.username)))


# --- the server --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoUser:
    """A user of the committed realm file, with its local-only password."""

    username: str
    email: str
    password: str
    realm_roles: frozenset[str]


def demo_users(realm_file: Path = REALM_FILE) -> dict[str, DemoUser]:
    """The realm file's users by short name: the part of the username before any `@` (the realm
    uses e-mail addresses as usernames: "shopper" is shopper@example.com)."""
    realm = json.loads(realm_file.read_text())
    users = {}
    for user in realm.get("users", []):
        passwords = [c["value"] for c in user.get("credentials", []) if c["type"] == "password"]
        users[user["username"].split("@")[0]] = DemoUser(
            username=user["username"],
            email=user.get("email", ""),
            password=passwords[0] if passwords else "",
            realm_roles=frozenset(user.get("realmRoles", [])),
        )
    return users


def _build_key(version: str) -> str:
    options = "\n".join(sorted(BUILD_OPTIONS))
    return f"{version}-{hashlib.sha256(options.encode()).hexdigest()[:12]}"


class KeycloakServer:
    """Keycloak in development mode on 127.0.0.1, importing the shop realm at start.

    `database` is where it keeps its data (see `prepare_database`). The realm, client id and
    secret come from `realm_file` (by default the committed `deploy/keycloak/realm-shop.json`).
    `environment` adds variables to the server's environment, e.g. the values of `${NAME}`
    placeholders in the realm file, which Keycloak substitutes at import (the harness's own
    variables, such as the database password, take precedence).
    The bootstrap admin of the `master` realm gets a random password per run; the admin REST API
    helpers below sign in with it.
    """

    def __init__(
        self,
        database: KeycloakDatabase,
        *,
        realm_file: str | os.PathLike[str] = REALM_FILE,
        environment: Mapping[str, str] | None = None,
        version: str = KEYCLOAK_VERSION,
        cache: str | os.PathLike[str] | None = None,
        start_timeout: float | None = None,
    ) -> None:
        self.database = database
        self.realm_file = Path(realm_file)
        self.extra_environment = dict(environment or {})
        realm = json.loads(self.realm_file.read_text())
        self.realm: str = realm["realm"]
        # A realm that requires HTTPS for every request (sslRequired "all", as in production)
        # answers plain HTTP with 403 "HTTPS required", even on 127.0.0.1. Readiness is then the
        # master realm's discovery document: Keycloak serves no realm before its start-up import
        # is done (start-dev opens its port after it; `start` answers 503 until then).
        self._ready_realm = "master" if realm.get("sslRequired") == "all" else self.realm
        client = next(c for c in realm["clients"] if c["clientId"] == CLIENT_ID)
        self.client_id: str = client["clientId"]
        self.client_secret: str = client["secret"]
        self.demo_users = demo_users(self.realm_file)
        self.version = version
        self.cache = Path(cache) if cache else cache_dir()
        timeout = start_timeout or float(os.environ.get(START_TIMEOUT_ENV) or START_TIMEOUT)
        self.start_timeout = timeout
        self.admin_username = "bootstrap-admin"
        self.admin_password = secrets.token_urlsafe(24)
        self.http_port = free_port()
        self.management_port = free_port()
        self.base_dir: Path | None = None
        self.startup_seconds: float | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._token: tuple[str, float] | None = None
        self._atexit_registered = False

    def __repr__(self) -> str:
        return f"<KeycloakServer {self.url} realm={self.realm} db={self.database!r}>"

    # addresses

    @property
    def url(self) -> str:
        """The server's root, e.g. http://127.0.0.1:41234 (KEYCLOAK_URL for the shop)."""
        return f"http://{HOST}:{self.http_port}"

    @property
    def issuer(self) -> str:
        return f"{self.url}/realms/{self.realm}"

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    @property
    def management_url(self) -> str:
        return f"http://{HOST}:{self.management_port}"

    @property
    def log_path(self) -> Path | None:
        return self.base_dir / "keycloak.log" if self.base_dir else None

    def env(self) -> dict[str, str]:
        """The shop's settings for this server (names as in docs/design: README's variables)."""
        return {
            "KEYCLOAK_URL": self.url,
            "KEYCLOAK_REALM": self.realm,
            "OIDC_RP_CLIENT_ID": self.client_id,
            "OIDC_RP_CLIENT_SECRET": self.client_secret,
        }

    # lifecycle

    @property
    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Start Keycloak and wait until the realm's discovery document is served (the master
        realm's, when the realm requires HTTPS for every request)."""
        if self.is_running:
            return
        java = find_java()
        if java is None:
            raise KeycloakError(f"no Java {MIN_JAVA}+ found (JAVA_HOME, PATH, {JVM_DIR})")
        dist = ensure_distribution(self.version, self.cache)
        self.base_dir = Path(tempfile.mkdtemp(prefix="keycloak-"))
        self._register_atexit()
        home = self._make_home(dist)
        started = time.monotonic()
        for attempt in range(2):
            self._launch(home, java)
            try:
                self._wait_until_ready()
                break
            except KeycloakError as exc:
                port_taken = "Address already in use" in self._log_tail(200)
                self._terminate()
                if not (port_taken and attempt == 0):
                    raise
                print(f"keycloak: {exc}; retrying on other ports", file=sys.stderr)
                self.http_port, self.management_port = free_port(), free_port()
        self.startup_seconds = time.monotonic() - started
        self._keep_build(home)

    def stop(self) -> None:
        """Stop Keycloak (SIGTERM, then SIGKILL after STOP_TIMEOUT) and remove its directory."""
        self._terminate()
        if self.base_dir is not None:
            shutil.rmtree(self.base_dir, ignore_errors=True)
            self.base_dir = None
        if self._atexit_registered:
            atexit.unregister(self.stop)
            self._atexit_registered = False

    def __enter__(self) -> KeycloakServer:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def rss_bytes(self) -> int:
        """Resident memory of Keycloak's processes (the JVM and its kc.sh wrapper), in bytes."""
        if self._process is None or not self.is_running:
            return 0
        total = 0
        for pid in _group_members(self._process.pid):
            with contextlib.suppress(OSError):
                match = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
                total += int(match.group(1)) * 1024 if match else 0
        return total

    # admin REST API

    def admin_token(self) -> str:
        """An access token of the bootstrap admin (master realm, `admin-cli`), reused until near
        its expiry."""
        if self._token and self._token[1] > time.monotonic():
            return self._token[0]
        form = {
            "grant_type": "password",
            "client_id": "admin-cli",
            "username": self.admin_username,
            "password": self.admin_password,
        }
        answer = self._request(
            "POST", f"{self.url}/realms/master/protocol/openid-connect/token", form=form
        )
        lifetime = float(answer.get("expires_in", 60))
        self._token = (answer["access_token"], time.monotonic() + max(lifetime - 15, 1))
        return self._token[0]

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        """Call the admin REST API of this realm: `path` is relative to /admin/realms/<realm>."""
        url = f"{self.url}/admin/realms/{self.realm}{path}"
        return self._request(method, url, json_body=body, token=self.admin_token())

    def storefront_client(self) -> dict[str, Any]:
        """The `storefront` client's representation, as the admin API gives it."""
        found = self.admin("GET", f"/clients?clientId={urllib.parse.quote(self.client_id)}")
        if not found:
            raise KeycloakError(f"client {self.client_id!r} not found in realm {self.realm!r}")
        return found[0]

    def add_redirect_uri(self, uri: str) -> None:
        """Allow one more exact redirect URI (e.g. the live test server's callback)."""
        client = self.storefront_client()
        if uri not in client.get("redirectUris", []):
            client["redirectUris"] = [*client.get("redirectUris", []), uri]
            self.admin("PUT", f"/clients/{client['id']}", client)

    def add_post_logout_redirect_uri(self, uri: str) -> None:
        """Allow one more post-logout redirect URI (the `##`-separated client attribute)."""
        client = self.storefront_client()
        attributes = client.setdefault("attributes", {})
        current = [u for u in attributes.get("post.logout.redirect.uris", "").split("##") if u]
        if uri not in current:
            attributes["post.logout.redirect.uris"] = "##".join([*current, uri])
            self.admin("PUT", f"/clients/{client['id']}", client)

    def user(self, username: str) -> dict[str, Any]:
        """A user's representation (exact username match; a demo user's short name, such as
        "shopper", stands for its username)."""
        if username in self.demo_users:
            username = self.demo_users[username].username
        query = urllib.parse.urlencode({"username": username, "exact": "true"})
        found = self.admin("GET", f"/users?{query}")
        if not found:
            raise KeycloakError(f"no user {username!r} in realm {self.realm!r}")
        return found[0]

    def create_user(
        self, email: str, password: str, *, first_name: str = "Test", last_name: str = "User"
    ) -> dict[str, Any]:
        """A new enabled user with a verified e-mail address as username and a password."""
        self.admin(
            "POST",
            "/users",
            {
                "username": email,
                "email": email,
                "emailVerified": True,
                "enabled": True,
                "firstName": first_name,
                "lastName": last_name,
                "credentials": [{"type": "password", "value": password, "temporary": False}],
            },
        )
        return self.user(email)

    def user_sessions(self, username: str) -> int:
        """How many active sessions the user has (0 after a complete sign-out)."""
        return len(self.admin("GET", f"/users/{self.user(username)['id']}/sessions"))

    def set_user_enabled(self, username: str, enabled: bool) -> None:
        user = self.user(username)
        user["enabled"] = enabled
        self.admin("PUT", f"/users/{user['id']}", user)

    def realm_roles(self, username: str) -> set[str]:
        """The realm roles assigned to the user directly (including `default-roles-<realm>`)."""
        mappings = self.admin("GET", f"/users/{self.user(username)['id']}/role-mappings/realm")
        return {role["name"] for role in mappings}

    def set_realm_roles(self, username: str, roles: Iterable[str]) -> None:
        """Make the user's realm roles exactly `roles`, plus the realm's default role, which
        every user keeps (e.g. `set_realm_roles("staff", [])` takes `shop-staff` away)."""
        user_id = self.user(username)["id"]
        path = f"/users/{user_id}/role-mappings/realm"
        wanted = {*roles, f"default-roles-{self.realm}"}
        current = {role["name"]: role for role in self.admin("GET", path)}
        removed = [role for name, role in current.items() if name not in wanted]
        added = [
            self.admin("GET", f"/roles/{urllib.parse.quote(n)}") for n in wanted - set(current)
        ]
        if removed:
            self.admin("DELETE", path, removed)
        if added:
            self.admin("POST", path, added)

    # internals

    def _request(
        self,
        method: str,
        url: str,
        *,
        form: Mapping[str, str] | None = None,
        json_body: Any = None,
        token: str | None = None,
    ) -> Any:
        headers = {"Accept": "application/json"}
        data = None
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif json_body is not None:
            data = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        # Only ever http://127.0.0.1 (this server), never a caller's scheme.
        request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                body = response.read()
        except urllib.error.HTTPError as exc:
            # The request (which may carry a password) is not repeated in the message.
            detail = exc.read().decode(errors="replace")[:500]
            raise KeycloakError(f"{method} {url} -> {exc.code}: {detail}") from None
        except urllib.error.URLError as exc:
            raise KeycloakError(f"{method} {url}: {exc.reason}") from None
        return json.loads(body) if body.strip() else None

    def _make_home(self, dist: Path) -> Path:
        """A Keycloak home of this run's own: what Keycloak writes (data/, lib/quarkus/, and
        kc.sh, which finds the home from its own path) is copied; the rest is linked."""
        assert self.base_dir is not None
        home = self.base_dir / "home"
        (home / "bin").mkdir(parents=True)
        for entry in dist.iterdir():
            if entry.name in ("bin", "conf", "lib", "data", _complete_marker(dist).name):
                continue
            (home / entry.name).symlink_to(entry)
        for entry in (dist / "bin").iterdir():
            if entry.is_dir():
                (home / "bin" / entry.name).symlink_to(entry)  # bin/client: kcadm's jars
            else:
                shutil.copy2(entry, home / "bin" / entry.name)
        shutil.copytree(dist / "conf", home / "conf")
        (home / "lib").mkdir()
        (home / "lib" / "lib").symlink_to(dist / "lib" / "lib")  # 170 MB of jars, only read
        # The Quarkus runner takes lib/ from quarkus-run.jar's real path: copies, not links.
        shutil.copytree(dist / "lib" / "app", home / "lib" / "app")
        shutil.copy2(dist / "lib" / "quarkus-run.jar", home / "lib" / "quarkus-run.jar")
        build = self.cache / "builds" / _build_key(self.version)
        shutil.copytree(
            build if build.is_dir() else dist / "lib" / "quarkus", home / "lib" / "quarkus"
        )
        (home / "data" / "import").mkdir(parents=True)
        shutil.copy2(self.realm_file, home / "data" / "import" / f"realm-{self.realm}.json")
        (self.base_dir / "tmp").mkdir()
        return home

    def _keep_build(self, home: Path) -> None:
        """Keep this run's Quarkus build in the cache, so the next runs skip it (35 s)."""
        build = self.cache / "builds" / _build_key(self.version)
        if build.is_dir():
            return
        with _locked(self.cache / ".lock"):
            if build.is_dir():
                return
            build.parent.mkdir(parents=True, exist_ok=True)
            partial = Path(tempfile.mkdtemp(prefix=".build-", dir=build.parent))
            try:
                shutil.copytree(home / "lib" / "quarkus", partial / "quarkus")
                (partial / "quarkus").rename(build)
            finally:
                shutil.rmtree(partial, ignore_errors=True)

    def _command(self, home: Path) -> list[str]:
        db = self.database
        return [
            str(home / "bin" / "kc.sh"),
            "start-dev",
            f"--http-host={HOST}",
            f"--http-port={self.http_port}",
            f"--http-management-port={self.management_port}",
            "--hostname-strict=false",
            "--import-realm",
            *BUILD_OPTIONS,
            f"--db-url-host={db.host}",
            f"--db-url-port={db.port}",
            f"--db-url-database={db.name}",
            f"--db-username={db.username}",
            f"--db-pool-max-size={DB_POOL_MAX_SIZE}",
        ]

    def _environment(self, java: Path) -> dict[str, str]:
        assert self.base_dir is not None
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(SCRUBBED_ENV_PREFIXES)
        }
        env.update(self.extra_environment)
        env.update(
            JAVA=str(java),
            # Passwords through the environment, not the command line that `ps` shows.
            KC_DB_PASSWORD=self.database.password,
            KC_BOOTSTRAP_ADMIN_USERNAME=self.admin_username,
            KC_BOOTSTRAP_ADMIN_PASSWORD=self.admin_password,
            # Java's temporary files (Vert.x's cache among them) in this run's directory.
            JAVA_OPTS_APPEND=f"-Djava.io.tmpdir={self.base_dir / 'tmp'}",
        )
        return env

    def _launch(self, home: Path, java: Path) -> None:
        assert self.log_path is not None
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                self._command(home),
                cwd=self.base_dir,
                env=self._environment(java),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop() signals kc.sh and java
            )

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                raise KeycloakError(
                    f"Keycloak exited with status {self._process.returncode} while starting\n"
                    f"--- tail of {self.log_path} ---\n{self._log_tail()}"
                )
            if self._discovery_ready():
                return
            time.sleep(0.5)
        raise KeycloakError(
            f"Keycloak was not ready after {self.start_timeout:.0f} s "
            f"({self._ready_url})\n--- tail of {self.log_path} ---\n{self._log_tail()}"
        )

    @property
    def _ready_url(self) -> str:
        return f"{self.url}/realms/{self._ready_realm}/.well-known/openid-configuration"

    def _discovery_ready(self) -> bool:
        issuer = f"{self.url}/realms/{self._ready_realm}"
        try:
            with urllib.request.urlopen(self._ready_url, timeout=5) as response:  # noqa: S310
                return json.loads(response.read()).get("issuer") == issuer
        except (OSError, ValueError):
            return False

    def _terminate(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(STOP_TIMEOUT)
        # kc.sh may be gone while the JVM it started is not. A process group id is not reused
        # while the group has a member, so this signals Keycloak's processes and no others.
        if _group_members(process.pid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(STOP_TIMEOUT)

    def _log_tail(self, lines: int = 40) -> str:
        try:
            assert self.log_path is not None
            return _tail(self.log_path.read_text(errors="replace"), lines)
        except (OSError, AssertionError):
            return "(no log)"

    def _register_atexit(self) -> None:
        if not self._atexit_registered:
            atexit.register(self.stop)
            self._atexit_registered = True


def _group_members(pgid: int) -> list[int]:
    """The live processes of a process group (from /proc)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state_and_more = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        # After the command: state, ppid, pgrp. Zombies have exited already.
        if len(state_and_more) > 2 and state_and_more[2] == str(pgid) and state_and_more[0] != "Z":
            members.append(int(stat.parent.name))
    return members


# --- for the test suite --------------------------------------------------------------------------


@contextlib.contextmanager
def keycloak_for_tests(
    database_url: str | None = None, *, database_name: str = "keycloak", **server_options: Any
) -> Iterator[KeycloakServer]:
    """A running KeycloakServer for a test session, stopped and its database dropped afterwards.

    Its database (`database_name`, owned by a role of the same name) goes on the PostgreSQL
    server of `database_url` (default: $DATABASE_URL, the suite's throwaway server under `make
    test`) when that URL is a superuser's; otherwise on a PostgreSQL server of its own. A second
    server in the same run needs another `database_name`: preparing a database drops any earlier
    one of that name. `server_options` go to KeycloakServer (`realm_file`, `environment`, ...).
    """
    url = database_url if database_url is not None else os.environ.get("DATABASE_URL", "")
    with contextlib.ExitStack() as stack:
        database = None
        if url:
            with contextlib.suppress(NotSuperuserError):
                database = prepare_database(url, database_name, database_name)
        if database is None:
            postgres = stack.enter_context(PostgresServer())
            url = postgres.url
            database = prepare_database(url, database_name, database_name)
        stack.callback(_drop_quietly, url, database)  # runs after the server has stopped
        yield stack.enter_context(KeycloakServer(database, **server_options))


def _drop_quietly(url: str, database: KeycloakDatabase) -> None:
    try:
        drop_database(url, database)
    except Exception as exc:  # teardown must not mask the tests' outcome
        print(f"keycloak: could not drop {database!r}: {exc}", file=sys.stderr)


def main() -> int:
    """Fetch the distribution into the cache; print where it is, or why Keycloak cannot run."""
    try:
        dist = ensure_distribution()
    except KeycloakError as exc:
        print(f"keycloak: {exc}", file=sys.stderr)
        return 1
    reason = availability()
    print(dist)
    if reason:
        print(f"keycloak: {reason}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
