from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from catalog import changes
from catalog.models import Product
from orders.services import order_cancelled

from . import services
from .models import Review


@receiver([post_save, post_delete], sender=Review)
def review_changed(sender, instance, using, **kwargs):
    """A product's page shows its approved reviews. (Ratings, which listings show too, change
    through reviews.services, whose update of the product tells catalog.changes.)"""
    changes.product_pages_changed(Product.objects.filter(pk=instance.product_id), using)


@receiver(order_cancelled, dispatch_uid="reviews.withdraw_with_the_purchase")
def withdraw_with_the_purchase(sender, order, **kwargs):
    """A verified purchase is a fact: place, review, cancel must not leave a review behind."""
    services.withdraw_reviews_of_cancelled_purchase(order=order)
