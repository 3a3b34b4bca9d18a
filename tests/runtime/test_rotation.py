"""A Secrets Manager password rotation under the running shop.

Real parts only: a PostgreSQL server with the app's role `shop`, moto's server as the Secrets
Manager endpoint, gunicorn serving the app with SECRETS_MANAGER_SECRET_NAME and no DB_PASSWORD.
A rotation does what RDS's rotation does: the role gets a new password, the secret gets the
new value, and the old sessions end (here: pg_terminate_backend, the strictest case).
"""

import time

import pytest

from tests.runtime.conftest import (
    DB_BACKED_PAGE,
    Load,
    app_env,
    assert_clean_503,
    new_password,
    wait_until,
    warm_up,
)
from tests.support.tcp_proxy import TcpProxy

SECRET_NAME = "storefront/test/db"
REFRESH_WARNING = "Database refused the password; fetching secret"
WORKERS, THREADS = 2, 4  # gunicorn.conf.py's defaults: up to 8 persistent connections


@pytest.fixture
def secret(secrets_client, shop_db):
    secrets_client.create_secret(Name=SECRET_NAME, SecretString=shop_db.secret_string())
    return secrets_client


def shop_env(shop_db, static_root, aws_env):
    """Production-like: the password only in the secret, the address in DB_*."""
    return app_env(
        **aws_env,
        **shop_db.env(),
        SECRETS_MANAGER_SECRET_NAME=SECRET_NAME,
        DJANGO_STATIC_ROOT=str(static_root),
    )


def role_sessions(shop_db, started_before=None) -> int:
    sql = "SELECT count(*) FROM pg_stat_activity WHERE usename = :'role'"
    variables = {"role": shop_db.role}
    if started_before is not None:
        sql += " AND backend_start < to_timestamp(:'before')"
        variables["before"] = str(started_before)
    return int(shop_db.pg.psql(sql, variables=variables))


def rotate(shop_db, secrets_client, *, update_secret=True) -> str:
    """ALTER ROLE, put_secret_value, terminate the role's sessions; wait until they are gone."""
    old = shop_db.password
    wall_clock = time.time()
    shop_db.set_password(new_password())
    if update_secret:
        secrets_client.put_secret_value(SecretId=SECRET_NAME, SecretString=shop_db.secret_string())
    assert shop_db.kill_connections() >= 1
    wait_until(lambda: role_sessions(shop_db, started_before=wall_clock) == 0, 5)
    return old


def test_a_rotation_under_load_is_picked_up_without_a_restart(
    shop_db, static_root, moto, secret, start_app
):
    app = start_app(shop_env(shop_db, static_root, moto.aws_env()))
    warm_up(app)
    # Once, by gunicorn's master, which loads the app before forking the workers (preload_app).
    assert moto.calls("GetSecretValue", SECRET_NAME) == 1

    clients = 3
    with Load(app, DB_BACKED_PAGE, clients=clients) as load:
        # Counted in requests, not seconds, so a slow machine gets the same test.
        wait_until(lambda: len(load.replies) >= 100, 60)
        rotation_started = time.monotonic()
        old_password = rotate(shop_db, secret)
        rotated_at = time.monotonic()
        wait_until(lambda: sum(s > rotated_at for s, _ in load.replies) >= 200, 60)
        warm_up(app, rounds=2)  # every thread of both workers meets the new password

    replies = list(load.replies)
    statuses = [reply.status for _, reply in replies]
    failures = [(started, reply) for started, reply in replies if reply.status != 200]
    # Only a request in flight on a connection the rotation killed may fail: one per client.
    assert len(failures) <= clients, failures
    assert statuses.count(200) / len(statuses) >= 0.99
    for started, reply in failures:
        assert_clean_503(reply)
        assert rotation_started - 1 < started < rotated_at
    after = [reply.status for started, reply in replies if started > rotated_at]
    assert after and set(after) == {200}

    logs = app.logs()
    assert REFRESH_WARNING in logs
    assert old_password not in logs
    assert shop_db.password not in logs
    fetched = moto.calls("GetSecretValue", SECRET_NAME)
    # Each worker fetched again, at most once per connection the rotation broke.
    assert 1 + 1 <= fetched <= 1 + WORKERS * THREADS


def test_without_the_new_secret_the_app_answers_503_until_the_secret_is_fixed(
    shop_db, static_root, moto, secret, start_app
):
    app = start_app(shop_env(shop_db, static_root, moto.aws_env()))
    warm_up(app, rounds=1)

    old_password = rotate(shop_db, secret, update_secret=False)
    failing = [app.get(DB_BACKED_PAGE) for _ in range(6)]
    for reply in failing:
        assert_clean_503(reply)
    health = app.get("/health/")
    assert health.status == 503
    assert app.get("/health/live/").status == 200  # the task is kept; only readiness fails

    secret.put_secret_value(SecretId=SECRET_NAME, SecretString=shop_db.secret_string())
    wait_until(lambda: app.get(DB_BACKED_PAGE).status == 200, 5)
    warm_up(app, rounds=2)
    assert app.get("/health/").status == 200

    logs = app.logs()
    assert '"status": 500' not in logs
    assert old_password not in logs
    assert shop_db.password not in logs


def test_secrets_manager_unreachable_during_a_rotation_gives_503_not_500(
    shop_db, static_root, moto, secret, start_app
):
    """The refresh itself fails (endpoint down): still a clean 503, and recovery after."""
    with TcpProxy(moto.host, moto.port) as aws_path:
        aws_env = {**moto.aws_env(), "AWS_ENDPOINT_URL": f"http://127.0.0.1:{aws_path.port}"}
        app = start_app(shop_env(shop_db, static_root, aws_env))
        warm_up(app, rounds=1)

        aws_path.set_mode("reset")
        rotate(shop_db, secret)
        for reply in [app.get(DB_BACKED_PAGE) for _ in range(4)]:
            assert_clean_503(reply)

        aws_path.set_mode("pass")
        wait_until(lambda: app.get(DB_BACKED_PAGE).status == 200, 5)
        warm_up(app, rounds=1)

    logs = app.logs()
    assert "Could not refresh the database credentials" in logs
    assert '"status": 500' not in logs
    assert shop_db.password not in logs
