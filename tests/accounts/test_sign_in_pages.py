import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's


@pytest.mark.parametrize(
    ("next_url", "heading"),
    [
        ("/checkout/", "Sign in to check out"),
        ("/cart/", "Sign in to see your cart"),
        ("/orders/", "Sign in"),
        ("", "Sign in"),
        ("https://elsewhere.example.com/checkout/", "Sign in"),
    ],
)
def test_sign_in_page_says_why_you_are_there(client, next_url, heading):
    response = client.get(reverse("accounts:login"), {"next": next_url} if next_url else {})
    assert response.status_code == 200
    assert f"<h1>{heading}</h1>" in response.content.decode()


def test_a_refused_sign_in_keeps_the_reason(client):
    response = client.post(
        reverse("accounts:login"),
        {"username": "nobody", "password": "wrong", "next": "/checkout/"},
    )
    assert response.status_code == 200
    assert "<h1>Sign in to check out</h1>" in response.content.decode()


def test_signing_in_welcomes_the_shopper_back_by_name(client):
    user = UserFactory(first_name="Ada")
    response = client.post(
        reverse("accounts:login"),
        {"username": user.username, "password": PASSWORD},
        follow=True,
    )
    assert "Welcome back, Ada." in response.content.decode()


def test_the_welcome_falls_back_to_the_user_name(client):
    user = UserFactory()
    response = client.post(
        reverse("accounts:login"),
        {"username": user.username, "password": PASSWORD},
        follow=True,
    )
    assert f"Welcome back, {user.username}." in response.content.decode()


def test_signing_in_through_the_admin_welcomes_too(client, settings):
    settings.ADMIN_PASSWORD_LOGIN = True
    user = UserFactory(first_name="Grace", is_staff=True)
    client.post(reverse("admin:login"), {"username": user.username, "password": PASSWORD})
    response = client.get(reverse("orders:cart"))
    assert "Welcome back, Grace." in response.content.decode()


def test_signing_out_says_so(client):
    client.force_login(UserFactory())
    response = client.post(reverse("accounts:logout"), follow=True)
    assert "You are signed out." in response.content.decode()
