"""Local sign-up (no Keycloak) and signing in with the e-mail address."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from accounts import forms, oidc, services
from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's
NEW_PASSWORD = "violet kettle 42 orbit"


def sign_up(client, next_url=None, **fields):
    data = {
        "email": "ada@example.com",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        **fields,
    }
    if next_url is not None:
        data["next"] = next_url
    return client.post(reverse("accounts:signup"), data)


def signed_in_user(client):
    return User.objects.filter(pk=client.session.get(SESSION_KEY)).first()


def test_sign_up_page_has_the_form_and_the_button(client):
    response = client.get(reverse("accounts:signup"), {"next": "/checkout/"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Create account</h1>" in html
    assert '<button type="submit" class="button primary">Create account</button>' in html
    assert 'name="next" value="/checkout/"' in html
    for label in ("E-mail", "First name", "Last name", "Password", "Password again"):
        assert f">{label}:</label>" in html


def test_sign_up_creates_the_account_signs_in_and_follows_next(client):
    response = sign_up(client, next_url="/checkout/")

    assert response.status_code == 302
    assert response.url == "/checkout/"
    user = User.objects.get(email="ada@example.com")
    assert (user.first_name, user.last_name) == ("Ada", "Lovelace")
    assert user.username == "ada@example.com"
    assert user.check_password(NEW_PASSWORD)
    assert not user.is_staff
    assert signed_in_user(client) == user


def test_sign_up_welcomes_the_new_shopper(client):
    response = sign_up(client)
    assert response.url == "/"
    page = client.get(response.url).content.decode()
    assert "Welcome, Ada. Your account is ready." in page


def test_sign_up_refuses_a_next_that_leaves_the_site(client):
    response = sign_up(client, next_url="https://evil.example.com/")
    assert response.status_code == 302
    assert response.url == "/"


def test_sign_up_refuses_an_e_mail_taken_in_another_letter_case(client):
    UserFactory(email="Ada@Example.com")

    response = sign_up(client, email="ada@EXAMPLE.com")

    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [forms.DUPLICATE_EMAIL]
    assert forms.DUPLICATE_EMAIL in response.content.decode()
    assert User.objects.filter(email__iexact="ada@example.com").count() == 1
    assert signed_in_user(client) is None


def test_a_sign_up_that_loses_the_race_gets_the_form_error_not_a_500(client, monkeypatch):
    """Two sign-ups with one address at the same moment: both pass the form's checks, the
    database's users_email_ci_unique refuses the second."""
    register_user = services.register_user

    def other_sign_up_first(**kwargs):
        UserFactory(email="ADA@example.com")  # after the form's checks, before this insert
        return register_user(**kwargs)

    monkeypatch.setattr(services, "register_user", other_sign_up_first)

    response = sign_up(client)

    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [forms.DUPLICATE_EMAIL]
    assert User.objects.filter(email__iexact="ada@example.com").count() == 1
    assert signed_in_user(client) is None


def test_register_user_turns_the_unique_constraint_into_email_taken():
    UserFactory(email="grace@example.com")
    with pytest.raises(services.EmailTaken):
        services.register_user(email="GRACE@example.com", password=NEW_PASSWORD, first_name="G")


def test_register_user_derives_a_free_user_name():
    UserFactory(username="ada@example.com", email="someone-else@example.com")
    user = services.register_user(email="Ada@Example.com", password=NEW_PASSWORD, first_name="A")
    assert user.username.startswith("user-")
    assert user.email == "Ada@example.com"  # Django normalises the domain only


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"password2": "something else 42"}, "password2", "The two password fields didn’t match."),
        (
            {"password1": "short", "password2": "short"},
            "password2",
            "This password is too short. It must contain at least 8 characters.",
        ),
        (
            {"password1": "password123", "password2": "password123"},
            "password2",
            "This password is too common.",
        ),
        (
            {"password1": "ada@example.com", "password2": "ada@example.com"},
            "password2",
            "The password is too similar to the e-mail address.",
        ),
        ({"email": "not-an-address"}, "email", "Enter a valid email address."),
        ({"first_name": ""}, "first_name", "This field is required."),
    ],
)
def test_sign_up_validates_the_form(client, fields, field, message):
    response = sign_up(client, **fields)
    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert not User.objects.exists()


def test_with_keycloak_sign_up_goes_to_keycloaks_registration(client, settings, monkeypatch):
    settings.OIDC_ENABLED = True
    monkeypatch.setattr(
        oidc, "registration_url", lambda request: "https://sso.example.com/register", raising=False
    )
    response = client.get(reverse("accounts:signup"))
    assert response.status_code == 302
    assert response.url == "https://sso.example.com/register"
    assert not User.objects.exists()


# --- Signing in with the e-mail address ---------------------------------------------------------


def test_the_sign_in_form_asks_for_the_e_mail_and_links_to_sign_up_and_reset(client):
    html = client.get(reverse("accounts:login"), {"next": "/checkout/"}).content.decode()
    assert ">E-mail:</label>" in html
    assert 'type="email"' in html
    assert f'href="{reverse("accounts:signup")}?next=/checkout/"' in html
    assert f'href="{reverse("accounts:password-reset")}">Forgot password?</a>' in html


def test_shoppers_sign_in_with_their_e_mail_in_any_letter_case(client):
    user = UserFactory(email="Grace.Hopper@example.com", first_name="Grace")
    response = client.post(
        reverse("accounts:login"),
        {"username": "grace.hopper@EXAMPLE.com", "password": PASSWORD, "next": "/cart/"},
    )
    assert response.status_code == 302
    assert response.url == "/cart/"
    assert signed_in_user(client) == user


def test_a_wrong_password_for_an_e_mail_is_refused_with_a_clear_message(client):
    UserFactory(email="grace@example.com")
    response = client.post(
        reverse("accounts:login"), {"username": "grace@example.com", "password": "wrong"}
    )
    assert response.status_code == 200
    assert "That e-mail address and password do not match an account." in (
        response.content.decode()
    )
    assert signed_in_user(client) is None


def test_a_new_account_signs_in_with_its_e_mail(client):
    sign_up(client)
    client.logout()
    response = client.post(
        reverse("accounts:login"), {"username": "ADA@example.com", "password": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert signed_in_user(client).email == "ada@example.com"


def test_staff_with_a_user_name_still_sign_in_to_the_admins_form(client, settings):
    settings.ADMIN_PASSWORD_LOGIN = True
    staff = UserFactory(username="stella", email="stella@example.com", is_staff=True)
    response = client.post(
        reverse("admin:login"), {"username": "stella", "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 302
    assert signed_in_user(client) == staff
