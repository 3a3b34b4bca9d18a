from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ExportForm

from . import services
from .models import Category, Product, ProductImage, StockMovement
from .resources import ProductResource

STOCK_HISTORY_SHOWN = 50


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "slug", "product_count", "is_active"]
    list_filter = ["is_active", ("parent", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["parent"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(product_count=Count("products"))

    @admin.display(description="products", ordering="product_count")
    def product_count(self, category):
        return category.product_count


class LowStockFilter(admin.SimpleListFilter):
    title = "stock"
    parameter_name = "stock"

    def lookups(self, request, model_admin):
        return [
            ("low", f"Low (≤ {settings.LOW_STOCK_THRESHOLD})"),
            ("out", "Out of stock"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "low":
            return queryset.low_stock(settings.LOW_STOCK_THRESHOLD)
        if self.value() == "out":
            return queryset.filter(stock=0)
        return queryset


def thumbnail(picture, size=(64, 48)):
    """An <img> of the picture's smallest rendition, or a dash without one."""
    if picture is None or not picture.image:
        return "–"
    return format_html(
        '<img src="{}" alt="{}" width="{}" height="{}" class="admin-thumbnail">',
        picture.thumbnail_url,
        picture.alt_text,
        *size,
    )


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    fields = ["preview", "image", "alt_text", "position"]
    readonly_fields = ["preview"]
    ordering = ["position", "pk"]
    extra = 1

    @admin.display(description="shown")
    def preview(self, picture):
        return thumbnail(picture if picture.pk else None, size=(96, 72))


class ImportFileGone(Exception):
    """The file uploaded for an import's preview is gone (expired, or kept by another server)."""


def checked_storage(storage_class):
    """`storage_class` (django-import-export's temporary storage of the uploaded file) raising
    ImportFileGone for a missing file, where it would raise some error of its own or read None."""

    class CheckedStorage(storage_class):
        def read(self):
            try:
                data = super().read()
            except FileNotFoundError:
                data = None
            if data is None:
                raise ImportFileGone
            return data

    return CheckedStorage


@admin.register(Product)
class ProductAdmin(ImportExportMixin, admin.ModelAdmin):
    list_display = [
        "thumbnail",
        "name",
        "sku",
        "category",
        "price",
        "stock",
        "is_active",
        "updated_at",
    ]
    list_display_links = ["thumbnail", "name"]
    # Never the stock: a form would write back the number it showed, undoing every sale made
    # meanwhile. Stock changes through "Receive or adjust stock" (catalog.services).
    list_editable = ["price", "is_active"]
    list_filter = [LowStockFilter, "is_active", ("category", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["category"]
    search_fields = ["name", "sku", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["category"]
    readonly_fields = [
        "stock_on_hand",
        "rating_average",
        "rating_count",
        "created_at",
        "updated_at",
    ]
    exclude = ["stock"]
    date_hierarchy = "created_at"
    list_per_page = 50
    inlines = [ProductImageInline]
    # Import and export (django-import-export): a dry run lists every row's errors, and the
    # import writes nothing unless every row is good (catalog.resources).
    resource_classes = [ProductResource]
    formats = [CSV, XLSX]
    import_template_name = "admin/catalog/product/import.html"
    # Every column, no per-column checkboxes: their "Select all" is an inline script that the
    # Content-Security-Policy blocks, and a partial file would not import back.
    export_form_class = ExportForm

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("images")

    def has_import_permission(self, request):
        # An import adds products as well as changing them.
        return super().has_import_permission(request) and self.has_add_permission(request)

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        if isinstance(response, TemplateResponse):  # "will import the following fields"
            name = ProductResource.get_display_name()
            response.context_data["fields_list"] = [(name, ProductResource.imported_columns())]
        return response

    def get_tmp_storage_class(self):
        return checked_storage(super().get_tmp_storage_class())

    def process_import(self, request, **kwargs):
        try:
            return super().process_import(request, **kwargs)
        except ImportFileGone:
            self.message_user(
                request, "The uploaded file is no longer there: upload it again.", messages.ERROR
            )
            return redirect("admin:catalog_product_import")

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():  # rolled back whole
            self.message_user(
                request,
                "Nothing was imported: some rows no longer pass the checks (the shop changed "
                "since the preview). Upload the file again to see which.",
                messages.ERROR,
            )
            return redirect("admin:catalog_product_import")
        return super().process_result(result, request)

    def get_import_data_kwargs(self, **kwargs):
        # The confirmed import runs the checks again: a row that went bad since the preview (a
        # category deleted meanwhile) rolls the whole import back rather than being left out.
        return {**super().get_import_data_kwargs(**kwargs), "rollback_on_validation_errors": True}

    @admin.display(description="picture")
    def thumbnail(self, product):
        return thumbnail(product.main_picture)

    @admin.display(description="stock")
    def stock_on_hand(self, product):
        if product.pk is None:
            return "0 — receive stock once the product is saved"
        url = reverse("admin:catalog_product_stock", args=[product.pk])
        return format_html('{} <a href="{}">Receive or adjust stock</a>', product.stock, url)

    def get_urls(self):
        stock = self.admin_site.admin_view(self.stock_view)
        return [path("<int:pk>/stock/", stock, name="catalog_product_stock"), *super().get_urls()]

    def stock_view(self, request, pk):
        """Receive or adjust a product's stock, and its history of movements."""
        product = get_object_or_404(Product, pk=pk)
        if not self.has_change_permission(request, product):
            raise PermissionDenied
        form = StockAdjustmentForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                product = services.adjust_stock(
                    product=product, by=request.user, **form.cleaned_data
                )
            except services.StockError as error:
                form.add_error(None, str(error))
            else:
                self.message_user(
                    request, f"{product.name}: {product.stock} in stock.", messages.SUCCESS
                )
                return redirect("admin:catalog_product_stock", pk=product.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Stock of {product.name}",
            "product": product,
            "form": form,
            "movements": product.stock_movements.select_related("by")[:STOCK_HISTORY_SHOWN],
        }
        status = 400 if form.is_bound else 200
        return TemplateResponse(request, "admin/catalog/product/stock.html", context, status=status)


class StockAdjustmentForm(forms.Form):
    reason = forms.ChoiceField(
        choices=[(reason.value, reason.label) for reason in services.STAFF_REASONS],
        help_text="Received, returned and damaged: the units that came in or went. "
        "Counted: the units on the shelf now.",
    )
    quantity = forms.IntegerField(min_value=0, max_value=1_000_000, label="Units")
    note = forms.CharField(max_length=200, required=False)


@admin.register(StockMovement)
class StockMovementAdmin(admin.ModelAdmin):
    """The stock ledger: read only; new movements come from orders and the stock page."""

    list_display = ["created_at", "product", "change", "reason", "reference", "note", "by"]
    list_filter = ["reason", "created_at"]
    list_select_related = ["product", "by"]
    search_fields = ["product__name", "product__sku", "reference", "note"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
