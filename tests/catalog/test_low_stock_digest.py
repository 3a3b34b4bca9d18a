"""`manage.py low_stock_digest`: staff hear which products run low, once a day."""

from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_emails(settings):
    settings.MANAGERS = [("Shop staff", "stock@example.com")]
    settings.LOW_STOCK_THRESHOLD = 3


def test_the_digest_lists_the_active_products_at_or_below_the_threshold(staff_emails):
    ProductFactory(name="Brass Lamp", sku="LAMP-1", stock=0)
    ProductFactory(name="Oak Shelf", sku="SHELF-1", stock=3)
    ProductFactory(name="Steel Pot", stock=4)
    ProductFactory(name="Retired Kettle", stock=1, is_active=False)

    call_command("low_stock_digest", stdout=StringIO())

    (email,) = mail.outbox
    assert email.to == ["stock@example.com"]
    assert "2 product(s) running low" in email.subject
    lines = [line.split() for line in email.body.splitlines() if "-1" in line]
    assert lines == [
        ["0", "LAMP-1", "Brass", "Lamp", "(sold", "out)"],
        ["3", "SHELF-1", "Oak", "Shelf"],
    ]
    assert "Steel Pot" not in email.body and "Retired Kettle" not in email.body


def test_no_low_product_sends_nothing(staff_emails):
    ProductFactory(stock=50)
    out = StringIO()
    call_command("low_stock_digest", stdout=out)
    assert mail.outbox == []
    assert "nothing sent" in out.getvalue()


def test_without_staff_addresses_it_says_so_and_sends_nothing(settings):
    settings.MANAGERS = []
    ProductFactory(stock=0)
    err = StringIO()
    call_command("low_stock_digest", stderr=err)
    assert mail.outbox == []
    assert "SHOP_STAFF_EMAILS is not set" in err.getvalue()
