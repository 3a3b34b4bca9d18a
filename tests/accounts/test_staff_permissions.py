"""Least privilege for staff: the "Shop staff" group runs the shop's apps and nothing else."""

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse

from accounts.services import STAFF_APPS, staff_group
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_after_migrate_the_staff_group_has_exactly_the_shop_apps_permissions():
    group = staff_group()
    group.permissions.add(Permission.objects.get(codename="add_user"))  # given by hand
    group.permissions.remove(Permission.objects.get(codename="change_order"))

    call_command("migrate", verbosity=0)

    apps = set(group.permissions.values_list("content_type__app_label", flat=True))
    assert apps == set(STAFF_APPS)
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"change_order", "change_product", "change_review", "change_page"} <= codenames
    assert "add_user" not in codenames and "change_group" not in codenames


def test_a_staff_member_runs_the_catalog_but_not_the_users_or_groups(client):
    member = UserFactory(is_staff=True)
    member.groups.add(staff_group())
    client.force_login(member)
    assert client.get(reverse("admin:catalog_product_changelist")).status_code == 200
    assert client.get(reverse("admin:pages_page_changelist")).status_code == 200
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403
    assert client.get(reverse("admin:auth_group_changelist")).status_code == 403
