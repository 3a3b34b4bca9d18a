"""Placing an order: one transaction, stock locked and decremented, one order per checkout."""

import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from threading import Barrier

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse

from catalog.models import Product
from orders import services
from orders.models import Cart, CartItem, Order, OrderItem
from tests.factories import (
    SHIPPING,
    CartFactory,
    CartItemFactory,
    ProductFactory,
    UserFactory,
)

CHECKOUT_FORM = {
    "email": SHIPPING.email,
    "name": SHIPPING.name,
    "address": SHIPPING.address,
    "postal_code": SHIPPING.postal_code,
    "city": SHIPPING.city,
    "country": SHIPPING.country,
}


def place(user, token=None):
    return services.place_order(user=user, shipping=SHIPPING, checkout_token=token or uuid.uuid4())


def cart_of(user, *lines):
    cart = Cart.objects.filter(user=user).first() or CartFactory(user=user)
    for product, quantity in lines:
        CartItemFactory(cart=cart, product=product, quantity=quantity)
    return cart


@pytest.mark.django_db
def test_place_order_snapshots_prices_decrements_stock_and_empties_the_cart(
    django_capture_on_commit_callbacks,
):
    user = UserFactory()
    lamp = ProductFactory(name="Lamp", sku="LAMP-1", price=Decimal("30.00"), stock=5)
    mug = ProductFactory(name="Mug", sku="MUG-1", price=Decimal("4.50"), stock=10)
    cart_of(user, (lamp, 1), (mug, 2))

    with django_capture_on_commit_callbacks(execute=True):
        order, created = place(user)

    assert created
    assert (order.subtotal, order.shipping_cost, order.total) == (
        Decimal("39.00"),
        Decimal("4.90"),
        Decimal("43.90"),
    )
    snapshot = set(order.items.values_list("product_name", "product_sku", "unit_price", "quantity"))
    assert snapshot == {
        ("Lamp", "LAMP-1", Decimal("30.00"), 1),
        ("Mug", "MUG-1", Decimal("4.50"), 2),
    }
    assert dict(Product.objects.values_list("sku", "stock")) == {"LAMP-1": 4, "MUG-1": 8}
    assert not CartItem.objects.exists()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [SHIPPING.email]
    assert order.number in mail.outbox[0].subject
    assert "2 × Mug (MUG-1)" in mail.outbox[0].body


@pytest.mark.django_db
def test_shipping_is_free_from_the_threshold(settings):
    settings.FREE_SHIPPING_FROM = Decimal("50.00")
    user = UserFactory()
    cart_of(user, (ProductFactory(price=Decimal("25.00")), 2))
    order, _ = place(user)
    assert (order.shipping_cost, order.total) == (Decimal("0.00"), Decimal("50.00"))


@pytest.mark.django_db
def test_later_price_changes_do_not_change_the_order():
    user = UserFactory()
    product = ProductFactory(price=Decimal("10.00"))
    cart_of(user, (product, 1))
    order, _ = place(user)
    Product.objects.filter(pk=product.pk).update(price=Decimal("99.00"), name="Renamed")
    item = OrderItem.objects.get(order=order)
    assert (item.unit_price, item.product_name) == (Decimal("10.00"), product.name)


@pytest.mark.django_db
def test_place_order_refuses_when_stock_ran_out_and_writes_nothing(
    django_capture_on_commit_callbacks,
):
    user = UserFactory()
    plenty = ProductFactory(stock=10)
    scarce = ProductFactory(name="Last Lamp", stock=1)
    cart_of(user, (plenty, 2), (scarce, 2))

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(services.OutOfStock, match="Only 1 of Last Lamp in stock"),
    ):
        place(user)

    assert not Order.objects.exists()
    assert Product.objects.get(pk=plenty.pk).stock == 10
    assert CartItem.objects.count() == 2
    assert not mail.outbox


@pytest.mark.django_db
def test_place_order_refuses_products_no_longer_sold():
    user = UserFactory()
    cart_of(user, (ProductFactory(name="Retired", is_active=False), 1))
    with pytest.raises(services.OutOfStock, match="Retired is no longer available"):
        place(user)


@pytest.mark.django_db
def test_place_order_refuses_an_empty_cart():
    user = UserFactory()
    with pytest.raises(services.EmptyCart):
        place(user)
    Cart.objects.create(user=user)
    with pytest.raises(services.EmptyCart):
        place(user)


@pytest.mark.django_db
def test_the_same_checkout_token_places_one_order():
    user = UserFactory()
    product = ProductFactory(stock=5)
    cart_of(user, (product, 2))
    token = uuid.uuid4()
    first, created = place(user, token)
    cart_of_again = Cart.objects.get(user=user)
    CartItemFactory(cart=cart_of_again, product=product, quantity=1)
    again, created_again = place(user, token)
    assert created and not created_again
    assert again == first
    assert Order.objects.count() == 1
    assert Product.objects.get(pk=product.pk).stock == 3


@pytest.mark.django_db
def test_a_used_token_returns_its_order_even_when_the_cart_cannot_be_ordered_now():
    user = UserFactory()
    cart = cart_of(user, (ProductFactory(stock=5), 1))
    token = uuid.uuid4()
    first, _ = place(user, token)
    CartItemFactory(cart=cart, product=ProductFactory(stock=0), quantity=1)
    again, created = place(user, token)
    assert again == first and not created
    with pytest.raises(services.OutOfStock):
        place(user)  # a new checkout is refused as usual


@pytest.fixture
def checkout_client(client):
    user = UserFactory()
    client.force_login(user)
    return client, user


def checkout_token(client):
    return client.get(reverse("orders:checkout")).context["form"]["checkout_token"].value()


@pytest.mark.django_db
def test_checkout_page_requires_sign_in(client):
    response = client.get(reverse("orders:checkout"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_checkout_with_an_empty_cart_goes_back_to_the_cart(checkout_client):
    client, _ = checkout_client
    response = client.get(reverse("orders:checkout"))
    assert response.status_code == 302
    assert response.url == reverse("orders:cart")


@pytest.mark.django_db
def test_double_submit_of_the_checkout_form_yields_one_order(checkout_client):
    client, user = checkout_client
    cart_of(user, (ProductFactory(stock=5), 1))
    token = checkout_token(client)
    assert checkout_token(client) == token  # a second tab shows the same form

    first = client.post(reverse("orders:checkout"), {**CHECKOUT_FORM, "checkout_token": token})
    second = client.post(reverse("orders:checkout"), {**CHECKOUT_FORM, "checkout_token": token})

    order = Order.objects.get()
    assert first.url == second.url == order.get_absolute_url()
    assert "was already placed" in client.get(second.url).content.decode()


@pytest.mark.django_db
def test_the_next_checkout_after_an_order_has_a_new_token_and_places_a_new_order(
    checkout_client,
):
    client, user = checkout_client
    product = ProductFactory(stock=5)
    cart = cart_of(user, (product, 1))
    first_token = checkout_token(client)
    client.post(reverse("orders:checkout"), {**CHECKOUT_FORM, "checkout_token": first_token})

    CartItemFactory(cart=cart, product=product, quantity=2)
    second_token = checkout_token(client)
    assert second_token != first_token
    client.post(reverse("orders:checkout"), {**CHECKOUT_FORM, "checkout_token": second_token})

    assert sorted(Order.objects.filter(user=user).values_list("items__quantity", flat=True)) == [
        1,
        2,
    ]


@pytest.mark.django_db
def test_checkout_sends_the_shopper_back_to_the_cart_naming_the_item_that_ran_out(checkout_client):
    client, user = checkout_client
    product = ProductFactory(name="Walnut Shelf", stock=2)
    cart_of(user, (product, 2))
    token = checkout_token(client)
    Product.objects.filter(pk=product.pk).update(stock=1)

    response = client.post(
        reverse("orders:checkout"), {**CHECKOUT_FORM, "checkout_token": token}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("orders:cart")
    assert "Only 1 of Walnut Shelf in stock" in response.content.decode()
    assert not Order.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "bad",
    [
        {"name": ""},
        {"postal_code": "x" * 21},
        {"checkout_token": "not-a-uuid"},
    ],
)
def test_checkout_refuses_bad_shipping_details_with_a_400_and_no_order(checkout_client, bad):
    client, user = checkout_client
    cart_of(user, (ProductFactory(stock=5), 1))
    form = {**CHECKOUT_FORM, "checkout_token": checkout_token(client), **bad}
    response = client.post(reverse("orders:checkout"), form)
    assert response.status_code == 400
    assert response.context["form"].errors or response.context["address_form"].errors
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_a_failing_mail_server_does_not_undo_the_order(settings, caplog):
    settings.EMAIL_BACKEND = "tests.orders.failing_mail.FailingBackend"
    user = UserFactory()
    cart_of(user, (ProductFactory(stock=1), 1))
    with caplog.at_level("ERROR"):
        order, _ = place(user)
        services.send_order_email(order=order, about="confirmation", items=list(order.items.all()))
    assert Order.objects.filter(pk=order.pk).exists()
    assert f"Could not send the confirmation e-mail of order id {order.pk}" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_shoppers_racing_for_the_last_units_never_oversell():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    units, shoppers = 3, 8
    product = ProductFactory(name="Last Lamp", stock=units)
    users = [UserFactory() for _ in range(shoppers)]
    for user in users:
        cart_of(user, (product, 1))
    start = Barrier(shoppers)

    def checkout(user):
        start.wait()
        try:
            place(user)
            return "ordered"
        except services.OutOfStock as error:
            return str(error)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=shoppers) as pool:
        outcomes = list(pool.map(checkout, users))

    assert outcomes.count("ordered") == units
    assert [o for o in outcomes if o != "ordered"] == ["Last Lamp is out of stock."] * (
        shoppers - units
    )
    assert Product.objects.get(pk=product.pk).stock == 0
    assert OrderItem.objects.filter(product=product).count() == units


@pytest.mark.django_db(transaction=True)
def test_concurrent_submits_of_one_checkout_place_one_order():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    user = UserFactory()
    product = ProductFactory(stock=10)
    cart_of(user, (product, 2))
    token, tabs = uuid.uuid4(), 4
    start = Barrier(tabs)

    def submit(_):
        start.wait()
        try:
            return place(user, token)[0].pk
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=tabs) as pool:
        order_ids = set(pool.map(submit, range(tabs)))

    assert len(order_ids) == 1
    assert Order.objects.count() == 1
    assert Product.objects.get(pk=product.pk).stock == 8


@pytest.mark.django_db
def test_checkout_page_warns_about_lines_beyond_the_stock_or_no_longer_sold(checkout_client):
    client, user = checkout_client
    shelf = ProductFactory(name="Walnut Shelf", stock=2)
    lamp = ProductFactory(name="Brass Lamp", stock=5)
    cart_of(user, (shelf, 2), (lamp, 1))
    Product.objects.filter(pk=shelf.pk).update(stock=1)
    Product.objects.filter(pk=lamp.pk).update(is_active=False)

    content = client.get(reverse("orders:checkout")).content.decode()

    assert "cannot be ordered as they are" in content
    assert "Only 1 in stock; lower the quantity to check out." in content
    assert "No longer available; remove it to check out." in content


@pytest.mark.django_db
def test_checkout_page_has_no_stock_warning_when_every_line_can_be_ordered(checkout_client):
    client, user = checkout_client
    cart_of(user, (ProductFactory(stock=2), 2))
    content = client.get(reverse("orders:checkout")).content.decode()
    assert "cannot be ordered as they are" not in content
    assert 'class="warning"' not in content


@pytest.mark.django_db
def test_the_order_e_mail_goes_to_the_account_whatever_is_typed(checkout_client):
    client, user = checkout_client
    cart_of(user, (ProductFactory(stock=5), 1))
    form = {
        **CHECKOUT_FORM,
        "email": "stranger@example.com",
        "checkout_token": checkout_token(client),
    }
    client.post(reverse("orders:checkout"), form)
    assert Order.objects.get(user=user).email == user.email


@pytest.mark.django_db
def test_an_account_places_at_most_the_hourly_limit_of_orders(checkout_client, settings):
    settings.MAX_ORDERS_PER_HOUR = 2
    client, user = checkout_client
    for _ in range(2):
        cart_of(user, (ProductFactory(stock=5), 1))
        place(user)
    lamp = ProductFactory(stock=5)
    cart_of(user, (lamp, 1))
    response = client.post(
        reverse("orders:checkout"), {**CHECKOUT_FORM, "checkout_token": checkout_token(client)}
    )
    assert response.status_code == 429
    assert "You have placed 2 orders in the last hour" in response.content.decode()
    assert Order.objects.filter(user=user).count() == 2
    lamp.refresh_from_db()
    assert lamp.stock == 5
    assert CartItem.objects.filter(cart__user=user, product=lamp).exists()  # the cart is kept


@pytest.mark.django_db
@pytest.mark.parametrize("token", [None, "", "not-a-token"])
def test_an_expired_checkout_form_says_so_and_can_be_sent_again(checkout_client, token):
    client, user = checkout_client
    cart_of(user, (ProductFactory(stock=5), 1))
    form = dict(CHECKOUT_FORM) if token is None else {**CHECKOUT_FORM, "checkout_token": token}

    response = client.post(reverse("orders:checkout"), form)

    assert response.status_code == 400
    assert "This checkout form has expired" in response.content.decode()
    assert not Order.objects.exists()
    fresh = response.context["form"]["checkout_token"].value()
    assert str(uuid.UUID(fresh)) == fresh
    assert f'name="checkout_token" value="{fresh}"' in response.content.decode()

    again = client.post(reverse("orders:checkout"), {**CHECKOUT_FORM, "checkout_token": fresh})

    assert again.status_code == 302
    assert again.url == Order.objects.get(user=user).get_absolute_url()
