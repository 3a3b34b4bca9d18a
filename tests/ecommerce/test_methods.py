"""Every page answers only the methods it takes: anything else is the shop's 405 page with an
Allow header (Django's form views would otherwise treat PUT as POST, and function views
answer any method)."""

import pytest

from tests.factories import OrderFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

REFUSED = ["put", "delete", "patch", "trace"]
PAGES = {
    # URL → the methods it takes
    "/": "GET, HEAD, OPTIONS",
    "/products/": "GET, HEAD, OPTIONS",
    "/products/{product}/": "GET, HEAD, OPTIONS",
    "/categories/{category}/": "GET, HEAD, OPTIONS",
    "/cart/": "GET, HEAD",
    "/cart/add/{product}/": "POST",
    "/checkout/": "GET, POST, HEAD, OPTIONS",
    "/orders/": "GET, HEAD, OPTIONS",
    "/orders/{order}/": "GET, HEAD, OPTIONS",
    "/orders/{order}/cancel/": "GET, POST",
    "/account/": "GET, HEAD, OPTIONS",
    "/account/addresses/add/": "GET, POST",
    "/accounts/login/": "GET, POST, HEAD, OPTIONS",
    "/accounts/signup/": "GET, POST, HEAD, OPTIONS",
    "/accounts/password/reset/": "GET, POST, HEAD, OPTIONS",
    "/accounts/password/change/": "GET, POST, HEAD, OPTIONS",
    "/products/{product}/reviews/": "POST",
    "/sitemap.xml": "GET, HEAD",
    "/robots.txt": "GET, HEAD, OPTIONS",
}


@pytest.fixture
def shopper_client(client):
    user = UserFactory()
    client.force_login(user)
    return client, user


@pytest.mark.parametrize("method", REFUSED)
@pytest.mark.parametrize("url", PAGES)
def test_a_method_the_page_does_not_take_is_a_405_with_the_shop_s_page(shopper_client, url, method):
    client, user = shopper_client
    product = ProductFactory()
    order = OrderFactory(user=user)
    path = url.format(product=product.slug, category=product.category.slug, order=order.number)

    response = getattr(client, method)(path)

    assert response.status_code == 405
    assert sorted(response["Allow"].split(", ")) == sorted(PAGES[url].split(", "))
    assert "That does not work here" in response.content.decode()


@pytest.mark.parametrize("url", ["/cart/", "/checkout/", "/accounts/login/", "/orders/"])
def test_the_pages_still_answer_get(shopper_client, url):
    client, _ = shopper_client
    ProductFactory()

    assert client.get(url).status_code in (200, 302)
