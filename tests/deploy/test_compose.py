"""docker-compose.yml cannot run here (no Docker engine); these check it is wired as intended."""

import json
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
REALM = json.loads((REPO_ROOT / "deploy/keycloak/realm-shop.json").read_text())


def test_compose_runs_postgres_keycloak_migrations_and_the_shop():
    assert set(COMPOSE["services"]) == {"postgres", "keycloak", "mailpit", "migrate", "shop"}
    assert COMPOSE["services"]["shop"]["depends_on"]["migrate"] == {
        "condition": "service_completed_successfully"
    }


def test_keycloak_imports_the_committed_realm_and_keeps_its_database_on_the_shops_server():
    keycloak = COMPOSE["services"]["keycloak"]
    assert "--import-realm" in keycloak["command"]
    assert any(v.startswith("./deploy/keycloak/realm-shop.json:") for v in keycloak["volumes"])
    assert keycloak["environment"]["KC_DB_URL"] == "jdbc:postgresql://postgres:5432/keycloak"
    init_sql = (REPO_ROOT / "deploy/postgres/init-keycloak.sql").read_text()
    assert "CREATE DATABASE keycloak" in init_sql


def test_the_shop_is_wired_with_the_realms_client_and_redirect_uri():
    shop = COMPOSE["services"]["shop"]["environment"]
    [client] = [c for c in REALM["clients"] if c["clientId"] == shop["OIDC_RP_CLIENT_ID"]]
    assert shop["KEYCLOAK_REALM"] == REALM["realm"]
    assert shop["OIDC_RP_CLIENT_SECRET"] == client["secret"]
    published = COMPOSE["services"]["shop"]["ports"][0].split(":")[0]
    assert f"http://localhost:{published}/oidc/callback/" in client["redirectUris"]
    assert shop["DB_HOST"] == "postgres"


def test_keycloak_and_the_shop_send_their_e_mails_to_the_mail_catcher():
    """Registration needs a verified e-mail: without a server the realm's mail goes nowhere."""
    keycloak = COMPOSE["services"]["keycloak"]["environment"]
    assert REALM["smtpServer"]["host"].startswith("${KEYCLOAK_SMTP_HOST")
    assert (keycloak["KEYCLOAK_SMTP_HOST"], keycloak["KEYCLOAK_SMTP_PORT"]) == ("mailpit", "1025")
    assert COMPOSE["services"]["shop"]["environment"]["DJANGO_EMAIL_URL"] == "smtp://mailpit:1025"
    assert ":" in COMPOSE["services"]["mailpit"]["image"]  # a pinned tag
