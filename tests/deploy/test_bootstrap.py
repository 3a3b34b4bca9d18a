"""`manage.py bootstrap_databases` against a real PostgreSQL server, secrets on moto's server.

The server is one of this module's own (the roles it creates are cluster-wide and must not leak
into the suite's server), with `log_statement = all` so that the test can look for passwords in
what the server saw. The master user is made like RDS's: LOGIN CREATEROLE CREATEDB, not a
superuser, so the command takes the path it takes on RDS (granting itself a role's membership
to create a database owned by that role). The command runs as the operator runs it: `manage.py`
in a subprocess, with the secrets' ids on its command line and DB_HOST/DB_PORT in its
environment.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field

import psycopg
import pytest

from tests.support.moto import MotoServer
from tests.support.postgres import PostgresServer
from tests.support.shop import PROJECT_ROOT, manage, production_env

MASTER = "rds_master"
APP, KEYCLOAK, BACKUP = "ecom_app_user", "keycloak_user", "backup_user"
SECRET_IDS = {
    "master": "rds!db-test-master",
    "app": "storefront/test/db-app",
    "keycloak": "storefront/test/db-keycloak",
    "backup": "storefront/test/db-backup",
}
USERS = {"master": MASTER, "app": APP, "keycloak": KEYCLOAK, "backup": BACKUP}
DATABASES = {"app": "ecommerce", "keycloak": "keycloak", "backup": "ecommerce"}


def said(output: str) -> list[str]:
    """The command's own lines, without the JSON log lines of the libraries (botocore)."""
    return [line for line in output.splitlines() if not line.startswith("{")]


def new_password() -> str:
    return "pw-" + secrets.token_urlsafe(18)


@dataclass
class Deployment:
    """The server, the secrets on moto, and the passwords the secrets hold right now."""

    pg: PostgresServer
    moto: MotoServer
    passwords: dict[str, str] = field(default_factory=dict)

    def secret_string(self, who: str) -> str:
        if who == "master":  # RDS-managed: username and password only
            return json.dumps({"username": MASTER, "password": self.passwords["master"]})
        return json.dumps(
            {
                "engine": "postgres",
                "host": self.pg.host,
                "port": self.pg.port,
                "username": USERS[who],
                "password": self.passwords[who],
                "dbname": DATABASES[who],
            }
        )

    def put_secret(self, who: str, value: str | None = None) -> None:
        self.moto.client().put_secret_value(
            SecretId=SECRET_IDS[who], SecretString=value or self.secret_string(who)
        )

    def run(self, **secret_ids: str):
        """`manage.py bootstrap_databases` as the operator runs it; the CompletedProcess."""
        ids = {**SECRET_IDS, **secret_ids}
        env = production_env(
            PROJECT_ROOT / "staticfiles",
            **self.moto.aws_env(),
            DB_HOST=self.pg.host,
            DB_PORT=str(self.pg.port),
        )
        args = [arg for who in USERS for arg in (f"--{who}-secret", ids[who])]
        return manage("bootstrap_databases", *args, env=env, timeout=60)

    def connect(self, who: str, dbname: str) -> psycopg.Connection:
        return psycopg.connect(
            host=self.pg.host,
            port=self.pg.port,
            dbname=dbname,
            user=USERS[who],
            password=self.passwords[who],
            connect_timeout=5,
            autocommit=True,
        )

    def snapshot(self) -> dict[str, str]:
        """Everything the bootstrap may change, read as the superuser: roles (the SCRAM verifier
        too, whose random salt changes with every password set), memberships, role settings,
        databases with owner and privileges."""
        queries = {
            "roles": "SELECT rolname, rolsuper, rolcreatedb, rolcreaterole, rolcanlogin,"
            " rolpassword FROM pg_authid ORDER BY rolname",
            "members": "SELECT roleid::regrole, member::regrole, admin_option FROM pg_auth_members"
            " ORDER BY 1, 2",
            "settings": "SELECT setdatabase, setrole::regrole, setconfig FROM pg_db_role_setting"
            " ORDER BY 1, 2",
            "databases": "SELECT datname, datdba::regrole, datacl FROM pg_database ORDER BY 1",
        }
        return {name: self.pg.psql(query) for name, query in queries.items()}


@pytest.fixture(scope="module")
def deployment() -> Iterator[Deployment]:
    with (
        PostgresServer(extra_conf={"log_statement": "all"}) as pg,
        MotoServer() as moto,
    ):
        deployment = Deployment(pg, moto, {who: new_password() for who in USERS})
        with psycopg.connect(pg.url, autocommit=True) as superuser:
            # As RDS makes its master (not a superuser); a verifier, so the log has no password.
            verifier = superuser.pgconn.encrypt_password(
                deployment.passwords["master"].encode(), MASTER.encode(), b"scram-sha-256"
            )
            pg.psql(
                f"CREATE ROLE {MASTER} LOGIN CREATEROLE CREATEDB PASSWORD :'verifier'",
                variables={"verifier": verifier.decode()},
            )
        for who, secret_id in SECRET_IDS.items():
            moto.client().create_secret(Name=secret_id, SecretString=deployment.secret_string(who))
        yield deployment


@pytest.fixture(scope="module")
def first_run(deployment):
    result = deployment.run()
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_the_first_run_creates_users_and_databases_and_says_so(first_run):
    lines = said(first_run.stdout)
    for user in (APP, KEYCLOAK, BACKUP):
        assert (
            f"role {user}: created (LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE," in first_run.stdout
        )
    assert "database ecommerce: created, owned by ecom_app_user" in lines
    assert "database keycloak: created, owned by keycloak_user" in lines
    assert "database ecommerce: CONNECT and TEMPORARY revoked from PUBLIC" in lines
    assert "database keycloak: CONNECT granted to backup_user" in lines
    assert "role backup_user: granted pg_read_all_data" in lines
    assert lines[-1].startswith("Done: ")


def test_each_user_reaches_its_own_database_and_is_refused_the_others(deployment, first_run):
    for who, own, other in (
        ("app", "ecommerce", "keycloak"),
        ("keycloak", "keycloak", "ecommerce"),
    ):
        with deployment.connect(who, own) as connection:
            assert connection.execute("SELECT current_database()").fetchone() == (own,)
        with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
            deployment.connect(who, other)
    for dbname in ("ecommerce", "keycloak"):
        with deployment.connect("backup", dbname):
            pass


def test_the_users_are_neither_superusers_nor_allowed_to_create_roles_or_databases(
    deployment, first_run
):
    users = {"app": APP, "keycloak": KEYCLOAK, "backup": BACKUP, "master": MASTER}
    rows = deployment.pg.psql(
        "SELECT rolname, rolsuper, rolcreatedb, rolcreaterole, rolcanlogin FROM pg_roles"
        " WHERE rolname IN (:'app', :'keycloak', :'backup') ORDER BY rolname",
        variables=users,
    )
    assert rows.splitlines() == [f"{user}|f|f|f|t" for user in sorted((APP, BACKUP, KEYCLOAK))]
    # The master's temporary membership of the owners is gone again.
    memberships = deployment.pg.psql(
        "SELECT count(*) FROM pg_auth_members WHERE member = :'master'::regrole", variables=users
    )
    assert memberships == "0"


def test_the_backup_user_reads_both_databases_and_writes_nothing(deployment, first_run):
    for who, dbname in (("app", "ecommerce"), ("keycloak", "keycloak")):
        with deployment.connect(who, dbname) as owner:
            owner.execute("CREATE TABLE IF NOT EXISTS probe (id int PRIMARY KEY, note text)")
            owner.execute("INSERT INTO probe VALUES (1, 'kept') ON CONFLICT DO NOTHING")
        with deployment.connect("backup", dbname) as backup:
            assert backup.execute("SELECT note FROM probe").fetchall() == [("kept",)]
            assert backup.execute("SHOW default_transaction_read_only").fetchone() == ("on",)
            with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
                backup.execute("INSERT INTO probe VALUES (2, 'no')")
            # Read-only by privilege too, not only by a setting the session could turn off.
            backup.execute("SET default_transaction_read_only = off")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                backup.execute("INSERT INTO probe VALUES (2, 'no')")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                backup.execute("CREATE TABLE mine (id int)")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                backup.execute("CREATE TEMP TABLE scratch (id int)")


def test_the_shop_migrates_its_database_as_its_own_user(deployment, first_run):
    # The catalog's migrations create the pg_trgm extension (trusted: the owner may).
    env = production_env(
        PROJECT_ROOT / "staticfiles",
        DB_HOST=deployment.pg.host,
        DB_PORT=str(deployment.pg.port),
        DB_NAME="ecommerce",
        DB_USERNAME=APP,
        DB_PASSWORD=deployment.passwords["app"],
    )
    result = manage("migrate", "--no-input", "-v0", env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    with deployment.connect("app", "ecommerce") as connection:
        extensions = connection.execute("SELECT extname FROM pg_extension").fetchall()
        assert ("pg_trgm",) in extensions
    with deployment.connect("backup", "ecommerce") as backup:
        assert backup.execute("SELECT count(*) > 0 FROM django_migrations").fetchone() == (True,)


def test_a_second_run_changes_nothing(deployment, first_run):
    before = deployment.snapshot()
    result = deployment.run()
    assert result.returncode == 0, result.stdout + result.stderr
    assert deployment.snapshot() == before
    lines = said(result.stdout)
    assert lines[-1] == "Nothing to change: everything already in place."
    assert all("already in place" in line for line in lines), lines
    assert len(lines) == 3 + 1 + 2 + 1  # three roles, backup's access, two databases, summary
    assert lines[-2] == (
        "database keycloak: already in place (owner keycloak_user;"
        " CONNECT for keycloak_user and backup_user, not PUBLIC)"
    )


def test_a_rotated_password_in_a_secret_is_set_on_its_role(deployment, first_run):
    old = deployment.passwords["keycloak"]
    deployment.passwords["keycloak"] = new_password()
    deployment.put_secret("keycloak")
    result = deployment.run()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "role keycloak_user: password set from its secret (the old one did not work)" in (
        said(result.stdout)
    )
    with deployment.connect("keycloak", "keycloak"):
        pass
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(
            host=deployment.pg.host,
            port=deployment.pg.port,
            dbname="keycloak",
            user=KEYCLOAK,
            password=old,
            connect_timeout=5,
        )


def test_no_password_reaches_the_server_log_or_the_output(deployment, first_run):
    log = deployment.pg.log_path.read_text(errors="replace")
    assert "CREATE ROLE" in log and "SCRAM-SHA-256$4096:" in log  # the statements are logged
    for password in deployment.passwords.values():
        assert password not in log
        assert password not in first_run.stdout + first_run.stderr


@pytest.mark.parametrize(
    ("secret_value", "expected"),
    [
        (
            None,
            "The backup secret: Secrets Manager secret 'storefront/test/missing' could not be"
            " read (ResourceNotFoundException).",
        ),
        ('{"username": "backup_user", "password": "pw-leak-me-not"', "is not valid JSON."),
        (
            '{"username": "backup_user", "password": "pw-leak-me-not", "engine": "mysql"}',
            "is for engine 'mysql', not PostgreSQL.",
        ),
    ],
)
def test_a_bad_secret_stops_it_with_one_clear_line(deployment, secret_value, expected):
    secret_id = "storefront/test/missing"
    if secret_value is not None:
        secret_id = "storefront/test/broken"
        client = deployment.moto.client()
        try:
            client.put_secret_value(SecretId=secret_id, SecretString=secret_value)
        except client.exceptions.ResourceNotFoundException:
            client.create_secret(Name=secret_id, SecretString=secret_value)
    before = deployment.snapshot()
    result = deployment.run(backup=secret_id)
    assert result.returncode == 1
    assert said(result.stdout) == []
    assert said(result.stderr) == [result.stderr.strip()]
    assert result.stderr.startswith("CommandError: ") and expected in result.stderr
    assert "pw-leak-me-not" not in result.stderr
    assert deployment.snapshot() == before


def test_a_wrong_master_password_stops_it_with_one_clear_line(deployment):
    wrong = new_password()
    client = deployment.moto.client()
    client.create_secret(
        Name="rds!db-wrong", SecretString=json.dumps({"username": MASTER, "password": wrong})
    )
    result = deployment.run(master="rds!db-wrong")
    assert result.returncode == 1
    [line] = said(result.stderr)
    assert line.startswith(
        f"CommandError: Cannot connect to PostgreSQL at 127.0.0.1:{deployment.pg.port} as"
        f" {MASTER}: "
    )
    assert "password authentication failed" in line
    assert wrong not in line
