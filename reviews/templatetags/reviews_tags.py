"""The product page's reviews block, asked for by the catalog's template (`{% product_reviews
product %}`): the catalog app knows nothing of reviews; its page includes what this app renders.

The block is the same for every shopper but for its end (`{% review_actions %}`: your review
awaiting approval, the form to write one, or "Sign in"), which it marks as a shopper part
(catalog.page_cache) so that a page kept for everyone gets each shopper's own.
"""

from django import template

from reviews import services
from reviews.forms import ReviewForm
from reviews.models import Review

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
    """The shopper's part: their own review's state, or the form if they may write one."""
    user = context["user"]
    own_review = None
    can_review = False
    if user.is_authenticated:
        own_review = Review.objects.filter(user=user, product_id=product_id).first()
        can_review = own_review is None and services.has_purchased(user=user, product=product_id)
    return {
        "product_slug": product_slug,
        "request": context["request"],
        "user": user,
        "csrf_token": context.get("csrf_token"),
        "own_review": own_review,
        "can_review": can_review,
        "review_form": ReviewForm() if can_review else None,
    }
