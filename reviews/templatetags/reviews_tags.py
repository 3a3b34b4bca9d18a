"""The product page's reviews block, asked for by the catalog's template (`{% product_reviews
product %}`): the catalog app knows nothing of reviews; its page includes what this app renders.

The block is the same for every shopper but for its end (`{% review_actions %}`: your review
awaiting approval, the form to write one, or "Sign in"), which it marks as a shopper part
(catalog.page_cache) so that a page kept for everyone gets each shopper's own.
"""

from django import template

from reviews.models import Review
from reviews.views import review_actions_context

register = template.Library()

REVIEWS_SHOWN = 20


@register.inclusion_tag("reviews/product_reviews.html", takes_context=True)
def product_reviews(context, product):
    reviews = Review.objects.approved().filter(product=product).select_related("user")
    return {
        "product": product,
        "reviews": reviews[:REVIEWS_SHOWN],
        "request": context["request"],
        "user": context["user"],
    }


@register.inclusion_tag("reviews/review_form.html", takes_context=True)
def review_actions(context, product_id, product_slug):
    return {
        "product_slug": product_slug,
        "request": context["request"],
        "user": context["user"],
        "csrf_token": context.get("csrf_token"),
        **review_actions_context(context["user"], product_id),
    }
