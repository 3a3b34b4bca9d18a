"""Production mode (DEBUG off) is safe with only the required variables: HTTPS redirect on with
the health probes exempt, `check --deploy` clean, and no server printing e-mail to the log."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.middleware.security import SecurityMiddleware
from django.test import RequestFactory

PROJECT_ROOT = Path(__file__).resolve().parents[2]
REQUIRED = {
    "DJANGO_SECRET_KEY": "r" * 20 + "equired-only-key-with-enough-entropy-0123456789",
    "DJANGO_ALLOWED_HOSTS": "shop.example.com",
    "DATABASE_URL": "postgres://shop:not-used@db.example.com:5432/shop",
}
SES = "smtp+tls://USER:PASSWORD@email-smtp.eu-west-1.amazonaws.com:587"


def run(args, environment):
    return subprocess.run(
        [sys.executable, *args],
        cwd=PROJECT_ROOT,
        env={"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "ecommerce.settings",
             **environment},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_deploy_check_is_clean_with_only_the_required_variables():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], REQUIRED)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("variables", "redirect"),
    [
        ({}, True),
        ({"DJANGO_DEBUG": "true"}, False),
        ({"DJANGO_SECURE_SSL_REDIRECT": "false"}, False),
    ],
)
def test_https_redirect_is_on_by_default_without_debug(variables, redirect):
    result = run(
        ["-c", "import json, django; django.setup(); from django.conf import settings as s; "
               "print(json.dumps([s.SECURE_SSL_REDIRECT, s.SECURE_PROXY_SSL_HEADER]))"],
        {**REQUIRED, **variables},
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [redirect, ["HTTP_X_FORWARDED_PROTO", "https"]]


@pytest.fixture
def redirecting(settings):
    settings.SECURE_SSL_REDIRECT = True


@pytest.mark.django_db
def test_plain_http_is_redirected_and_the_alb_s_https_is_not(client, redirecting):
    plain = client.get("/products/?page=2")
    assert plain.status_code == 301
    assert plain["Location"] == "https://testserver/products/?page=2"

    assert client.get("/products/", HTTP_X_FORWARDED_PROTO="https").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/health/", "/health/live/"])
def test_health_probes_over_plain_http_are_answered_not_redirected(client, redirecting, path):
    assert client.get(path).status_code in (200, 503)
    # Exempt in SecurityMiddleware as well, should the health middleware ever move after it.
    request = RequestFactory().get(path)
    assert SecurityMiddleware(lambda request: None).process_request(request) is None


WSGI = ["-c", "import ecommerce.wsgi"]


@pytest.mark.parametrize("email", [{}, {"DJANGO_EMAIL_URL": "consolemail://"}])
def test_a_production_server_refuses_to_start_printing_e_mail_to_the_log(email):
    result = run(WSGI, {**REQUIRED, **email})

    assert result.returncode != 0
    assert "set DJANGO_EMAIL_URL to a mail server" in result.stderr
    assert "smtp+tls://USER:PASSWORD@email-smtp.REGION.amazonaws.com:587" in result.stderr


@pytest.mark.parametrize(
    "variables",
    [
        {"DJANGO_EMAIL_URL": SES},
        {"DJANGO_EMAIL_URL": "consolemail://", "DJANGO_ALLOW_CONSOLE_EMAIL": "true"},
        {"DJANGO_ALLOW_CONSOLE_EMAIL": "true"},
        {"DJANGO_DEBUG": "true"},
    ],
)
def test_a_server_starts_with_a_mail_server_or_a_deliberate_opt_out(variables):
    result = run(WSGI, {**REQUIRED, **variables})

    assert result.returncode == 0, result.stderr


def test_management_commands_do_not_need_a_mail_server():
    # collectstatic at image build, migrate in the release task.
    result = run(["manage.py", "check"], REQUIRED)

    assert result.returncode == 0, result.stderr
