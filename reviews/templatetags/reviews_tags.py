"""The product page's reviews block, asked for by the catalog's template (`{% product_reviews
product %}`): the catalog app knows nothing of reviews; its page includes what this app renders."""

from django import template

from reviews.views import product_review_context

register = template.Library()


@register.inclusion_tag("reviews/product_reviews.html", takes_context=True)
def product_reviews(context, product):
    request = context["request"]
    return {
        "product": product,
        "request": request,
        "user": context.get("user"),
        "csrf_token": context.get("csrf_token"),
        **product_review_context(request, product),
    }
