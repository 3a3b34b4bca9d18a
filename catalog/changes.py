"""What changed in the catalog: writes report it here, and copies of catalog pages ask here
whether they are still current.

A catalog page shows *scopes* of the catalog, each with a version in the shared cache:

    tree               the category tree: every page (navigation, filter form, breadcrumbs)
    listing            the listings of all products: /products/ (any filter) and the home page
    category:<slug>    a category's page: the products of its subtree
    product:<slug>     a product's page: the product, its stock, rating and reviews

A committed write replaces the versions of the scopes that show what it changed: a product's
own page, the listing, and the pages of its category and that category's parent (before and
after, when it moves); any category change, the tree. A sale changes only what pages show of
the stock (catalog.stock_levels): its product's page when the count shown there changes,
listings when the product runs low or out; so most sales replace no version at all.

A copy of a page keeps the versions read before its queries, and is current while they are: a
page rendered while a change committed carries the old version and is never used after it.
When the cache cannot be reached the change is logged; copies expire on their own timeout.
"""

import logging
import secrets
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

TREE = "tree"
LISTING = "listing"
_VERSION_KEY_PREFIX = "catalog-versions:"


def category_page(slug: str) -> str:
    return f"category:{slug}"


def product_page(slug: str) -> str:
    return f"product:{slug}"


def version_key(scope: str) -> str:
    return _VERSION_KEY_PREFIX + scope


def current_versions(scopes: Sequence[str], found: dict) -> tuple[str, ...]:
    """The versions of `scopes`, given what a get_many() of their version_key()s (and maybe
    other keys) found; a scope without a version yet gets one. Raises the cache's errors."""
    missing = [version_key(scope) for scope in scopes if version_key(scope) not in found]
    if missing:
        for key in missing:  # add(): processes starting a scope together agree on one version
            cache.add(key, secrets.token_hex(8), timeout=None)
        found = {**found, **cache.get_many(missing)}
    return tuple(found[version_key(scope)] for scope in scopes)


def versions(scopes: Sequence[str]) -> tuple[str, ...]:
    """The current versions of `scopes`, read from the cache. Raises the cache's errors."""
    return current_versions(scopes, cache.get_many([version_key(scope) for scope in scopes]))


def changed(scopes: Iterable[str], using: str = "default") -> None:
    """Pages showing `scopes` are out of date once the current transaction (if any) commits."""
    scopes = set(scopes)
    if scopes and settings.CATALOG_PAGE_CACHE:
        transaction.on_commit(lambda: _replace_versions(scopes), using=using)


def _replace_versions(scopes: set[str]) -> None:
    try:
        cache.set_many({version_key(scope): secrets.token_hex(8) for scope in scopes}, None)
    except Exception:
        logger.exception("Could not mark catalog pages out of date: %s", sorted(scopes))


def tree_changed(using: str = "default") -> None:
    changed([TREE], using)


def scopes_showing(products, using: str = "default") -> set[str]:
    """The scopes that show the products of the QuerySet `products` as they are now: one query
    (none with the page cache off)."""
    if not settings.CATALOG_PAGE_CACHE:
        return set()
    rows = products.using(using).values_list("slug", "category__slug", "category__parent__slug")
    scopes = set()
    for product_slug, category_slug, parent_slug in rows:
        scopes.update([LISTING, product_page(product_slug), category_page(category_slug)])
        if parent_slug is not None:
            scopes.add(category_page(parent_slug))
    return scopes


def products_changed(products, using: str = "default") -> None:
    """The products of the QuerySet `products` change in the current transaction. Call it before
    the change (the pages that show them as they were) and, when it moves or renames them, after
    it too."""
    changed(scopes_showing(products, using), using)


def product_pages_changed(products, using: str = "default") -> None:
    """Only the own pages of the products of the QuerySet `products` change (their reviews)."""
    if settings.CATALOG_PAGE_CACHE:
        slugs = products.using(using).values_list("slug", flat=True)
        changed([product_page(slug) for slug in slugs], using)
