from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from . import services
from .models import Category, Product, ProductImage, StockMovement

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


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
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

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("images")

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
