"""One server, two databases, least privilege: the bootstrap of a new RDS PostgreSQL server.

The deployment strategy puts the shop's database `ecommerce` and Keycloak's `keycloak` on one
RDS server, each owned by a user of its own, plus a read-only `backup_user` for both. An
operator runs this once, as a one-off ECS task (`manage.py bootstrap_databases`), with the
master user's secret (RDS manages and rotates it) and one Secrets Manager secret per user; the
names of the users and databases come from those secrets (`username`, `dbname`), their
passwords never leave them: each password is turned into a SCRAM verifier here, on the client,
so the server (and its statement log) only ever sees the verifier.

What it makes sure of, without changing anything that is already right (a second run prints
"already in place" for everything):

- each user: LOGIN, NOSUPERUSER, NOCREATEDB, NOCREATEROLE, and the password of its secret.
  A role whose secret password already works is left alone; otherwise the secret wins (after a
  rotation the secret is the truth).
- each database owned by its user; CONNECT and TEMPORARY revoked from PUBLIC, CONNECT granted to
  its owner and to the backup user, so the shop's user is refused Keycloak's database and the
  other way round.
- the backup user: member of `pg_read_all_data` (SELECT on everything, no writes) and
  `default_transaction_read_only = on`.

On RDS the master user is not a superuser: to create a database owned by another role, or to
change that database's privileges, it must be a member of that role. It grants itself the
membership for those steps and revokes it afterwards, so the master holds nothing new.

Connects with psycopg directly, never through Django's database connection (which points at the
application's user, not yet existing when this runs).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

import psycopg
from psycopg import sql

from ecommerce.secrets import DatabaseSecret, SecretError

CONNECT_TIMEOUT = 10
MAINTENANCE_DATABASE = "postgres"
# Bounds on the master's statements: CREATE DATABASE waits for other sessions on its template.
SESSION_OPTIONS = "-c lock_timeout=10s -c statement_timeout=120s"
RESERVED_DATABASES = {"postgres", "template0", "template1", "rdsadmin"}
ROLE_ATTRIBUTES = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE"
BACKUP_READ_ROLE = "pg_read_all_data"
READ_ONLY_SETTING = "default_transaction_read_only=on"


class BootstrapError(Exception):
    """A problem stated in one line, without any secret value."""


@dataclass(frozen=True)
class Account:
    """A database user as its secret holds it."""

    username: str
    password: str = field(repr=False)
    dbname: str | None = None
    host: str | None = None
    port: int | None = None


@dataclass(frozen=True)
class Server:
    """Where PostgreSQL listens, and how TLS is verified (DB_SSLMODE, DB_SSLROOTCERT)."""

    host: str
    port: int = 5432
    sslmode: str | None = None
    sslrootcert: str | None = None

    def connect(self, account: Account, dbname: str) -> psycopg.Connection:
        """An autocommit connection as `account` to `dbname`; OperationalError if refused."""
        tls = {"sslmode": self.sslmode, "sslrootcert": self.sslrootcert}
        return psycopg.connect(
            host=self.host,
            port=self.port,
            dbname=dbname,
            user=account.username,
            password=account.password,
            connect_timeout=CONNECT_TIMEOUT,
            application_name="bootstrap_databases",
            options=SESSION_OPTIONS,
            autocommit=True,
            **{key: value for key, value in tls.items() if value},
        )


def read_account(secret_id: str, *, region: str | None, role: str) -> Account:
    """The account in secret `secret_id` (RDS's JSON: username, password, host, port, dbname)."""
    try:
        values = DatabaseSecret(secret_id, region=region).settings()
    except SecretError as error:
        raise BootstrapError(f"The {role} secret: {error}") from None
    return Account(
        username=values["USER"],
        password=values["PASSWORD"],
        dbname=values.get("NAME"),
        host=values.get("HOST"),
        port=values.get("PORT"),
    )


class Bootstrap:
    """The steps, run on one connection as the master user. `report` gets one line per action
    taken or per thing found already in place; never a password."""

    def __init__(
        self,
        *,
        server: Server,
        master: Account,
        app: Account,
        keycloak: Account,
        backup: Account,
        report: Callable[[str], None],
    ) -> None:
        self.server, self.master = server, master
        self.app, self.keycloak, self.backup = app, keycloak, backup
        self.report = report
        self.changes = 0
        self._check_accounts()
        self._passwords = [a.password for a in (master, app, keycloak, backup)]

    def run(self) -> int:
        """Bring the server in line; return how many changes were made (0 on a second run)."""
        with self._master_connection() as connection:
            self.connection = connection
            self.is_superuser = self._one(
                "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
            )
            for account in (self.app, self.keycloak, self.backup):
                self._ensure_role(account)
            self._ensure_backup_is_read_only()
            for owner in (self.app, self.keycloak):
                self._ensure_database(owner)
        return self.changes

    # --- checks ------------------------------------------------------------------------------

    def _check_accounts(self) -> None:
        owners = {"app": self.app, "keycloak": self.keycloak}
        for role, account in owners.items():
            if not account.dbname:
                raise BootstrapError(f"The {role} secret has no dbname: name its database there.")
            if account.dbname in RESERVED_DATABASES:
                raise BootstrapError(f"The {role} secret names a system database, not its own.")
        if self.app.dbname == self.keycloak.dbname:
            raise BootstrapError("The app and keycloak secrets name the same database.")
        names = [a.username for a in (self.master, self.app, self.keycloak, self.backup)]
        if len(set(names)) != len(names):
            raise BootstrapError(
                "The master, app, keycloak and backup secrets must each name a different user."
            )

    # --- roles -------------------------------------------------------------------------------

    def _ensure_role(self, account: Account) -> None:
        name = account.username
        row = self._row(
            "SELECT rolsuper, rolcreatedb, rolcreaterole, rolcanlogin FROM pg_roles"
            " WHERE rolname = %s",
            (name,),
        )
        if row is None:
            self._execute(
                "CREATE ROLE {} " + ROLE_ATTRIBUTES + " PASSWORD {}",
                sql.Identifier(name),
                self._verifier(account),
            )
            self._changed(f"role {name}: created ({ROLE_ATTRIBUTES}, password from its secret)")
            return
        changed = False
        if row != (False, False, False, True):
            self._execute("ALTER ROLE {} " + ROLE_ATTRIBUTES, sql.Identifier(name))
            self._changed(f"role {name}: attributes set to {ROLE_ATTRIBUTES}")
            changed = True
        if not self._password_works(account):
            self._execute(
                "ALTER ROLE {} PASSWORD {}", sql.Identifier(name), self._verifier(account)
            )
            self._changed(f"role {name}: password set from its secret (the old one did not work)")
            changed = True
        if not changed:
            self.report(f"role {name}: already in place")

    def _verifier(self, account: Account) -> sql.Literal:
        """The SCRAM-SHA-256 verifier of the account's password, computed here, on the client."""
        verifier = self.connection.pgconn.encrypt_password(
            account.password.encode(), account.username.encode(), b"scram-sha-256"
        )
        return sql.Literal(verifier.decode())

    def _password_works(self, account: Account) -> bool:
        """Whether the account signs in with its secret's password, to its own database.

        A refusal for any other reason (the database or its CONNECT grant missing after an
        interrupted run) also counts as "no": the password is then set again, to the same value.
        """
        try:
            self.server.connect(account, account.dbname or self.app.dbname).close()
        except psycopg.OperationalError:
            return False
        return True

    def _ensure_backup_is_read_only(self) -> None:
        name = self.backup.username
        changed = False
        if not self._one(
            "SELECT EXISTS (SELECT FROM pg_auth_members m"
            " JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member"
            " WHERE r.rolname = %s AND u.rolname = %s)",
            (BACKUP_READ_ROLE, name),
        ):
            self._execute("GRANT {} TO {}", sql.Identifier(BACKUP_READ_ROLE), sql.Identifier(name))
            self._changed(f"role {name}: granted {BACKUP_READ_ROLE}")
            changed = True
        if not self._one(
            "SELECT EXISTS (SELECT FROM pg_db_role_setting s JOIN pg_roles u ON u.oid = s.setrole"
            " WHERE s.setdatabase = 0 AND u.rolname = %s AND %s = ANY (s.setconfig))",
            (name, READ_ONLY_SETTING),
        ):
            self._execute(
                "ALTER ROLE {} SET default_transaction_read_only = on", sql.Identifier(name)
            )
            self._changed(f"role {name}: default_transaction_read_only = on")
            changed = True
        if not changed:
            self.report(f"role {name}: read-only access ({BACKUP_READ_ROLE}) already in place")

    # --- databases ---------------------------------------------------------------------------

    def _ensure_database(self, owner: Account) -> None:
        name, role = owner.dbname, owner.username
        changed = False
        current_owner = self._one(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", (name,)
        )
        if current_owner is None:
            with self._as_member_of(role):
                self._execute(
                    "CREATE DATABASE {} OWNER {}", sql.Identifier(name), sql.Identifier(role)
                )
            self._changed(f"database {name}: created, owned by {role}")
            changed = True
        elif current_owner != role:
            with self._as_member_of(role):
                self._execute(
                    "ALTER DATABASE {} OWNER TO {}", sql.Identifier(name), sql.Identifier(role)
                )
            self._changed(f"database {name}: owner changed from {current_owner} to {role}")
            changed = True

        privileges = self._database_privileges(name)
        from_public = sorted(privileges.get("PUBLIC", set()) & {"CONNECT", "TEMPORARY"})
        if from_public:
            with self._as_member_of(role):
                self._execute(
                    "REVOKE CONNECT, TEMPORARY ON DATABASE {} FROM PUBLIC", sql.Identifier(name)
                )
            self._changed(f"database {name}: {' and '.join(from_public)} revoked from PUBLIC")
            changed = True
        for grantee in (role, self.backup.username):
            if "CONNECT" not in privileges.get(grantee, set()):
                with self._as_member_of(role):
                    self._execute(
                        "GRANT CONNECT ON DATABASE {} TO {}",
                        sql.Identifier(name),
                        sql.Identifier(grantee),
                    )
                self._changed(f"database {name}: CONNECT granted to {grantee}")
                changed = True
        if not changed:
            self.report(
                f"database {name}: already in place (owner {role};"
                f" CONNECT for {role} and {self.backup.username}, not PUBLIC)"
            )
        others = {
            grantee
            for grantee, held in privileges.items()
            if "CONNECT" in held and grantee not in (role, self.backup.username, "PUBLIC")
        }
        if others:
            # Granted by someone on purpose, perhaps (a reporting user): said, not undone.
            self.report(f"database {name}: note: CONNECT also held by {', '.join(sorted(others))}")

    def _database_privileges(self, name: str) -> dict[str, set[str]]:
        """Who holds which privilege on the database (PUBLIC included, defaults made explicit)."""
        rows = self.connection.execute(
            "SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END,"
            " a.privilege_type FROM pg_database d,"
            " aclexplode(COALESCE(d.datacl, acldefault('d', d.datdba))) a WHERE d.datname = %s",
            (name,),
        ).fetchall()
        privileges: dict[str, set[str]] = {}
        for grantee, privilege in rows:
            privileges.setdefault(grantee, set()).add(privilege)
        return privileges

    @contextmanager
    def _as_member_of(self, role: str) -> Iterator[None]:
        """On RDS (master not a superuser): membership of `role` for the enclosed statements."""
        if self.is_superuser or self._one(
            "SELECT pg_has_role(current_user, %s, 'MEMBER')", (role,)
        ):
            yield
            return
        self._execute("GRANT {} TO CURRENT_USER", sql.Identifier(role))
        try:
            yield
        finally:
            self._execute("REVOKE {} FROM CURRENT_USER", sql.Identifier(role))

    # --- plumbing ----------------------------------------------------------------------------

    @contextmanager
    def _master_connection(self) -> Iterator[psycopg.Connection]:
        try:
            connection = self.server.connect(self.master, MAINTENANCE_DATABASE)
        except psycopg.OperationalError as error:
            raise BootstrapError(
                f"Cannot connect to PostgreSQL at {self.server.host}:{self.server.port} as"
                f" {self.master.username}: {self._clean(error)}"
            ) from None
        try:
            with connection:
                yield connection
        except psycopg.Error as error:
            raise BootstrapError(f"PostgreSQL refused a step: {self._clean(error)}") from None

    def _execute(self, template: str, *parts: sql.Composable) -> None:
        self.connection.execute(sql.SQL(template).format(*parts))

    def _row(self, query: str, params: tuple = ()) -> tuple | None:
        return self.connection.execute(query, params).fetchone()

    def _one(self, query: str, params: tuple = ()):
        row = self._row(query, params)
        return None if row is None else row[0]

    def _changed(self, line: str) -> None:
        self.changes += 1
        self.report(line)

    def _clean(self, error: Exception) -> str:
        """The error on one line, with any secret value blanked out (defence in depth)."""
        text = " ".join(str(error).split())
        for password in self._passwords:
            text = text.replace(password, "[redacted]")
        return text


def server_from_environment(environ: Mapping[str, str], *, fallback: Account) -> Server:
    """DB_HOST, DB_PORT (default 5432), DB_SSLMODE, DB_SSLROOTCERT; the host and port of
    `fallback`'s secret when DB_HOST is unset."""
    host = environ.get("DB_HOST") or fallback.host
    if not host:
        raise BootstrapError("No database host: set DB_HOST (the RDS endpoint's address).")
    port = environ.get("DB_PORT") or (fallback.port if not environ.get("DB_HOST") else None)
    try:
        port = int(port or 5432)
    except ValueError:
        raise BootstrapError("DB_PORT is not a number.") from None
    return Server(
        host=host,
        port=port,
        sslmode=environ.get("DB_SSLMODE") or None,
        sslrootcert=environ.get("DB_SSLROOTCERT") or None,
    )


def bootstrap_databases(
    *,
    master_secret: str,
    app_secret: str,
    keycloak_secret: str,
    backup_secret: str,
    environ: Mapping[str, str],
    report: Callable[[str], None],
) -> int:
    """Read the four secrets, connect as the master user, run the bootstrap; return the number
    of changes. Raises BootstrapError with a one-line reason."""
    region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or None
    master = read_account(master_secret, region=region, role="master")
    app = read_account(app_secret, region=region, role="app")
    keycloak = read_account(keycloak_secret, region=region, role="keycloak")
    backup = read_account(backup_secret, region=region, role="backup")
    server = server_from_environment(environ, fallback=app)
    bootstrap = Bootstrap(
        server=server, master=master, app=app, keycloak=keycloak, backup=backup, report=report
    )
    return bootstrap.run()
