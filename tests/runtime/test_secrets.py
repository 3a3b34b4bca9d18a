"""Database credentials from Secrets Manager, read over HTTP from moto's standalone server.

The settings are built by the application's own code (ecommerce.database.database_config with
the environment given as a dict, or `manage.py check` in a fresh process); boto3 reaches moto
through AWS_ENDPOINT_URL exactly as it would reach AWS. moto records every request it serves,
which is how these tests count the application's GetSecretValue calls.
"""

import json
import os
import subprocess
import threading
import time
from pathlib import Path

import boto3
import environ
import pytest
from django.core.exceptions import ImproperlyConfigured

from ecommerce.database import database_config
from ecommerce.secrets import SecretError
from tests.runtime.conftest import PROJECT_ROOT, PYTHON, app_env, manage, new_password, wait_until
from tests.support.postgres import free_port
from tests.support.tcp_proxy import TcpProxy

SECRET_NAME = "storefront/prod/db"
# ecommerce/secrets.py's boto3 config: connect 3 s, read 5 s, retries max_attempts=3. In a
# Config's `retries`, max_attempts counts the retries: 4 attempts in all.
ATTEMPTS = 4
START_UP_BOUND = 10.0  # a refused connection: quick attempts with backoff
HUNG_ATTEMPT_BOUND = 5.0 + 3.0  # read timeout + backoff before the next attempt
HUNG_START_UP_BOUND = ATTEMPTS * HUNG_ATTEMPT_BOUND + 3.0  # + interpreter and Django start-up


@pytest.fixture
def aws(moto, monkeypatch):
    """This process's boto3 pointed at moto, with a fresh default session."""
    for name, value in moto.aws_env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    return moto


def config_for(variables):
    env = environ.Env()
    env.ENVIRON = {"AWS_REGION": "us-east-1", **variables}
    return database_config(env, sqlite_path=Path("/unused.sqlite3"))


def rds_secret(password, **extra):
    return json.dumps(
        {
            "engine": "postgres",
            "username": "ecom_app_user",
            "password": password,
            "host": "shop.cluster-abc.eu-west-1.rds.amazonaws.com",
            "port": 6432,
            "dbname": "microservices_ecom",
            **extra,
        }
    )


# --- in-process: the settings the application builds ---------------------------------------------


@pytest.mark.parametrize("by", ["name", "arn"])
def test_the_secrets_values_win_over_the_db_variables(aws, secrets_client, by):
    password = new_password()
    created = secrets_client.create_secret(Name=SECRET_NAME, SecretString=rds_secret(password))
    secret_id = SECRET_NAME if by == "name" else created["ARN"]

    config = config_for(
        {
            "SECRETS_MANAGER_SECRET_NAME": secret_id,
            "DB_HOST": "stale.example.com",
            "DB_PORT": "5432",
            "DB_NAME": "stale",
            "DB_USERNAME": "stale_user",
            "DB_PASSWORD": "stale-password",
            "DB_SSLMODE": "verify-full",
        }
    )

    assert config["ENGINE"] == "ecommerce.postgres"
    assert (config["USER"], config["PASSWORD"]) == ("ecom_app_user", password)
    assert (config["HOST"], config["PORT"], config["NAME"]) == (
        "shop.cluster-abc.eu-west-1.rds.amazonaws.com",
        6432,
        "microservices_ecom",
    )
    assert config["OPTIONS"]["sslmode"] == "verify-full"  # DB_* still supplies the rest
    assert config["CREDENTIALS_SECRET"].secret_id == secret_id
    assert aws.calls("GetSecretValue", secret_id) == 1


def test_a_secret_with_only_credentials_takes_the_address_from_db_variables(aws, secrets_client):
    """RDS's own master-user secret holds just username and password."""
    password = new_password()
    secrets_client.create_secret(
        Name=SECRET_NAME, SecretString=json.dumps({"username": "app", "password": password})
    )
    config = config_for(
        {"SECRETS_MANAGER_SECRET_NAME": SECRET_NAME, "DB_HOST": "db.internal", "DB_NAME": "shop"}
    )
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("db.internal", 5432, "shop")
    assert (config["USER"], config["PASSWORD"]) == ("app", password)


def test_the_secret_alone_is_enough_when_it_holds_the_host(aws, secrets_client):
    secrets_client.create_secret(Name=SECRET_NAME, SecretString=rds_secret(new_password()))
    config = config_for({"SECRETS_MANAGER_SECRET_NAME": SECRET_NAME})
    assert config["HOST"] == "shop.cluster-abc.eu-west-1.rds.amazonaws.com"


def test_no_host_anywhere_is_a_clear_error(aws, secrets_client):
    password = new_password()
    secrets_client.create_secret(
        Name=SECRET_NAME, SecretString=json.dumps({"username": "app", "password": password})
    )
    with pytest.raises(ImproperlyConfigured, match="No database host") as raised:
        config_for({"SECRETS_MANAGER_SECRET_NAME": SECRET_NAME})
    assert SECRET_NAME in str(raised.value)
    assert password not in str(raised.value)


def test_the_secret_is_fetched_once_and_again_only_on_refresh(aws, secrets_client):
    secrets_client.create_secret(Name=SECRET_NAME, SecretString=rds_secret(new_password()))
    secret = config_for({"SECRETS_MANAGER_SECRET_NAME": SECRET_NAME})["CREDENTIALS_SECRET"]
    rotated = new_password()
    secrets_client.put_secret_value(SecretId=SECRET_NAME, SecretString=rds_secret(rotated))

    threads = [threading.Thread(target=secret.settings) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert secret.settings()["PASSWORD"] != rotated  # cached: no call until a refresh
    assert aws.calls("GetSecretValue", SECRET_NAME) == 1

    assert secret.refresh()["PASSWORD"] == rotated
    assert secret.settings()["PASSWORD"] == rotated
    assert aws.calls("GetSecretValue", SECRET_NAME) == 2

    # A wrong secret fails every new connection; the refreshes they ask for are rate-limited.
    for _ in range(5):
        secret.refresh()
    assert aws.calls("GetSecretValue", SECRET_NAME) == 2


# --- a fresh process: start-up with a bad secret stops with one clear line ----------------------

LEAK = "pw-MUST-NOT-LEAK-" + "x" * 12

BAD_SECRETS = {
    "missing": (None, "could not be read (ResourceNotFoundException)"),
    "malformed JSON": ('{"username": "shop", "password": "' + LEAK + '"', "is not valid JSON"),
    "no password": (json.dumps({"username": "shop", "passwd": LEAK}), "lacks password"),
    "not an object": (json.dumps(["shop", LEAK]), "is not a JSON object"),
    "wrong engine": (
        json.dumps({"engine": "mysql", "username": "shop", "password": LEAK}),
        "is for engine 'mysql', not PostgreSQL",
    ),
    "port not a number": (
        json.dumps({"username": "shop", "password": LEAK, "port": "fivefourthreetwo"}),
        "has a port that is not a number",
    ),
}


def assert_stops_with_one_clear_line(result, secret_id, problem):
    output = result.stdout + result.stderr
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert lines, "nothing on stderr"
    assert secret_id in lines[-1], lines[-1]
    assert problem in lines[-1], lines[-1]
    # The traceback above it quotes source lines only: the one line is the only one naming it.
    assert [line for line in lines if secret_id in line] == [lines[-1]]
    assert LEAK not in output


@pytest.mark.parametrize("case", list(BAD_SECRETS))
def test_a_bad_secret_stops_start_up_with_one_clear_line(moto, secrets_client, case):
    secret_string, problem = BAD_SECRETS[case]
    if secret_string is not None:
        secrets_client.create_secret(Name=SECRET_NAME, SecretString=secret_string)
    env = app_env(**moto.aws_env(), SECRETS_MANAGER_SECRET_NAME=SECRET_NAME, DB_HOST="db")
    result = manage("check", env=env)
    assert_stops_with_one_clear_line(result, SECRET_NAME, problem)


def setup_django(env):
    """Load the settings once, as a gunicorn worker does. (manage.py loads them a second time
    when the first attempt raises ImproperlyConfigured, which would double every wait.)"""
    return subprocess.run(
        [PYTHON, "-c", "import django; django.setup()"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_an_unreachable_endpoint_stops_start_up_in_bounded_time(moto):
    closed_port = free_port()  # nothing listens there
    env = app_env(
        **{**moto.aws_env(), "AWS_ENDPOINT_URL": f"http://127.0.0.1:{closed_port}"},
        SECRETS_MANAGER_SECRET_NAME=SECRET_NAME,
        DB_HOST="db",
    )
    started = time.monotonic()
    result = manage("check", env=env)
    assert time.monotonic() - started < START_UP_BOUND
    assert_stops_with_one_clear_line(result, SECRET_NAME, "could not be read")


@pytest.fixture
def hung_endpoint(moto, secrets_client):
    """moto behind a proxy that accepts connections and never answers; the app's AWS env."""
    secrets_client.create_secret(Name=SECRET_NAME, SecretString=rds_secret(LEAK))
    with TcpProxy(moto.host, moto.port) as proxy:
        proxy.set_mode("blackhole")
        env = app_env(
            **{**moto.aws_env(), "AWS_ENDPOINT_URL": f"http://127.0.0.1:{proxy.port}"},
            SECRETS_MANAGER_SECRET_NAME=SECRET_NAME,
            DB_HOST="db",
        )
        yield proxy, env


def test_a_hung_endpoint_is_given_up_after_the_read_timeout(hung_endpoint):
    """The short version: boto3 abandons a silent attempt after its read timeout and retries,
    so start-up is bounded by attempts x (timeout + backoff): 4 x 5 s + backoff, about 21 s."""
    proxy, env = hung_endpoint
    process = subprocess.Popen(
        [PYTHON, "-c", "import django; django.setup()"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: proxy.accepted >= 1, 10, interval=0.05)
        first_attempt = time.monotonic()
        wait_until(lambda: proxy.accepted >= 2, HUNG_ATTEMPT_BOUND + 2, interval=0.05)
        second_attempt = time.monotonic()
        assert process.poll() is None  # still retrying, as configured
    finally:
        process.kill()
        process.wait()
    assert second_attempt - first_attempt < HUNG_ATTEMPT_BOUND


@pytest.mark.skipif(
    not os.environ.get("RUNTIME_SLOW_TESTS"), reason="about 21 s; set RUNTIME_SLOW_TESTS=1"
)
def test_a_hung_endpoint_stops_start_up_in_bounded_time(hung_endpoint):
    """The full version: every attempt times out, start-up stops with the one clear line."""
    proxy, env = hung_endpoint
    started = time.monotonic()
    result = setup_django(env)
    elapsed = time.monotonic() - started
    assert proxy.accepted == ATTEMPTS
    assert elapsed < HUNG_START_UP_BOUND
    assert_stops_with_one_clear_line(result, SECRET_NAME, "could not be read (ReadTimeoutError)")


# --- a fresh process on a real database: one fetch per process ------------------------------


CONNECT_FROM_THREADS = """
import threading
import django
django.setup()
from django.db import connection, connections

def query():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        results.append(cursor.fetchone()[0])
    connection.close()

results = []
threads = [threading.Thread(target=query) for _ in range(4)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
query()
connections.close_all()
query()
print(",".join(results))
"""


def test_a_process_fetches_the_secret_once_however_many_connections_it_opens(
    moto, secrets_client, pg
):
    secrets_client.create_secret(
        Name=SECRET_NAME,
        SecretString=json.dumps(
            {
                "engine": "postgres",
                "username": pg.superuser,
                "password": pg.password,
                "host": pg.host,
                "port": pg.port,
                "dbname": "postgres",
            }
        ),
    )
    env = app_env(**moto.aws_env(), SECRETS_MANAGER_SECRET_NAME=SECRET_NAME)
    result = subprocess.run(
        [PYTHON, "-c", CONNECT_FROM_THREADS],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == ",".join([pg.superuser] * 6)
    assert moto.calls("GetSecretValue", SECRET_NAME) == 1
    assert pg.password not in result.stdout + result.stderr


def test_secret_errors_never_carry_the_value(aws, secrets_client):
    secrets_client.create_secret(Name=SECRET_NAME, SecretString="not json " + LEAK)
    with pytest.raises(SecretError) as raised:
        config_for({"SECRETS_MANAGER_SECRET_NAME": SECRET_NAME, "DB_HOST": "db"})
    assert LEAK not in str(raised.value)
    # `from None`: a traceback never shows the JSON error, which quotes the document.
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__
