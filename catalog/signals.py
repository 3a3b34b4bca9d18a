"""Saves and deletes of products and categories tell catalog.changes what pages they change
(bulk writes do through the QuerySets in catalog.models)."""

from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from . import changes
from .models import Category, Product


@receiver(pre_save, sender=Product)
@receiver(pre_delete, sender=Product)
def product_changing(sender, instance, using, **kwargs):
    """The pages that show the product as it was (a rename or a move leaves them)."""
    if instance.pk is not None:
        changes.products_changed(Product.objects.filter(pk=instance.pk), using)


@receiver(post_save, sender=Product)
def product_saved(sender, instance, using, **kwargs):
    changes.products_changed(Product.objects.filter(pk=instance.pk), using)


@receiver([post_save, post_delete], sender=Category)
def category_changed(sender, using, **kwargs):
    changes.tree_changed(using)
