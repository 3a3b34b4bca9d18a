"""The checkout form as browsers see it."""

import pytest

from orders.forms import CheckoutForm


@pytest.mark.parametrize(
    ("field", "token"),
    [
        ("email", "email"),
        ("name", "name"),
        ("address", "street-address"),
        ("postal_code", "postal-code"),
        ("city", "address-level2"),
        ("country", "country-name"),
    ],
)
def test_checkout_fields_carry_the_autocomplete_token_browsers_fill_in(field, token):
    assert f'autocomplete="{token}"' in str(CheckoutForm()[field])
