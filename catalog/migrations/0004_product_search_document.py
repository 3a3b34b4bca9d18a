"""A stored full-text document for products, on PostgreSQL only.

Migration 0002 indexed the expression `catalog.models.product_search_vector()`. The index finds
the matching rows, but ranking them recomputed every match's document from its name and
description: a common word at 100,000 products (10,000 matches) took 240 ms. This migration
stores the document in `products.search_document`, kept current by a trigger on every insert
and on every update that writes name or description, and indexes the column instead
(`products_search_document_idx`); ranking then reads the stored document (about 20 ms).

The column is not a model field, so no product query loads it (a card, a cart line or a
checkout never needs it); `catalog.models.StoredSearchDocument` names it in a search. The stock
decrement at checkout writes neither name nor description, so it does not run the trigger.

Existing rows are filled in batches, each its own transaction, so a deploy never holds a lock on
every product at once; the index builds CONCURRENTLY (hence `atomic = False`). On SQLite (the
local `make run`) this migration does nothing; it changes no model state, so
`makemigrations --check` stays clean. Reversing restores 0002's expression index.
"""

import importlib

from django.db import migrations

migration_0002 = importlib.import_module("catalog.migrations.0002_product_search_indexes")

BACKFILL_BATCH = 10_000

# The same document as product_search_vector(): test_search_document_matches_the_expression.
DOCUMENT_SQL = (
    "setweight(to_tsvector('english'::regconfig, COALESCE({row}name, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, COALESCE({row}description, '')), 'B')"
)

CREATE_TRIGGER = f"""
ALTER TABLE products ADD COLUMN IF NOT EXISTS search_document tsvector;
CREATE OR REPLACE FUNCTION products_search_document() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_document := {DOCUMENT_SQL.format(row="NEW.")};
    RETURN NEW;
END
$$;
DROP TRIGGER IF EXISTS products_search_document ON products;
CREATE TRIGGER products_search_document
    BEFORE INSERT OR UPDATE OF name, description ON products
    FOR EACH ROW EXECUTE FUNCTION products_search_document();
"""

BACKFILL = f"""
UPDATE products SET search_document = {DOCUMENT_SQL.format(row="")}
WHERE id IN (
    SELECT id FROM products WHERE search_document IS NULL ORDER BY id LIMIT {BACKFILL_BATCH}
)
"""

INDEX = "products_search_document_idx"


def expression_index(apps, schema_editor):
    """0002's index on the document's expression, and the model it belongs to."""
    return migration_0002.search_indexes()[0], apps.get_model("catalog", "Product")


def store_search_document(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE_TRIGGER)
    with schema_editor.connection.cursor() as cursor:
        while True:
            cursor.execute(BACKFILL)
            if cursor.rowcount < BACKFILL_BATCH:
                break
    # A failed concurrent build leaves an invalid index behind; drop it so a retry works.
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")
    schema_editor.execute(f"CREATE INDEX CONCURRENTLY {INDEX} ON products USING gin (search_document)")
    index, model = expression_index(apps, schema_editor)
    schema_editor.execute(index.remove_sql(model, schema_editor, concurrently=True))


def drop_search_document(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    index, model = expression_index(apps, schema_editor)
    schema_editor.execute(index.remove_sql(model, schema_editor, concurrently=True))
    schema_editor.execute(index.create_sql(model, schema_editor, concurrently=True))
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")
    schema_editor.execute(
        "DROP TRIGGER IF EXISTS products_search_document ON products;"
        "DROP FUNCTION IF EXISTS products_search_document();"
        "ALTER TABLE products DROP COLUMN IF EXISTS search_document;"
    )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("catalog", "0003_product_active_name_idx"),
    ]

    operations = [
        migrations.RunPython(store_search_document, drop_search_document, elidable=False),
    ]
