"""Each product's one picture (Product.image) becomes its first ProductImage.

Its renditions are not made here (a migration should not read every picture from S3):
`manage.py make_renditions` makes them afterwards; until then the page shows the picture
itself, without `srcset`.
"""

from django.db import migrations


def to_product_images(apps, schema_editor):
    Product = apps.get_model("catalog", "Product")
    ProductImage = apps.get_model("catalog", "ProductImage")
    pictured = Product.objects.exclude(image="").exclude(image__isnull=True)
    ProductImage.objects.bulk_create(
        (
            ProductImage(product_id=pk, image=image, alt_text=name, position=0)
            for pk, image, name in pictured.values_list("pk", "image", "name").iterator()
        ),
        batch_size=1000,
    )


def to_product_image(apps, schema_editor):
    Product = apps.get_model("catalog", "Product")
    ProductImage = apps.get_model("catalog", "ProductImage")
    done = set()
    rows = ProductImage.objects.order_by("product_id", "position", "pk")
    for product_id, image in rows.values_list("product_id", "image").iterator():
        if product_id not in done:
            done.add(product_id)
            Product.objects.filter(pk=product_id).update(image=image)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0006_productimage"),
    ]

    operations = [
        migrations.RunPython(to_product_images, to_product_image),
    ]
