"""Brute-force protection for password sign-in (django-axes), as the shop needs it.

The local form (/accounts/login/) and the admin's break-glass form go through Django's
`authenticate()`, so django-axes' backend (first in AUTHENTICATION_BACKENDS) refuses a locked-out
attempt before any password is hashed, and its signal handler records each failure. The settings
name the pieces of this module; Keycloak sign-in is left to Keycloak's own brute-force detection.

- Per account: SHOP_SIGN_IN_FAILURE_LIMIT failures in the cool-off lock the account, from any
  client. The account is what the person typed resolved to the user name, so "Ada@Example.com",
  "ada@example.com" and the user name "ada" count as one.
- Per client IP: SIGN_IN_IP_FAILURE_LIMIT failures, whatever the accounts (password spraying),
  lock that address for every account. Higher than the per-account limit because many shoppers
  can share one address (offices, mobile carriers' NAT).
"""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Q, Sum

from .models import User

_RESOLVED = "_accounts_sign_in_usernames"


def account_username(request, credentials) -> str | None:
    """AXES_USERNAME_CALLABLE: the account a sign-in attempt is for, as one key whatever was
    typed: an e-mail address (any letter case) or a user name becomes the account's user name;
    text that matches no account is kept in lower case.

    Called several times per attempt, so each answer is kept on the request.
    """
    typed = (credentials or {}).get("username")
    if typed is None and request is not None and not credentials:
        typed = request.POST.get("username")
    if not typed:
        return None
    typed = str(typed).strip()
    resolved = getattr(request, _RESOLVED, None)
    if resolved is None:
        resolved = {}
        if request is not None:
            setattr(request, _RESOLVED, resolved)
    if typed not in resolved:
        resolved[typed] = _username_for(typed)
    return resolved[typed]


def _username_for(typed: str) -> str:
    lookup = Q(email__iexact=typed) if "@" in typed else Q(username__iexact=typed)
    usernames = list(User.objects.filter(lookup).values_list("username", flat=True)[:2])
    if typed in usernames or len(usernames) == 1:
        # The exact user name first: Django allows two that differ only in letter case.
        return typed if typed in usernames else usernames[0]
    return typed.lower()


def not_a_password_sign_in(request, credentials) -> bool:
    """AXES_WHITELIST_CALLABLE: Keycloak's callback authenticates with a code, not a password;
    axes neither counts nor refuses it (Keycloak does its own brute-force detection)."""
    return not (credentials or {}).get("password")


class SignInAttempts(AxesDatabaseHandler):
    """AXES_HANDLER: axes' database handler with its own limit for the client IP.

    axes applies one limit to every lockout parameter; this compares the account's failures
    with AXES_FAILURE_LIMIT and the client's with SIGN_IN_IP_FAILURE_LIMIT, in one query.
    """

    def get_failures(self, request, credentials=None) -> int:
        username = get_client_username(request, credentials)
        by_account = Q(username=username) if username else Q(pk__in=[])
        by_ip = Q(ip_address=request.axes_ip_address)
        failures = AccessAttempt.objects.filter(
            by_account | by_ip, attempt_time__gte=get_cool_off_threshold(request)
        ).aggregate(
            account=Sum("failures_since_start", filter=by_account),
            ip=Sum("failures_since_start", filter=by_ip),
        )
        account, ip = failures["account"] or 0, failures["ip"] or 0
        if ip >= settings.SIGN_IN_IP_FAILURE_LIMIT:
            return max(account, settings.AXES_FAILURE_LIMIT)
        return account

    def reset_user_attempts(self, request, credentials=None) -> int:
        """After a successful sign-in (AXES_RESET_ON_SUCCESS), forget the account's failures,
        not the client's: signing in to one's own account must not wipe a spraying count."""
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count
