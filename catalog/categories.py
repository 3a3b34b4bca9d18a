"""The active category tree, read once per request.

The header's navigation, the listing's category filter, the home page's categories and a
category page (the category itself, its sub-categories, the subtree its products come from) all
read the active categories. The table is small, so one query loads every active category with
its parent, and each part of the request takes what it needs from that list instead of running
a query of its own. Nothing is kept between requests: every request sees the categories as they
are in the database.
"""

from django.utils.functional import SimpleLazyObject

from .models import Category

_REQUEST_ATTRIBUTE = "_catalog_active_categories"


def active_categories(request=None) -> list[Category]:
    """Active categories (under active parents), parents loaded, ordered by name."""
    categories = getattr(request, _REQUEST_ATTRIBUTE, None)
    if categories is None:
        categories = list(Category.objects.active().select_related("parent"))
        if request is not None:
            setattr(request, _REQUEST_ATTRIBUTE, categories)
    return categories


def top_level(categories: list[Category]) -> list[Category]:
    return [category for category in categories if category.parent_id is None]


def children_of(category: Category, categories: list[Category]) -> list[Category]:
    return [child for child in categories if child.parent_id == category.pk]


def lazy_top_level(request) -> SimpleLazyObject:
    """The header's categories, loaded only if a page shows them: taken from the request's
    category tree when the page has loaded it, else the top level alone (a smaller query)."""

    def load():
        categories = getattr(request, _REQUEST_ATTRIBUTE, None)
        if categories is None:
            return list(Category.objects.active().top_level())
        return top_level(categories)

    return SimpleLazyObject(load)
