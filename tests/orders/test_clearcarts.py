"""`manage.py clearcarts`: anonymous carts go with their session; shoppers' carts stay."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from django.utils import timezone

from orders.models import Cart, CartItem
from tests.factories import CartFactory, CartItemFactory

pytestmark = pytest.mark.django_db


def anonymous_cart(*, session_expires_in: timedelta | None):
    """A visitor's cart; its session ends in `session_expires_in` (None: no session at all)."""
    session = SessionStore()
    session.create()
    if session_expires_in is None:
        session.delete()
    else:
        type(session).get_model_class().objects.filter(session_key=session.session_key).update(
            expire_date=timezone.now() + session_expires_in
        )
    cart = CartFactory(user=None, session_key=session.session_key)
    CartItemFactory(cart=cart)
    return cart


def test_clearcarts_removes_the_carts_of_ended_sessions_only():
    live = anonymous_cart(session_expires_in=timedelta(days=3))
    expired = anonymous_cart(session_expires_in=-timedelta(minutes=1))
    signed_out = anonymous_cart(session_expires_in=None)
    shoppers = CartItemFactory().cart  # a signed-in shopper's cart has no session to follow

    out = StringIO()
    call_command("clearcarts", stdout=out)

    assert set(Cart.objects.values_list("pk", flat=True)) == {live.pk, shoppers.pk}
    assert not CartItem.objects.filter(cart_id__in=[expired.pk, signed_out.pk]).exists()
    assert "Deleted 2 abandoned anonymous cart(s)." in out.getvalue()


def test_clearcarts_deletes_in_batches(monkeypatch):
    monkeypatch.setattr("orders.management.commands.clearcarts.BATCH_SIZE", 2)
    for _ in range(5):
        anonymous_cart(session_expires_in=None)
    out = StringIO()
    call_command("clearcarts", stdout=out)
    assert not Cart.objects.exists()
    assert "Deleted 5 abandoned" in out.getvalue()
