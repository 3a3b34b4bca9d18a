from django.conf import settings
from django.contrib import admin
from django.db.models import Count

from .models import Category, Product


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


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "sku", "category", "price", "stock", "is_active", "updated_at"]
    list_editable = ["price", "stock", "is_active"]
    list_filter = [LowStockFilter, "is_active", ("category", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["category"]
    search_fields = ["name", "sku", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["category"]
    readonly_fields = ["rating_average", "rating_count", "created_at", "updated_at"]
    date_hierarchy = "created_at"
    list_per_page = 50
