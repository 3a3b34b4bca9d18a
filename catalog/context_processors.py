from .models import Category


def navigation(request):
    """Top-level categories for the header; a lazy queryset, queried only if a page shows it."""
    return {"navigation_categories": Category.objects.active().top_level()}
