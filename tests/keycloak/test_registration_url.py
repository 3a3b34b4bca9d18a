"""Fast checks of "Create account" with Keycloak (accounts.oidc), no server needed.

registration_url() leads to the shop's own authorization request view with `register=1`; that
view starts a normal authorization request (state, nonce, PKCE kept in the session) and adds
`prompt=create`, which Keycloak answers with its registration page (test_keycloak_server.py and
test_registration.py check that against the real server). This module is its own URLconf: the
test settings run without Keycloak, so ecommerce/urls.py has no `oidc/` URLs here.
"""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory
from django.urls import include, path

from accounts import oidc

urlpatterns = [
    path("oidc/authenticate/", oidc.KeycloakAuthenticationRequestView.as_view()),
    path("oidc/", include("mozilla_django_oidc.urls")),
]

AUTHORIZATION_ENDPOINT = "https://sso.example.com/realms/shop/protocol/openid-connect/auth"

pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]


@pytest.fixture(autouse=True)
def oidc_settings(settings):
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = AUTHORIZATION_ENDPOINT
    settings.OIDC_RP_CLIENT_ID = "storefront"
    settings.OIDC_RP_SCOPES = "openid email profile"
    settings.OIDC_USE_PKCE = True
    settings.OIDC_USE_NONCE = True


def authorization_request(url: str) -> tuple[dict[str, str], SessionStore]:
    """Follow `url` into the request view; the query it sends to Keycloak, and the session."""
    request = RequestFactory().get(url)
    request.session = SessionStore()
    response = oidc.KeycloakAuthenticationRequestView.as_view()(request)
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == AUTHORIZATION_ENDPOINT
    return {k: v[0] for k, v in parse_qs(location.query).items()}, request.session


def test_registration_url_is_the_authorization_request_with_register_and_next():
    request = RequestFactory().get("/accounts/signup/", {"next": "/checkout/"})

    url = oidc.registration_url(request)

    assert urlsplit(url).path == "/oidc/authenticate/"
    assert parse_qs(urlsplit(url).query) == {"next": ["/checkout/"], "register": ["1"]}


def test_registration_url_defaults_next_to_the_home_page():
    url = oidc.registration_url(RequestFactory().get("/accounts/signup/"))

    assert parse_qs(urlsplit(url).query)["next"] == ["/"]


def test_register_asks_keycloak_for_its_registration_page_with_state_nonce_and_pkce():
    url = oidc.registration_url(RequestFactory().get("/accounts/signup/", {"next": "/checkout/"}))

    query, session = authorization_request(url)

    assert query["prompt"] == "create"
    assert query["client_id"] == "storefront"
    assert query["response_type"] == "code"
    assert query["code_challenge_method"] == "S256"
    assert query["redirect_uri"].endswith("/oidc/callback/")
    assert query["state"] in session["oidc_states"]
    assert session["oidc_states"][query["state"]]["nonce"] == query["nonce"]
    assert session["oidc_states"][query["state"]]["code_verifier"]
    assert session["oidc_login_next"] == "/checkout/"


def test_sign_in_sends_no_prompt():
    query, _ = authorization_request("/oidc/authenticate/?next=/checkout/")

    assert "prompt" not in query


@pytest.mark.parametrize("value", ["0", "true", "yes", ""])
def test_only_register_1_asks_for_registration(value):
    query, _ = authorization_request(f"/oidc/authenticate/?register={value}")

    assert "prompt" not in query
