"""A word list of product names for the typo-forgiving search, on PostgreSQL only.

Migration 0002 forgave a typo by comparing the typed text with every product's name through a
trigram index on `products.name` (`products_name_trgm_idx`): at 100,000 products the index
offered thousands of candidates, each compared in full, and a typo cost 36 ms. This migration
replaces that index with:

- `product_name_words`: every distinct word of every product name (runs of letters and digits,
  lowercased), with a trigram index (`product_name_words_trgm_idx`), so that a typed word is
  corrected against a few thousand words instead of every name. A trigger adds the words of
  each new or renamed product. A word no product has any more stays: it can only offer a
  correction that matches nothing.
- `products_name_document_idx`: GIN on the full-text document of the name alone,
  `catalog.models.product_name_vector()`, which finds the products whose name has a corrected
  word. The expression is repeated here rather than imported, as a migration must not change
  when the model code does.

The word list is filled in one statement after its trigger exists, so no product added
meanwhile is missed; reading products takes no lock that blocks a write. The product index is
built CONCURRENTLY (hence `atomic = False`). On SQLite (the local `make run`) this migration
does nothing; it changes no model state, so `makemigrations --check` stays clean. Reversing
restores 0002's trigram index on names.
"""

import importlib

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

migration_0002 = importlib.import_module("catalog.migrations.0002_product_search_indexes")

WORDS_OF_NAME = "regexp_split_to_table(lower({name}), '[^[:alnum:]]+')"

CREATE_WORD_LIST = f"""
CREATE TABLE IF NOT EXISTS product_name_words (word text PRIMARY KEY);
CREATE INDEX IF NOT EXISTS product_name_words_trgm_idx
    ON product_name_words USING gin (word gin_trgm_ops);
CREATE OR REPLACE FUNCTION products_name_words() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO product_name_words (word)
    SELECT DISTINCT word FROM {WORDS_OF_NAME.format(name="NEW.name")} AS word
    WHERE word <> ''
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS products_name_words ON products;
CREATE TRIGGER products_name_words
    AFTER INSERT OR UPDATE OF name ON products
    FOR EACH ROW EXECUTE FUNCTION products_name_words();
"""

FILL_WORD_LIST = f"""
INSERT INTO product_name_words (word)
SELECT DISTINCT word FROM products, {WORDS_OF_NAME.format(name="products.name")} AS word
WHERE word <> ''
ON CONFLICT DO NOTHING
"""

DROP_WORD_LIST = """
DROP TRIGGER IF EXISTS products_name_words ON products;
DROP FUNCTION IF EXISTS products_name_words();
DROP TABLE IF EXISTS product_name_words;
"""


def name_document_index():
    return GinIndex(SearchVector("name", config="english"), name="products_name_document_idx")


def indexes(apps):
    """This migration's index on names, 0002's trigram index on names, and their model."""
    trigram_index = migration_0002.search_indexes()[1]
    return name_document_index(), trigram_index, apps.get_model("catalog", "Product")


def create_word_list(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE_WORD_LIST)
    schema_editor.execute(FILL_WORD_LIST)
    name_index, trigram_index, model = indexes(apps)
    # A failed concurrent build leaves an invalid index behind; drop it so a retry works.
    schema_editor.execute(name_index.remove_sql(model, schema_editor, concurrently=True))
    schema_editor.execute(name_index.create_sql(model, schema_editor, concurrently=True))
    schema_editor.execute(trigram_index.remove_sql(model, schema_editor, concurrently=True))


def drop_word_list(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    name_index, trigram_index, model = indexes(apps)
    schema_editor.execute(trigram_index.remove_sql(model, schema_editor, concurrently=True))
    schema_editor.execute(trigram_index.create_sql(model, schema_editor, concurrently=True))
    schema_editor.execute(name_index.remove_sql(model, schema_editor, concurrently=True))
    schema_editor.execute(DROP_WORD_LIST)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("catalog", "0004_product_search_document"),
    ]

    operations = [
        migrations.RunPython(create_word_list, drop_word_list, elidable=False),
    ]
