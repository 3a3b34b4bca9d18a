"""Merging the anonymous cart at sign-in.

A receiver of Django's `user_logged_in` rather than code in one login view, because shoppers sign
in through several views: the local form, the admin's, and Keycloak's callback.
"""

from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from . import services
from .carts import take_anonymous_cart


@receiver(user_logged_in, dispatch_uid="orders.merge_anonymous_cart")
def merge_anonymous_cart(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    cart = take_anonymous_cart(request)
    if cart is None:
        return
    for change in services.merge_carts(source=cart, user=user):
        messages.warning(request, change)
