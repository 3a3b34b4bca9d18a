"""Products in and out of spreadsheets (django-import-export): the admin's import and export,
and `manage.py import_products`.

A row is a product identified by its SKU; its category is named by slug. Stock is exported but
never imported: it changes only through the stock ledger (catalog.services), so a new product
starts at 0 and an imported file can never undo a sale. Every row is checked before anything is
written, in Python against what was loaded once at the start (categories, slugs, SKUs), so an
import of 10,000 rows costs a few queries per thousand rows rather than several per row; the
database's constraints still back every check.
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import connections
from django.utils import timezone
from django.utils.text import slugify
from import_export import fields, resources, widgets
from import_export.instance_loaders import CachedInstanceLoader

from . import changes
from .models import Category, Product

# Rows written per INSERT / UPDATE statement.
BATCH_SIZE = 1000
UPDATE_SQL = (
    "UPDATE {table} AS p SET {assignments} FROM (VALUES {rows}) AS v ({names}) WHERE p.id = v.id"
)
COLUMNS = ["sku", "name", "slug", "category", "price", "is_active", "description", "stock"]


class CategoryBySlugWidget(widgets.ForeignKeyWidget):
    """A category named by its slug; all categories are loaded once per import (the table is
    small), and an unknown slug is the row's error, naming it."""

    def __init__(self):
        super().__init__(Category, field="slug")
        self._by_slug = None

    def clean(self, value, row=None, **kwargs):
        slug = str(value or "").strip()
        if not slug:
            return None
        if self._by_slug is None:
            self._by_slug = {category.slug: category for category in Category.objects.all()}
        try:
            return self._by_slug[slug]
        except KeyError:
            raise ValueError(f"There is no category with the slug “{slug}”.") from None


class PriceWidget(widgets.DecimalWidget):
    """A price in EUR; the model's validators check it is not negative and has 2 decimals."""

    def clean(self, value, row=None, **kwargs):
        if self.is_empty(value):
            return None
        try:
            return Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(f"“{value}” is not a price; write it like 12.50.") from None


class ActiveWidget(widgets.BooleanWidget):
    """1/0, true/false or yes/no; blank keeps what the product has (new products: active)."""

    TRUE = {"1", "true", "yes"}
    FALSE = {"0", "false", "no"}

    def clean(self, value, row=None, **kwargs):
        text = str(value if value is not None else "").strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        if text in {"", "none", "null"}:
            return None
        raise ValueError(f"“{value}” is not 1/0, true/false or yes/no.")


class OptionalTextWidget(widgets.CharWidget):
    """Text where a blank cell means "not given" (None), not "empty"."""

    def clean(self, value, row=None, **kwargs):
        text = super().clean(value, row, **kwargs)
        return text.strip() or None if text is not None else None


class ProductResource(resources.ModelResource):
    sku = fields.Field(attribute="sku", column_name="sku", widget=widgets.CharWidget())
    name = fields.Field(attribute="name", column_name="name", widget=widgets.CharWidget())
    # Blank: an existing product keeps its slug, a new one gets one made from its name.
    slug = fields.Field(
        attribute="slug",
        column_name="slug",
        widget=OptionalTextWidget(),
        saves_null_values=False,
    )
    category = fields.Field(
        attribute="category", column_name="category", widget=CategoryBySlugWidget()
    )
    price = fields.Field(attribute="price", column_name="price", widget=PriceWidget())
    is_active = fields.Field(
        attribute="is_active",
        column_name="is_active",
        widget=ActiveWidget(),
        saves_null_values=False,
    )
    description = fields.Field(
        attribute="description", column_name="description", widget=widgets.CharWidget()
    )
    # Exported for reference; never imported (the stock ledger owns it).
    stock = fields.Field(
        attribute="stock", column_name="stock", widget=widgets.IntegerWidget(), readonly=True
    )

    class Meta:
        model = Product
        fields = COLUMNS
        export_order = COLUMNS
        import_id_fields = ["sku"]
        # Model validation (lengths, price >= 0 and 2 decimals, blanks) gives row errors.
        clean_model_instances = True
        skip_unchanged = True
        # All existing products of the file in one query, not one per row.
        instance_loader_class = CachedInstanceLoader
        use_bulk = True
        batch_size = BATCH_SIZE

    def __init__(self, *, progress=None, **kwargs):
        """`progress`: called with 1 as each row has been checked (manage.py import_products
        gives a progress bar's update)."""
        super().__init__(**kwargs)
        self._progress = progress

    def get_queryset(self):
        return Product.objects.select_related("category")

    @classmethod
    def imported_columns(cls):
        """The columns an import reads (the stock is only exported)."""
        return [cls.fields[name].column_name for name in COLUMNS if not cls.fields[name].readonly]

    def before_import(self, dataset, **kwargs):
        # Who owns each slug now, and what this file has claimed so far.
        self._slug_owner = dict(Product.objects.values_list("slug", "sku"))
        self._claimed_slugs = {}
        self._lines_by_sku = {}
        self._line = None
        self._now = timezone.now()

    def before_import_row(self, row, **kwargs):
        self._line = kwargs.get("row_number")

    def after_import_row(self, row, row_result, **kwargs):
        if self._progress is not None:
            self._progress(1)

    def import_instance(self, instance, row, **kwargs):
        try:
            super().import_instance(instance, row, **kwargs)
        finally:
            if not instance.slug and instance.pk is None:
                instance.slug = self._free_slug(instance)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """Field validation by the model, uniqueness against what before_import loaded.

        Django's own unique and constraint checks would ask the database several times per row;
        the database's constraints still refuse whatever slips past (the import is then rolled
        back whole).
        """
        errors = dict(import_validation_errors or {})
        try:
            instance.full_clean(
                exclude=[*errors.keys(), "category"],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if "category" not in errors and instance.category_id is None:
            errors["category"] = ["Give the slug of the product's category."]
        for field, message in self._uniqueness_errors(instance).items():
            errors.setdefault(field, []).append(message)
        if errors:
            raise ValidationError(errors)

    def _uniqueness_errors(self, instance):
        errors = {}
        sku, slug = instance.sku, instance.slug
        if sku:
            if sku in self._lines_by_sku:
                errors["sku"] = f"SKU “{sku}” is also on row {self._lines_by_sku[sku]}."
            else:
                self._lines_by_sku[sku] = self._line
        if slug:
            owner = self._claimed_slugs.get(slug, self._slug_owner.get(slug, sku))
            if owner != sku:
                errors["slug"] = f"The slug “{slug}” belongs to the product with SKU “{owner}”."
            else:
                self._claimed_slugs[slug] = sku
        return errors

    def _free_slug(self, instance):
        """A slug for a new product given none: its name's, else its name's and SKU's."""
        for candidate in (slugify(instance.name), slugify(f"{instance.name}-{instance.sku}")):
            candidate = candidate[: Product._meta.get_field("slug").max_length]
            taken = self._claimed_slugs.get(candidate, self._slug_owner.get(candidate))
            if candidate and taken in (None, instance.sku):
                return candidate
        return ""

    def before_save_instance(self, instance, row, **kwargs):
        # bulk_update writes only the fields it is given, so `auto_now` is set here.
        instance.updated_at = self._now

    def get_bulk_update_fields(self):
        """What an update writes: the imported columns and `updated_at`, never the stock (a
        sale committed since the product was read would be undone)."""
        imported = [
            field.attribute
            for name, field in self.fields.items()
            if not field.readonly and name not in self._meta.import_id_fields
        ]
        return [*imported, "updated_at"]

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        """Changed products written in one UPDATE ... FROM (VALUES ...) per batch on PostgreSQL.

        Django's bulk_update builds a CASE WHEN per column and row: 1 ms of CPU per row, 10 s
        for 10,000 rows, where this takes a tenth of a second.
        """
        using = self.get_db_connection_name()
        if connections[using].vendor != "postgresql":
            return super().bulk_update(
                using_transactions, dry_run, raise_errors, batch_size=batch_size, result=result
            )
        if self.update_instances and (using_transactions or not dry_run):
            try:
                update_products(self.update_instances, self.get_bulk_update_fields(), using)
            except Exception as error:
                self.handle_import_error(result, error, raise_errors)
            finally:
                self.update_instances.clear()

    def after_import(self, dataset, result, **kwargs):
        """Nothing: the base class resets the id sequence to the highest id, which only matters
        for imported ids (never here) and could hand out ids a concurrent insert holds."""


def update_products(products, field_names, using):
    """Write `field_names` of `products` (PostgreSQL: one statement), and tell catalog.changes:
    the pages that showed them before (a move or a rename leaves those) and after."""
    connection = connections[using]
    quote = connection.ops.quote_name
    model_fields = [Product._meta.get_field(name) for name in field_names]
    columns = [field.column for field in model_fields]
    casts = ", ".join(
        ["%s::bigint", *(f"%s::{field.db_type(connection)}" for field in model_fields)]
    )
    rows, params = [], []
    for product in products:
        rows.append(f"({casts})")
        params.append(product.pk)
        params.extend(
            field.get_db_prep_save(getattr(product, field.attname), connection)
            for field in model_fields
        )
    assignments = ", ".join(f"{quote(column)} = v.{quote(column)}" for column in columns)
    names = ", ".join(quote(column) for column in ["id", *columns])
    # Identifiers from the model, quoted; every value a parameter.
    sql = UPDATE_SQL.format(
        table=quote(Product._meta.db_table),
        assignments=assignments,
        rows=", ".join(rows),
        names=names,
    )
    same_products = Product.objects.using(using).filter(pk__in=[product.pk for product in products])
    changes.products_changed(same_products, using)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    changes.products_changed(same_products, using)
