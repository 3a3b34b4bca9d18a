"""The active category tree, read once per request, and kept per process while it is current.

The header's navigation, the listing's category filter, the home page's categories and a
category page (the category itself, its sub-categories, the subtree its products come from) all
read the active categories. The table is small, so one query loads every active category with
its parent, and each part of the request takes what it needs from that list instead of running
a query of its own.

With the page cache on (a shared cache), the list is also kept in the process under the category
tree's version (catalog.changes), read before the query like a cached page's: every category
change replaces the version, so the next request in every process loads the tree again. The
categories are shared by the requests of the process: read them, never change them.
"""

import logging
import threading

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from . import changes
from .models import Category

logger = logging.getLogger(__name__)

_REQUEST_ATTRIBUTE = "_catalog_active_categories"
_kept = {"version": None, "categories": []}
_kept_lock = threading.Lock()


def _load() -> list[Category]:
    return list(Category.objects.active().select_related("parent"))


def _load_or_keep() -> list[Category]:
    if not settings.CATALOG_PAGE_CACHE:
        return _load()
    try:
        (version,) = changes.versions([changes.TREE])
    except Exception:
        logger.exception("Could not read the category tree's version")
        return _load()
    with _kept_lock:
        if _kept["version"] == version:
            return _kept["categories"]
    categories = _load()
    with _kept_lock:
        _kept.update(version=version, categories=categories)
    return categories


def active_categories(request=None) -> list[Category]:
    """Active categories (under active parents), parents loaded, ordered by name."""
    categories = getattr(request, _REQUEST_ATTRIBUTE, None)
    if categories is None:
        categories = _load_or_keep()
        if request is not None:
            setattr(request, _REQUEST_ATTRIBUTE, categories)
    return categories


def top_level(categories: list[Category]) -> list[Category]:
    return [category for category in categories if category.parent_id is None]


def children_of(category: Category, categories: list[Category]) -> list[Category]:
    return [child for child in categories if child.parent_id == category.pk]


def lazy_top_level(request) -> SimpleLazyObject:
    """The header's categories, loaded only if a page shows them."""
    return SimpleLazyObject(lambda: top_level(active_categories(request)))
