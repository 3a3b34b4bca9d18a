import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import UserFactory

PROJECT_ROOT = Path(__file__).resolve().parents[2]
KEYCLOAK = {
    "DJANGO_SECRET_KEY": "k" * 50,
    "KEYCLOAK_URL": "https://sso.example.com",
    "KEYCLOAK_REALM": "shop",
    "OIDC_RP_CLIENT_ID": "storefront",
    "OIDC_RP_CLIENT_SECRET": "test-only",
}


def backends_with(environment):
    result = subprocess.run(
        [sys.executable, "-c", "import json, django; django.setup(); "
         "from django.conf import settings as s; print(json.dumps(s.AUTHENTICATION_BACKENDS))"],
        cwd=PROJECT_ROOT,
        env={"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "ecommerce.settings",
             **environment},
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return json.loads(result.stdout)


def test_with_keycloak_the_password_backend_is_off():
    # django-axes' backend lets Keycloak's sign-ins through (accounts.lockout).
    assert backends_with(KEYCLOAK) == [
        "axes.backends.AxesStandaloneBackend",
        "accounts.oidc.KeycloakBackend",
    ]


def test_the_break_glass_setting_turns_the_password_backend_back_on():
    backends = backends_with({**KEYCLOAK, "DJANGO_ADMIN_PASSWORD_LOGIN": "true"})
    assert "django.contrib.auth.backends.ModelBackend" in backends
    # django-axes first, so a locked-out account is refused before its password is hashed.
    assert backends[0] == "axes.backends.AxesStandaloneBackend"


def test_without_keycloak_local_sign_in_stays():
    assert backends_with({"DJANGO_SECRET_KEY": "k" * 50}) == [
        "axes.backends.AxesStandaloneBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]


@pytest.mark.django_db
def test_admin_login_sends_staff_to_the_shops_sign_in_when_passwords_are_off(client, settings):
    settings.ADMIN_PASSWORD_LOGIN = False
    response = client.get("/admin/login/?next=/admin/orders/order/")
    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next=%2Fadmin%2Forders%2Forder%2F"


@pytest.mark.django_db
def test_admin_login_refuses_a_signed_in_shopper_instead_of_looping(client, settings):
    settings.ADMIN_PASSWORD_LOGIN = False
    client.force_login(UserFactory())
    assert client.get("/admin/login/?next=/admin/").status_code == 403


@pytest.mark.django_db
def test_admin_password_form_works_locally(client):
    assert client.get("/admin/login/").status_code == 200


def oidc_endpoints_with(environment):
    result = subprocess.run(
        [sys.executable, "-c", "import json, django; django.setup(); "
         "from django.conf import settings as s; print(json.dumps([s.OIDC_OP_ISSUER, "
         "s.OIDC_OP_AUTHORIZATION_ENDPOINT, s.OIDC_OP_TOKEN_ENDPOINT, s.OIDC_OP_JWKS_ENDPOINT]))"],
        cwd=PROJECT_ROOT,
        env={"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "ecommerce.settings",
             **environment},
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return json.loads(result.stdout)


def test_keycloak_endpoints_follow_the_realm_and_may_take_a_private_route():
    issuer, authorize, token, jwks = oidc_endpoints_with(
        {**KEYCLOAK, "KEYCLOAK_INTERNAL_URL": "http://keycloak.internal:8080"}
    )
    assert issuer == "https://sso.example.com/realms/shop"
    assert authorize == f"{issuer}/protocol/openid-connect/auth"
    assert token == "http://keycloak.internal:8080/realms/shop/protocol/openid-connect/token"
    assert jwks == "http://keycloak.internal:8080/realms/shop/protocol/openid-connect/certs"
