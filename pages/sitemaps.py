from django.contrib import sitemaps
from django.db.models import Max

from .models import Page


class PageSitemap(sitemaps.Sitemap):
    """The shop's pages of text (contact, returns, terms, privacy...)."""

    def items(self):
        return Page.objects.only("slug", "updated_at").order_by("pk")

    def lastmod(self, page):
        return page.updated_at

    def get_latest_lastmod(self):
        # Django's default reads every page for the index's <lastmod>: one aggregate instead.
        return Page.objects.aggregate(latest=Max("updated_at"))["latest"]
