"""Memoized rendering of the catalog's repeated fragments: product cards and the filter form.

A listing renders 24 product cards and a filter form through Django's template engine, which is
most of the page's CPU time. Both fragments are pure functions of values the request has just
read from the database, so their HTML is remembered under a key made of exactly those values:

- a product card: every column of the product's row (price, stock, rating, name, slug...), its
  main picture (file, size, renditions), the low-stock threshold, the language and the compiled
  template;
- the filter form: the values it redisplays, its fields, the categories it offers (primary key,
  parent, slug, name), the URL it submits to, the language and the compiled template.

A change to any of them (staff editing a price, an order taking the last unit) is a different
key, so a page never shows a stale price or stock level: nothing is invalidated because nothing
old can match. The memo lives in each process, is bounded (least recently used entries go), and
the compiled template in the key makes a reloaded template (runserver) render afresh.
"""

import operator
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.template.loader import get_template
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from .models import Product

CARD_TEMPLATE = "catalog/product_card.html"
FILTER_FORM_TEMPLATE = "catalog/product_filter_form.html"
_PRODUCT_COLUMNS = [field.attname for field in Product._meta.concrete_fields]
_DECIMAL_COLUMNS = [
    field.attname
    for field in Product._meta.concrete_fields
    if isinstance(field, models.DecimalField)
]
_row_of = operator.itemgetter(*_PRODUCT_COLUMNS)
_UNSET = object()


class RenderMemo:
    """A bounded, thread-safe map from a key to rendered HTML (least recently used go first)."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[Hashable, SafeString] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_render(self, key: Hashable, render: Callable[[], SafeString]) -> SafeString:
        with self._lock:
            html = self._entries.get(key)
            if html is not None:
                self._entries.move_to_end(key)
                return html
        html = render()
        with self._lock:
            self._entries[key] = html
            if len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)
        return html

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


card_memo = RenderMemo(maxsize=2048)
filter_form_memo = RenderMemo(maxsize=256)


def compiled(template):
    """The engine's compiled template: the same object for as long as the loader caches it
    (get_template() wraps it in a new object every call)."""
    return getattr(template, "template", template)


def _exact(value):
    # Decimal("5") and Decimal("5.00") are equal but print differently: key on the text.
    return str(value) if isinstance(value, Decimal) else value


def product_card(product: Product) -> SafeString:
    """The HTML of catalog/product_card.html for `product`."""
    template = get_template(CARD_TEMPLATE)
    values = product.__dict__
    try:
        row = _row_of(values)
    except KeyError:  # a deferred column: key on what is loaded
        row = tuple(values.get(column, _UNSET) for column in _PRODUCT_COLUMNS)
    # Decimals equal in value can print differently ("5" and "5.00"): key on their text too.
    row += tuple(str(values.get(column)) for column in _DECIMAL_COLUMNS)
    picture = product.main_picture
    picture_key = None
    if picture is not None:
        renditions = tuple(sorted(picture.renditions.items()))
        picture_key = (picture.image.name, picture.width, picture.height, renditions)
    key = (compiled(template), row, picture_key, settings.LOW_STOCK_THRESHOLD, get_language())
    return card_memo.get_or_render(key, lambda: template.render({"product": product}))


def filter_form(context) -> SafeString:
    """The HTML of catalog/product_filter_form.html for the page's redisplayed filter form."""
    template = get_template(FILTER_FORM_TEMPLATE)
    form = context["filter_form"]
    categories = tuple(
        (category.pk, category.parent_id, category.slug, category.name)
        for category in form.categories or ()
    )
    key = (
        compiled(template),
        tuple(form.fields),
        tuple((name, _exact(value)) for name, value in sorted(form.initial.items())),
        None if form.categories is None else categories,
        str(context["filter_action"]),
        bool(context["is_filtered"]),
        get_language(),
    )
    values = {name: context[name] for name in ("filter_form", "filter_action", "is_filtered")}
    return filter_form_memo.get_or_render(key, lambda: template.render(values))
