"""`manage.py make_renditions`: make the renditions of pictures that have none yet.

Pictures saved through the model get theirs when saved; this is for pictures that came another
way (migration 0007 moved each product's old single picture without reading it). Run it once
after that migration; running it again does nothing.
"""

from django.core.management.base import BaseCommand

from catalog import images
from catalog.models import ProductImage


class Command(BaseCommand):
    help = "Make the responsive renditions of product pictures that have none yet."

    def handle(self, *args, **options):
        made = missing = 0
        for picture in ProductImage.objects.filter(width__isnull=True).iterator():
            try:
                size_and_names = images.make_renditions(picture.image.storage, picture.image.name)
            except (OSError, ValueError) as error:  # a missing or unreadable file: say so, go on
                missing += 1
                self.stderr.write(f"{picture.image.name}: {error}")
                continue
            picture.width, picture.height, picture.renditions = size_and_names
            # The picture is not new to save(), which makes none again; its pages now get srcset.
            picture.save(update_fields=["width", "height", "renditions"])
            made += 1
        self.stdout.write(f"Renditions made for {made} pictures; {missing} could not be read.")
