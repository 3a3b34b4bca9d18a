"""Orders out to a spreadsheet from the admin (django-import-export): the list as filtered, with
the columns staff reconcile against, shopper text kept from running as a formula; no import."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import NoReverseMatch, reverse

from accounts.services import staff_group
from orders.models import Order
from orders.resources import OrderResource
from tests.factories import OrderFactory, OrderItemFactory, UserFactory

pytestmark = pytest.mark.django_db

EXPORT_URL = reverse("admin:orders_order_export")
CSV_FORMAT, XLSX_FORMAT = "0", "1"  # OrderAdmin.formats
HEADER = [
    "number",
    "created",
    "status",
    "e-mail",
    "ship to",
    "address",
    "postal code",
    "city",
    "country",
    "phone",
    "items",
    "subtotal",
    "shipping",
    "total",
    "currency",
    "carrier",
    "tracking number",
]


def export(client, file_format=CSV_FORMAT, query=""):
    fields = {f"orderresource_{name}": "on" for name in OrderResource().get_export_order()}
    return client.post(EXPORT_URL + query, {"format": file_format, "resource": "0", **fields})


def csv_rows(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.fixture
def shipped_order():
    order = OrderFactory(
        status=Order.Status.SHIPPED,
        carrier="DHL",
        tracking_number="JD0146",
        shipping_phone="+49 30 1234567",
        subtotal=Decimal("45.00"),
        shipping_cost=Decimal("4.90"),
        total=Decimal("49.90"),
    )
    OrderItemFactory(order=order, quantity=2)
    OrderItemFactory(order=order, quantity=1)
    return order


def test_the_csv_export_has_a_row_per_order_with_the_expected_columns(staff_client, shipped_order):
    pending = OrderItemFactory(quantity=4).order

    response = export(staff_client)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    header, *rows = csv_rows(response)
    assert header == HEADER
    by_number = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert set(by_number) == {shipped_order.number, pending.number}
    shipped = by_number[shipped_order.number]
    assert shipped == {
        **shipped,
        "status": "Shipped",
        "e-mail": shipped_order.email,
        "ship to": "Ada Lovelace",
        "address": "1 Analytical Street",
        "postal code": "10115",
        "city": "Berlin",
        "country": "DE",
        "items": "3",
        "subtotal": "45.00",
        "shipping": "4.90",
        "total": "49.90",
        "currency": "EUR",
        "carrier": "DHL",
        "tracking number": "JD0146",
    }
    assert shipped["created"].startswith(f"{shipped_order.created_at:%Y}-")
    assert by_number[pending.number]["items"] == "4"


def test_the_export_follows_the_lists_filter(staff_client, shipped_order):
    OrderItemFactory()  # pending

    response = export(staff_client, query="?status__exact=shipped")

    assert [row[0] for row in csv_rows(response)[1:]] == [shipped_order.number]


def test_the_xlsx_export_opens_as_a_workbook(staff_client, shipped_order):
    response = export(staff_client, file_format=XLSX_FORMAT)

    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    assert rows[1][0] == shipped_order.number
    assert rows[1][HEADER.index("items")] == 3


def test_text_a_shopper_typed_never_runs_as_a_formula(staff_client):
    OrderItemFactory(order=OrderFactory(shipping_name='=HYPERLINK("http://evil","x")'))

    csv_row = dict(zip(HEADER, csv_rows(export(staff_client))[1], strict=True))
    sheet = openpyxl.load_workbook(io.BytesIO(export(staff_client, XLSX_FORMAT).content)).active

    assert csv_row["ship to"] == '\'=HYPERLINK("http://evil","x")'
    cell = sheet.cell(row=2, column=HEADER.index("ship to") + 1)
    assert cell.data_type == "s"  # a string, not a formula


def test_shop_staff_may_export_orders_and_other_staff_may_not(client, shipped_order):
    member = UserFactory(is_staff=True)
    member.groups.add(staff_group())
    client.force_login(member)
    page = client.get(EXPORT_URL)
    assert page.status_code == 200
    assert "tracking number" in page.content.decode()  # the columns it will export
    assert export(client).status_code == 200

    client.force_login(UserFactory(is_staff=True))  # staff, but not in the group
    assert export(client).status_code == 403


def test_orders_cannot_be_imported():
    with pytest.raises(NoReverseMatch):
        reverse("admin:orders_order_import")
