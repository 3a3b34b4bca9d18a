"""Accounts: local sign-up, and accounts from the identity provider (Keycloak): create, update
and map roles at sign-in."""

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import IntegrityError, transaction

from .models import User

STAFF_GROUP = "Shop staff"
# What staff manage in the admin: the catalog, orders and reviews (not users or groups).
STAFF_APPS = ("catalog", "orders", "reviews", "pages")


class EmailTaken(Exception):
    """Another account already has this e-mail address (in any letter case)."""


class IdentityRefused(Exception):
    """The identity provider's account cannot sign in here; the message says why."""


@dataclass(frozen=True)
class Identity:
    """What the identity provider says about a person, from verified tokens."""

    sub: str
    email: str
    email_verified: bool
    first_name: str = ""
    last_name: str = ""
    preferred_username: str = ""
    roles: frozenset[str] = frozenset()


def register_user(*, email: str, password: str, first_name: str, last_name: str = "") -> User:
    """Create a local account that signs in with its e-mail address and `password`.

    The user name is derived from the e-mail address (people never see or type it). The
    database's case-insensitive unique constraint on the e-mail decides a race between two
    sign-ups with the same address: the loser gets EmailTaken, not an IntegrityError.
    """
    email = User.objects.normalize_email(email.strip())  # the domain in lower case
    user = User(
        username=_username_for(email),
        email=email,
        first_name=first_name.strip()[:150],
        last_name=last_name.strip()[:150],
    )
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        if User.objects.filter(email__iexact=email).exists():
            raise EmailTaken(email) from None
        raise
    return user


def _username_for(email: str) -> str:
    wanted = email.lower()
    if len(wanted) <= 150 and not User.objects.filter(username=wanted).exists():
        return wanted
    return f"user-{secrets.token_hex(8)}"


@transaction.atomic
def sign_in_identity(*, identity: Identity) -> User:
    """Find the user by the provider's subject (never by e-mail), create or update them from the
    claims, and apply the roles, so a role removed in Keycloak is gone at the next sign-in.

    Only a verified e-mail is taken, and never one that another account already has: an
    identity-provider account must not take over a local account by claiming its address.
    """
    if not identity.sub:
        raise IdentityRefused("The identity provider sent no subject.")
    user = User.objects.select_for_update().filter(oidc_sub=identity.sub).first()
    email = identity.email.strip() if identity.email_verified else ""
    if email and User.objects.filter(email__iexact=email).exclude(pk=getattr(user, "pk", None)):
        if user is None:
            raise IdentityRefused(
                "An account with this e-mail address already exists here. "
                "Please contact us to link it."
            )
        email = ""  # keep the address the user had
    if user is None:
        if not email:
            raise IdentityRefused("Please verify your e-mail address with the sign-in service.")
        user = User(oidc_sub=identity.sub, username=_free_username(identity), email=email)
        user.set_unusable_password()
    elif email:
        user.email = email
    user.first_name = identity.first_name[:150]
    user.last_name = identity.last_name[:150]
    user.is_superuser = settings.OIDC_ADMIN_ROLE in identity.roles
    user.is_staff = user.is_superuser or settings.OIDC_STAFF_ROLE in identity.roles
    user.save()
    _sync_staff_group(user)
    return user


def _free_username(identity: Identity) -> str:
    wanted = identity.preferred_username[:150]
    if wanted and not User.objects.filter(username=wanted).exists():
        return wanted
    return f"kc-{identity.sub}"[:150]


def _sync_staff_group(user: User) -> None:
    group = staff_group()
    if user.is_staff:
        user.groups.add(group)
    else:
        user.groups.remove(group)


def staff_group() -> Group:
    """The staff's permission group: everything in the shop's apps, nothing else (no users,
    no groups). Its permissions are set again after every `migrate` (apps.py), so a model added
    later is covered and a permission given by hand elsewhere is taken back."""
    group, _ = Group.objects.get_or_create(name=STAFF_GROUP)
    return group


def sync_staff_group_permissions() -> None:
    staff_group().permissions.set(Permission.objects.filter(content_type__app_label__in=STAFF_APPS))
