"""Password reset by e-mail and password change, for local accounts (Keycloak keeps its own)."""

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.urls import reverse

from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's
NEW_PASSWORD = "violet kettle 42 orbit"
RESET_LINK = re.compile(r"http://testserver(/accounts/password/reset/[^/\s]+/[^/\s]+/)")
KEYCLOAK = {
    "OIDC_ENABLED": True,
    "KEYCLOAK_URL": "https://sso.example.com",
    "KEYCLOAK_REALM": "shop",
}


def reset_link(message):
    match = RESET_LINK.search(message.body)
    assert match, message.body
    return match.group(1)


def test_the_reset_e_mail_goes_to_the_account_in_any_letter_case(client):
    UserFactory(email="Ada@Example.com", first_name="Ada")

    response = client.post(reverse("accounts:password-reset"), {"email": "ada@EXAMPLE.com"})

    assert response.status_code == 302
    assert response.url == reverse("accounts:password-reset-done")
    [message] = mail.outbox
    assert message.to == ["Ada@Example.com"]
    assert message.subject == "Reset your Storefront password"
    assert message.body.startswith("Hello Ada,")
    reset_link(message)


def test_the_reset_links_works_once_and_sets_the_new_password(client):
    user = UserFactory(email="ada@example.com")
    client.post(reverse("accounts:password-reset"), {"email": "ada@example.com"})
    link = reset_link(mail.outbox[0])

    # Django swaps the token for a session value and redirects to .../set-password/.
    form_page = client.get(link, follow=True)
    assert "<h1>Choose a new password</h1>" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done.status_code == 302
    assert done.url == reverse("accounts:password-reset-complete")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)

    again = client.get(link, follow=True).content.decode()
    assert "This link no longer works" in again


def test_the_new_password_signs_in_and_the_old_one_no_longer(client):
    UserFactory(email="ada@example.com")
    client.post(reverse("accounts:password-reset"), {"email": "ada@example.com"})
    form_url = client.get(reset_link(mail.outbox[0])).url
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    login = reverse("accounts:login")
    refused = client.post(login, {"username": "ada@example.com", "password": PASSWORD})
    assert refused.status_code == 200
    signed_in = client.post(login, {"username": "ada@example.com", "password": NEW_PASSWORD})
    assert signed_in.status_code == 302
    assert SESSION_KEY in client.session


def test_the_new_password_is_checked_by_the_validators(client):
    user = UserFactory(email="ada@example.com")
    client.post(reverse("accounts:password-reset"), {"email": "ada@example.com"})
    form_url = client.get(reset_link(mail.outbox[0])).url
    response = client.post(form_url, {"new_password1": "12345678", "new_password2": "12345678"})
    assert response.status_code == 200
    assert "This password is entirely numeric." in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_an_unknown_address_gets_the_same_answer_and_no_e_mail(client):
    response = client.post(reverse("accounts:password-reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert response.url == reverse("accounts:password-reset-done")
    assert mail.outbox == []


def test_accounts_without_a_local_password_get_no_reset_e_mail(client):
    # Keycloak's accounts and the demo shoppers: nothing to reset here.
    user = UserFactory(email="kc@example.com")
    user.set_unusable_password()
    user.save()
    client.post(reverse("accounts:password-reset"), {"email": "kc@example.com"})
    assert mail.outbox == []


def test_a_forged_reset_link_says_it_no_longer_works(client):
    user = UserFactory()
    url = reverse("accounts:password-reset-confirm", args=[str(user.pk), "forged-token"])
    response = client.get(url)
    assert response.status_code == 200
    assert "This link no longer works" in response.content.decode()


def test_password_change_needs_a_signed_in_user(client):
    url = reverse("accounts:password-change")
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next={url}"


def test_password_change_sets_the_new_password_and_keeps_the_session(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post(
        reverse("accounts:password-change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("accounts:account")
    assert "Your password is changed." in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert client.session[SESSION_KEY] == str(user.pk)


def test_password_change_needs_the_current_password(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("accounts:password-change"),
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert "Your old password was entered incorrectly." in response.content.decode()
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)


@pytest.mark.parametrize(
    "url",
    [
        reverse("accounts:password-reset"),
        reverse("accounts:password-reset-done"),
        reverse("accounts:password-reset-confirm", args=["MQ", "set-password"]),
        reverse("accounts:password-reset-complete"),
    ],
)
def test_with_keycloak_the_reset_pages_do_not_exist(client, settings, url):
    for name, value in KEYCLOAK.items():
        setattr(settings, name, value)
    UserFactory(email="ada@example.com")
    assert client.get(url).status_code == 404
    assert client.post(url, {"email": "ada@example.com"}).status_code == 404
    assert mail.outbox == []


def test_with_keycloak_password_change_is_keycloaks_account_console(client, settings):
    for name, value in KEYCLOAK.items():
        setattr(settings, name, value)
    client.force_login(UserFactory())
    response = client.get(reverse("accounts:password-change"))
    assert response.status_code == 302
    assert response.url == "https://sso.example.com/realms/shop/account/"
