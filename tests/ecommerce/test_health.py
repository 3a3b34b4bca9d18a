import logging
import threading

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from ecommerce import health

TOKEN = "ops-only-" + "t" * 24
DETAIL = {"HTTP_X_HEALTH_DETAIL": TOKEN}


@pytest.fixture(autouse=True)
def _health_token(settings):
    settings.HEALTH_DETAIL_TOKEN = TOKEN


@pytest.fixture(autouse=True)
def _health_connection_closed():
    """Each test starts with the checks' thread unconnected: it keeps its connection between
    probes, so one test's would carry over to the next."""
    yield
    health.close_connections()


@pytest.fixture
def migrations_not_checked_yet():
    passed = health.MigrationsApplied.passed
    health.MigrationsApplied.passed = False
    yield
    health.MigrationsApplied.passed = passed


@pytest.mark.django_db
def test_liveness_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/health/live/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_liveness_answers_the_load_balancer_probing_by_ip(client, settings):
    """The ALB sends the task's private IP as Host, which ALLOWED_HOSTS does not list."""
    settings.ALLOWED_HOSTS = ["shop.example.com"]
    assert client.get("/health/live/", HTTP_HOST="10.0.3.17:8000").status_code == 200


def test_liveness_is_not_a_back_door_past_host_validation(client, settings):
    settings.ALLOWED_HOSTS = ["shop.example.com"]
    assert client.get("/health/live/extra", HTTP_HOST="10.0.3.17:8000").status_code == 400


@pytest.mark.django_db
def test_readiness_reports_database_migrations_and_cache_to_ops(client):
    response = client.get("/health/", **DETAIL)
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"DatabaseReachable": "OK", "MigrationsApplied": "OK", "CacheWorks": "OK"},
    }
    assert not response.cookies
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "header", [{}, {"HTTP_X_HEALTH_DETAIL": "guess"}, {"HTTP_X_HEALTH_DETAIL": ""}]
)
def test_readiness_tells_the_world_only_ok(client, header):
    response = client.get("/health/", **header)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_without_a_token_nobody_gets_the_detail(client, settings):
    settings.HEALTH_DETAIL_TOKEN = ""
    assert client.get("/health/", HTTP_X_HEALTH_DETAIL="").json() == {"status": "ok"}


@pytest.mark.django_db(transaction=True)
def test_readiness_keeps_its_database_connection_between_probes(client):
    def backend_pids():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
            )
            return sorted(row[0] for row in cursor.fetchall())

    assert client.get("/health/").status_code == 200
    first = backend_pids()
    for _ in range(5):
        assert client.get("/health/").status_code == 200
    assert backend_pids() == first
    assert len(first) == 1


@pytest.mark.django_db(transaction=True)
def test_the_migration_check_is_not_repeated_once_passed(client, migrations_not_checked_yet):
    """Migrations run before a release's processes start; reading the migration graph on every
    probe cost most of a probe's time."""
    assert client.get("/health/").status_code == 200
    recorder = MigrationRecorder(connection)
    (latest,) = (
        node for node in MigrationLoader(connection).graph.leaf_nodes() if node[0] == "orders"
    )
    recorder.record_unapplied(*latest)
    try:
        response = client.get("/health/", **DETAIL)
    finally:
        recorder.record_applied(*latest)
    assert response.status_code == 200
    assert response.json()["checks"]["MigrationsApplied"] == "OK"


@pytest.mark.django_db
def test_readiness_answers_the_load_balancer_probing_by_ip(client, settings):
    settings.ALLOWED_HOSTS = ["shop.example.com"]
    assert client.get("/health/", HTTP_HOST="10.0.3.17:8000").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_readiness_is_503_while_a_migration_is_not_applied(
    client, migrations_not_checked_yet, caplog
):
    """The checks run on their own thread, so the change must be committed to be seen."""
    recorder = MigrationRecorder(connection)
    # The app's latest migration: one with later ones applied would not count as missing.
    (latest,) = (
        node for node in MigrationLoader(connection).graph.leaf_nodes() if node[0] == "orders"
    )
    recorder.record_unapplied(*latest)
    try:
        response = client.get("/health/", **DETAIL)
        public = client.get("/health/")
    finally:
        recorder.record_applied(*latest)
    assert response.status_code == 503
    assert response.json()["checks"]["MigrationsApplied"] == (
        "Unavailable: 1 migration(s) not applied"
    )
    assert (public.status_code, public.json()) == (503, {"status": "unavailable"})
    # What is wrong is in the log, in one line per probe, with no traceback.
    (line, _) = [r for r in caplog.records if r.name == "ecommerce.health"]
    assert line.levelno == logging.WARNING
    assert "1 migration(s) not applied" in line.getMessage()
    assert line.exc_info is None
    # Once applied, the next probe passes (and the check is not repeated after that).
    assert client.get("/health/").status_code == 200
    assert health.MigrationsApplied.passed


@pytest.mark.django_db
def test_a_stuck_database_check_gives_503_within_the_load_balancers_timeout(client, settings):
    release = threading.Event()
    health._database_thread.submit(release.wait, 30)  # the checks' thread is busy
    try:
        response = client.get("/health/", **DETAIL)
    finally:
        release.set()
    assert response.status_code == 503
    assert response.json()["checks"]["DatabaseReachable"] == "Timed out after 3 seconds"
    assert response.json()["checks"]["CacheWorks"] == "OK"


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_without_inline_code(client):
    policy = client.get("/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy
