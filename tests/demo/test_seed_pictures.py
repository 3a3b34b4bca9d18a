"""The demo catalog's pictures: drawn at seed time, in the product's colours, shared and kept."""

from collections import Counter
from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils.text import slugify
from PIL import Image

from catalog.models import Product, ProductImage
from demo import pictures
from demo.management.commands.seed_demo import CATALOG_TREE

pytestmark = pytest.mark.django_db


def seed(**options):
    call_command("seed_demo", **options, stdout=StringIO())


@pytest.fixture
def drawings(monkeypatch):
    """The (sub-category, variant, view) of every picture drawn."""
    drawn = []
    original = pictures.draw

    def spy(*key):
        drawn.append(key)
        return original(*key)

    monkeypatch.setattr(pictures, "draw", spy)
    return drawn


def test_every_demo_product_gets_one_to_three_pictures_in_order_with_alt_texts():
    seed(products=45)

    counts = Counter()
    for product in Product.objects.prefetch_related("images"):
        positions = [picture.position for picture in product.pictures]
        assert positions == list(range(len(positions)))
        assert all(picture.alt_text.startswith(f"{product.name}, ") for picture in product.pictures)
        counts[len(positions)] += 1
    assert set(counts) == {1, 2, 3}
    assert sum(counts.values()) == 45


def test_demo_pictures_and_their_renditions_are_stored_files():
    seed(products=5)

    for picture in ProductImage.objects.all():
        with default_storage.open(picture.image.name) as stored, Image.open(stored) as image:
            assert image.size == (picture.width, picture.height) == pictures.SIZE
        assert sorted(picture.renditions, key=int) == ["160", "320", "640"]
        for name in picture.renditions.values():
            assert default_storage.exists(name)
        assert picture.srcset.endswith(f"{picture.image.url} 960w")


def test_a_demo_picture_shows_the_product_s_material_in_its_colour():
    seed(products=45)

    products = Product.objects.filter(category__slug__in=["lighting", "textiles", "bags"])
    assert len({product.name.split()[1] for product in products}) >= 3  # several materials
    for product in products:
        colour = pictures.material_colour(product.name.split()[1])  # "Nordic Walnut Lamp"
        with default_storage.open(product.main_picture.image.name) as stored:
            image = Image.open(stored).convert("RGB")
        # JPEG shifts colours a little: count pixels within a few steps of the material's.
        close = sum(
            count
            for count, pixel in image.getcolors(image.width * image.height)
            if max(abs(a - b) for a, b in zip(pixel, colour, strict=True)) <= 8
        )
        assert close > 0.03 * image.width * image.height, product.name


def test_products_sharing_a_sub_category_and_material_share_their_pictures(drawings):
    seed(products=120)

    looks = {
        (pictures.object_of(slugify(name), noun), variant)
        for ranges in CATALOG_TREE.values()
        for name, product_range in ranges.items()
        for noun in product_range.nouns
        for variant in product_range.variants
    }
    assert len(drawings) == len(set(drawings)) <= len(looks) * len(pictures.VIEWS) < 250
    assert ProductImage.objects.count() > len(drawings)
    assert ProductImage.objects.values("image").distinct().count() == len(drawings)


def test_seeding_again_draws_nothing_and_adds_no_pictures(drawings):
    seed(products=20)
    before = sorted(ProductImage.objects.values_list("product__sku", "image", "position"))
    drawn = len(drawings)

    seed(products=20)
    assert len(drawings) == drawn
    seed(products=25)  # five more products: pictures for them only

    assert sorted(ProductImage.objects.filter(product__sku__lte="DEMO-000020").values_list(
        "product__sku", "image", "position"
    )) == before  # fmt: skip
    assert not Product.objects.filter(images__isnull=True).exists()


def test_pictures_kept_in_the_storage_are_found_again_after_the_database_is_reset(drawings):
    seed(products=10)
    drawn = len(drawings)
    ProductImage.objects.all().delete()  # as after `rm -rf .local/pgdata`, files kept

    seed(products=10)

    assert len(drawings) == drawn
    assert ProductImage.objects.count() > 0
