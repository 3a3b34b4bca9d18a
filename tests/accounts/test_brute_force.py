"""Password sign-in against guessing (django-axes, accounts/lockout.py), over HTTP.

The shop runs behind the ALB, which appends the client's address to X-Forwarded-For; requests
here come from the ALB's address with that header, as in production.
"""

import io
import logging
from datetime import timedelta

import pytest
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.core.management import call_command
from django.db.models import F
from django.test import Client, RequestFactory

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's
WRONG = "Tr0ub4dor&3-not-it"
ALB = "10.0.1.5"
CLIENT_IP = "203.0.113.7"
OTHER_IP = "198.51.100.23"
LIMIT = 5  # SHOP_SIGN_IN_FAILURE_LIMIT's default
IP_LIMIT = 20  # SHOP_SIGN_IN_IP_FAILURE_LIMIT's default
SIGN_IN = "/accounts/login/"
ADMIN_SIGN_IN = "/admin/login/"


@pytest.fixture
def ada():
    return UserFactory(username="ada", email="Ada.Lovelace@Example.com")


def sign_in(client, login, password, *, ip=CLIENT_IP, spoofed=None, path=SIGN_IN):
    forwarded = f"{spoofed}, {ip}" if spoofed else ip
    return client.post(
        path,
        {"username": login, "password": password},
        HTTP_X_FORWARDED_FOR=forwarded,
        REMOTE_ADDR=ALB,
    )


def signed_in(client, user) -> bool:
    return client.session.get("_auth_user_id") == str(user.pk)


def fail(client, login, times, **kwargs):
    return [sign_in(client, login, WRONG, **kwargs).status_code for _ in range(times)]


def assert_locked_out(response):
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many sign-in attempts" in page
    assert "try again in 15 minutes" in page
    assert response["Retry-After"] == "900"


def test_wrong_passwords_lock_the_account_even_for_the_right_one(client, ada):
    assert fail(client, ada.email, LIMIT - 1) == [200] * (LIMIT - 1)
    assert_locked_out(sign_in(client, ada.email, WRONG))

    response = sign_in(client, ada.email, PASSWORD)

    assert_locked_out(response)
    assert not signed_in(client, ada)
    assert "sessionid" not in response.cookies


def test_the_account_is_one_whatever_letter_case_or_user_name_is_typed(client, ada):
    for login in ["ADA.LOVELACE@EXAMPLE.COM", "ada.lovelace@example.com", "ada", "Ada"]:
        assert sign_in(client, login, WRONG).status_code == 200
    assert sign_in(client, "Ada.Lovelace@example.com", WRONG).status_code == 429
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"ada"}


def test_another_client_is_locked_out_of_that_account_too(ada):
    fail(Client(), ada.email, LIMIT)

    other = Client()
    assert_locked_out(sign_in(other, ada.email, PASSWORD, ip=OTHER_IP))
    assert not signed_in(other, ada)


def test_a_made_up_forwarded_for_does_not_dodge_the_lockout(client, ada):
    """Only the right-most address is the ALB's; whatever the client put before it is ignored."""
    for n in range(LIMIT):
        sign_in(client, ada.email, WRONG, spoofed=f"192.0.2.{n}")

    response = sign_in(client, ada.email, PASSWORD, spoofed="192.0.2.200, 192.0.2.201")

    assert_locked_out(response)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {CLIENT_IP}


def test_nonsense_in_forwarded_for_is_no_server_error(client, ada):
    response = client.post(
        SIGN_IN,
        {"username": ada.email, "password": WRONG},
        HTTP_X_FORWARDED_FOR="not-an-address",
        REMOTE_ADDR=ALB,
    )
    assert response.status_code == 200
    assert AccessAttempt.objects.get().ip_address == ALB


def test_one_client_guessing_across_accounts_is_locked_out_of_every_account(client, ada):
    """Password spraying: one wrong password for each of many accounts, from one address."""
    accounts = UserFactory.create_batch(IP_LIMIT)
    for account in accounts[:-1]:
        assert sign_in(client, account.email, WRONG).status_code == 200
    assert sign_in(client, accounts[-1].email, WRONG).status_code == 429

    assert_locked_out(sign_in(client, ada.email, PASSWORD))
    other = Client()
    assert sign_in(other, ada.email, PASSWORD, ip=OTHER_IP).status_code == 302
    assert signed_in(other, ada)


def test_a_successful_sign_in_forgets_the_accounts_failures(client, ada):
    fail(client, ada.email, LIMIT - 1)
    assert sign_in(client, ada.email, PASSWORD).status_code == 302
    client.post("/accounts/logout/")

    assert fail(client, ada.email, LIMIT - 1) == [200] * (LIMIT - 1)


def test_after_the_cool_off_the_right_password_works(client, ada):
    fail(client, ada.email, LIMIT)
    assert sign_in(client, ada.email, PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=15, seconds=1))

    response = sign_in(client, ada.email, PASSWORD)

    assert response.status_code == 302
    assert signed_in(client, ada)


def test_staff_unlock_an_account_in_the_admin(client, staff_client, ada):
    fail(client, ada.email, LIMIT)
    (attempt,) = AccessAttempt.objects.all()

    listing = staff_client.get("/admin/axes/accessattempt/", {"q": "ada"})
    assert listing.status_code == 200
    assert CLIENT_IP in listing.content.decode()
    assert staff_client.get(f"/admin/axes/accessattempt/{attempt.pk}/change/").status_code == 200
    deleted = staff_client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302

    assert sign_in(client, ada.email, PASSWORD).status_code == 302
    assert signed_in(client, ada)


def test_the_reset_command_unlocks_an_account(client, ada):
    fail(client, ada.email, LIMIT)

    out = io.StringIO()
    call_command("axes_reset_username", "ada", stdout=out)
    assert out.getvalue() == "1 attempts removed.\n"

    assert sign_in(client, ada.email, PASSWORD).status_code == 302


def test_the_admins_break_glass_form_is_protected_too(client, settings):
    settings.ADMIN_PASSWORD_LOGIN = True
    staff = UserFactory(username="grace", is_staff=True, is_superuser=True)
    assert fail(client, "grace", LIMIT - 1, path=ADMIN_SIGN_IN) == [200] * (LIMIT - 1)
    assert sign_in(client, "grace", WRONG, path=ADMIN_SIGN_IN).status_code == 429

    response = sign_in(client, "grace", PASSWORD, path=ADMIN_SIGN_IN)

    assert_locked_out(response)
    assert not signed_in(client, staff)
    assert client.get("/admin/").status_code == 302  # to the sign-in form


def test_failures_on_either_form_count_together(client, settings, ada):
    settings.ADMIN_PASSWORD_LOGIN = True
    fail(client, ada.email, LIMIT - 1)
    assert sign_in(client, "ada", WRONG, path=ADMIN_SIGN_IN).status_code == 429


def test_every_failure_is_logged_as_a_warning_without_the_password(client, ada, caplog):
    with caplog.at_level(logging.INFO):
        fail(client, ada.email, LIMIT + 2)

    warnings = [r for r in caplog.records if r.name.startswith("axes") and r.levelno >= 30]
    failed = ("AXES: New login failure", "AXES: Repeated login failure")
    failures = [r for r in warnings if r.getMessage().startswith(failed)]
    assert len(failures) == LIMIT + 2
    assert all(CLIENT_IP in r.getMessage() for r in failures)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert WRONG not in logged
    assert ada.email.lower() not in logged.lower()
    # The stored form data masks them too.
    stored = AccessAttempt.objects.get().post_data
    assert WRONG not in stored
    assert ada.email.lower() not in stored.lower()
    # Only warnings from axes: its per-attempt chatter at INFO would double the log volume.
    assert not [r for r in caplog.records if r.name.startswith("axes") and r.levelno < 30]


def test_keycloak_sign_in_is_neither_counted_nor_refused(client, ada):
    """Keycloak's callback authenticates with a code; Keycloak guards its own passwords."""
    for account in UserFactory.create_batch(IP_LIMIT):
        sign_in(client, account.email, WRONG)
    request = RequestFactory().get(
        "/oidc/callback/", HTTP_X_FORWARDED_FOR=CLIENT_IP, REMOTE_ADDR=ALB
    )

    assert AxesProxyHandler.is_allowed(request, {"username": None, "password": None, "code": "c"})
    assert not AxesProxyHandler.is_allowed(request, {"username": "ada", "password": PASSWORD})
