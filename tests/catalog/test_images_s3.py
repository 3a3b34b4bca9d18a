"""Pictures and their renditions on S3, as in production (django-storages against moto's
server), and pages that name them without asking S3 anything."""

import pytest

from catalog.models import ProductImage
from tests.factories import ProductImageFactory
from tests.support.moto import DUMMY_CREDENTIALS, REGION, MotoServer

pytestmark = pytest.mark.django_db

BUCKET = "shop-media"
DOMAIN = f"{BUCKET}.s3.amazonaws.com"


@pytest.fixture(scope="module")
def moto():
    with MotoServer() as server:
        yield server


@pytest.fixture
def s3(moto, settings):
    """The default storage on a fresh bucket, configured as settings.py does with a bucket."""
    moto.reset()
    client = moto.client("s3")
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": moto.endpoint_url,
                "region_name": REGION,
                "access_key": DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                "secret_key": DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
                "custom_domain": DOMAIN,
                "file_overwrite": False,
                "default_acl": None,
            },
        },
    }
    return client


def test_a_picture_and_its_renditions_go_to_the_bucket(s3):
    picture = ProductImageFactory(image__width=1000, image__height=750)

    keys = {item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert keys == {picture.image.name, *picture.renditions.values()}
    assert sorted(picture.renditions, key=int) == ["160", "320", "640", "960"]


def test_pages_name_s3_renditions_without_asking_s3(s3, client, moto):
    picture = ProductImageFactory(image__width=1000, image__height=750)
    assert any(request["method"] == "PUT" for request in moto.requests())  # it records
    moto.reset_recording()

    html = client.get(picture.product.get_absolute_url()).content.decode()

    stored = ProductImage.objects.get(pk=picture.pk)
    assert f"https://{DOMAIN}/{stored.renditions['160']} 160w" in stored.srcset
    assert f'srcset="{stored.srcset}"' in html
    assert moto.requests() == []
