"""An order's own admin page: its status through the guarded services, shipping with a carrier and
tracking number, the shopper's e-mails, the packing slip, and the list staff scan."""

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from orders import services
from orders.models import Order
from tests.factories import OrderFactory, OrderItemFactory, ProductFactory

pytestmark = pytest.mark.django_db


def change_url(order):
    return reverse("admin:orders_order_change", args=[order.pk])


def post_order_page(client, order, **changes):
    """Submit the order's admin page as staff see it, with `changes` made to the form."""
    form = client.get(change_url(order)).context["adminform"].form
    data = {
        name: "" if value is None else value
        for name, value in ((name, form[name].value()) for name in form.fields)
    }
    data.update(
        {
            "items-TOTAL_FORMS": "0",
            "items-INITIAL_FORMS": "0",
            "items-MIN_NUM_FORMS": "0",
            "items-MAX_NUM_FORMS": "0",
            **changes,
        }
    )
    return client.post(change_url(order), data, follow=True)


def test_the_order_page_offers_only_the_moves_the_status_allows(staff_client):
    order = OrderFactory(status=Order.Status.PAID)
    choices = staff_client.get(change_url(order)).context["adminform"].form.fields["next_status"]
    assert [value for value, _ in choices.choices] == ["", "shipped", "cancelled"]


def test_shipping_from_the_order_page_records_the_tracking_and_emails_the_shopper(
    staff_client, django_capture_on_commit_callbacks
):
    order = OrderItemFactory(order=OrderFactory(status=Order.Status.PAID)).order
    with django_capture_on_commit_callbacks(execute=True):
        response = post_order_page(
            staff_client, order, next_status="shipped", carrier="DHL", tracking_number="JD0146"
        )
    assert f"Order {order.number} is shipped." in response.content.decode()
    order.refresh_from_db()
    assert (order.status, order.carrier, order.tracking_number) == ("shipped", "DHL", "JD0146")
    assert order.shipped_at is not None
    (email,) = mail.outbox
    assert email.to == [order.email]
    assert email.subject == f"Your order {order.number} is on its way"
    assert "with DHL" in email.body and "Tracking number: JD0146" in email.body


def test_shipping_without_a_carrier_is_refused_and_changes_nothing(staff_client):
    order = OrderFactory(status=Order.Status.PAID)
    response = post_order_page(staff_client, order, next_status="shipped", tracking_number="X1")
    assert "Name the carrier when you ship the order." in response.content.decode()
    order.refresh_from_db()
    assert (order.status, order.tracking_number) == ("paid", "")
    assert not mail.outbox


def test_a_move_the_status_does_not_allow_is_refused(staff_client):
    order = OrderFactory(status=Order.Status.PENDING)
    response = post_order_page(staff_client, order, next_status="delivered")
    assert "Select a valid choice" in response.content.decode()
    assert Order.objects.get(pk=order.pk).status == "pending"


def test_a_status_changed_meanwhile_wins_over_the_page_staff_loaded(staff_client):
    """Staff load a paid order; someone cancels it; shipping it from the old page is refused."""
    order = OrderFactory(status=Order.Status.PAID)
    form = staff_client.get(change_url(order)).context["adminform"].form
    services.cancel_order(order=order)
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(next_status="shipped", carrier="DHL")
    data.update({f"items-{key}": "0" for key in ("TOTAL_FORMS", "INITIAL_FORMS", "MAX_NUM_FORMS")})
    response = staff_client.post(change_url(order), data, follow=True)
    assert "Select a valid choice" in response.content.decode()
    assert Order.objects.get(pk=order.pk).status == "cancelled"


def test_cancelling_from_the_order_page_restocks_and_emails_the_shopper(
    staff_client, django_capture_on_commit_callbacks
):
    lamp = ProductFactory(stock=1)
    order = OrderItemFactory(product=lamp, quantity=2).order
    with django_capture_on_commit_callbacks(execute=True):
        post_order_page(staff_client, order, next_status="cancelled")
    lamp.refresh_from_db()
    assert lamp.stock == 3
    assert Order.objects.get(pk=order.pk).status == "cancelled"
    assert mail.outbox[0].subject == f"Your order {order.number} is cancelled"


def test_a_shopper_cancelling_their_order_is_told_by_email(
    client, django_capture_on_commit_callbacks
):
    order = OrderFactory()
    client.force_login(order.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("orders:order-cancel", args=[order.number]))
    assert [email.subject for email in mail.outbox] == [f"Your order {order.number} is cancelled"]


def test_editing_details_keeps_the_status_and_sends_nothing(staff_client):
    order = OrderFactory(status=Order.Status.PAID)
    post_order_page(staff_client, order, shipping_city="Potsdam")
    order.refresh_from_db()
    assert (order.shipping_city, order.status) == ("Potsdam", "paid")
    assert not mail.outbox


def test_the_database_refuses_a_tracking_number_without_a_carrier():
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderFactory(tracking_number="JD0146")


def test_the_packing_slip_lists_what_to_pack_and_where_it_goes(staff_client):
    order = OrderItemFactory(product_name="Brass Desk Lamp", quantity=2).order
    OrderItemFactory(order=order, product_name="Oak Shelf", quantity=1)
    page = staff_client.get(reverse("admin:orders_order_packing_slip", args=[order.pk]))
    content = page.content.decode()
    assert page.status_code == 200
    assert "Brass Desk Lamp" in content and "Oak Shelf" in content and "3 items" in content
    assert order.shipping_name in content and "Germany" in content
    assert reverse("admin:orders_order_packing_slip", args=[order.pk]) in (
        staff_client.get(change_url(order)).content.decode()
    )


def test_the_packing_slip_is_for_staff_only(client):
    order = OrderFactory()
    client.force_login(order.user)
    response = client.get(reverse("admin:orders_order_packing_slip", args=[order.pk]))
    assert response.status_code == 302
    assert "/admin/login/" in response.url


def test_the_order_list_shows_ship_to_name_items_and_the_total_in_euros(staff_client):
    order = OrderItemFactory(quantity=3).order
    OrderItemFactory(order=order, quantity=2)
    rows = staff_client.get(reverse("admin:orders_order_changelist")).context["cl"].result_list
    assert [(row.number, row.units) for row in rows] == [(order.number, 5)]
    content = staff_client.get(reverse("admin:orders_order_changelist")).content.decode()
    assert f"€{order.total}" in content and order.shipping_name in content
