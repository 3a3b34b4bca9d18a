import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder


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
def test_readiness_reports_database_migrations_and_cache_as_json(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"DatabaseReachable": "OK", "MigrationsApplied": "OK", "CacheWorks": "OK"},
    }
    assert not response.cookies


@pytest.mark.django_db
def test_readiness_answers_the_load_balancer_probing_by_ip(client, settings):
    settings.ALLOWED_HOSTS = ["shop.example.com"]
    assert client.get("/health/", HTTP_HOST="10.0.3.17:8000").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_readiness_is_503_while_a_migration_is_not_applied(client):
    """The checks run on their own threads, so the change must be committed to be seen."""
    recorder = MigrationRecorder(connection)
    # The app's latest migration: one with later ones applied would not count as missing.
    (latest,) = (
        node for node in MigrationLoader(connection).graph.leaf_nodes() if node[0] == "orders"
    )
    recorder.record_unapplied(*latest)
    try:
        response = client.get("/health/")
    finally:
        recorder.record_applied(*latest)
    assert response.status_code == 503
    assert response.json()["checks"]["MigrationsApplied"] == (
        "Unavailable: 1 migration(s) not applied"
    )


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_without_inline_code(client):
    policy = client.get("/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy
