import pytest
from django.db import OperationalError
from django.test import Client

from catalog import views
from tests.factories import UserFactory


@pytest.fixture
def raising_client(monkeypatch):
    """A client that gets the error page instead of the exception."""

    def raise_error(exception):
        def view(*args, **kwargs):
            raise exception

        monkeypatch.setattr(views.HomeView, "get", view)

    return Client(raise_request_exception=False), raise_error


@pytest.mark.django_db
def test_a_lost_database_gives_a_clean_503_with_retry_after(raising_client):
    client, raise_error = raising_client
    raise_error(OperationalError("server closed the connection unexpectedly"))
    response = client.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "15"
    assert "Back in a moment" in response.content.decode()
    assert "Traceback" not in response.content.decode()


@pytest.mark.django_db
def test_other_errors_stay_500(raising_client):
    client, raise_error = raising_client
    raise_error(ValueError("a bug"))
    response = client.get("/")
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


@pytest.mark.django_db
def test_a_refused_method_gets_the_shops_405_page_and_keeps_the_allow_header(client):
    response = client.get("/cart/add/any-product/")
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert response["Content-Type"].startswith("text/html")
    content = response.content.decode()
    assert "That does not work here" in content
    assert 'class="site-header"' in content  # the shop's layout


@pytest.mark.django_db
def test_no_access_is_the_shops_403_page_with_the_reason(client, settings):
    settings.ADMIN_PASSWORD_LOGIN = False
    client.force_login(UserFactory())
    response = client.get("/admin/login/")
    assert response.status_code == 403
    content = response.content.decode()
    assert "Your account has no access to the administration." in content
    assert 'class="site-header"' in content


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        ("get", "/products/", {"q": "lamp\x00"}),
        ("get", "/products/", {"category\x00": "x"}),
        ("get", "/admin/orders/order/", {"status__exact": "\x00"}),
        ("get", "/admin/autocomplete/", {"term": "\x00", "app_label": "catalog"}),
        ("post", "/checkout/", {"name": "Ada\x00Lovelace"}),
    ],
)
def test_a_nul_byte_anywhere_is_a_400_with_the_shops_page(staff_client, method, url, data):
    response = getattr(staff_client, method)(url, data)
    assert response.status_code == 400
    assert "Bad request" in response.content.decode()


@pytest.mark.django_db
def test_a_nul_byte_in_the_path_is_refused_before_the_database(client):
    assert client.get("/orders/AB%00CD/").status_code in (400, 404)
    assert client.get("/products/lamp%00/").status_code in (400, 404)
