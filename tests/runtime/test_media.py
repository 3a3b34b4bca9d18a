"""Product images on S3 through django-storages when a bucket is named (moto's server as S3)."""

import json

from tests.support.shop import manage, production_env

BUCKET = "shop-media"
SAVE_AN_IMAGE = (
    "import json; from django.core.files.base import ContentFile; "
    "from django.core.files.storage import storages; storage = storages['default']; "
    "name = storage.save('products/lamp.png', ContentFile(b'not really a png')); "
    "print(json.dumps([type(storage).__name__, name, storage.url(name)]))"
)


def save_an_image(env):
    result = manage("shell", "-c", SAVE_AN_IMAGE, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_product_images_go_to_the_named_bucket(moto, tmp_path):
    moto.reset()
    moto.client("s3").create_bucket(Bucket=BUCKET)
    env = production_env(
        tmp_path, **moto.aws_env(), AWS_STORAGE_BUCKET_NAME=BUCKET, DB_HOST="unused.invalid"
    )
    storage, name, url = save_an_image(env)
    assert storage == "S3Storage"
    assert url == f"https://{BUCKET}.s3.amazonaws.com/{name}"
    listed = moto.client("s3").list_objects_v2(Bucket=BUCKET)
    assert [item["Key"] for item in listed["Contents"]] == [name]


def test_without_a_bucket_images_stay_local(tmp_path):
    env = production_env(tmp_path, DJANGO_MEDIA_ROOT=str(tmp_path / "media"))
    storage, name, _ = save_an_image(env)
    assert storage == "FileSystemStorage"
    assert (tmp_path / "media" / name).is_file()
