from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView, TemplateView

from .models import Category, Product

PRODUCTS_PER_PAGE = 24


class HomeView(TemplateView):
    template_name = "catalog/home.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            categories=Category.objects.active().top_level(),
            newest_products=Product.objects.for_listing().order_by("-created_at")[:8],
            **kwargs,
        )


class ProductListView(ListView):
    template_name = "catalog/product_list.html"
    context_object_name = "products"
    paginate_by = PRODUCTS_PER_PAGE

    def get_queryset(self):
        return Product.objects.for_listing().order_by("name", "pk")


class CategoryDetailView(ListView):
    """A category's page lists the products of the category and of its sub-categories."""

    template_name = "catalog/category_detail.html"
    context_object_name = "products"
    paginate_by = PRODUCTS_PER_PAGE

    def get_queryset(self):
        self.category = get_object_or_404(Category.objects.active(), slug=self.kwargs["slug"])
        return Product.objects.for_listing().in_category_tree(self.category).order_by("name", "pk")

    def get_context_data(self, **kwargs):
        return super().get_context_data(category=self.category, **kwargs)


class ProductDetailView(DetailView):
    template_name = "catalog/product_detail.html"
    context_object_name = "product"

    def get_queryset(self):
        return Product.objects.for_listing()
