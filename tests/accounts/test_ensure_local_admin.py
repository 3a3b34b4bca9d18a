"""`manage.py ensure_local_admin`: the admin and the demo shopper that `make run` prints."""

import stat
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.factories import OrderFactory, UserFactory

pytestmark = pytest.mark.django_db

SHOPPER = "demo-shopper-01@example.com"


def ensure(settings, *args):
    settings.DEBUG = True
    out = StringIO()
    call_command("ensure_local_admin", *args, stdout=out)
    return out.getvalue()


def test_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG"):
        call_command("ensure_local_admin", stdout=StringIO())


def test_the_admin_and_the_demo_shoppers_passwords_are_kept_and_printed_each_start(
    settings, tmp_path
):
    first = ensure(settings, "--credentials-dir", tmp_path, "--demo-shopper", SHOPPER)
    admin_password = (tmp_path / "admin-password").read_text().strip()
    shopper_password = (tmp_path / "demo-shopper-password").read_text().strip()
    for name in ("admin-password", "demo-shopper-password"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    assert User.objects.get(username="admin").check_password(admin_password)
    assert User.objects.get(email=SHOPPER).check_password(shopper_password)
    assert admin_password in first and shopper_password in first

    again = ensure(settings, "--credentials-dir", tmp_path, "--demo-shopper", SHOPPER)
    assert f"`admin`, password {admin_password}" in again
    assert f"{SHOPPER}, password {shopper_password}" in again
    assert User.objects.filter(email__iexact=SHOPPER).count() == 1


def test_the_demo_data_shopper_gets_the_password_and_keeps_their_orders(settings, tmp_path):
    anna = UserFactory(username="demo-shopper-01", email=SHOPPER, first_name="Anna")
    anna.set_unusable_password()
    anna.save()
    order = OrderFactory(user=anna)

    ensure(settings, "--credentials-dir", tmp_path, "--demo-shopper", SHOPPER)

    password = (tmp_path / "demo-shopper-password").read_text().strip()
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": SHOPPER, "password": password})
    assert response.status_code == 302
    assert order.number in client.get("/account/").content.decode()


def test_a_superuser_made_elsewhere_is_left_alone(settings, tmp_path):
    UserFactory(username="root", is_superuser=True, is_staff=True)
    out = ensure(settings, "--credentials-dir", tmp_path)
    assert "A superuser already exists" in out
    assert not User.objects.filter(username="admin").exists()


def test_without_a_credentials_dir_the_admin_password_is_shown_once(settings):
    out = ensure(settings)
    assert "shown only now" in out
    assert "A superuser already exists" in ensure(settings)
