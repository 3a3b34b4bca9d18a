import pytest


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
