"""Messages after signing in and out.

Receivers of Django's signals rather than code in one view, because people sign in and out through
several views: the local form, the admin's, and Keycloak's callback and logout.
"""

from django.contrib import messages
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

_SIGNED_UP = "_accounts_signed_up"


def mark_signed_up(user):
    """Have the sign-in that follows greet a new account ("Welcome") rather than "Welcome back"."""
    setattr(user, _SIGNED_UP, True)


@receiver(user_logged_in, dispatch_uid="accounts.welcome_back")
def welcome_back(sender, request, user, **kwargs):
    if request is None:
        return
    name = user.get_short_name() or user.get_username()
    if getattr(user, _SIGNED_UP, False):
        text = f"Welcome, {name}. Your account is ready."
    else:
        text = f"Welcome back, {name}."
    # fail_silently: requests without the messages middleware (the test client's force_login).
    messages.success(request, text, fail_silently=True)


@receiver(user_logged_out, dispatch_uid="accounts.signed_out")
def signed_out(sender, request, user, **kwargs):
    # Sent before the session is flushed; the message survives it: it is stored at the response.
    if request is None:
        return
    messages.info(request, "You are signed out.", fail_silently=True)
