from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Page",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "slug",
                    models.SlugField(
                        help_text="The page's address: /pages/<slug>/.", max_length=60, unique=True
                    ),
                ),
                ("title", models.CharField(max_length=120)),
                (
                    "body",
                    models.TextField(
                        help_text="Plain text. A blank line starts a new paragraph; web and "
                        "e-mail addresses become links."
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "db_table": "pages",
                "ordering": ["title"],
            },
        ),
    ]
