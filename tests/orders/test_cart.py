"""The cart: anonymous and signed-in, quantities within stock, merged at sign-in."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders.models import Cart, CartItem
from tests.factories import CartFactory, CartItemFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


def add(client, product, quantity="1"):
    return client.post(reverse("orders:cart-add", args=[product.slug]), {"quantity": quantity})


def update(client, product, quantity):
    return client.post(reverse("orders:cart-update", args=[product.pk]), {"quantity": quantity})


def cart_lines(cart=None):
    items = CartItem.objects.filter(cart=cart) if cart else CartItem.objects.all()
    return {item.product.sku: item.quantity for item in items.select_related("product")}


def test_anonymous_shopper_adds_to_a_session_cart(client):
    product = ProductFactory(price=Decimal("12.50"), stock=5)
    response = add(client, product, "2")
    assert response.status_code == 302
    assert response.url == reverse("orders:cart")
    cart = Cart.objects.get()
    assert cart.user is None and cart.session_key == client.session.session_key
    page = client.get(reverse("orders:cart"))
    assert page.context["cart"].subtotal == Decimal("25.00")
    assert page.context["cart_item_count"] == 2


def test_adding_the_same_product_again_adds_to_its_line(client):
    product = ProductFactory(stock=5)
    add(client, product, "2")
    add(client, product, "3")
    assert cart_lines() == {product.sku: 5}


@pytest.mark.parametrize("quantity", ["0", "-1", "abc", "1.5", "", "1e3", "99999999999999999999"])
def test_add_refuses_a_quantity_that_is_not_a_whole_number_from_one(client, quantity):
    product = ProductFactory(stock=5)
    response = add(client, product, quantity)
    assert response.status_code == 400
    assert "Your cart is unchanged" in response.content.decode()
    assert CartItem.objects.count() == 0


def test_add_refuses_more_than_the_stock_on_hand_and_leaves_the_cart_unchanged(client):
    product = ProductFactory(name="Oak Lamp", stock=3)
    add(client, product, "2")
    response = add(client, product, "2")
    assert response.status_code == 409
    assert "Only 3 of Oak Lamp in stock" in response.content.decode()
    assert cart_lines() == {product.sku: 2}


def test_add_refuses_inactive_products(client):
    product = ProductFactory(is_active=False)
    assert add(client, product).status_code == 404
    assert CartItem.objects.count() == 0


def test_add_refuses_get(client):
    product = ProductFactory()
    assert client.get(reverse("orders:cart-add", args=[product.slug])).status_code == 405


def test_update_sets_the_quantity_within_stock(client):
    product = ProductFactory(stock=4)
    add(client, product)
    assert update(client, product, "4").status_code == 302
    assert cart_lines() == {product.sku: 4}
    response = update(client, product, "5")
    assert response.status_code == 409
    assert cart_lines() == {product.sku: 4}
    assert update(client, product, "0").status_code == 400
    assert cart_lines() == {product.sku: 4}


def test_update_of_a_product_not_in_the_cart_is_refused(client):
    product = ProductFactory()
    add(client, ProductFactory())
    assert update(client, product, "1").status_code == 409
    assert update(client, ProductFactory(), "1").status_code == 409


def test_update_without_any_cart_is_a_404(client):
    assert update(client, ProductFactory(), "1").status_code == 404


def test_remove_deletes_the_line(client):
    product, other = ProductFactory(), ProductFactory()
    add(client, product)
    add(client, other)
    client.post(reverse("orders:cart-remove", args=[product.pk]))
    assert cart_lines() == {other.sku: 1}


def test_a_shopper_cannot_touch_another_shoppers_cart(client):
    theirs = CartItemFactory(quantity=2)
    client.force_login(UserFactory())
    update(client, theirs.product, "1")
    client.post(reverse("orders:cart-remove", args=[theirs.product.pk]))
    assert cart_lines(theirs.cart) == {theirs.product.sku: 2}


def test_signed_in_shopper_has_a_stored_cart(client):
    user = UserFactory()
    client.force_login(user)
    product = ProductFactory()
    add(client, product, "2")
    assert cart_lines(Cart.objects.get(user=user)) == {product.sku: 2}


def test_prices_come_from_the_database_not_the_form(client):
    product = ProductFactory(price=Decimal("10.00"))
    client.post(reverse("orders:cart-add", args=[product.slug]), {"quantity": "1", "price": "0.01"})
    assert client.get(reverse("orders:cart")).context["cart"].subtotal == Decimal("10.00")


def sign_in(client, user):
    """Through the real sign-in form, which rotates the session key as Django always does."""
    return client.post(
        reverse("accounts:login"),
        {"username": user.username, "password": "correct horse battery staple"},
    )


def test_sign_in_merges_the_anonymous_cart_despite_the_new_session_key(client):
    user = UserFactory()
    kept = ProductFactory(stock=10)
    CartItemFactory(cart=CartFactory(user=user), product=kept, quantity=1)
    added = ProductFactory(stock=10)
    add(client, kept, "2")
    add(client, added, "3")
    anonymous_key = client.session.session_key

    assert sign_in(client, user).status_code == 302

    assert client.session.session_key != anonymous_key
    assert cart_lines(Cart.objects.get(user=user)) == {kept.sku: 3, added.sku: 3}
    assert not Cart.objects.filter(user__isnull=True).exists()


def test_merge_caps_quantities_at_the_stock_and_says_so(client):
    user = UserFactory()
    product = ProductFactory(name="Copper Kettle", stock=4)
    CartItemFactory(cart=CartFactory(user=user), product=product, quantity=3)
    add(client, product, "3")
    sign_in(client, user)
    assert cart_lines(Cart.objects.get(user=user)) == {product.sku: 4}
    page = client.get(reverse("orders:cart"))
    assert "Only 4 of Copper Kettle in stock; your cart has 4." in page.content.decode()


def test_merge_drops_products_no_longer_sold(client):
    user = UserFactory()
    product = ProductFactory(name="Gone Lamp")
    add(client, product)
    product.is_active = False
    product.save()
    sign_in(client, user)
    assert cart_lines(Cart.objects.get(user=user)) == {}
    assert "Gone Lamp is no longer available" in client.get(reverse("orders:cart")).content.decode()


def test_cart_page_warns_about_lines_above_the_current_stock_and_hides_checkout(client):
    product = ProductFactory(stock=5)
    add(client, product, "5")
    product.stock = 2
    product.save()
    content = client.get(reverse("orders:cart")).content.decode()
    assert "Only 2 in stock" in content
    assert reverse("orders:checkout") not in content.split("<main")[1]


def test_a_visitor_without_a_cart_costs_no_cart_query_and_gets_no_session(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("orders:cart"))
    assert response.context["cart_item_count"] == 0
    assert not [query for query in queries if "cart" in query["sql"]]
    assert "sessionid" not in response.cookies


def test_cart_page_says_how_much_more_ships_free(client, settings):
    settings.FREE_SHIPPING_FROM = Decimal("50.00")
    product = ProductFactory(price=Decimal("20.00"), stock=5)
    add(client, product, "2")
    page = client.get(reverse("orders:cart"))
    assert page.context["cart"].amount_to_free_shipping == Decimal("10.00")
    assert "Add €10.00 more for free shipping." in page.content.decode()
    add(client, product, "1")
    page = client.get(reverse("orders:cart"))
    assert page.context["cart"].amount_to_free_shipping == Decimal("0.00")
    assert "more for free shipping" not in page.content.decode()
