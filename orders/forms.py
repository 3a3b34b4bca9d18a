from django import forms

MAX_QUANTITY = 999
QUANTITY_ERRORS = {
    "required": "Enter a quantity.",
    "invalid": "The quantity must be a whole number.",
    "min_value": "The quantity must be at least 1.",
    "max_value": f"The quantity can be at most {MAX_QUANTITY}.",
}


class QuantityForm(forms.Form):
    """A whole number of units; the service then checks it against the stock on hand."""

    quantity = forms.IntegerField(
        min_value=1, max_value=MAX_QUANTITY, initial=1, error_messages=QUANTITY_ERRORS
    )


class CheckoutForm(forms.Form):
    # The autocomplete tokens let browsers fill the shipping details in (HTML's autofill names).
    # The column's length (Order.email): Django's form field alone would take up to 320.
    email = forms.EmailField(
        label="E-mail",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    name = forms.CharField(
        label="Full name",
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    address = forms.CharField(
        label="Street and number",
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    postal_code = forms.CharField(
        label="Postal code",
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )
    city = forms.CharField(
        max_length=100, widget=forms.TextInput(attrs={"autocomplete": "address-level2"})
    )
    country = forms.CharField(
        max_length=100, widget=forms.TextInput(attrs={"autocomplete": "country-name"})
    )
    checkout_token = forms.UUIDField(widget=forms.HiddenInput)
