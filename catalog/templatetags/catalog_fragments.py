"""`{% product_card product %}` and `{% product_filter_form %}`: the catalog's repeated fragments,
rendered through catalog.rendering's memo (same HTML as including their templates); and
`{% shopper_part "template.html" name=value %}`: a part that differs per visitor, filled into
pages kept for everyone (catalog.page_cache)."""

from django import template

from catalog import page_cache, rendering

register = template.Library()


@register.simple_tag
def product_card(product):
    return rendering.product_card(product)


@register.simple_tag(takes_context=True)
def product_filter_form(context):
    return rendering.filter_form(context)


@register.simple_tag(takes_context=True)
def shopper_part(context, template_name, **values):
    return page_cache.shopper_part(context, template_name, values)
