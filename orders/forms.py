from django import forms

from .models import Address

MAX_QUANTITY = 999
QUANTITY_ERRORS = {
    "required": "Enter a quantity.",
    "invalid": "The quantity must be a whole number.",
    "min_value": "The quantity must be at least 1.",
    "max_value": f"The quantity can be at most {MAX_QUANTITY}.",
}

CHECKOUT_EXPIRED = (
    "This checkout form has expired; please check the details and place your order again."
)


class QuantityForm(forms.Form):
    """A whole number of units; the service then checks it against the stock on hand."""

    quantity = forms.IntegerField(
        min_value=1, max_value=MAX_QUANTITY, initial=1, error_messages=QUANTITY_ERRORS
    )


class AddressForm(forms.ModelForm):
    """A shipping address: at checkout (a new one) and on the account page (saved ones).

    The autocomplete tokens let browsers fill it in (HTML's autofill field names)."""

    class Meta:
        model = Address
        fields = ["name", "address", "postal_code", "city", "country", "phone"]
        labels = {"phone": "Phone (optional, for the courier)"}
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "name"}),
            "address": forms.TextInput(attrs={"autocomplete": "street-address"}),
            "postal_code": forms.TextInput(attrs={"autocomplete": "postal-code"}),
            "city": forms.TextInput(attrs={"autocomplete": "address-level2"}),
            "country": forms.Select(attrs={"autocomplete": "country"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        }


class CheckoutForm(forms.Form):
    """Which saved address to ship to; a new address is an AddressForm beside it, needed only
    when no saved address is picked. The order's e-mail goes to the account's address, never
    to one typed here (the shop must not mail strangers)."""

    saved_address = forms.TypedChoiceField(
        label="Ship to",
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Pick one of your saved addresses or a new one."},
    )
    save_address = forms.BooleanField(
        label="Save this address to my account", required=False, initial=True
    )
    # Missing or not a UUID: a page from before tokens, or altered; CheckoutView says so
    # (CHECKOUT_EXPIRED) and shows the form again with a fresh one.
    checkout_token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, addresses, **kwargs):
        """`addresses`: the shopper's saved addresses, the only ones the form accepts."""
        super().__init__(*args, **kwargs)
        self.addresses = {address.pk: address for address in addresses}
        self.fields["saved_address"].choices = [
            *((pk, str(address)) for pk, address in self.addresses.items()),
            ("", "A new address"),
        ]

    def clean_saved_address(self):
        pk = self.cleaned_data["saved_address"]
        return None if pk is None else self.addresses[pk]
