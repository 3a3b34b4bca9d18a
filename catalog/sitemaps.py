"""The catalog's sitemaps (django.contrib.sitemaps): the pages a shopper may see.

ecommerce/urls.py serves them as /sitemap.xml, an index of one sitemap per section, each paged
by Django (50,000 URLs a page). Each page costs a fixed number of queries, whatever the size of
the catalog: a count and one page of rows.
"""

from django.contrib import sitemaps
from django.db.models import Max
from django.urls import reverse

from .models import Category, Product


class PageSitemap(sitemaps.Sitemap):
    """The pages that are not a product or a category: the home page and the listing."""

    def items(self):
        return ["catalog:home", "catalog:product-list"]

    def location(self, item):
        return reverse(item)


class CategorySitemap(sitemaps.Sitemap):
    def items(self):
        return Category.objects.active().only("slug").order_by("pk")


class ProductSitemap(sitemaps.Sitemap):
    def items(self):
        return Product.objects.active().only("slug", "updated_at").order_by("pk")

    def lastmod(self, product):
        return product.updated_at

    def get_latest_lastmod(self):
        # Django's default reads every product for the index's <lastmod>: one aggregate instead.
        return Product.objects.active().aggregate(latest=Max("updated_at"))["latest"]


SITEMAPS = {
    "pages": PageSitemap,
    "categories": CategorySitemap,
    "products": ProductSitemap,
}
