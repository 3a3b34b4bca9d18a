"""ecommerce.security.RequestBodyLimit: an oversized body is refused (413) from its
Content-Length before anything reads or stores it; the admin's picture uploads keep room."""

import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.test import RequestFactory
from PIL import Image

from catalog.models import ProductImage
from ecommerce.security import RequestBodyLimit
from tests.catalog.test_images_admin import change_url, product_form
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
received = []


class RecordingUploadHandler(TemporaryFileUploadHandler):
    """Django's own handler for large files, noting each chunk it is given."""

    def receive_data_chunk(self, raw_data, start):
        received.append(len(raw_data))
        return super().receive_data_chunk(raw_data, start)


@pytest.fixture
def upload_dir(settings, tmp_path):
    received.clear()
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    settings.FILE_UPLOAD_HANDLERS = [f"{__name__}.RecordingUploadHandler"]
    return tmp_path


@pytest.mark.parametrize("megabytes", [5, 10, 50])
@pytest.mark.parametrize("url", ["cart-add", "/checkout/"])
def test_an_oversized_upload_is_refused_before_it_is_read(client, upload_dir, url, megabytes):
    if url == "cart-add":
        url = f"/cart/add/{ProductFactory().slug}/"
    upload = SimpleUploadedFile("big.bin", b"x" * (megabytes * MB))

    response = client.post(url, {"quantity": "1", "file": upload})

    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/plain")
    assert "Request too large: at most 256 KB" in response.content.decode()
    assert received == []
    assert list(upload_dir.iterdir()) == []


def test_a_request_just_under_the_limit_passes(client, upload_dir, settings):
    product = ProductFactory(stock=5)
    padding = "x" * (settings.MAX_REQUEST_BODY_BYTES - 2000)

    response = client.post(f"/cart/add/{product.slug}/", {"quantity": "1", "note": padding})

    assert 256 * 1024 - 2000 < int(response.wsgi_request.META["CONTENT_LENGTH"]) <= 256 * 1024
    assert response.status_code == 302
    assert response["Location"] == "/cart/"


def test_the_limit_is_configurable(client, upload_dir, settings):
    settings.MAX_REQUEST_BODY_BYTES = 1024
    product = ProductFactory(stock=5)

    response = client.post(f"/cart/add/{product.slug}/", {"quantity": "1", "note": "x" * 2000})

    assert response.status_code == 413
    assert "at most 1 KB" in response.content.decode()


def test_staff_upload_a_picture_of_a_few_megabytes(staff_client, upload_dir):
    product = ProductFactory()
    # Noise does not compress: a PNG of about 4 MB, like a photo from a phone.
    buffer = io.BytesIO()
    Image.frombytes("RGB", (1400, 1000), os.urandom(1400 * 1000 * 3)).save(buffer, "PNG")
    assert buffer.tell() > 4 * MB
    upload = SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")

    response = staff_client.post(
        change_url(product), product_form(product, [], [(upload, "Lit", 0)])
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert ProductImage.objects.get(product=product).width == 1400
    assert sum(received) == buffer.tell()


def test_the_admin_limit_applies_to_the_admin(staff_client, upload_dir):
    product = ProductFactory()
    upload = SimpleUploadedFile("huge.png", b"x" * (11 * MB), content_type="image/png")

    response = staff_client.post(change_url(product), product_form(product, [], [(upload, "A", 0)]))

    assert response.status_code == 413
    assert "at most 10,240 KB" in response.content.decode()
    assert received == []


def test_a_chunked_body_without_content_length_is_refused():
    request = RequestFactory().post("/checkout/", {"quantity": "1"})
    del request.META["CONTENT_LENGTH"]
    request.META["HTTP_TRANSFER_ENCODING"] = "chunked"

    response = RequestBodyLimit(lambda request: pytest.fail("the view was called"))(request)

    assert response.status_code == 411
    assert "Content-Length" in response.content.decode()


def test_a_malformed_content_length_is_a_400():
    request = RequestFactory().post("/checkout/", {"quantity": "1"})
    request.META["CONTENT_LENGTH"] = "lots"

    response = RequestBodyLimit(lambda request: pytest.fail("the view was called"))(request)

    assert response.status_code == 400
