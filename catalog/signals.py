"""Saves and deletes of products, their pictures and categories tell catalog.changes what pages
they change (bulk writes do through the QuerySets in catalog.models).

A save outside a transaction commits when it is done, and pre_save comes before it: the pages
that showed a product as it was (a rename or a move leaves them) are read then, and marked out
of date with the others once the save commits. A delete runs in a transaction of Django's,
pre_delete inside it.
"""

from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from . import changes
from .models import Category, Product, ProductImage

_SCOPES_BEFORE = "_catalog_scopes_before_save"


@receiver(pre_save, sender=Product)
def product_saving(sender, instance, using, **kwargs):
    scopes = set()
    if instance.pk is not None:
        scopes = changes.scopes_showing(Product.objects.filter(pk=instance.pk), using)
    setattr(instance, _SCOPES_BEFORE, scopes)


@receiver(post_save, sender=Product)
def product_saved(sender, instance, using, **kwargs):
    scopes = changes.scopes_showing(Product.objects.filter(pk=instance.pk), using)
    changes.changed(scopes | getattr(instance, _SCOPES_BEFORE, set()), using)


@receiver(pre_delete, sender=Product)
def product_deleting(sender, instance, using, **kwargs):
    changes.products_changed(Product.objects.filter(pk=instance.pk), using)


@receiver([post_save, post_delete], sender=ProductImage)
def product_image_changed(sender, instance, using, **kwargs):
    changes.products_changed(Product.objects.filter(pk=instance.product_id), using)


@receiver([post_save, post_delete], sender=Category)
def category_changed(sender, using, **kwargs):
    changes.tree_changed(using)
