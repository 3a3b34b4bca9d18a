"""Product pictures in the admin: an ordered inline on the product, a thumbnail column."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from catalog.models import ProductImage
from tests.factories import ProductFactory, ProductImageFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:catalog_product_changelist")


def change_url(product):
    return reverse("admin:catalog_product_change", args=[product.pk])


def product_form(product, pictures=(), new=()):
    """The admin's change form for `product`, keeping `pictures` and adding the `new` ones
    ((upload, alt text, position) each)."""
    form = {
        "category": product.category_id, "name": product.name, "slug": product.slug,
        "sku": product.sku, "description": product.description, "price": str(product.price),
        "stock": str(product.stock), "is_active": "on",
        "images-TOTAL_FORMS": str(len(pictures) + len(new)),
        "images-INITIAL_FORMS": str(len(pictures)),
    }  # fmt: skip
    for index, picture in enumerate(pictures):
        form |= {
            f"images-{index}-id": picture.pk,
            f"images-{index}-product": product.pk,
            f"images-{index}-alt_text": picture.alt_text,
            f"images-{index}-position": picture.position,
        }
    for index, (upload, alt_text, position) in enumerate(new, start=len(pictures)):
        form |= {
            f"images-{index}-product": product.pk,
            f"images-{index}-image": upload,
            f"images-{index}-alt_text": alt_text,
            f"images-{index}-position": position,
        }
    return form


def png_upload(name="upload.png", size=(1400, 1050)):
    buffer = io.BytesIO()
    Image.new("RGBA", size, (10, 120, 90, 255)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_changelist_shows_each_product_s_main_picture_as_a_thumbnail(staff_client):
    product = ProductFactory(name="Oak lamp")
    ProductImageFactory(product=product, position=1)
    main = ProductImageFactory(product=product, position=0, alt_text="Oak lamp, lit")
    ProductFactory(name="Unpictured")

    html = staff_client.get(CHANGELIST).content.decode()

    assert (
        f'<img src="{main.thumbnail_url}" alt="Oak lamp, lit" width="64" height="48" '
        'class="admin-thumbnail">' in html
    )
    assert re.search(
        r'class="field-thumbnail"><a href="/admin/catalog/product/\d+/change/">–</a>', html
    )


def test_changelist_thumbnails_cost_the_same_queries_however_many_products(staff_client):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert staff_client.get(CHANGELIST).status_code == 200
        return len(queries)

    ProductImageFactory()
    few = count()
    for _ in range(5):
        product = ProductImageFactory().product
        ProductImageFactory(product=product)
    assert count() == few


def test_change_page_lists_the_pictures_in_order_with_a_preview(staff_client):
    product = ProductFactory()
    second = ProductImageFactory(product=product, position=5, alt_text="From behind")
    first = ProductImageFactory(product=product, position=1, alt_text="From the front")

    html = staff_client.get(change_url(product)).content.decode()

    assert html.index('value="From the front"') < html.index('value="From behind"')
    for picture in (first, second):
        assert f'<img src="{picture.thumbnail_url}" alt="{picture.alt_text}"' in html


def test_staff_add_a_picture_in_the_inline_and_its_renditions_are_made(staff_client):
    product = ProductFactory()
    kept = ProductImageFactory(product=product, position=0)

    response = staff_client.post(
        change_url(product), product_form(product, [kept], [(png_upload(), "Side view", 1)])
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    added = ProductImage.objects.get(product=product, alt_text="Side view")
    assert (added.width, added.height) == (1400, 1050)
    assert sorted(added.renditions, key=int) == ["160", "320", "640", "960", "1280"]
    assert [picture.pk for picture in product.images.all()] == [kept.pk, added.pk]


def test_staff_swap_two_pictures_positions(staff_client):
    product = ProductFactory()
    first = ProductImageFactory(product=product, position=0)
    second = ProductImageFactory(product=product, position=1)
    first.position, second.position = 1, 0

    response = staff_client.post(change_url(product), product_form(product, [first, second]))

    assert response.status_code == 302, response.content.decode()[:3000]
    assert [picture.pk for picture in product.images.all()] == [second.pk, first.pk]


def test_an_upload_that_is_not_a_picture_is_refused_with_a_message(staff_client):
    product = ProductFactory()
    upload = SimpleUploadedFile("lamp.jpg", b"not a picture", content_type="image/jpeg")

    response = staff_client.post(change_url(product), product_form(product, [], [(upload, "A", 0)]))

    assert response.status_code == 200
    assert "Upload a valid image." in response.content.decode()
    assert not ProductImage.objects.exists()


def test_a_picture_without_alt_text_is_refused_with_a_message(staff_client):
    product = ProductFactory()

    response = staff_client.post(
        change_url(product), product_form(product, [], [(png_upload(), "", 0)])
    )

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not ProductImage.objects.exists()
