"""The catalog's search migrations, which run SQL of their own on PostgreSQL only."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

from catalog.models import Product, ProductImage, StoredSearchDocument, product_search_vector
from tests.factories import CategoryFactory, ProductFactory

# The catalog's newest migration, whatever it is: a test that stops short of it would leave the
# tables of the later ones out for the tests that run after.
(LATEST,) = MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes("catalog")
BEFORE_SEARCH_INDEXES = ("catalog", "0001_initial")
BEFORE_STORED_DOCUMENT = ("catalog", "0003_product_active_name_idx")
BEFORE_NAME_WORDS = ("catalog", "0004_product_search_document")


def product_indexes():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'products'")
        return {name for (name,) in cursor.fetchall()}


def product_columns():
    with connection.cursor() as cursor:
        return {column.name for column in connection.introspection.get_table_description(
            cursor, "products"
        )}  # fmt: skip


def tables():
    with connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor))


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate([target])


def old_product(target, **fields):
    """A product saved through the model as it was at migration `target`: today's model has no
    column for what an older schema requires (the image path before migration 0008)."""
    model = (
        MigrationExecutor(connection)
        .loader.project_state(target)
        .apps.get_model("catalog", "Product")
    )
    made = ProductFactory.build()
    return model.objects.create(
        category_id=CategoryFactory().pk, slug=made.slug, sku=made.sku, price=made.price, **fields
    )


@pytest.fixture
def back_to_latest(postgresql):
    yield
    migrate(LATEST)


@pytest.mark.django_db(transaction=True)
def test_search_migrations_reverse_and_apply_again(back_to_latest):
    migrate(BEFORE_SEARCH_INDEXES)
    assert "search_document" not in product_columns()
    assert not product_indexes() & {"products_search_idx", "products_name_trgm_idx"}

    migrate(BEFORE_STORED_DOCUMENT)
    assert {"products_search_idx", "products_name_trgm_idx"} <= product_indexes()

    migrate(BEFORE_NAME_WORDS)
    assert "search_document" in product_columns()
    indexes = product_indexes()
    assert {"products_search_document_idx", "products_name_trgm_idx"} <= indexes
    assert "products_search_idx" not in indexes  # replaced by the stored document's index
    assert "product_name_words" not in tables()

    migrate(LATEST)
    indexes = product_indexes()
    assert {"products_search_document_idx", "products_name_document_idx"} <= indexes
    assert "products_name_trgm_idx" not in indexes  # replaced by the word list
    assert "product_name_words" in tables()


@pytest.mark.django_db(transaction=True)
def test_stored_search_document_is_filled_for_existing_products(back_to_latest):
    migrate(BEFORE_STORED_DOCUMENT)
    lamp = old_product(BEFORE_STORED_DOCUMENT, name="Walnut lamp", description="Warm light")

    migrate(LATEST)

    assert Product.objects.search("walnut").get().pk == lamp.pk
    assert Product.objects.search("light").get().pk == lamp.pk


@pytest.mark.django_db(transaction=True)
def test_word_list_is_filled_with_the_words_of_existing_products(back_to_latest):
    migrate(BEFORE_NAME_WORDS)
    lamp = old_product(BEFORE_NAME_WORDS, name="Walnut lamp")

    migrate(LATEST)

    assert Product.objects.similar_names("walnt").get().pk == lamp.pk


def stored_and_computed(product):
    return (
        Product.objects.filter(pk=product.pk)
        .annotate(stored=StoredSearchDocument(), computed=product_search_vector())
        .values_list("stored", "computed")
        .get()
    )


def test_search_document_matches_the_expression(postgresql):
    """The trigger's SQL and product_search_vector() must build the same document."""
    product = ProductFactory(name="Studio Headphones", description="Closed-back, for mixing.")
    stored, computed = stored_and_computed(product)
    assert stored == computed


def test_search_document_follows_name_and_description_changes(postgresql):
    product = ProductFactory(name="Walnut lamp", description="Warm light")
    product.name = "Oak desk"
    product.save()
    Product.objects.filter(pk=product.pk).update(description="Solid and heavy")

    assert not Product.objects.search("walnut").exists()
    assert Product.objects.search("oak heavy").get() == product
    stored, computed = stored_and_computed(product)
    assert stored == computed


BEFORE_PICTURES = ("catalog", "0006_productimage")


@pytest.mark.django_db(transaction=True)
def test_each_product_s_picture_becomes_its_first_product_image_and_back(back_to_latest):
    migrate(BEFORE_PICTURES)
    lamp = old_product(BEFORE_PICTURES, name="Oak lamp", image="products/oak-lamp.jpg")
    unpictured = old_product(BEFORE_PICTURES, name="Plain box", image="")

    migrate(LATEST)

    picture = ProductImage.objects.get()
    assert (picture.product_id, picture.image.name) == (lamp.pk, "products/oak-lamp.jpg")
    assert (picture.alt_text, picture.position, picture.renditions) == ("Oak lamp", 0, {})
    assert picture.width is None  # until `manage.py make_renditions`
    assert Product.objects.get(pk=unpictured.pk).pictures == []

    ProductImage.objects.bulk_create(
        [ProductImage(product_id=unpictured.pk, image="products/box.jpg", alt_text="Box")]
    )
    migrate(BEFORE_PICTURES)
    old_model = MigrationExecutor(connection).loader.project_state(BEFORE_PICTURES).apps
    images = dict(old_model.get_model("catalog", "Product").objects.values_list("pk", "image"))
    assert images == {lamp.pk: "products/oak-lamp.jpg", unpictured.pk: "products/box.jpg"}
