"""The shop's own pages of text (contact, returns, terms, privacy), which staff edit in the admin.

Not django.contrib.flatpages: it needs django.contrib.sites, and with the sites framework
installed Django's sitemaps (and anything else calling get_current_site) take the host from the
Site row ("example.com") instead of from the request, while the same image serves every
environment under the host names DJANGO_ALLOWED_HOSTS lets in.
"""

from django.db import models
from django.urls import reverse

# The pages the footer links to (templates/base.html), by slug: they always exist (migration
# 0002 creates them) and staff cannot delete them or change their address in the admin.
FOOTER_SLUGS = ("contact", "returns", "terms", "privacy")


class Page(models.Model):
    slug = models.SlugField(
        max_length=60,
        unique=True,
        help_text="The page's address: /pages/<slug>/.",
    )
    title = models.CharField(max_length=120)
    body = models.TextField(
        help_text="Plain text. A blank line starts a new paragraph; web and e-mail addresses "
        "become links."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "pages"
        ordering = ["title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("pages:page", kwargs={"slug": self.slug})

    @property
    def is_in_footer(self):
        return self.slug in FOOTER_SLUGS
