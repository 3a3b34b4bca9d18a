from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from catalog.models import Category, Product, ProductImage, StockMovement
from orders.models import Cart, CartItem, Order, OrderItem
from orders.services import ShippingDetails
from reviews.models import Review


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"shopper{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password("correct horse battery staple")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        skip_postgeneration_save = True  # the hook below writes a movement, not the product

    category = factory.SubFactory(CategoryFactory)
    name = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.Sequence(lambda n: f"product-{n}")
    sku = factory.Sequence(lambda n: f"SKU-{n:06d}")
    description = "A fine product."
    price = Decimal("10.00")
    stock = 10

    @factory.post_generation
    def opening_balance(product, create, extracted, **kwargs):
        """The stock's first movement, as the migration and seed_demo write one: the ledger
        (catalog.StockMovement) sums to the product's stock from the start."""
        if create and product.stock:
            StockMovement.objects.create(
                product=product, change=product.stock, reason=StockMovement.Reason.COUNTED
            )


class ProductImageFactory(factory.django.DjangoModelFactory):
    """A picture with a real image file (its renditions are made when it is saved)."""

    class Meta:
        model = ProductImage

    product = factory.SubFactory(ProductFactory)
    image = factory.django.ImageField(width=1000, height=750, color="teal", format="JPEG")
    alt_text = factory.LazyAttribute(lambda picture: f"{picture.product.name}, front view")
    position = factory.Sequence(lambda n: n)


class CartFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cart

    user = factory.SubFactory(UserFactory)


class CartItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CartItem

    cart = factory.SubFactory(CartFactory)
    product = factory.SubFactory(ProductFactory)
    quantity = 1


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    user = factory.SubFactory(UserFactory)
    email = factory.LazyAttribute(lambda order: order.user.email)
    shipping_name = "Ada Lovelace"
    shipping_address = "1 Analytical Street"
    shipping_postal_code = "10115"
    shipping_city = "Berlin"
    shipping_country = "DE"
    subtotal = Decimal("20.00")
    shipping_cost = Decimal("0.00")
    total = Decimal("20.00")


class OrderItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderItem

    order = factory.SubFactory(OrderFactory)
    product = factory.SubFactory(ProductFactory)
    product_name = factory.LazyAttribute(lambda item: item.product.name)
    product_sku = factory.LazyAttribute(lambda item: item.product.sku)
    unit_price = factory.LazyAttribute(lambda item: item.product.price)
    quantity = 2


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    product = factory.SubFactory(ProductFactory)
    user = factory.SubFactory(UserFactory)
    rating = 4
    title = "Good"
    body = "Does what it says."


# Where a test's order goes, when the address does not matter.
SHIPPING = ShippingDetails(
    email="ada@example.com",
    name="Ada Lovelace",
    address="1 Analytical Street",
    postal_code="10115",
    city="Berlin",
    country="DE",
)
