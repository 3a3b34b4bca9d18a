"""Whole catalog pages for visitors without a session, shared by every process through Redis.

A visitor with neither a session nor a messages cookie sees on the home, listing, category and
product pages exactly what every other such visitor sees: no name, an empty cart, no messages.
Those pages are stored as HTML under their URL and served from the cache, without a query and
without rendering, while the catalog is unchanged.

Never stale: every entry records the catalog's *generation*, a token in the cache that every
write to products, categories or reviews replaces once its transaction commits (post_save and
post_delete signals; `CatalogWritesQuerySet` for bulk updates such as the stock decrement at
checkout). An entry is served only while its generation is current, and a page records the
generation read before it queried the database, so a page rendered during a change is never
served after it. The key also carries a fingerprint of the code, templates, static files and
shop settings, so a deploy never serves the previous release's HTML.

The CSRF token is per visitor: pages are stored with a placeholder in its place, and each
response gets the visitor's own token (and cookie).

On only when the cache is shared (REDIS_URL; a per-process memory cache could not see another
process's writes) and reads go to the primary (a lagging replica could store an old page under
a new generation): CATALOG_PAGE_CACHE in the settings. A cache outage is logged and the page
is rendered as usual.
"""

import functools
import hashlib
import logging
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import models, transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language

logger = logging.getLogger(__name__)

GENERATION_KEY = "catalog-pages:generation"
# Freshness comes from the generation. Entries also expire, to bound the cache's memory and
# what a change could leave behind if the cache was unreachable when it committed.
PAGE_TIMEOUT_SECONDS = 60
CSRF_PLACEHOLDER = "csrf-token-placeholder-6c1f0b9e2d"
# Settings that change what a catalog page shows; part of the release fingerprint.
FINGERPRINT_SETTINGS = [
    "LOW_STOCK_THRESHOLD",
    "SHIPPING_COST",
    "FREE_SHIPPING_FROM",
    "REVIEWS_REQUIRE_APPROVAL",
    "KEYCLOAK_URL",
    "STATIC_URL",
    "MEDIA_URL",
]
SOURCE_SUFFIXES = {".py", ".html", ".txt"}


@functools.cache
def release_fingerprint() -> str:
    """A digest of this release: the project's code and templates, the static files' manifest
    and the shop settings. Computed once per process (ecommerce.wsgi: before gunicorn forks)."""
    digest = hashlib.blake2b(digest_size=8)
    base_dir = Path(settings.BASE_DIR)
    roots = [Path(config.path) for config in apps.get_app_configs()]
    roots += [Path(directory) for engine in settings.TEMPLATES for directory in engine["DIRS"]]
    # The project's own apps: installed packages are pinned by requirements.txt, and their
    # files may sit under BASE_DIR too (a virtualenv in the checkout).
    own = {root for root in roots if root.is_relative_to(base_dir)}
    own = {root for root in own if not root.is_relative_to(sys.prefix)}
    for root in sorted(own):
        for path in sorted(root.rglob("*")):
            if path.suffix in SOURCE_SUFFIXES and path.is_file():
                digest.update(str(path.relative_to(base_dir)).encode())
                digest.update(path.read_bytes())
    if settings.STATIC_ROOT:
        manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
        if manifest.is_file():
            digest.update(manifest.read_bytes())
    digest.update(repr([getattr(settings, name, None) for name in FINGERPRINT_SETTINGS]).encode())
    return digest.hexdigest()


def _new_generation() -> None:
    try:
        cache.set(GENERATION_KEY, secrets.token_hex(8), timeout=None)
    except Exception:
        # The pages cached until now stay current until they expire (PAGE_TIMEOUT_SECONDS).
        logger.exception(
            "Could not mark the cached catalog pages out of date; they expire within %s s",
            PAGE_TIMEOUT_SECONDS,
        )


def catalog_changed(using: str = "default") -> None:
    """Cached catalog pages are out of date once the current transaction (if any) commits."""
    if settings.CATALOG_PAGE_CACHE:
        transaction.on_commit(_new_generation, using=using)


class CatalogWritesQuerySet(models.QuerySet):
    """A QuerySet of a model that catalog pages show: its bulk writes, which send no signal,
    mark the cached pages out of date (saves and deletes do through catalog.signals)."""

    def update(self, **kwargs):
        rows = super().update(**kwargs)
        if rows:
            catalog_changed(self.db)
        return rows

    update.alters_data = True

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        if created:
            catalog_changed(self.db)
        return created

    bulk_create.alters_data = True


def serves(request) -> bool:
    """Whether `request` sees the page every visitor without a session sees."""
    return (
        settings.CATALOG_PAGE_CACHE
        and request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and CookieStorage.cookie_name not in request.COOKIES
    )


def with_csrf_token(html: str, request) -> str:
    """The page with the visitor's own CSRF token (and cookie) if it has a form that needs one."""
    if CSRF_PLACEHOLDER not in html:
        return html
    return html.replace(CSRF_PLACEHOLDER, get_token(request))


@dataclass
class CachedPage:
    key: str
    generation: str
    html: str | None  # None: not in the cache (or out of date) yet

    def response(self, request) -> HttpResponse:
        response = HttpResponse(with_csrf_token(self.html, request))
        patch_vary_headers(response, ["Cookie"])
        return response

    def store(self, response, request) -> None:
        """Keeps a freshly rendered page (with the placeholder), then gives the visitor their
        own CSRF token in it."""
        html = response.content.decode(response.charset)
        try:
            cache.set(self.key, (self.generation, html), timeout=PAGE_TIMEOUT_SECONDS)
        except Exception:
            logger.exception("Could not cache a catalog page")
        response.content = with_csrf_token(html, request)


def lookup(request) -> CachedPage | None:
    """The cached page for `request`, with `html` None if it must be rendered (and stored);
    None when the request does not use the cache, or the cache cannot be reached."""
    if not serves(request):
        return None
    path = hashlib.blake2b(request.get_full_path().encode(), digest_size=16).hexdigest()
    key = f"catalog-pages:{release_fingerprint()}:{get_language()}:{path}"
    try:
        found = cache.get_many([GENERATION_KEY, key])
        generation = found.get(GENERATION_KEY)
        if generation is None:
            cache.add(GENERATION_KEY, secrets.token_hex(8), timeout=None)
            generation = cache.get(GENERATION_KEY)
    except Exception:
        logger.exception("Could not read the cached catalog pages")
        return None
    if generation is None:
        return None
    stored_generation, html = found.get(key, (None, None))
    return CachedPage(key, generation, html if stored_generation == generation else None)


class CachedForVisitorsMixin:
    """For a catalog view: its page from the cache for visitors without a session."""

    cached_page = None

    def get(self, request, *args, **kwargs):
        self.cached_page = lookup(request)
        if self.cached_page is not None and self.cached_page.html is not None:
            return self.cached_page.response(request)
        response = super().get(request, *args, **kwargs)
        if self.cached_page is not None and response.status_code == 200:
            page = self.cached_page
            response.add_post_render_callback(lambda rendered: page.store(rendered, request))
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.cached_page is not None:
            context["csrf_token"] = CSRF_PLACEHOLDER
        return context
