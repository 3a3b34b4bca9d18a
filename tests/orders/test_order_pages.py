import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders.models import Address, Cart, Order
from tests.factories import (
    CartItemFactory,
    OrderFactory,
    OrderItemFactory,
    ProductFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def shopper(client):
    user = UserFactory()
    client.force_login(user)
    return user


def test_order_list_shows_only_the_shoppers_own_orders(client, shopper):
    mine = OrderFactory(user=shopper)
    theirs = OrderFactory()
    content = client.get(reverse("orders:order-list")).content.decode()
    assert mine.number in content
    assert theirs.number not in content


def test_another_shoppers_order_number_is_a_404(client, shopper):
    theirs = OrderFactory()
    assert client.get(theirs.get_absolute_url()).status_code == 404
    cancel = client.post(reverse("orders:order-cancel", args=[theirs.number]))
    assert cancel.status_code == 404
    assert Order.objects.get(pk=theirs.pk).status == Order.Status.PENDING


def test_order_pages_require_sign_in(client):
    order = OrderFactory()
    for url in (reverse("orders:order-list"), order.get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))


def test_order_page_shows_the_snapshot_and_the_cancel_button(client, shopper):
    item = OrderItemFactory(order=OrderFactory(user=shopper), product_name="Snapshot Lamp")
    content = client.get(item.order.get_absolute_url()).content.decode()
    assert "Snapshot Lamp" in content
    assert "Cancel order" in content


def test_cancel_order_puts_the_stock_back_once(client, shopper):
    item = OrderItemFactory(
        order=OrderFactory(user=shopper), quantity=2, product=ProductFactory(stock=1)
    )
    url = reverse("orders:order-cancel", args=[item.order.number])
    client.post(url)
    response = client.post(url, follow=True)
    item.product.refresh_from_db()
    assert item.product.stock == 3
    assert "only pending or paid orders can be cancelled" in response.content.decode()
    assert "Cancel order" not in response.content.decode()


def test_shipped_orders_cannot_be_cancelled_by_the_shopper(client, shopper):
    item = OrderItemFactory(order=OrderFactory(user=shopper, status=Order.Status.SHIPPED))
    client.post(reverse("orders:order-cancel", args=[item.order.number]))
    assert Order.objects.get(pk=item.order.pk).status == Order.Status.SHIPPED


def add_cart_lines_and_orders(user, count):
    cart, _ = Cart.objects.get_or_create(user=user)
    for _ in range(count):
        product = ProductFactory(stock=50)
        CartItemFactory(cart=cart, product=product, quantity=2)
        OrderItemFactory.create_batch(3, order=OrderFactory(user=user))
        Address.objects.create(
            user=user,
            name="Ada",
            address=f"{product.pk} Main Street",
            postal_code="1",
            city="Berlin",
            country="DE",
        )
    return Order.objects.for_user(user).first()


# Session, user, navigation, cart count (read with the cart on the cart and checkout pages),
# and the page's own reads (checkout: whether an order has used the session's token already,
# and the saved addresses).
QUERY_BUDGETS = {"cart": 5, "checkout": 7, "order-list": 7, "order-detail": 7}


def query_counts(client, order):
    urls = {
        "cart": reverse("orders:cart"),
        "checkout": reverse("orders:checkout"),
        "order-list": reverse("orders:order-list"),
        "order-detail": order.get_absolute_url(),
    }
    counts = {}
    for page, url in urls.items():
        client.get(url)  # the first checkout visit also stores its token in the session
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts[page] = len(queries)
    return counts


def test_cart_checkout_and_order_pages_run_a_fixed_number_of_queries(client, shopper):
    small = query_counts(client, add_cart_lines_and_orders(shopper, 1))
    large = query_counts(client, add_cart_lines_and_orders(shopper, 30))
    assert large == small
    assert all(small[page] <= budget for page, budget in QUERY_BUDGETS.items()), small


def test_cancel_button_asks_first_and_asking_changes_nothing(client, shopper):
    item = OrderItemFactory(
        order=OrderFactory(user=shopper), quantity=2, product=ProductFactory(stock=1)
    )
    response = client.get(reverse("orders:order-cancel", args=[item.order.number]))
    content = response.content.decode()
    assert response.status_code == 200
    assert f"Cancel order {item.order.number}?" in content
    assert 'method="post"' in content
    assert "Cancel order</button>" in content
    assert Order.objects.get(pk=item.order.pk).status == Order.Status.PENDING
    item.product.refresh_from_db()
    assert item.product.stock == 1


def test_confirming_cancels_the_order(client, shopper):
    order = OrderFactory(user=shopper)
    response = client.post(reverse("orders:order-cancel", args=[order.number]), follow=True)
    assert Order.objects.get(pk=order.pk).status == Order.Status.CANCELLED
    assert f"Order {order.number} is cancelled." in response.content.decode()


def test_a_cancelled_orders_confirmation_page_says_it_cannot_be_cancelled(client, shopper):
    order = OrderFactory(user=shopper, status=Order.Status.CANCELLED)
    content = client.get(reverse("orders:order-cancel", args=[order.number])).content.decode()
    assert "cannot be cancelled" in content
    assert "Cancel order</button>" not in content


def test_another_shoppers_cancel_confirmation_is_a_404(client, shopper):
    theirs = OrderFactory()
    assert client.get(reverse("orders:order-cancel", args=[theirs.number])).status_code == 404
