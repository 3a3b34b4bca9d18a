"""`manage.py low_stock_digest`: e-mail staff (SHOP_STAFF_EMAILS) the products running low.

Run it daily, e.g. as a scheduled task; it sends nothing when no product is low.
"""

from django.conf import settings
from django.core.mail import mail_managers
from django.core.management.base import BaseCommand
from django.template.loader import render_to_string

from catalog.models import Product


class Command(BaseCommand):
    help = "E-mail staff the active products at or below SHOP_LOW_STOCK_THRESHOLD."

    def handle(self, *args, **options):
        if not settings.MANAGERS:
            self.stderr.write("SHOP_STAFF_EMAILS is not set: nobody to send the digest to.")
            return
        threshold = settings.LOW_STOCK_THRESHOLD
        products = list(
            Product.objects.active()
            .low_stock(threshold)
            .order_by("stock", "name")
            .only("sku", "name", "stock")
        )
        if not products:
            self.stdout.write(f"No product is at or below {threshold} units; nothing sent.")
            return
        message = render_to_string(
            "catalog/email/low_stock_digest.txt", {"products": products, "threshold": threshold}
        )
        mail_managers(f"{len(products)} product(s) running low", message, fail_silently=False)
        self.stdout.write(f"Sent the digest of {len(products)} product(s) running low.")
