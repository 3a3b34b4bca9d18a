"""Smoke tests of the Keycloak harness and of the committed realm (deploy/keycloak/realm-shop.json).

They prove what the shop's sign-in relies on: the realm's OpenID Connect endpoints and keys, the
`storefront` client's settings (confidential, PKCE S256, exact redirect URIs, audience), the demo
users and their roles, and that Keycloak keeps its data in the `keycloak` database on PostgreSQL.
The authorization code flow here is plain HTTP (no browser), the way the shop's back end sees it.
"""

from __future__ import annotations

import base64
import hashlib
import html
import http.cookiejar
import json
import os
import re
import secrets
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest

from tests.keycloak.conftest import SMTP_FROM
from tests.support.keycloak import REALM_FILE, KeycloakServer, dist_dir

REALM = json.loads(REALM_FILE.read_text())
CLIENT = next(c for c in REALM["clients"] if c["clientId"] == "storefront")
COMMITTED_REDIRECT_URIS = [
    "http://127.0.0.1:8000/oidc/callback/",
    "http://localhost:8000/oidc/callback/",
]
COMMITTED_POST_LOGOUT_URIS = ["http://127.0.0.1:8000/", "http://localhost:8000/"]
# What a test adds, as the shop's tests add their live server's callback (random port).
TEST_REDIRECT_URI = "http://127.0.0.1:8765/oidc/callback/"
PASSWORD_POLICY = [
    "length(12)",
    "maxLength(128)",
    "notUsername",
    "notEmail",
    "passwordHistory(3)",
]
EXPECTED_ROLES = {
    "shopper": set(),
    "staff": {"shop-staff"},
    "admin": {"shop-staff", "shop-admin"},
}


# --- the committed file, no server needed ------------------------------------------------------


def test_realm_file_has_exact_local_uris_and_local_only_secrets() -> None:
    assert REALM["realm"] == "shop"
    assert REALM["enabled"] is True
    assert REALM["sslRequired"] == "external"
    assert REALM["loginWithEmailAllowed"] is True
    assert CLIENT["redirectUris"] == COMMITTED_REDIRECT_URIS
    post_logout = CLIENT["attributes"]["post.logout.redirect.uris"].split("##")
    assert post_logout == COMMITTED_POST_LOGOUT_URIS
    assert CLIENT["webOrigins"] == ["+"]
    assert not any("*" in uri for uri in [*CLIENT["redirectUris"], *post_logout])
    assert "local" in CLIENT["secret"]
    for user in REALM["users"]:
        assert [c["temporary"] for c in user["credentials"]] == [False]
        assert user["credentials"][0]["value"].endswith("-local-only")


def test_realm_file_lets_shoppers_join_and_recover_safely() -> None:
    assert REALM["registrationAllowed"] is True
    assert REALM["registrationEmailAsUsername"] is True
    assert REALM["loginWithEmailAllowed"] is True
    assert REALM["duplicateEmailsAllowed"] is False
    assert REALM["resetPasswordAllowed"] is True
    assert REALM["verifyEmail"] is True
    assert set(REALM["passwordPolicy"].split(" and ")) == set(PASSWORD_POLICY)
    assert REALM["bruteForceProtected"] is True
    assert REALM["permanentLockout"] is False
    assert REALM["failureFactor"] == 10
    assert REALM["maxFailureWaitSeconds"] == 900


def test_realm_file_takes_the_smtp_server_from_the_environment() -> None:
    smtp = REALM["smtpServer"]

    assert smtp["host"] == "${KEYCLOAK_SMTP_HOST:127.0.0.1}"
    assert smtp["port"] == "${KEYCLOAK_SMTP_PORT:1025}"
    assert smtp["from"].startswith("${KEYCLOAK_SMTP_FROM:")
    assert "password" not in smtp  # the local realm sends without authentication


# --- the running server ------------------------------------------------------------------------


def _open(url: str, form: dict[str, str] | None = None) -> Any:
    """GET `url`, or POST `form` to it; the response (raises HTTPError on 4xx/5xx)."""
    assert url.startswith("http://127.0.0.1:")  # only ever the test server
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    return urllib.request.urlopen(url, data, timeout=30)  # noqa: S310


def _get_json(url: str) -> Any:
    with _open(url) as response:
        return json.load(response)


def _decode_jwt(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class _Authorization:
    """Where Keycloak sent the browser after the login form: a redirect, or a page again."""

    status: int
    location: str
    page: str

    @property
    def params(self) -> dict[str, str]:
        query = urllib.parse.urlsplit(self.location).query
        return {key: values[0] for key, values in urllib.parse.parse_qs(query).items()}


class _Browser:
    """Just enough of a browser for Keycloak's login form over plain HTTP on 127.0.0.1.

    Keycloak marks its cookies Secure; browsers send those to http://127.0.0.1 (a secure
    context), Python's cookie jar would not without this policy.
    """

    def __init__(self) -> None:
        policy = http.cookiejar.DefaultCookiePolicy()
        policy.return_ok_secure = lambda cookie, request: True  # type: ignore[method-assign]
        jar = http.cookiejar.CookieJar(policy)
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(jar), _NoRedirect
        )

    def open(self, url: str, form: dict[str, str] | None = None) -> _Authorization:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with self.opener.open(url, data, timeout=30) as response:
                return _Authorization(response.status, "", response.read().decode())
        except urllib.error.HTTPError as exc:
            page = exc.read().decode(errors="replace")
            return _Authorization(exc.code, exc.headers.get("Location", ""), page)


def _authorize(
    keycloak: KeycloakServer,
    login: str,
    password: str,
    redirect_uri: str = COMMITTED_REDIRECT_URIS[0],
    *,
    pkce: bool = True,
) -> tuple[_Authorization, str]:
    """Start the code flow as the shop would and submit the login form; (result, verifier)."""
    verifier = secrets.token_urlsafe(48)
    query = {
        "client_id": keycloak.client_id,
        "response_type": "code",
        "scope": "openid",
        "redirect_uri": redirect_uri,
        "state": secrets.token_urlsafe(8),
        "nonce": secrets.token_urlsafe(8),
    }
    if pkce:
        digest = hashlib.sha256(verifier.encode()).digest()
        query["code_challenge"] = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        query["code_challenge_method"] = "S256"
    browser = _Browser()
    auth_endpoint = f"{keycloak.issuer}/protocol/openid-connect/auth"
    form_page = browser.open(f"{auth_endpoint}?{urllib.parse.urlencode(query)}")
    if form_page.status != 200:
        return form_page, verifier
    match = re.search(r'<form[^>]*\baction="([^"]+)"', form_page.page)
    assert match, "no login form on Keycloak's page"
    credentials = {"username": login, "password": password}
    return browser.open(html.unescape(match.group(1)), credentials), verifier


def _sign_in(
    keycloak: KeycloakServer, login: str, password: str, redirect_uri: str | None = None
) -> dict[str, Any]:
    """The whole authorization code flow with PKCE; the token endpoint's answer."""
    redirect_uri = redirect_uri or COMMITTED_REDIRECT_URIS[0]
    result, verifier = _authorize(keycloak, login, password, redirect_uri)
    assert result.status == 302, f"no redirect after the login form: {result.page[:300]}"
    assert result.location.startswith(redirect_uri)
    form = {
        "grant_type": "authorization_code",
        "code": result.params["code"],
        "redirect_uri": redirect_uri,
        "code_verifier": verifier,
        "client_id": keycloak.client_id,
        "client_secret": keycloak.client_secret,
    }
    with _open(f"{keycloak.issuer}/protocol/openid-connect/token", form) as response:
        return json.load(response)


def test_discovery_document_lists_the_endpoints(keycloak: KeycloakServer) -> None:
    discovery = _get_json(keycloak.discovery_url)

    assert keycloak.url.startswith("http://127.0.0.1:")
    assert discovery["issuer"] == f"{keycloak.url}/realms/shop"
    endpoints = "authorization_endpoint", "token_endpoint", "jwks_uri", "end_session_endpoint"
    for name in endpoints:
        assert discovery[name].startswith(f"{keycloak.url}/realms/shop/protocol/openid-connect/")
    assert "S256" in discovery["code_challenge_methods_supported"]


def test_management_port_reports_ready(keycloak: KeycloakServer) -> None:
    health = _get_json(f"{keycloak.management_url}/health/ready")

    assert health["status"] == "UP"


def test_jwks_has_an_rs256_signing_key(keycloak: KeycloakServer) -> None:
    jwks = _get_json(_get_json(keycloak.discovery_url)["jwks_uri"])

    signing = [k for k in jwks["keys"] if k.get("alg") == "RS256" and k.get("use") == "sig"]
    assert signing
    assert signing[0]["kty"] == "RSA"


def test_storefront_client_is_confidential_with_pkce_and_exact_redirect_uris(
    keycloak: KeycloakServer,
) -> None:
    before = keycloak.storefront_client()
    keycloak.add_redirect_uri(TEST_REDIRECT_URI)
    keycloak.add_redirect_uri(TEST_REDIRECT_URI)  # idempotent
    keycloak.add_post_logout_redirect_uri("http://127.0.0.1:8765/")
    client = keycloak.storefront_client()

    assert client["publicClient"] is False
    assert client["clientAuthenticatorType"] == "client-secret"
    assert client["secret"] == keycloak.client_secret
    assert client["standardFlowEnabled"] is True
    assert client["directAccessGrantsEnabled"] is False
    assert client["implicitFlowEnabled"] is False
    assert client["attributes"]["pkce.code.challenge.method"] == "S256"
    # The committed URIs, exact (no wildcard), plus what tests added (this one, and any other
    # test of the session that ran before), each once.
    added_by_tests = set(before["redirectUris"]) - set(COMMITTED_REDIRECT_URIS)
    assert set(COMMITTED_REDIRECT_URIS) <= set(before["redirectUris"])
    assert sorted(client["redirectUris"]) == sorted(
        {*COMMITTED_REDIRECT_URIS, *added_by_tests, TEST_REDIRECT_URI}
    )
    assert not any("*" in uri for uri in client["redirectUris"])
    post_logout = client["attributes"]["post.logout.redirect.uris"].split("##")
    assert set(COMMITTED_POST_LOGOUT_URIS) | {"http://127.0.0.1:8765/"} <= set(post_logout)
    assert len(post_logout) == len(set(post_logout))
    assert {"basic", "profile", "email", "roles"} <= set(client["defaultClientScopes"])
    audience = [
        m for m in client["protocolMappers"] if m["protocolMapper"] == "oidc-audience-mapper"
    ]
    assert audience[0]["config"]["included.client.audience"] == "storefront"


@pytest.mark.parametrize("username", sorted(EXPECTED_ROLES))
def test_demo_users_exist_with_their_roles(keycloak: KeycloakServer, username: str) -> None:
    user = keycloak.user(username)

    assert user["enabled"] is True
    assert user["emailVerified"] is True
    assert user["email"] == f"{username}@example.com"
    assert user["username"] == user["email"]  # e-mail as username
    assert user["firstName"]
    assert user["lastName"]
    assert not user.get("requiredActions")
    assert keycloak.realm_roles(username) == {"default-roles-shop", *EXPECTED_ROLES[username]}


def test_realm_on_the_server_has_registration_reset_policy_and_brute_force(
    keycloak: KeycloakServer,
) -> None:
    realm = keycloak.admin("GET", "")

    assert realm["registrationAllowed"] is True
    assert realm["registrationEmailAsUsername"] is True
    assert realm["resetPasswordAllowed"] is True
    assert realm["verifyEmail"] is True
    assert set(realm["passwordPolicy"].split(" and ")) == set(PASSWORD_POLICY)
    assert realm["bruteForceProtected"] is True
    assert realm["permanentLockout"] is False
    assert realm["failureFactor"] == 10


def test_realm_on_the_server_sends_mail_through_the_smtp_server_of_its_environment(
    keycloak: KeycloakServer, smtp
) -> None:
    configured = keycloak.admin("GET", "")["smtpServer"]

    assert configured["host"] == smtp.host
    assert configured["port"] == str(smtp.port)
    assert configured["from"] == SMTP_FROM
    assert "${" not in json.dumps(configured)


def _authorization_page(keycloak: KeycloakServer, **extra: str) -> _Authorization:
    """What Keycloak shows for an authorization request of the shop (PKCE S256)."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    query = {
        "client_id": keycloak.client_id,
        "response_type": "code",
        "scope": "openid",
        "redirect_uri": COMMITTED_REDIRECT_URIS[0],
        "state": secrets.token_urlsafe(8),
        "code_challenge": challenge.rstrip(b"=").decode(),
        "code_challenge_method": "S256",
        **extra,
    }
    auth_endpoint = f"{keycloak.issuer}/protocol/openid-connect/auth"
    return _Browser().open(f"{auth_endpoint}?{urllib.parse.urlencode(query)}")


def test_the_login_page_offers_registration_and_password_reset(keycloak: KeycloakServer) -> None:
    page = _authorization_page(keycloak)

    assert page.status == 200
    assert "/login-actions/registration" in page.page
    assert "/login-actions/reset-credentials" in page.page


def test_prompt_create_opens_the_registration_form(keycloak: KeycloakServer) -> None:
    """What the shop's "Create account" asks for (accounts.oidc.registration_url)."""
    page = _authorization_page(keycloak, prompt="create")

    assert page.status == 200
    assert 'id="kc-register-form"' in page.page
    assert 'name="email"' in page.page
    assert 'name="username"' not in page.page  # the e-mail address is the username
    # With e-mail verification on, Keycloak 26 asks for the password only after the address is
    # verified (the registration flow's default): no password on this form.
    assert 'name="password"' not in page.page


def test_keycloak_keeps_its_tables_in_the_keycloak_database(keycloak: KeycloakServer) -> None:
    database = keycloak.database
    with psycopg.connect(database.url, connect_timeout=10) as conn:
        tables = {
            name
            for (name,) in conn.execute(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_catalog = current_database() AND table_schema = 'public'"
            )
        }
        realms = {name for (name,) in conn.execute("SELECT name FROM realm")}
        current = conn.execute("SELECT current_database()").fetchone()

    assert current == ("keycloak",)
    assert {"realm", "client", "user_entity", "keycloak_role", "databasechangelog"} <= tables
    assert realms == {"master", "shop"}
    suite_url = os.environ.get("DATABASE_URL")
    if suite_url:  # the suite's own server, as in production (one server, two databases)
        parts = urllib.parse.urlsplit(suite_url)
        assert (database.host, database.port) == (parts.hostname, parts.port)


def test_sign_in_with_pkce_gives_tokens_for_the_storefront(keycloak: KeycloakServer) -> None:
    staff = keycloak.demo_users["staff"]
    sessions_before = keycloak.user_sessions("staff")

    tokens = _sign_in(keycloak, staff.username, staff.password)

    id_token = _decode_jwt(tokens["id_token"])
    access_token = _decode_jwt(tokens["access_token"])
    assert id_token["iss"] == keycloak.issuer
    assert id_token["aud"] == "storefront"
    assert id_token["sub"] == keycloak.user("staff")["id"]
    assert id_token["preferred_username"] == "staff@example.com"
    assert id_token["email"] == "staff@example.com"
    assert "shop-staff" in id_token["roles"]
    assert "storefront" in access_token["aud"]
    assert "shop-staff" in access_token["realm_access"]["roles"]
    assert keycloak.user_sessions("staff") == sessions_before + 1

    # A back-channel logout with the refresh token ends the session.
    form = {
        "client_id": keycloak.client_id,
        "client_secret": keycloak.client_secret,
        "refresh_token": tokens["refresh_token"],
    }
    with _open(f"{keycloak.issuer}/protocol/openid-connect/logout", form) as response:
        assert response.status == 204
    assert keycloak.user_sessions("staff") == sessions_before


def test_sign_in_with_email_and_to_an_added_redirect_uri(keycloak: KeycloakServer) -> None:
    keycloak.add_redirect_uri(TEST_REDIRECT_URI)
    admin = keycloak.demo_users["admin"]

    tokens = _sign_in(keycloak, admin.email, admin.password, TEST_REDIRECT_URI)

    roles = _decode_jwt(tokens["id_token"])["roles"]
    assert {"shop-staff", "shop-admin"} <= set(roles)


def test_unknown_redirect_uri_is_refused(keycloak: KeycloakServer) -> None:
    shopper = keycloak.demo_users["shopper"]

    result, _ = _authorize(
        keycloak, shopper.username, shopper.password, "http://127.0.0.1:8000/elsewhere/"
    )

    assert result.status == 400
    assert "Invalid parameter: redirect_uri" in result.page


def test_pkce_is_required(keycloak: KeycloakServer) -> None:
    shopper = keycloak.demo_users["shopper"]

    result, _ = _authorize(keycloak, shopper.username, shopper.password, pkce=False)

    assert result.status == 302
    assert result.params["error"] == "invalid_request"
    assert "code_challenge" in result.params["error_description"]


def test_password_grant_is_refused(keycloak: KeycloakServer) -> None:
    shopper = keycloak.demo_users["shopper"]
    form = {
        "grant_type": "password",
        "client_id": keycloak.client_id,
        "client_secret": keycloak.client_secret,
        "username": shopper.username,
        "password": shopper.password,
        "scope": "openid",
    }
    with pytest.raises(urllib.error.HTTPError) as raised:
        _open(f"{keycloak.issuer}/protocol/openid-connect/token", form)

    assert json.load(raised.value)["error"] == "unauthorized_client"


def test_disabled_user_cannot_sign_in(keycloak: KeycloakServer) -> None:
    shopper = keycloak.demo_users["shopper"]
    keycloak.set_user_enabled("shopper", False)
    try:
        result, _ = _authorize(keycloak, shopper.username, shopper.password)
    finally:
        keycloak.set_user_enabled("shopper", True)

    assert result.status == 200  # the login page again, with a message
    assert "disabled" in result.page.lower()
    assert keycloak.user(shopper.username)["enabled"] is True


def test_set_realm_roles_replaces_the_shop_roles(keycloak: KeycloakServer) -> None:
    try:
        keycloak.set_realm_roles("shopper", ["shop-staff"])
        assert keycloak.realm_roles("shopper") == {"default-roles-shop", "shop-staff"}
        keycloak.set_realm_roles("shopper", ["shop-admin"])
        assert keycloak.realm_roles("shopper") == {"default-roles-shop", "shop-admin"}
    finally:
        keycloak.set_realm_roles("shopper", [])

    assert keycloak.realm_roles("shopper") == {"default-roles-shop"}


def test_runs_outside_the_shared_distribution(keycloak: KeycloakServer) -> None:
    dist = dist_dir(keycloak.version, keycloak.cache)

    assert keycloak.base_dir is not None
    assert not keycloak.base_dir.is_relative_to(dist)
    assert not (dist / "data").exists()
    assert keycloak.rss_bytes() > 0
