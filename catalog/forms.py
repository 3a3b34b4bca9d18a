from urllib.parse import urlencode

from django import forms

# Longest search the listing runs; longer text is cut to this rather than refused.
MAX_SEARCH_LENGTH = 200

SORT_CHOICES = [
    ("price", "Price: low to high"),
    ("-price", "Price: high to low"),
    ("newest", "Newest first"),
    ("rating", "Best rated"),
]


class LenientCheckbox(forms.CheckboxInput):
    """A checkbox that also reads "0" and "off" in a URL as unticked, as people mean them."""

    def value_from_datadict(self, data, files, name):
        if str(data.get(name, "")).strip().lower() in {"", "0", "off", "false", "no"}:
            return False
        return super().value_from_datadict(data, files, name)


class ProductFilterForm(forms.Form):
    """The listing's query parameters: q, category, min_price, max_price, in_stock, sort.

    Shoppers edit URLs, follow old links and paste odd things into the search box, so the form
    never refuses a whole request: an invalid field is left out of `filters` and described in
    `notes`; the rest still applies. `page` is not here: the view hands it to
    `Paginator.get_page()`, which turns any value into a page that exists.

    Pass `categories` (the active categories, parents loaded) to offer the category filter;
    without them, as on a category's own page, the form has no category field.
    """

    q = forms.CharField(
        label="Keywords",
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "maxlength": MAX_SEARCH_LENGTH}),
    )
    category = forms.ChoiceField(label="Category", required=False)
    min_price = forms.DecimalField(
        label="From (€)", required=False, min_value=0, max_digits=10, decimal_places=2
    )
    max_price = forms.DecimalField(
        label="To (€)", required=False, min_value=0, max_digits=10, decimal_places=2
    )
    in_stock = forms.BooleanField(label="In stock only", required=False, widget=LenientCheckbox)
    sort = forms.ChoiceField(label="Sort by", required=False)

    NOTES = {
        "q": "Ignored an invalid search.",
        "category": "Ignored an unknown category.",
        "min_price": "Ignored an invalid minimum price.",
        "max_price": "Ignored an invalid maximum price.",
        "sort": "Ignored an unknown sort order.",
    }

    def __init__(self, *args, categories=None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.adjustments = []
        self.categories = None if categories is None else list(categories)
        if self.categories is None:
            del self.fields["category"]
            self.categories_by_slug = {}
        else:
            choices, self.categories_by_slug = _category_choices(self.categories)
            self.fields["category"].choices = [("", "All categories"), *choices]
        searching = bool((self.data or self.initial).get("q"))
        default_sort = "Best match" if searching else "Name"
        self.fields["sort"].choices = [("", default_sort), *SORT_CHOICES]

    def clean_q(self):
        q = self.cleaned_data["q"]
        if len(q) > MAX_SEARCH_LENGTH:
            q = q[:MAX_SEARCH_LENGTH].strip()
            self.adjustments.append(f"Shortened your search to {MAX_SEARCH_LENGTH} characters.")
        return q

    def clean_category(self):
        slug = self.cleaned_data["category"]
        return self.categories_by_slug[slug] if slug else None

    def clean(self):
        cleaned_data = super().clean()
        low, high = cleaned_data.get("min_price"), cleaned_data.get("max_price")
        if low is not None and high is not None and low > high:
            cleaned_data["min_price"], cleaned_data["max_price"] = high, low
            self.adjustments.append("Swapped the minimum and maximum price.")
        return cleaned_data

    @property
    def filters(self):
        """The valid parameters, cleaned: q, category (a Category), min_price, max_price,
        in_stock, sort; None (False for in_stock) where a parameter was missing or invalid."""
        self.is_valid()
        values = dict.fromkeys(self.fields) | {"in_stock": False}
        for name, value in self.cleaned_data.items():
            if value not in ("", None):
                values[name] = value
        return values

    @property
    def notes(self):
        """Short sentences for the shopper about what was ignored or adjusted."""
        self.is_valid()
        return [self.NOTES[name] for name in self.fields if name in self.errors] + self.adjustments

    @property
    def query_string(self):
        """The valid parameters as a URL query (no `page`), for links that keep the filters."""
        return self._query_string()

    def _query_string(self, *, without=None):
        params = []
        for name, value in self.filters.items():
            if name == without:
                continue
            if name == "category" and value is not None:
                params.append((name, value.slug))
            elif name == "in_stock" and value:
                params.append((name, "1"))
            elif value not in (None, False):
                params.append((name, value))
        return urlencode(params)

    @property
    def chips(self):
        """The applied filters as (label, query string without that filter) pairs, in the
        form's order, for links that remove one filter and keep the others (and the sort)."""
        filters = self.filters
        labels = {
            "q": lambda q: f"Search: “{q}”",
            "category": lambda category: category.name,
            "min_price": lambda price: f"From €{price}",
            "max_price": lambda price: f"Up to €{price}",
            "in_stock": lambda _: "In stock only",
        }
        return [
            (label(filters[name]), self._query_string(without=name))
            for name, label in labels.items()
            if filters.get(name) not in (None, False)
        ]

    @property
    def is_filtered(self):
        """Whether any parameter other than `sort` narrows the list."""
        filters = self.filters
        return any(filters[name] not in (None, False) for name in filters if name != "sort")

    def redisplay(self):
        """An unbound copy showing what was applied, for the page: ignored input left blank."""
        initial = {
            name: value.slug if name == "category" and value else value
            for name, value in self.filters.items()
        }
        return type(self)(initial=initial, categories=self.categories)


def _category_choices(categories):
    """Select choices grouped by top-level category, and the choosable categories by slug.

    A top-level category comes first in its group as "All <name>"; deeper ones show their path.
    Categories whose parent is not in `categories` (hidden) are left out with it.
    """
    children = {}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category)
    choices, by_slug = [], {}
    for top in children.get(None, []):
        options = [(top.slug, f"All {top.name}")]
        by_slug[top.slug] = top
        stack = [(child, child.name) for child in reversed(children.get(top.pk, []))]
        while stack:
            category, label = stack.pop()
            options.append((category.slug, label))
            by_slug[category.slug] = category
            stack.extend(
                (child, f"{label} › {child.name}")
                for child in reversed(children.get(category.pk, []))
            )
        choices.append((top.name, options))
    return choices, by_slug
