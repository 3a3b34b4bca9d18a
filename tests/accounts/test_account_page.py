"""The account page (/account/) and the header's way to it."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import OrderFactory, UserFactory

pytestmark = pytest.mark.django_db

ACCOUNT = "/account/"


def test_the_account_page_is_at_account():
    assert reverse("accounts:account") == ACCOUNT


def test_the_account_page_needs_sign_in(client):
    response = client.get(ACCOUNT)
    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next={ACCOUNT}"


def test_the_account_page_shows_name_e_mail_and_the_password_link(client):
    user = UserFactory(first_name="Ada", last_name="Lovelace", email="ada@example.com")
    client.force_login(user)

    response = client.get(ACCOUNT)

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Your account</h1>" in html
    assert "<dd>Ada Lovelace</dd>" in html
    assert "<dd>ada@example.com</dd>" in html
    assert f'<a href="{reverse("accounts:password-change")}">Change password</a>' in html
    assert "sso.example.com" not in html


def test_the_account_page_has_the_orders_apps_sections(client):
    user = UserFactory()
    order = OrderFactory(user=user)
    someone_elses = OrderFactory()
    client.force_login(user)

    html = client.get(ACCOUNT).content.decode()

    assert "Shipping addresses" in html
    assert "Recent orders" in html
    assert order.number in html
    assert someone_elses.number not in html


def test_an_account_without_a_local_password_gets_no_change_password_link(client):
    user = UserFactory()
    user.set_unusable_password()
    user.save()
    client.force_login(user)
    assert "Change password" not in client.get(ACCOUNT).content.decode()


def test_with_keycloak_the_account_page_links_to_keycloaks_account_console(client, settings):
    settings.OIDC_ENABLED = True
    settings.KEYCLOAK_URL = "https://sso.example.com"
    settings.KEYCLOAK_REALM = "shop"
    client.force_login(UserFactory(oidc_sub="kc-1"))

    html = client.get(ACCOUNT).content.decode()

    assert '<a href="https://sso.example.com/realms/shop/account/">Manage your account</a>' in html
    assert "Change password" not in html


def test_the_header_name_links_to_the_account_page(client):
    client.force_login(UserFactory(first_name="Ada"))
    html = client.get(reverse("orders:cart")).content.decode()
    assert f'<a href="{ACCOUNT}" class="account-link"><span class="user-name">Ada</span></a>' in (
        html
    )
    assert "Create account" not in html


def test_signed_out_visitors_see_sign_in_and_create_account_keeping_the_page():
    html = Client().get(reverse("orders:cart")).content.decode()
    assert f'<a href="{reverse("accounts:login")}?next=/cart/">Sign in</a>' in html
    assert f'<a href="{reverse("accounts:signup")}?next=/cart/">Create account</a>' in html
    assert ACCOUNT not in html
