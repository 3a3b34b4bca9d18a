"""Product pictures: the model's rules, renditions made once per upload, and where they show."""

import io
import re

import pytest
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from catalog import images
from catalog.models import ProductImage
from tests.factories import CartItemFactory, ProductFactory, ProductImageFactory, UserFactory

pytestmark = pytest.mark.django_db


def jpeg(width, height, *, exif_orientation=None):
    picture = Image.new("RGB", (width, height), (200, 120, 40))
    buffer = io.BytesIO()
    exif = Image.Exif()
    if exif_orientation:
        exif[0x0112] = exif_orientation
    picture.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


@pytest.fixture
def rendition_calls(monkeypatch):
    """The pictures make_renditions() was called for."""
    calls = []
    original = images.make_renditions

    def spy(storage, name, **kwargs):
        calls.append(name)
        return original(storage, name, **kwargs)

    monkeypatch.setattr(images, "make_renditions", spy)
    return calls


# --- The model ------------------------------------------------------------------------------


def test_saving_a_new_picture_makes_its_renditions_in_the_storage():
    picture = ProductImageFactory(image__width=1000, image__height=750)

    assert (picture.width, picture.height) == (1000, 750)
    assert sorted(picture.renditions, key=int) == ["160", "320", "640", "960"]  # not 1280
    for width, name in picture.renditions.items():
        assert name.startswith("products/") and name.endswith(f"-{width}w.webp")
        with default_storage.open(name) as stored, Image.open(stored) as rendition:
            assert rendition.format == "WEBP"
            assert rendition.size == (int(width), int(width) * 3 // 4)
    assert ProductImage.objects.get(pk=picture.pk).renditions == picture.renditions


def test_saving_a_picture_again_makes_no_renditions(rendition_calls):
    picture = ProductImageFactory()
    assert len(rendition_calls) == 1

    picture.alt_text = "Walnut lamp, lit"
    picture.save()
    reloaded = ProductImage.objects.get(pk=picture.pk)
    reloaded.position = 4
    reloaded.save()

    assert len(rendition_calls) == 1
    assert ProductImage.objects.get(pk=picture.pk).renditions == picture.renditions


def test_replacing_the_picture_makes_the_new_one_s_renditions(rendition_calls):
    picture = ProductImage.objects.get(pk=ProductImageFactory().pk)
    picture.image = SimpleUploadedFile("wide.jpg", jpeg(400, 100), content_type="image/jpeg")
    picture.save()

    assert len(rendition_calls) == 2
    assert (picture.width, picture.height) == (400, 100)
    assert sorted(picture.renditions, key=int) == ["160", "320"]
    assert all("wide" in name for name in picture.renditions.values())


def test_a_small_picture_has_only_narrower_renditions():
    picture = ProductImageFactory(image__width=200, image__height=150)
    assert list(picture.renditions) == ["160"]


def test_a_rotated_phone_photo_is_measured_as_it_is_shown():
    upload = SimpleUploadedFile("photo.jpg", jpeg(800, 600, exif_orientation=6))
    picture = ProductImageFactory(image=upload)
    assert (picture.width, picture.height) == (600, 800)
    with default_storage.open(picture.renditions["320"]) as stored, Image.open(stored) as small:
        assert small.size == (320, 427)


def test_srcset_lists_every_rendition_and_the_picture_with_their_widths():
    picture = ProductImageFactory(image__width=1000, image__height=750)
    entries = [entry.rsplit(" ", 1) for entry in picture.srcset.split(", ")]

    assert [width for _, width in entries] == ["160w", "320w", "640w", "960w", "1000w"]
    assert entries[-1][0] == picture.image.url
    assert entries[0][0] == default_storage.url(picture.renditions["160"])
    assert picture.thumbnail_url == entries[0][0]
    assert picture.card_url == entries[2][0]


def test_a_picture_without_renditions_yet_is_shown_as_it_is():
    product = ProductFactory()
    picture = ProductImage.objects.bulk_create(
        [ProductImage(product=product, image="products/old.jpg", alt_text="Old photo")]
    )[0]
    assert picture.srcset == ""
    assert picture.thumbnail_url == picture.card_url == "/media/products/old.jpg"


def test_make_renditions_command_makes_them_for_pictures_that_have_none(rendition_calls):
    name = default_storage.save("products/moved.jpg", io.BytesIO(jpeg(700, 700)))
    product = ProductFactory()
    ProductImage.objects.bulk_create(
        [
            ProductImage(product=product, image=name, alt_text="Moved over"),
            ProductImage(product=product, image="products/gone.jpg", alt_text="Lost", position=1),
        ]
    )
    out, err = io.StringIO(), io.StringIO()

    call_command("make_renditions", stdout=out, stderr=err)

    moved = ProductImage.objects.get(image=name)
    assert (moved.width, moved.height) == (700, 700)
    assert sorted(moved.renditions, key=int) == ["160", "320", "640"]
    assert "products/gone.jpg" in err.getvalue()
    assert "Renditions made for 1 pictures; 1 could not be read." in out.getvalue()
    call_command("make_renditions", stdout=io.StringIO(), stderr=io.StringIO())
    assert rendition_calls == [name, "products/gone.jpg", "products/gone.jpg"]


@pytest.mark.parametrize(
    ("change", "constraint"),
    [
        ({"alt_text": ""}, "product_images_alt_text_not_blank"),
        ({"position": -1}, "product_images_position_check"),
        ({"width": 100, "height": None}, "product_images_size_known_or_unknown"),
        ({"width": 0, "height": 0}, "product_images_size_known_or_unknown"),
        ({"image": ""}, "product_images_image_not_blank"),
    ],
)
def test_the_database_refuses_a_picture_that_breaks_a_rule(change, constraint):
    picture = ProductImageFactory()
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        ProductImage.objects.filter(pk=picture.pk).update(**change)


def test_pictures_come_in_their_order_and_the_first_is_the_main_one():
    product = ProductFactory()
    second = ProductImageFactory(product=product, position=2)
    first = ProductImageFactory(product=product, position=0)
    also_second = ProductImageFactory(product=product, position=2)  # ties: oldest first

    assert product.pictures == [first, second, also_second]
    assert product.main_picture == first
    assert ProductFactory().main_picture is None


# --- Pages ----------------------------------------------------------------------------------


def test_product_page_shows_a_gallery_with_srcset_alt_texts_and_thumbnails(client):
    product = ProductFactory(name="Oak lamp")
    back = ProductImageFactory(product=product, position=1, alt_text="Oak lamp from behind")
    front = ProductImageFactory(product=product, position=0, alt_text="Oak lamp, lit")

    html = client.get(product.get_absolute_url()).content.decode()

    slides = re.findall(
        r'<figure class="gallery-slide[^"]*" id="(picture-\d)">\s*<img ([^>]*)>', html
    )
    assert [slide_id for slide_id, _ in slides] == ["picture-1", "picture-2"]
    for (_, img), picture in zip(slides, [front, back], strict=True):
        assert f'srcset="{picture.srcset}"' in img
        assert 'sizes="' in img
        assert f'alt="{picture.alt_text}"' in img
        assert f'width="{picture.width}" height="{picture.height}"' in img
    thumbnails = re.findall(r'<a href="#(picture-\d)"[^>]*><img src="([^"]+)" alt="([^"]+)"', html)
    assert thumbnails == [
        ("picture-1", front.thumbnail_url, "Picture 1 of 2: Oak lamp, lit"),
        ("picture-2", back.thumbnail_url, "Picture 2 of 2: Oak lamp from behind"),
    ]
    assert '<script src="/static/js/gallery.js" defer></script>' in html


def test_product_page_with_one_picture_has_no_thumbnails_nor_script(client):
    picture = ProductImageFactory()
    html = client.get(picture.product.get_absolute_url()).content.decode()
    assert f'alt="{picture.alt_text}"' in html
    assert "gallery-thumbnails" not in html
    assert "gallery.js" not in html


def test_product_cards_show_the_main_picture_with_srcset(client):
    product = ProductFactory(name="Oak lamp")
    ProductImageFactory(product=product, position=1)
    main = ProductImageFactory(product=product, position=0)

    html = client.get(reverse("catalog:product-list")).content.decode()

    start = html.index('<li class="card">')
    card = html[start : html.index("</li>", start)]
    assert f'<img src="{main.card_url}" srcset="{main.srcset}" sizes="' in card
    assert 'alt=""' in card  # the product's name follows as the card's heading
    assert 'loading="lazy"' in card


def test_product_structured_data_lists_the_pictures(client):
    picture = ProductImageFactory()
    html = client.get(picture.product.get_absolute_url()).content.decode()
    assert f'"image": ["http://testserver{picture.image.url}"]' in html


def test_pages_never_ask_the_storage_about_pictures(client, monkeypatch):
    product = ProductImageFactory().product
    ProductImageFactory(product=product)

    def refuse(*args, **kwargs):
        raise AssertionError("a page asked the storage")

    for method in ("exists", "open", "size", "listdir", "save"):
        monkeypatch.setattr(FileSystemStorage, method, refuse)
    for url in ["/", reverse("catalog:product-list"), product.get_absolute_url()]:
        assert client.get(url).status_code == 200


def test_a_new_picture_shows_on_a_kept_product_page_at_once(
    client, settings, django_capture_on_commit_callbacks
):
    settings.CATALOG_PAGE_CACHE = True
    product = ProductFactory()
    assert "No photo of" in client.get(product.get_absolute_url()).content.decode()
    assert "No photo of" in client.get(product.get_absolute_url()).content.decode()  # kept

    with django_capture_on_commit_callbacks(execute=True):
        picture = ProductImageFactory(product=product, alt_text="Freshly photographed")
    assert 'alt="Freshly photographed"' in client.get(product.get_absolute_url()).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        picture.delete()
    assert "No photo of" in client.get(product.get_absolute_url()).content.decode()


# --- The cart -------------------------------------------------------------------------------


def test_cart_shows_a_thumbnail_of_each_line_s_main_picture(client):
    shopper = UserFactory()
    pictured = CartItemFactory(cart__user=shopper)
    main = ProductImageFactory(product=pictured.product, position=0)
    ProductImageFactory(product=pictured.product, position=1)
    CartItemFactory(cart=pictured.cart)  # a product without pictures
    client.force_login(shopper)

    html = client.get(reverse("orders:cart")).content.decode()

    assert f'<img class="cart-thumbnail" src="{main.thumbnail_url}" alt="" width="64"' in html
    assert html.count('<span class="cart-thumbnail" aria-hidden="true"></span>') == 1


def test_cart_thumbnails_cost_the_same_queries_however_many_lines(client):
    shopper = UserFactory()
    client.force_login(shopper)
    cart = CartItemFactory(cart__user=shopper).cart

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("orders:cart")).status_code == 200
        return len(queries)

    ProductImageFactory(product=cart.items.get().product)
    few = count()
    for _ in range(3):
        ProductImageFactory(product=CartItemFactory(cart=cart).product)
    assert count() == few
