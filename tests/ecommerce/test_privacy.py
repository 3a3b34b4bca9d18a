"""Pages with one visitor's data say `Cache-Control: private, no-store`; shared pages do not."""

import pytest
from django.urls import reverse

from orders.models import Address
from tests.factories import OrderFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


def is_private(response):
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    return {"private", "no-store"} <= directives


@pytest.fixture
def shopper(client):
    user = UserFactory()
    client.force_login(user)
    return client, user


def test_every_page_of_a_signed_in_shopper_is_private(shopper):
    client, user = shopper
    product = ProductFactory(stock=5)
    order = OrderFactory(user=user)
    address = Address.objects.create(
        user=user, name="Ada", address="1 Main St", postal_code="1", city="Berlin", country="DE"
    )
    client.post(reverse("orders:cart-add", args=[product.slug]), {"quantity": 1})
    for url in [
        "/",
        product.get_absolute_url(),
        "/products/",
        reverse("orders:cart"),
        reverse("orders:checkout"),
        reverse("orders:order-list"),
        order.get_absolute_url(),
        reverse("orders:order-cancel", args=[order.number]),
        reverse("accounts:account"),
        reverse("orders:address-edit", args=[address.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert is_private(response), url


def test_a_visitor_with_a_cart_gets_private_pages(client):
    product = ProductFactory(stock=5)
    client.post(reverse("orders:cart-add", args=[product.slug]), {"quantity": 1})
    assert is_private(client.get(reverse("orders:cart")))
    assert is_private(client.get(product.get_absolute_url()))


def test_a_response_setting_a_cookie_is_private(client):
    response = client.post(
        reverse("orders:cart-add", args=[ProductFactory().slug]), {"quantity": 1}
    )
    assert response.cookies and is_private(response)


def test_catalog_pages_for_a_visitor_without_a_session_stay_cacheable(client):
    ProductFactory(slug="lamp")
    for url in ["/", "/products/", "/categories/" + ProductFactory().category.slug + "/"]:
        response = client.get(url)
        assert response.status_code == 200
        assert not is_private(response), url
