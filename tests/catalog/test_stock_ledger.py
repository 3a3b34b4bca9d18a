"""Stock as a ledger: staff receive and adjust stock through catalog.services, orders write their
own movements, and a product's stock is always the sum of its movements."""

import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from django.db import connection
from django.db.models import Sum
from django.urls import reverse

from catalog import services
from catalog.models import Product, StockMovement
from orders import services as orders
from orders.models import Cart, CartItem
from tests.factories import SHIPPING, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

Reason = StockMovement.Reason


def ledger_sum(product):
    return product.stock_movements.aggregate(total=Sum("change"))["total"] or 0


def stock_of(product):
    return Product.objects.get(pk=product.pk).stock


def buy(user, product, quantity=1):
    cart, _ = Cart.objects.get_or_create(user=user)
    CartItem.objects.update_or_create(cart=cart, product=product, defaults={"quantity": quantity})
    return orders.place_order(user=user, shipping=SHIPPING, checkout_token=uuid.uuid4())[0]


# --- the service ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "quantity", "stock_after", "change"),
    [
        (Reason.RECEIVED, 5, 15, 5),
        (Reason.RETURNED, 1, 11, 1),
        (Reason.DAMAGED, 3, 7, -3),
        (Reason.COUNTED, 8, 8, -2),  # counted 8 on the shelf where the shop thought 10
    ],
)
def test_each_reason_moves_the_stock_and_records_who_and_why(reason, quantity, stock_after, change):
    product, clerk = ProductFactory(stock=10), UserFactory(is_staff=True)
    services.adjust_stock(product=product, reason=reason, quantity=quantity, note="n", by=clerk)
    assert stock_of(product) == stock_after == ledger_sum(product)
    latest = product.stock_movements.first()
    assert (latest.change, latest.reason, latest.note, latest.by) == (change, reason, "n", clerk)


def test_a_count_matching_the_stock_records_nothing():
    product = ProductFactory(stock=4)
    services.adjust_stock(product=product, reason=Reason.COUNTED, quantity=4)
    assert product.stock_movements.count() == 1  # the opening balance only


@pytest.mark.parametrize(
    ("reason", "quantity", "message"),
    [
        (Reason.DAMAGED, 11, "has 10 unit(s) in stock"),
        (Reason.RECEIVED, 0, "positive number"),
        (Reason.SOLD, 1, "recorded by the orders"),
    ],
)
def test_impossible_changes_are_refused_and_change_nothing(reason, quantity, message):
    product = ProductFactory(stock=10)
    with pytest.raises(services.StockError, match=re.escape(message)):
        services.adjust_stock(product=product, reason=reason, quantity=quantity)
    assert stock_of(product) == 10 == ledger_sum(product)


def test_orders_and_cancellations_write_their_movements_with_the_order_number():
    product = ProductFactory(stock=10)
    order = buy(UserFactory(), product, 3)
    orders.cancel_order(order=order)
    moves = list(
        product.stock_movements.order_by("pk").values_list("change", "reason", "reference")
    )
    assert moves[1:] == [(-3, "sold", order.number), (3, "cancelled", order.number)]
    assert stock_of(product) == 10 == ledger_sum(product)


@pytest.mark.django_db(transaction=True)
def test_the_ledger_sums_to_the_stock_under_concurrent_orders_and_adjustments():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    product, clerk = ProductFactory(stock=20), UserFactory(is_staff=True)
    shoppers = [UserFactory() for _ in range(6)]
    start = Barrier(len(shoppers) + 3)

    def shop(user):
        start.wait()
        try:
            buy(user, product, 2)
        finally:
            connection.close()

    def adjust(reason, quantity):
        start.wait()
        try:
            services.adjust_stock(product=product, reason=reason, quantity=quantity, by=clerk)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(shoppers) + 3) as pool:
        jobs = [pool.submit(shop, user) for user in shoppers]
        jobs += [
            pool.submit(adjust, Reason.RECEIVED, 7),
            pool.submit(adjust, Reason.DAMAGED, 1),
            pool.submit(adjust, Reason.RETURNED, 2),
        ]
        for job in jobs:
            job.result()

    assert stock_of(product) == 20 - 12 + 7 - 1 + 2 == ledger_sum(product)


# --- the admin --------------------------------------------------------------------------------


def change_form_data(client, product):
    """The product's admin page as a staff member loaded it: every field's value then."""
    form = (
        client.get(reverse("admin:catalog_product_change", args=[product.pk]))
        .context["adminform"]
        .form
    )
    data = {name: form[name].value() for name in form.fields}
    data = {name: ("" if value is None else value) for name, value in data.items()}
    data["category"] = product.category_id
    data.update(
        {
            "images-TOTAL_FORMS": "0",
            "images-INITIAL_FORMS": "0",
            "images-MIN_NUM_FORMS": "0",
            "images-MAX_NUM_FORMS": "1000",
        }
    )
    return data


def test_a_sale_made_while_staff_edit_the_product_page_is_never_undone(staff_client):
    product = ProductFactory(stock=5, price="10.00")
    loaded = change_form_data(staff_client, product)
    buy(UserFactory(), product, 2)  # while the page is open
    loaded.update(price="12.00", stock="5")  # even a stock value posted by hand is ignored
    response = staff_client.post(reverse("admin:catalog_product_change", args=[product.pk]), loaded)
    assert response.status_code == 302, response.context["adminform"].form.errors
    product.refresh_from_db()
    assert (product.price, product.stock) == (12, 3)
    assert ledger_sum(product) == 3


def test_a_sale_made_while_staff_edit_the_changelist_is_never_undone(staff_client):
    product = ProductFactory(stock=5, price="10.00")
    changelist = reverse("admin:catalog_product_changelist")
    staff_client.get(changelist)
    buy(UserFactory(), product, 2)
    staff_client.post(
        changelist,
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "1000",
            "form-0-id": product.pk,
            "form-0-price": "11.00",
            "form-0-stock": "5",
            "form-0-is_active": "on",
            "_save": "Save",
        },
    )
    product.refresh_from_db()
    assert (product.price, product.stock) == (11, 3)


def test_staff_receive_stock_on_the_products_stock_page(staff_client):
    product = ProductFactory(stock=2)
    url = reverse("admin:catalog_product_stock", args=[product.pk])
    assert (
        url
        in staff_client.get(
            reverse("admin:catalog_product_change", args=[product.pk])
        ).content.decode()
    )
    response = staff_client.post(url, {"reason": "received", "quantity": "10", "note": "PO 42"})
    assert response.status_code == 302
    assert stock_of(product) == 12
    page = staff_client.get(url).content.decode()
    assert "+10" in page and "PO 42" in page and "Received" in page


def test_an_impossible_adjustment_is_a_400_with_the_reason(staff_client):
    product = ProductFactory(stock=2)
    url = reverse("admin:catalog_product_stock", args=[product.pk])
    response = staff_client.post(url, {"reason": "damaged", "quantity": "3"})
    assert response.status_code == 400
    assert "has 2 unit(s) in stock" in response.content.decode()
    response = staff_client.post(url, {"reason": "sold", "quantity": "x"})
    assert response.status_code == 400
    assert stock_of(product) == 2


def test_the_stock_ledger_is_read_only_in_the_admin(staff_client):
    product = ProductFactory(stock=2)
    movement = product.stock_movements.get()
    assert staff_client.get(reverse("admin:catalog_stockmovement_add")).status_code == 403
    page = staff_client.get(reverse("admin:catalog_stockmovement_change", args=[movement.pk]))
    assert page.status_code == 200 and 'name="change"' not in page.content.decode()
