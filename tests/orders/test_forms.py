"""The checkout and address forms as browsers see them."""

import pytest

from orders.forms import AddressForm, CheckoutForm

# A model form checks the model's check constraints, in the database.
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("field", "token"),
    [
        ("name", "name"),
        ("address", "street-address"),
        ("postal_code", "postal-code"),
        ("city", "address-level2"),
        ("country", "country"),
        ("phone", "tel"),
    ],
)
def test_address_fields_carry_the_autocomplete_token_browsers_fill_in(field, token):
    assert f'autocomplete="{token}"' in str(AddressForm()[field])


def test_checkout_asks_for_no_e_mail_address():
    """The order's e-mail goes to the account's address: the shop must not mail strangers."""
    assert "email" not in CheckoutForm(addresses=[]).fields


def test_the_country_is_picked_from_a_list_of_iso_codes():
    html = str(AddressForm()["country"])
    assert html.startswith("<select")
    assert '<option value="DE">Germany</option>' in html
    assert not AddressForm({**ADDRESS, "country": "Germany"}).is_valid()
    assert AddressForm(ADDRESS).is_valid()


ADDRESS = {
    "name": "Ada Lovelace",
    "address": "1 Analytical Street",
    "postal_code": "10115",
    "city": "Berlin",
    "country": "DE",
}


@pytest.mark.parametrize("phone", ["", "+49 30 1234567", "(030) 123-45.67", "030/1234567"])
def test_a_phone_number_is_optional_and_takes_the_usual_separators(phone):
    assert AddressForm({**ADDRESS, "phone": phone}).is_valid()


@pytest.mark.parametrize("phone", ["call me", "+49 30\r\nBcc: x@example.com", "12", "+" + "1" * 40])
def test_a_phone_number_refuses_letters_and_control_characters(phone):
    form = AddressForm({**ADDRESS, "phone": phone})
    assert not form.is_valid()
    assert form.errors["phone"]


@pytest.mark.parametrize("field", ["name", "address", "postal_code", "city"])
def test_shipping_fields_refuse_line_breaks_and_other_control_characters(field):
    form = AddressForm({**ADDRESS, field: "1\r\nBcc: x@y.z"})
    assert not form.is_valid()
    assert "control characters" in form.errors[field][0]
