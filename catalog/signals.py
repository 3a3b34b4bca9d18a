from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import page_cache
from .models import Category, Product


@receiver([post_save, post_delete], sender=Product)
@receiver([post_save, post_delete], sender=Category)
def mark_catalog_pages_out_of_date(sender, using, **kwargs):
    """A saved or deleted product, category or review changes what catalog pages show."""
    page_cache.catalog_changed(using)
