from .categories import lazy_top_level


def navigation(request):
    """Top-level categories for the header; loaded only if a page shows them, and from the
    request's one read of the category tree (catalog.categories)."""
    return {"navigation_categories": lazy_top_level(request)}
