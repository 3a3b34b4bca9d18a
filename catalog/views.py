from urllib.parse import urlencode

from django.http import Http404
from django.urls import reverse
from django.views.generic import DetailView, ListView, TemplateView

from . import changes
from .categories import active_categories, children_of, top_level
from .forms import ProductFilterForm
from .models import Category, Product
from .page_cache import CachedForVisitorsMixin
from .pagination import CappedPaginator
from .spelling import corrected_query

PRODUCTS_PER_PAGE = 24
# Deeper than this, shoppers are asked to narrow the search: 2,400 products at 24 a page.
MAX_LISTING_PAGES = 100
HOME_SHELF_SIZE = 8


def breadcrumbs(category, *, current=None):
    """(label, url) pairs from Home down to `category`, then `current` (a label) if given."""
    trail = [("Home", reverse("catalog:home"))]
    trail += [(step.name, step.get_absolute_url()) for step in _path_to(category)]
    if current is not None:
        trail.append((current, ""))
    return trail


def listing_breadcrumbs(category):
    """Home > Products, then the filtered category's path, each step the listing filtered by
    it: Home > Products > Audio > Headphones for `?category=headphones`."""
    listing = reverse("catalog:product-list")
    trail = [("Home", reverse("catalog:home")), ("Products", listing)]
    trail += [
        (step.name, f"{listing}?{urlencode({'category': step.slug})}")
        for step in _path_to(category)
    ]
    return trail


def _path_to(category):
    """`category` and its ancestors, top-level first. Walks up only through parents already
    loaded with select_related, so it never queries."""
    path = []
    while category is not None:
        path.insert(0, category)
        parent_loaded = category.parent_id is None or Category.parent.is_cached(category)
        category = category.parent if parent_loaded else None
    return path


class HomeView(CachedForVisitorsMixin, TemplateView):
    template_name = "catalog/home.html"

    def get_context_data(self, **kwargs):
        products = Product.objects.for_listing()
        return super().get_context_data(
            categories=top_level(active_categories(self.request)),
            newest_products=products.newest()[:HOME_SHELF_SIZE],
            top_rated_products=products.top_rated()[:HOME_SHELF_SIZE],
            **kwargs,
        )


class FilteredProductListMixin:
    """The listing's filters, sorts and pagination, for /products/ and a category's page.

    Invalid parameters are ignored (the page says so) and any `page` value shows a page that
    exists: shoppers get a sensible page for whatever URL they bring, never an error. A search
    that finds nothing forgives a typo, within the other filters: products with similar names.
    The pages stop at MAX_LISTING_PAGES (CappedPaginator), so that no page counts or skips
    every product.
    """

    context_object_name = "products"
    paginate_by = PRODUCTS_PER_PAGE
    paginator_class = CappedPaginator

    def get_filter_form(self):
        raise NotImplementedError

    def get_products(self):
        return Product.objects.for_listing()

    def get_queryset(self):
        self.filter_form = self.get_filter_form()
        filters = self.filter_form.filters
        products = self.get_products().filter_listing(
            category=filters.get("category"),
            min_price=filters["min_price"],
            max_price=filters["max_price"],
            in_stock=filters["in_stock"],
            active_categories=active_categories(self.request),
        )
        self.similar_products = None
        if filters["q"]:
            self.similar_products = products.similar_names(filters["q"]).sorted_by(filters["sort"])
            products = products.search(filters["q"])
        return products.sorted_by(filters["sort"])

    def get_paginator(self, queryset, per_page, **kwargs):
        return super().get_paginator(queryset, per_page, max_pages=MAX_LISTING_PAGES, **kwargs)

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(queryset, page_size)
        # Decided on the count the paginator needs anyway. An EXISTS first would cost a query,
        # and PostgreSQL may plan it as a scan of every product (LIMIT 1 hoping for an early
        # hit), which is slowest exactly when nothing matches.
        if paginator.count == 0 and self.similar_products is not None:
            paginator = self.get_paginator(self.similar_products, page_size)
        page = paginator.get_page(self.request.GET.get(self.page_kwarg))
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        products = context["products"]  # the page's rows, fetched here once for the template
        form = self.filter_form
        context.update(
            filter_form=form.redisplay(),
            filter_notes=form.notes,
            is_filtered=form.is_filtered,
            search_query=form.filters["q"],
            approximate_match=bool(products)
            and getattr(products[0], "is_approximate_match", False),
            query_string=form.query_string,
            filter_chips=form.chips,
        )
        if context["approximate_match"]:
            context["corrected_query"] = corrected_query(context["search_query"])
        return context


class ProductListView(CachedForVisitorsMixin, FilteredProductListMixin, ListView):
    template_name = "catalog/product_list.html"

    def get_filter_form(self):
        return ProductFilterForm(self.request.GET, categories=active_categories(self.request))

    def get_context_data(self, **kwargs):
        filters = self.filter_form.filters
        matching_categories = []
        if filters["q"]:
            matching_categories = list(Category.objects.active().matching(filters["q"]))
        return super().get_context_data(
            selected_category=filters["category"],
            filter_action=reverse("catalog:product-list"),
            breadcrumbs=listing_breadcrumbs(filters["category"]),
            matching_categories=matching_categories,
            **kwargs,
        )


class CategoryDetailView(CachedForVisitorsMixin, FilteredProductListMixin, ListView):
    """A category's page lists the products of the category and of its sub-categories."""

    template_name = "catalog/category_detail.html"

    def page_scopes(self):
        return [changes.TREE, changes.category_page(self.kwargs["slug"])]

    def get_filter_form(self):
        return ProductFilterForm(self.request.GET)

    def get_products(self):
        categories = active_categories(self.request)
        slug = self.kwargs["slug"]
        self.category = next((c for c in categories if c.slug == slug), None)
        if self.category is None:
            raise Http404("No active category with this slug.")
        return super().get_products().in_category_tree(self.category, categories)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            category=self.category,
            subcategories=children_of(self.category, active_categories(self.request)),
            filter_action=self.category.get_absolute_url(),
            breadcrumbs=breadcrumbs(self.category),
            **kwargs,
        )


class ProductDetailView(CachedForVisitorsMixin, DetailView):
    template_name = "catalog/product_detail.html"
    context_object_name = "product"

    def page_scopes(self):
        return [changes.TREE, changes.product_page(self.kwargs["slug"])]

    def get_queryset(self):
        return Product.objects.active().select_related("category__parent")

    def get_context_data(self, **kwargs):
        product = self.object
        return super().get_context_data(
            breadcrumbs=breadcrumbs(product.category, current=product.name),
            **kwargs,
        )
