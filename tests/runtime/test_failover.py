"""The database goes away under the running shop: gunicorn serving the app, a real PostgreSQL.

(a) The server restarts (an RDS reboot, the failover's DNS flip onto a fresh primary): requests
    in the gap get a clean 503 with Retry-After, never a 500, and the app serves again by
    itself once the database is back.
(b) The server stops answering without closing anything (a frozen server, a middlebox whose
    upstream is gone), imitated by tests/support/tcp_proxy.py's blackhole between the app and
    PostgreSQL: every request still ends in bounded time with a 503, /health/ says 503 within
    the load balancer's 5 s, and the app recovers when the path comes back.
"""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.runtime.conftest import (
    DB_BACKED_PAGE,
    Load,
    app_env,
    assert_clean_503,
    wait_until,
    warm_up,
)
from tests.support.tcp_proxy import TcpProxy

# Shorter than production's libpq bounds (ecommerce/database.py), so the test is quick; the
# assertion is about the app honouring its own bounds, well under gunicorn's --timeout.
CONNECT_TIMEOUT = 2
BOUNDS = {
    "DB_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT),
    "DB_TCP_USER_TIMEOUT_MS": "3000",
    "DB_STATEMENT_TIMEOUT_MS": "3000",
}
# A reused connection's check (connect_timeout) plus one reconnect (connect_timeout) + margin.
REQUEST_BOUND = 2 * CONNECT_TIMEOUT + 2.0
GUNICORN_TIMEOUT = 60
# The test's own client gives up here, so that a regression fails fast instead of hanging.
CLIENT_WAIT = REQUEST_BOUND + 5
HEALTH_BOUND = 5.0  # the ALB's default health-check timeout
RECOVERY_BOUND = 10.0


def shop_env(shop_db, static_root, *, port=None):
    """The app on `shop_db`, directly or through a proxy on `port`."""
    return app_env(
        **shop_db.env(port=port),
        DB_USERNAME=shop_db.role,
        DB_PASSWORD=shop_db.password,
        DJANGO_STATIC_ROOT=str(static_root),
        **BOUNDS,
    )


def test_a_database_restart_gives_clean_503s_and_the_app_recovers_by_itself(
    pg, shop_db, static_root, start_app
):
    app = start_app(shop_env(shop_db, static_root), timeout=GUNICORN_TIMEOUT)
    warm_up(app)

    try:
        with Load(app, DB_BACKED_PAGE) as load:
            time.sleep(0.3)
            pg.stop()  # fast shutdown: every session ends (57P01), new ones are refused
            outage = [app.get(DB_BACKED_PAGE), app.get("/health/"), app.get("/health/live/")]
            time.sleep(1.0)
            pg.start()
            back_at = time.monotonic()
            recovered_at = wait_until(
                lambda: app.get(DB_BACKED_PAGE).status == 200 and time.monotonic(),
                RECOVERY_BOUND,
            )
            wait_until(lambda: sum(s > recovered_at + 0.5 for s, _ in load.replies) >= 20, 30)
    finally:
        pg.start()  # for the tests that follow, whatever happened (a no-op when it runs)

    page, health, live = outage
    assert_clean_503(page)
    assert health.status == 503
    assert health.json()["status"] == "unavailable"
    assert live.status == 200  # liveness never touches the database: ECS keeps the task

    statuses = [reply.status for _, reply in load.replies]
    assert set(statuses) <= {200, 503}, [
        (reply.status, reply.error) for _, reply in load.replies if reply.status not in (200, 503)
    ]
    for _, reply in load.replies:
        if reply.status == 503:
            assert_clean_503(reply)
    assert recovered_at - back_at < RECOVERY_BOUND
    after = [reply.status for started, reply in load.replies if started > recovered_at + 0.5]
    assert after and set(after) == {200}
    assert app.get("/health/").status == 200
    assert '"status": 500' not in app.logs()  # the access log: not one 500


@pytest.fixture
def proxied(pg):
    with TcpProxy(pg.host, pg.port) as proxy:
        yield proxy


def test_a_database_that_stops_answering_gives_bounded_503s_and_recovers(
    shop_db, static_root, proxied, start_app
):
    env = shop_env(shop_db, static_root, port=proxied.port)
    app = start_app(env, timeout=GUNICORN_TIMEOUT)
    warm_up(app)
    assert proxied.open_connections >= 2  # persistent connections go through the proxy

    proxied.set_mode("blackhole")
    blackholed_at = time.monotonic()
    # Requests at once, each finding a stale connection; no more than a worker's threads (4),
    # so none waits in gunicorn's queue and each measures the app's own bound.
    with ThreadPoolExecutor(4) as pool:
        replies = list(pool.map(lambda _: app.get(DB_BACKED_PAGE, timeout=CLIENT_WAIT), range(4)))
    replies.append(app.get(DB_BACKED_PAGE, timeout=CLIENT_WAIT))
    health = app.get("/health/", timeout=CLIENT_WAIT)
    live = app.get("/health/live/", timeout=5)

    for reply in replies:
        assert reply.elapsed < REQUEST_BOUND, (reply.elapsed, reply.status, reply.error)
        assert_clean_503(reply)
    assert health.elapsed < HEALTH_BOUND
    assert health.status == 503
    assert live.status == 200
    assert time.monotonic() - blackholed_at < GUNICORN_TIMEOUT  # the app's bound, not gunicorn's

    proxied.set_mode("pass")
    wait_until(lambda: app.get(DB_BACKED_PAGE).status == 200, RECOVERY_BOUND)
    with ThreadPoolExecutor(8) as pool:
        after = list(pool.map(lambda _: app.get(DB_BACKED_PAGE), range(16)))
    assert [reply.status for reply in after] == [200] * 16
    assert app.get("/health/").status == 200


def test_connections_reset_under_the_app_are_replaced_without_a_5xx_storm(
    shop_db, static_root, proxied, start_app
):
    """A network reset of every database connection (the old primary's host going away)."""
    env = shop_env(shop_db, static_root, port=proxied.port)
    app = start_app(env, timeout=GUNICORN_TIMEOUT)
    warm_up(app)

    assert proxied.reset_all() >= 2
    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(lambda _: app.get(DB_BACKED_PAGE), range(16)))
    # Every thread's connection was reset while idle: the health check notices and reconnects.
    assert [reply.status for reply in replies] == [200] * 16
