"""Saved shipping addresses: kept at checkout, picked at the next one, edited on /account/."""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders import services
from orders.models import Address, Cart, Order
from tests.factories import (
    CartFactory,
    CartItemFactory,
    OrderFactory,
    ProductFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NEW_ADDRESS = {
    "name": "Ada Lovelace",
    "address": "1 Analytical Street",
    "postal_code": "10115",
    "city": "Berlin",
    "country": "DE",
    "phone": "+49 30 1234567",
}


@pytest.fixture
def shopper(client):
    user = UserFactory(email="ada@example.com")
    client.force_login(user)
    return client, user


def fill_cart(user):
    cart = Cart.objects.filter(user=user).first() or CartFactory(user=user)
    CartItemFactory(cart=cart, product=ProductFactory(stock=5), quantity=1)


def checkout_form(client, **fields):
    form = client.get(reverse("orders:checkout")).context["form"]
    data = {"email": "ada@example.com", "checkout_token": form["checkout_token"].value()}
    return {**data, **fields}


def test_a_new_address_saved_at_checkout_is_picked_at_the_next_one(shopper):
    client, user = shopper
    fill_cart(user)
    response = client.post(
        reverse("orders:checkout"), checkout_form(client, **NEW_ADDRESS, save_address="on")
    )
    order = Order.objects.get(user=user)
    assert response.url == order.get_absolute_url()
    assert order.shipping_phone == "+49 30 1234567"
    assert order.shipping_country.name == "Germany"
    saved = Address.objects.get(user=user)
    assert {field: str(getattr(saved, field)) for field in NEW_ADDRESS} == NEW_ADDRESS

    fill_cart(user)
    page = client.get(reverse("orders:checkout"))
    assert page.context["form"]["saved_address"].value() == saved.pk
    assert "1 Analytical Street, Berlin, Germany" in page.content.decode()


def test_an_address_not_to_be_saved_is_only_on_the_order(shopper):
    client, user = shopper
    fill_cart(user)
    client.post(reverse("orders:checkout"), checkout_form(client, **NEW_ADDRESS))
    assert Order.objects.get(user=user).shipping_city == "Berlin"
    assert not Address.objects.exists()


def test_an_order_to_a_saved_address_ships_there_and_ignores_the_new_address_fields(shopper):
    client, user = shopper
    saved = Address.objects.create(user=user, **{**NEW_ADDRESS, "city": "Potsdam"})
    fill_cart(user)
    form = checkout_form(client, saved_address=saved.pk, name="", city="Nowhere")
    response = client.post(reverse("orders:checkout"), form)
    order = Order.objects.get(user=user)
    assert response.url == order.get_absolute_url()
    assert (order.shipping_name, order.shipping_city, order.shipping_phone) == (
        "Ada Lovelace",
        "Potsdam",
        "+49 30 1234567",
    )
    assert Address.objects.count() == 1


def test_another_shoppers_address_cannot_be_picked(shopper):
    client, user = shopper
    theirs = Address.objects.create(user=UserFactory(), **NEW_ADDRESS)
    fill_cart(user)
    response = client.post(
        reverse("orders:checkout"), checkout_form(client, saved_address=theirs.pk)
    )
    assert response.status_code == 400
    assert "Pick one of your saved addresses" in response.content.decode()
    assert not Order.objects.exists()


def test_a_new_address_with_a_missing_field_is_a_400_and_no_order(shopper):
    client, user = shopper
    fill_cart(user)
    form = checkout_form(client, **{**NEW_ADDRESS, "city": ""}, save_address="on")
    response = client.post(reverse("orders:checkout"), form)
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Order.objects.exists() and not Address.objects.exists()


def test_saving_the_same_address_twice_keeps_one_row_used_last():
    user = UserFactory()
    first = services.save_address(user=user, details=NEW_ADDRESS)
    other = services.save_address(user=user, details={**NEW_ADDRESS, "city": "Potsdam"})
    again = services.save_address(user=user, details=NEW_ADDRESS)
    assert again.pk == first.pk
    assert list(Address.objects.for_user(user)) == [first, other]


def test_an_account_keeps_at_most_the_limit_of_addresses(shopper):
    client, user = shopper
    for n in range(services.MAX_SAVED_ADDRESSES):
        services.save_address(user=user, details={**NEW_ADDRESS, "address": f"{n} Main Street"})
    response = client.post(reverse("orders:address-add"), NEW_ADDRESS)
    assert response.status_code == 400
    assert "at most 20 addresses" in response.content.decode()
    assert Address.objects.filter(user=user).count() == services.MAX_SAVED_ADDRESSES


def test_the_database_refuses_an_address_without_a_city():
    with pytest.raises(IntegrityError), transaction.atomic():
        Address.objects.create(user=UserFactory(), **{**NEW_ADDRESS, "city": ""})


def test_address_pages_add_change_and_delete_the_shoppers_own_addresses(shopper):
    client, user = shopper
    response = client.post(reverse("orders:address-add"), NEW_ADDRESS)
    assert response.url == reverse("accounts:account")
    address = Address.objects.get(user=user)

    edit = reverse("orders:address-edit", args=[address.pk])
    assert client.get(edit).status_code == 200
    client.post(edit, {**NEW_ADDRESS, "city": "Potsdam"})
    address.refresh_from_db()
    assert address.city == "Potsdam"

    delete = reverse("orders:address-delete", args=[address.pk])
    assert client.get(delete).status_code == 405
    assert client.post(delete).url == reverse("accounts:account")
    assert not Address.objects.exists()


def test_an_invalid_address_is_a_400_that_changes_nothing(shopper):
    client, user = shopper
    address = Address.objects.create(user=user, **NEW_ADDRESS)
    response = client.post(
        reverse("orders:address-edit", args=[address.pk]), {**NEW_ADDRESS, "country": "XX"}
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    address.refresh_from_db()
    assert address.country == "DE"


def test_changing_an_address_into_another_saved_one_merges_them(shopper):
    client, user = shopper
    keep = Address.objects.create(user=user, **NEW_ADDRESS)
    other = Address.objects.create(user=user, **{**NEW_ADDRESS, "city": "Potsdam"})
    client.post(reverse("orders:address-edit", args=[other.pk]), NEW_ADDRESS)
    assert list(Address.objects.filter(user=user)) == [keep]


def test_another_shoppers_address_is_a_404_on_every_address_page(shopper):
    client, _ = shopper
    theirs = Address.objects.create(user=UserFactory(), **NEW_ADDRESS)
    assert client.get(reverse("orders:address-edit", args=[theirs.pk])).status_code == 404
    assert (
        client.post(reverse("orders:address-edit", args=[theirs.pk]), NEW_ADDRESS).status_code
        == 404
    )
    assert client.post(reverse("orders:address-delete", args=[theirs.pk])).status_code == 404
    assert Address.objects.get(pk=theirs.pk).city == "Berlin"


def test_address_pages_need_sign_in(client):
    response = client.get(reverse("orders:address-add"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.django_db(transaction=True)
def test_two_checkouts_saving_one_new_address_at_once_keep_one_row():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    user, tabs = UserFactory(), 4
    start = Barrier(tabs)

    def save(_):
        start.wait()
        try:
            return services.save_address(user=user, details=NEW_ADDRESS).pk
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=tabs) as pool:
        ids = set(pool.map(save, range(tabs)))

    assert len(ids) == 1
    assert Address.objects.filter(user=user).count() == 1


def test_the_account_page_lists_the_addresses_and_the_recent_orders(shopper):
    client, user = shopper
    Address.objects.create(user=user, **NEW_ADDRESS)
    older, newer = OrderFactory(user=user), OrderFactory(user=user)
    page = client.get(reverse("accounts:account")).content.decode()
    assert "1 Analytical Street" in page and "+49 30 1234567" in page
    assert page.index(newer.number) < page.index(older.number)
    assert reverse("orders:address-edit", args=[Address.objects.get().pk]) in page


def test_the_account_pages_queries_do_not_grow_with_addresses_and_orders(
    shopper, django_assert_num_queries
):
    client, user = shopper
    Address.objects.create(user=user, **NEW_ADDRESS)
    OrderFactory(user=user)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("accounts:account"))
    for n in range(6):
        Address.objects.create(user=user, **{**NEW_ADDRESS, "address": f"{n} Main Street"})
        OrderFactory(user=user)
    with django_assert_num_queries(len(few)):
        page = client.get(reverse("accounts:account"))
    assert page.content.decode().count("<address>") == 7
