"""The local (no Keycloak) account forms: sign in with the e-mail address, sign up, reset."""

from django import forms
from django.contrib.auth import forms as auth_forms

from .models import User

DUPLICATE_EMAIL = (
    "An account with this e-mail address already exists. "
    "Sign in, or reset your password if you have forgotten it."
)


class EmailAuthenticationForm(auth_forms.AuthenticationForm):
    """Django's sign-in form, asking for the e-mail address (in any letter case).

    The address is looked up here rather than in an authentication backend, so the admin's
    break-glass form and every backend stay as Django has them; a user name still works (staff
    accounts made by hand have one).
    """

    # UsernameField: NFKC-normalized as Django's own sign-in form does (fullwidth letters too).
    username = auth_forms.UsernameField(
        label="E-mail",
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": (
            "That e-mail address and password do not match an account. "
            "Note that the password is case-sensitive."
        ),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        # Django sizes the field to the user name (150); e-mail addresses go up to 254.
        self.fields["username"].widget.attrs["maxlength"] = 254

    def clean(self):
        login = (self.cleaned_data.get("username") or "").strip()
        if "@" in login:
            username = (
                User.objects.filter(email__iexact=login).values_list("username", flat=True).first()
            )
            if username is not None:
                self.cleaned_data["username"] = username
        return super().clean()


class SignUpForm(auth_forms.SetPasswordMixin, forms.ModelForm):
    """A new local account: e-mail, name and a password checked by AUTH_PASSWORD_VALIDATORS.

    Validation only; accounts.services.register_user creates the account.
    """

    password1, password2 = auth_forms.SetPasswordMixin.create_password_fields(
        label2="Password again"
    )

    class Meta:
        model = User
        fields = ["email", "first_name", "last_name"]
        labels = {"email": "E-mail"}
        widgets = {
            "email": forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_name"].required = True

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        # The database's users_email_ci_unique has the last word (services.register_user).
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(DUPLICATE_EMAIL, code="duplicate_email")
        return email

    def clean(self):
        self.validate_passwords()
        return super().clean()

    def _post_clean(self):
        super()._post_clean()
        # After super(): self.instance has the e-mail and name the similarity validator compares.
        self.validate_password_for_user(self.instance)


class PasswordResetForm(auth_forms.PasswordResetForm):
    email = forms.EmailField(
        label="E-mail",
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
