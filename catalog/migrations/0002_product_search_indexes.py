"""Search indexes on products, on PostgreSQL only.

- `products_search_idx`: GIN on the full-text document that ProductQuerySet.search() queries,
  `catalog.models.product_search_vector()`. PostgreSQL uses an expression index only for the same
  expression, so the index is built from Django's own GinIndex and SearchVector: the SQL matches
  the query's to the character. The expression is repeated here rather than imported, as a
  migration must not change when the model code does. Migration 0004 replaces it with an index
  on a stored copy of the document.
- `products_name_trgm_idx`: GIN trigram index (pg_trgm) on name, for the typo-forgiving search.

They live in a migration and not in `Product.Meta.indexes` because the local `make run` uses
SQLite, which has neither GIN nor pg_trgm; on SQLite this migration does nothing, and as it
changes no model state, `makemigrations --check` stays clean.

The indexes are built CONCURRENTLY (hence `atomic = False`) so that a deploy does not block
writes to products (stock changes at checkout) while they build. Reversing drops the indexes
but keeps the pg_trgm extension, which other objects may use by then.
"""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVector
from django.db import migrations


def search_indexes():
    return [
        GinIndex(
            SearchVector("name", weight="A", config="english")
            + SearchVector("description", weight="B", config="english"),
            name="products_search_idx",
        ),
        GinIndex(OpClass("name", name="gin_trgm_ops"), name="products_name_trgm_idx"),
    ]


def create_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    Product = apps.get_model("catalog", "Product")
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for index in search_indexes():
        # A failed concurrent build leaves an invalid index behind; drop it so a retry works.
        schema_editor.execute(index.remove_sql(Product, schema_editor, concurrently=True))
        schema_editor.execute(index.create_sql(Product, schema_editor, concurrently=True))


def drop_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    Product = apps.get_model("catalog", "Product")
    for index in search_indexes():
        schema_editor.execute(index.remove_sql(Product, schema_editor, concurrently=True))


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("catalog", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_search_indexes, drop_search_indexes, elidable=False),
    ]
