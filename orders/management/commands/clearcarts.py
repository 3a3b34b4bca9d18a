"""Remove anonymous carts whose session has ended. Run it daily, after Django's `clearsessions`."""

from django.core.management.base import BaseCommand

from orders.models import Cart

BATCH_SIZE = 1000


class Command(BaseCommand):
    help = "Delete anonymous carts whose session has expired or ended (run after clearsessions)."

    def handle(self, *args, **options):
        deleted = 0
        # In batches, so that no transaction holds many rows' locks for long.
        while batch := list(Cart.objects.abandoned().values_list("pk", flat=True)[:BATCH_SIZE]):
            Cart.objects.abandoned().filter(pk__in=batch).delete()
            deleted += len(batch)
        self.stdout.write(f"Deleted {deleted} abandoned anonymous cart(s).")
