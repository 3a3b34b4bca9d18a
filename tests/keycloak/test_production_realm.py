"""The production realm, as Terraform renders it, imported into a real Keycloak.

deploy/terraform/modules/keycloak_realm turns the committed realm export into the realm the
deployment imports (modules/keycloak_service): no demo users, the `storefront` client pointed at
https://<shop_host_name>, HTTPS required everywhere, and the client secret as the placeholder
`${STOREFRONT_CLIENT_SECRET}`, which Keycloak fills from its environment when it imports
data/import/*.json at start (`--import-realm`). These tests render that JSON with Terraform from
the real module, start a Keycloak of their own on it (its own database, beside the session's
server of the other tests) with a random STOREFRONT_CLIENT_SECRET, and read the result back
through the admin REST API. One Keycloak start: about 45 s.
"""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.keycloak.conftest import require_keycloak
from tests.support.keycloak import KeycloakServer, keycloak_for_tests
from tests.support.terraform import Workspace

SHOP_HOST = "shop.realm-test.example"
SHOP_URL = f"https://{SHOP_HOST}"
SECRET_ENV = "STOREFRONT_CLIENT_SECRET"
PLACEHOLDER = "${" + SECRET_ENV + "}"
# What an ECS task of modules/keycloak_service puts in Keycloak's environment for the relay.
SMTP_ENVIRONMENT = {
    "KEYCLOAK_SMTP_HOST": "email-smtp.eu-central-1.amazonaws.com",
    "KEYCLOAK_SMTP_PORT": "587",
    "KEYCLOAK_SMTP_FROM": "no-reply@shop.realm-test.example",
    "KEYCLOAK_SMTP_USER": "AKIAEXAMPLESMTPUSER",
    "KEYCLOAK_SMTP_PASSWORD": "smtp-password-from-secrets-manager",
}
# A database of its own: the session's Keycloak (the other tests) keeps `keycloak`.
DATABASE_NAME = "keycloak_production_realm"

# A throwaway root module: the real keycloak_realm module with a test host name, no provider.
ROOT_MODULE = """\
module "realm" {
  source = "../deploy/terraform/modules/keycloak_realm"

  realm_file     = "../deploy/keycloak/realm-shop.json"
  shop_host_name = "%s"
}

output "json" {
  value = module.realm.json
}
"""


def render_production_realm() -> str:
    """The realm JSON as modules/keycloak_realm renders it (`terraform apply` of no resources)."""
    with Workspace() as ws:
        root = ws.root / "realm"
        root.mkdir()
        (root / "main.tf").write_text(ROOT_MODULE % SHOP_HOST)
        ws.run_in(root, "init", "-input=false")
        ws.run_in(root, "apply", "-auto-approve", "-input=false")
        return ws.run_in(root, "output", "-raw", "json").stdout


@pytest.fixture(scope="module")
def realm_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_keycloak()  # before Terraform: no point rendering for a Keycloak that cannot run
    path = tmp_path_factory.mktemp("production-realm") / "shop-realm.json"
    path.write_text(render_production_realm())
    return path


@pytest.fixture(scope="module")
def client_secret() -> str:
    # Letters and digits, as Secrets Manager generates it (exclude_punctuation).
    return secrets.token_hex(24)


@pytest.fixture(scope="module")
def production_keycloak(realm_file: Path, client_secret: str) -> Iterator[KeycloakServer]:
    with keycloak_for_tests(
        database_name=DATABASE_NAME,
        realm_file=realm_file,
        environment={SECRET_ENV: client_secret, **SMTP_ENVIRONMENT},
    ) as server:
        yield server


@pytest.fixture(scope="module")
def storefront(production_keycloak: KeycloakServer) -> dict[str, Any]:
    return production_keycloak.storefront_client()


# --- the rendered file -------------------------------------------------------------------------


def test_rendered_realm_carries_the_placeholder_not_a_secret(realm_file: Path) -> None:
    realm = json.loads(realm_file.read_text())
    clients = [c for c in realm["clients"] if c["clientId"] == "storefront"]

    assert "users" not in realm
    assert [c["secret"] for c in clients] == [PLACEHOLDER]


def test_rendered_realm_sends_mail_through_an_authenticated_starttls_relay_from_the_environment(
    realm_file: Path,
) -> None:
    smtp = json.loads(realm_file.read_text())["smtpServer"]

    assert smtp["host"] == "${KEYCLOAK_SMTP_HOST}"
    assert smtp["port"] == "${KEYCLOAK_SMTP_PORT}"
    assert smtp["from"] == "${KEYCLOAK_SMTP_FROM}"
    assert smtp["user"] == "${KEYCLOAK_SMTP_USER}"
    assert smtp["password"] == "${KEYCLOAK_SMTP_PASSWORD}"
    assert (smtp["auth"], smtp["starttls"], smtp["ssl"]) == ("true", "true", "false")


# --- the realm Keycloak imported ---------------------------------------------------------------


def test_realm_shop_requires_https_everywhere(production_keycloak: KeycloakServer) -> None:
    realm = production_keycloak.admin("GET", "")

    assert realm["realm"] == "shop"
    assert realm["enabled"] is True
    assert realm["sslRequired"] == "all"


def test_realm_has_no_users(production_keycloak: KeycloakServer) -> None:
    assert production_keycloak.admin("GET", "/users/count") == 0
    assert production_keycloak.admin("GET", "/users?max=10") == []


def test_realm_has_the_shops_roles(production_keycloak: KeycloakServer) -> None:
    roles = {role["name"] for role in production_keycloak.admin("GET", "/roles")}

    assert {"shop-staff", "shop-admin"} <= roles


def test_client_secret_is_the_environment_value_not_the_placeholder(
    production_keycloak: KeycloakServer, storefront: dict[str, Any], client_secret: str
) -> None:
    stored = production_keycloak.admin("GET", f"/clients/{storefront['id']}/client-secret")

    assert stored["type"] == "secret"
    assert stored["value"] != PLACEHOLDER
    assert stored["value"] == client_secret


def test_storefront_is_a_confidential_pkce_client_of_the_shops_host(
    storefront: dict[str, Any],
) -> None:
    assert storefront["publicClient"] is False
    assert storefront["clientAuthenticatorType"] == "client-secret"
    assert storefront["standardFlowEnabled"] is True
    assert storefront["implicitFlowEnabled"] is False
    assert storefront["directAccessGrantsEnabled"] is False
    assert storefront["rootUrl"] == SHOP_URL
    assert storefront["baseUrl"] == f"{SHOP_URL}/"
    assert storefront["redirectUris"] == [f"{SHOP_URL}/oidc/callback/"]
    assert storefront["webOrigins"] == ["+"]
    attributes = storefront["attributes"]
    assert attributes["pkce.code.challenge.method"] == "S256"
    assert attributes["post.logout.redirect.uris"] == f"{SHOP_URL}/"


def test_plain_http_sign_in_is_refused(production_keycloak: KeycloakServer) -> None:
    """sslRequired=all in effect: even from 127.0.0.1, the login page needs HTTPS."""
    query = urllib.parse.urlencode(
        {
            "client_id": "storefront",
            "response_type": "code",
            "scope": "openid",
            "redirect_uri": f"{SHOP_URL}/oidc/callback/",
        }
    )
    url = f"{production_keycloak.issuer}/protocol/openid-connect/auth?{query}"
    assert url.startswith("http://127.0.0.1:")  # only ever the test server
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url, timeout=30)  # noqa: S310

    assert "HTTPS required" in refused.value.read().decode(errors="replace")


def test_realm_lets_shoppers_register_and_reset_with_a_policy_and_brute_force_detection(
    production_keycloak: KeycloakServer,
) -> None:
    realm = production_keycloak.admin("GET", "")

    assert realm["registrationAllowed"] is True
    assert realm["registrationEmailAsUsername"] is True
    assert realm["loginWithEmailAllowed"] is True
    assert realm["resetPasswordAllowed"] is True
    assert realm["verifyEmail"] is True
    assert "length(12)" in realm["passwordPolicy"]
    assert "notEmail" in realm["passwordPolicy"]
    assert realm["bruteForceProtected"] is True
    assert realm["permanentLockout"] is False


def test_smtp_settings_are_the_environment_values_not_the_placeholders(
    production_keycloak: KeycloakServer,
) -> None:
    smtp = production_keycloak.admin("GET", "")["smtpServer"]

    assert smtp["host"] == SMTP_ENVIRONMENT["KEYCLOAK_SMTP_HOST"]
    assert smtp["port"] == SMTP_ENVIRONMENT["KEYCLOAK_SMTP_PORT"]
    assert smtp["from"] == SMTP_ENVIRONMENT["KEYCLOAK_SMTP_FROM"]
    assert smtp["user"] == SMTP_ENVIRONMENT["KEYCLOAK_SMTP_USER"]
    assert (smtp["auth"], smtp["starttls"]) == ("true", "true")
    assert "${" not in json.dumps(smtp)
