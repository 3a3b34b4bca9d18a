"""The admin dashboard's moderation tile (templates/admin/dashboard.html)."""

from django import template

from reviews.models import Review

register = template.Library()


@register.inclusion_tag("admin/reviews/pending_tile.html")
def pending_reviews_tile():
    return {"count": Review.objects.filter(status=Review.Status.PENDING).count()}
