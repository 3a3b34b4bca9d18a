"""`{{ page_obj|page_numbers }}`: the page numbers a pagination bar links to."""

from django import template

register = template.Library()


@register.filter
def page_numbers(page):
    """The first and last page and the current one ±2, with None where numbers are left out
    (Django's elided page range, whose ellipsis marker is a translatable string)."""
    paginator = page.paginator
    return [
        None if number == paginator.ELLIPSIS else number
        for number in paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    ]
