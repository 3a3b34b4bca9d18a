"""The search indexes' migration, which runs SQL of its own on PostgreSQL only."""

import importlib

import pytest
from django.apps import apps
from django.db import connection

migration = importlib.import_module("catalog.migrations.0002_product_search_indexes")

SEARCH_INDEXES = {"products_search_idx", "products_name_trgm_idx"}


def product_indexes():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'products'")
        return {name for (name,) in cursor.fetchall()}


def run(operation):
    # As the migration runs: outside a transaction, since the indexes build CONCURRENTLY.
    with connection.schema_editor(atomic=False) as schema_editor:
        operation(apps, schema_editor)


@pytest.mark.django_db(transaction=True)
def test_search_indexes_migration_reverses_and_applies_again(postgresql):
    try:
        run(migration.drop_search_indexes)
        assert not product_indexes() & SEARCH_INDEXES
        run(migration.create_search_indexes)
        assert product_indexes() >= SEARCH_INDEXES
        run(migration.create_search_indexes)  # again, as a retry after a failed build would
        assert product_indexes() >= SEARCH_INDEXES
    finally:
        if not product_indexes() >= SEARCH_INDEXES:
            run(migration.create_search_indexes)
