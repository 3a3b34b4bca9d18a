"""`{% product_card product %}` and `{% product_filter_form %}`: the catalog's repeated fragments,
rendered through catalog.rendering's memo (same HTML as including their templates)."""

from django import template

from catalog import rendering

register = template.Library()


@register.simple_tag
def product_card(product):
    return rendering.product_card(product)


@register.simple_tag(takes_context=True)
def product_filter_form(context):
    return rendering.filter_form(context)
