from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0007_product_image_to_product_images"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="product",
            name="image",
        ),
    ]
