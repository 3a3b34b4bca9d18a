import operator
import re
from functools import reduce

from django.conf import settings
from django.contrib.postgres.search import (
    SearchQuery,
    SearchQueryField,
    SearchRank,
    SearchVector,
    SearchVectorField,
)
from django.core.validators import MinValueValidator
from django.db import connections, models, transaction
from django.db.models import BooleanField, Case, Expression, F, FloatField, Func, Q, Value, When
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils.functional import cached_property

from . import changes, images, stock_levels

# Words of a search that the non-PostgreSQL fallback looks for; keeps its SQL small.
MAX_FALLBACK_SEARCH_WORDS = 8
# Words of a search that similar_names() corrects, and the corrections it tries for each.
MAX_CORRECTED_WORDS = 8
MAX_CORRECTIONS_PER_WORD = 5
# Categories a search shows beside its products, and how alike (pg_trgm's word_similarity, 0-1;
# pg_trgm's own default threshold) a name and the query must be.
MAX_MATCHING_CATEGORIES = 5
MAX_CATEGORY_QUERY_LENGTH = 100
CATEGORY_LIKENESS = 0.6


def product_search_vector():
    """The full-text document of a product: its name (weight A) and description (weight B).

    Migration 0004 stores it in `products.search_document` (a trigger computes it in SQL of its
    own); change both together (test_search_document_matches_the_expression checks it).
    """
    return SearchVector("name", weight="A", config="english") + SearchVector(
        "description", weight="B", config="english"
    )


class StoredSearchDocument(Expression):
    """`products.search_document`, the stored product_search_vector() (PostgreSQL only).

    Not a model field, so that no other product query loads it: migration 0004 adds the column,
    its trigger and its GIN index.
    """

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection):
        table = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        return f"{table}.{connection.ops.quote_name('search_document')}", []


def product_name_vector():
    """The full-text document of a product's name alone, for the typo-forgiving search.

    Migration 0005 indexes this very expression (`products_name_document_idx`): PostgreSQL uses
    an expression index only for the same expression, so change both together
    (test_typo_forgiving_search_can_use_the_name_index checks it).
    """
    return SearchVector("name", config="english")


# Each typed word becomes "(word | word ...)": the words of product names most like it (`%`,
# pg_trgm's similarity, which the word list's trigram index answers). All typed words are
# required; the query is NULL, and matches nothing, when one of them is like no word at all.
CORRECTED_QUERY_SQL = """(
    SELECT to_tsquery('english'::regconfig, string_agg(corrections.words, ' & '))
    FROM unnest(%s::text[]) AS typed (word),
    LATERAL (
        SELECT '(' || string_agg(known.word, ' | ') || ')' AS words
        FROM (
            SELECT word FROM product_name_words
            WHERE word %% typed.word
            ORDER BY word <-> typed.word, word
            LIMIT %s
        ) AS known
    ) AS corrections
    HAVING every(corrections.words IS NOT NULL)
)"""


class NameWordCorrections(Expression):
    """A tsquery of `words` corrected against the words of product names (PostgreSQL only).

    Migration 0005 keeps the word list, `product_name_words`: every word (a run of letters and
    digits, lowercased) of every product name. Correcting a few typed words against that short
    list, then finding the corrected words with a full-text index, is much cheaper than
    comparing the typed text with every product's name.
    """

    output_field = SearchQueryField()

    def __init__(self, words):
        super().__init__()
        self.words = list(words)

    def as_sql(self, compiler, connection):
        return CORRECTED_QUERY_SQL, [self.words, MAX_CORRECTIONS_PER_WORD]


class WordSimilarity(Func):
    """pg_trgm's word_similarity(a, b): how alike `a` is to the most alike stretch of `b`."""

    function = "word_similarity"
    output_field = FloatField()


class TextSearchMatches(Func):
    """`document @@ query` for a tsquery expression (a filter() on a SearchVector would wrap the
    query in to_tsquery)."""

    arg_joiner = " @@ "
    template = "%(expressions)s"
    output_field = BooleanField()


class CategoryQuerySet(models.QuerySet):
    # Bulk writes send no signal: they tell catalog.changes here (saves: catalog.signals), in a
    # transaction, so that the pages go out of date when the write commits, not before it.
    def update(self, **kwargs):
        with transaction.atomic(using=self.db, savepoint=False):
            changes.tree_changed(self.db)
            return super().update(**kwargs)

    update.alters_data = True

    def bulk_create(self, objs, *args, **kwargs):
        with transaction.atomic(using=self.db, savepoint=False):
            changes.tree_changed(self.db)
            return super().bulk_create(objs, *args, **kwargs)

    bulk_create.alters_data = True

    def active(self):
        """Categories a shopper may see: active, under an active parent.

        A hidden category hides its sub-categories with it. The shop's tree is two levels deep
        (seed_demo, the admin's parent field), so the parent is as far up as this looks.
        """
        return self.filter(is_active=True).filter(
            Q(parent__isnull=True) | Q(parent__is_active=True)
        )

    def matching(self, query, limit=MAX_MATCHING_CATEGORIES):
        """At most `limit` categories named like `query`, best match first, for a search to
        show beside the products ("Categories: Headphones").

        A name containing the query matches; on PostgreSQL so does a name like a word of the
        query or the query like a word of the name (pg_trgm's word_similarity, both ways), so
        "wireless headphnes" finds Headphones. The category table is small: one query, whatever
        the size of the catalog.
        """
        query = query.strip()[:MAX_CATEGORY_QUERY_LENGTH]
        if not query:
            return self.none()
        matches = Q(name__icontains=query)
        categories = self
        if connections[self.db].vendor == "postgresql":
            categories = categories.annotate(
                likeness=Greatest(
                    WordSimilarity(F("name"), Value(query)),
                    WordSimilarity(Value(query), F("name")),
                )
            )
            matches |= Q(likeness__gte=CATEGORY_LIKENESS)
            return categories.filter(matches).order_by("-likeness", "name", "pk")[:limit]
        return categories.filter(matches).order_by("name", "pk")[:limit]


class Category(models.Model):
    """A node of the category tree; a top-level category has no parent."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=120, unique=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text="Leave empty for a top-level category.",
    )
    is_active = models.BooleanField(
        "active", default=True, help_text="Inactive categories are hidden from shoppers."
    )

    objects = CategoryQuerySet.as_manager()

    class Meta:
        db_table = "categories"
        verbose_name_plural = "categories"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=F("pk")),
                name="categories_not_own_parent",
                violation_error_message="A category cannot be its own parent.",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("catalog:category-detail", kwargs={"slug": self.slug})

    def subtree_ids(self, active_categories=None):
        """Primary keys of this category and its active descendants.

        The category table is small, so one query loads the whole active tree and the walk
        happens in Python: the query count stays fixed however deep the tree. Pass the active
        categories when they are loaded already (catalog.categories) to skip that query.
        """
        if active_categories is None:
            pairs = Category.objects.active().values_list("pk", "parent_id")
        else:
            pairs = [(category.pk, category.parent_id) for category in active_categories]
        children_by_parent = {}
        for pk, parent_id in pairs:
            children_by_parent.setdefault(parent_id, []).append(pk)
        subtree, frontier = [], [self.pk]
        while frontier:
            subtree.extend(frontier)
            frontier = [child for pk in frontier for child in children_by_parent.get(pk, [])]
        return subtree


# The listing's sort orders; each ends in a unique column so that pages never overlap.
PRODUCT_ORDERINGS = {
    "relevance": ("-search_rank", "name", "pk"),  # only after ProductQuerySet.search()
    "name": ("name", "pk"),
    "price": ("price", "pk"),
    "-price": ("-price", "pk"),
    "newest": ("-created_at", "-pk"),
    "rating": ("-rating_average", "-rating_count", "name", "pk"),
}


class ProductQuerySet(models.QuerySet):
    # Bulk writes send no signal: they tell catalog.changes here (saves: catalog.signals), in a
    # transaction, so that the pages go out of date when the write commits, not before it.
    def update(self, **kwargs):
        with transaction.atomic(using=self.db, savepoint=False):
            moved = None
            if settings.CATALOG_PAGE_CACHE and {"slug", "category", "category_id"} & kwargs.keys():
                moved = self.model.objects.filter(pk__in=list(self.values_list("pk", flat=True)))
            changes.products_changed(self, self.db)
            rows = super().update(**kwargs)
            if moved is not None:
                changes.products_changed(moved, self.db)
            return rows

    update.alters_data = True

    def bulk_create(self, objs, *args, **kwargs):
        with transaction.atomic(using=self.db, savepoint=False):
            created = super().bulk_create(objs, *args, **kwargs)
            if any(product.pk is None for product in created):  # a backend returning no ids
                changes.tree_changed(self.db)
            else:
                new = self.model.objects.filter(pk__in=[product.pk for product in created])
                changes.products_changed(new, self.db)
            return created

    bulk_create.alters_data = True

    def change_stock(
        self, units: dict["Product", int], *, reason: str, reference: str = "", note="", by=None
    ) -> None:
        """Add units to each product's stock (remove them: negative), in one UPDATE, and write
        the stock movements that explain it: a product's stock is the sum of its movements.

        Call it in a transaction, with the products locked (select_for_update) and their
        `stock` read under the lock: pages hear only of what they show of the stock
        (catalog.stock_levels), so most sales leave every cached page current.
        """
        units = {product: n for product, n in units.items() if n}
        StockMovement.objects.bulk_create(
            StockMovement(
                product=product, change=n, reason=reason, reference=reference, note=note, by=by
            )
            for product, n in units.items()
        )
        locked = self.filter(pk__in=[product.pk for product in units])
        # QuerySet.update itself: this method tells catalog.changes less than update() would.
        models.QuerySet.update(
            locked,
            stock=Case(*(When(pk=product.pk, then=F("stock") + n) for product, n in units.items())),
        )
        listed, paged = [], []
        for product, n in units.items():
            before, after = product.stock, product.stock + n
            if stock_levels.on_listings(before) != stock_levels.on_listings(after):
                listed.append(product.pk)
            elif stock_levels.on_its_page(before) != stock_levels.on_its_page(after):
                paged.append(changes.product_page(product.slug))
        if listed:
            changes.products_changed(self.model.objects.filter(pk__in=listed), self.db)
        changes.changed(paged, self.db)

    change_stock.alters_data = True

    def active(self):
        """Products a shopper may see: active, in a category a shopper may see."""
        return self.filter(is_active=True, category__is_active=True).filter(
            Q(category__parent__isnull=True) | Q(category__parent__is_active=True)
        )

    def for_listing(self):
        """Everything a product card shows: one query, and one more for the page's pictures."""
        return self.active().select_related("category").prefetch_related("images")

    def in_category_tree(self, category, active_categories=None):
        """Products of the category and of its sub-categories, at any depth."""
        return self.filter(category__in=category.subtree_ids(active_categories))

    def in_price_range(self, min_price=None, max_price=None):
        """Products priced from `min_price` to `max_price` inclusive; None leaves that end open."""
        products = self
        if min_price is not None:
            products = products.filter(price__gte=min_price)
        if max_price is not None:
            products = products.filter(price__lte=max_price)
        return products

    def in_stock(self):
        return self.filter(stock__gt=0)

    def low_stock(self, threshold):
        return self.filter(stock__lte=threshold)

    def filter_listing(
        self, *, category=None, min_price=None, max_price=None, in_stock=False,
        active_categories=None,
    ):  # fmt: skip
        """The listing's filters; each one left at its default does not filter.

        `active_categories`, when the request has loaded them already, saves the category
        filter a query.
        """
        products = self.in_price_range(min_price, max_price)
        if category is not None:
            products = products.in_category_tree(category, active_categories)
        if in_stock:
            products = products.in_stock()
        return products

    def search(self, query):
        """Products matching `query`, annotated with `search_rank` (higher is better) and
        `is_approximate_match` (False).

        On PostgreSQL: full-text search over name (weight A) and description (weight B), with
        web-search syntax ("quoted phrases", -exclusions, or). Elsewhere (SQLite for
        `make run`): every word in the name or description, name matches first. A blank query
        does not search.
        """
        query = query.strip()
        if not query:
            return self
        if connections[self.db].vendor == "postgresql":
            return self._full_text_search(query)
        return self._substring_search(query)

    def similar_names(self, query):
        """Products whose name has, for every word of `query`, a word like it, to forgive a typo
        when search() finds nothing; annotated like search(), with `is_approximate_match` True.

        PostgreSQL only (pg_trgm), best match first; elsewhere, and for a query without words,
        none. The words are corrected against the words of all product names first
        (NameWordCorrections), then looked up in the names' full-text index: at 100,000
        products a typo's page costs 12 ms of SQL, against 35 ms when the typed text was
        compared with every name (docs/performance.md).
        """
        words = list(dict.fromkeys(re.findall(r"[^\W_]+", query.lower())))[:MAX_CORRECTED_WORDS]
        if not words or connections[self.db].vendor != "postgresql":
            return self.none()
        corrected = NameWordCorrections(words)
        return self.filter(TextSearchMatches(product_name_vector(), corrected)).annotate(
            search_rank=SearchRank(StoredSearchDocument(), corrected),
            is_approximate_match=Value(True),
        )

    def newest(self):
        return self.order_by("-created_at", "-pk")

    def top_rated(self):
        """Rated products, best average first; more ratings break a tie."""
        return self.filter(rating_count__gt=0).order_by(
            "-rating_average", "-rating_count", "name", "pk"
        )

    def sorted_by(self, sort=None):
        """Order by a key of `PRODUCT_ORDERINGS`; None: by relevance after search(), else name."""
        if sort is None:
            sort = "relevance" if "search_rank" in self.query.annotations else "name"
        return self.order_by(*PRODUCT_ORDERINGS[sort])

    def _full_text_search(self, query):
        search_query = SearchQuery(query, search_type="websearch", config="english")
        return (
            self.alias(search_document=StoredSearchDocument())
            .filter(search_document=search_query)
            .annotate(
                search_rank=SearchRank(F("search_document"), search_query),
                is_approximate_match=Value(False),
            )
        )

    def _substring_search(self, query):
        words = query.split()[:MAX_FALLBACK_SEARCH_WORDS]
        products = self
        for word in words:
            products = products.filter(Q(name__icontains=word) | Q(description__icontains=word))
        # A point for every word found in the name, so that name matches come first.
        points = [Case(When(name__icontains=word, then=1.0), default=0.0) for word in words]
        return products.annotate(
            search_rank=reduce(operator.add, points, Value(0.0)),
            is_approximate_match=Value(False),
        )


class Product(models.Model):
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    sku = models.CharField(
        "SKU", max_length=64, unique=True, help_text="Stock keeping unit; unique per product."
    )
    description = models.TextField(blank=True)
    price = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(0)], help_text="In EUR."
    )
    stock = models.IntegerField(
        default=0, validators=[MinValueValidator(0)], help_text="Units on hand."
    )
    is_active = models.BooleanField(
        "active", default=True, help_text="Inactive products are hidden from shoppers."
    )
    # Kept by reviews.services from approved reviews, so listings can sort by rating cheaply.
    # 0 while there is no approved review, so that "sort by rating" needs no NULL handling.
    rating_average = models.DecimalField(max_digits=3, decimal_places=2, default=0, editable=False)
    rating_count = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        db_table = "products"
        ordering = ["name"]
        indexes = [
            # The listing filters on active products of a category and sorts by price,
            # newest or rating; the partial indexes skip hidden products.
            models.Index(
                fields=["category", "price"],
                condition=Q(is_active=True),
                name="products_active_cat_price_idx",
            ),
            models.Index(
                fields=["price"], condition=Q(is_active=True), name="products_active_price_idx"
            ),
            # The default sort (by name) of the listing and category pages: without it every
            # page sorts all active products to show 24 (10 ms at 10,000 products).
            models.Index(
                fields=["name", "id"], condition=Q(is_active=True), name="products_active_name_idx"
            ),
            models.Index(
                fields=["-created_at"],
                condition=Q(is_active=True),
                name="products_active_newest_idx",
            ),
            models.Index(
                fields=["-rating_average", "-rating_count"],
                condition=Q(is_active=True),
                name="products_active_rating_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(price__gte=0),
                name="products_price_not_negative",
                violation_error_message="The price cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(stock__gte=0),
                name="products_stock_not_negative",
                violation_error_message="Stock cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(rating_count=0, rating_average=0)
                | Q(rating_count__gt=0, rating_average__gte=1, rating_average__lte=5),
                name="products_rating_average_in_range",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("catalog:product-detail", kwargs={"slug": self.slug})

    @property
    def in_stock(self):
        return self.stock > 0

    @property
    def few_left(self):
        """In stock, but low enough that the shop says so."""
        return stock_levels.is_low(self.stock)

    @cached_property
    def pictures(self):
        """The product's pictures in order: the prefetched ones (for_listing), else one query."""
        return list(self.images.all())

    @property
    def main_picture(self):
        """The first picture, the one cards, the cart and the admin show; None without any."""
        return self.pictures[0] if self.pictures else None


class ProductImage(models.Model):
    """A picture of a product, with its responsive renditions (catalog.images).

    The renditions are made once, when a new picture is saved, and their names are kept in the
    row, so a page lists them in `srcset` without asking the storage (S3 in production) anything.
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(
        "picture",
        upload_to="products/",
        help_text="JPEG, PNG or WebP, ideally 1,280 pixels wide or more; smaller copies for "
        "phones and thumbnails are made when you save.",
    )
    alt_text = models.CharField(
        "alt text",
        max_length=250,
        help_text="What the picture shows, for people who cannot see it, e.g. "
        '"Walnut table lamp with a linen shade, lit".',
    )
    # Not negative: the field's own check constraint (product_images_position_check).
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Pictures are shown smallest first; the first is the main picture."
    )
    # Set from the picture when it is saved (null: a picture from before renditions existed,
    # until `manage.py make_renditions` has seen it).
    width = models.PositiveIntegerField(null=True, editable=False)
    height = models.PositiveIntegerField(null=True, editable=False)
    # {"<width>": "<storage name>"} of the smaller copies: catalog.images.make_renditions().
    renditions = models.JSONField(default=dict, blank=True, editable=False)
    # The picture's name as last read from or written to the database (from_db, save).
    _saved_image_name = None

    class Meta:
        db_table = "product_images"
        ordering = ["position", "pk"]
        # No unique (product, position): staff swapping two pictures' positions in the admin's
        # inline would trip it row by row (Django validates unique fields before saving).
        indexes = [models.Index(fields=["product", "position"], name="product_images_order_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(alt_text=""),
                name="product_images_alt_text_not_blank",
                violation_error_message="Describe the picture in its alt text.",
            ),
            models.CheckConstraint(
                # Spelled out: `width > 0 AND height > 0` is NULL when only one of them is
                # NULL, and a check lets NULL through.
                condition=Q(width__isnull=True, height__isnull=True)
                | Q(width__isnull=False, height__isnull=False, width__gt=0, height__gt=0),
                name="product_images_size_known_or_unknown",
                violation_error_message="A picture has both a width and a height, or neither.",
            ),
            models.CheckConstraint(
                condition=~Q(image=""),
                name="product_images_image_not_blank",
                violation_error_message="Choose a picture.",
            ),
        ]

    def __str__(self):
        return self.alt_text

    def save(self, *args, **kwargs):
        if self.image and self.image.name != self._saved_image_name:
            # A new picture: stored first, because its renditions are named after where the
            # storage put it (the field's pre_save stores an upload, and only once).
            self._meta.get_field("image").pre_save(self, self._state.adding)
            self.width, self.height, self.renditions = images.make_renditions(
                self.image.storage, self.image.name
            )
        super().save(*args, **kwargs)
        self._saved_image_name = self.image.name

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        saved = instance.__dict__.get("image")
        instance._saved_image_name = getattr(saved, "name", saved)
        return instance

    @property
    def srcset(self):
        """`srcset` of the picture and its renditions; empty when its width is not known."""
        if not self.width:
            return ""
        storage = self.image.storage
        entries = [f"{storage.url(name)} {width}w" for width, name in self._renditions_by_width()]
        entries.append(f"{self.image.url} {self.width}w")
        return ", ".join(entries)

    @property
    def thumbnail_url(self):
        """A small copy for thumbnails (cart, admin, the gallery's strip)."""
        return self.url_for_width(images.THUMBNAIL_WIDTH)

    @property
    def card_url(self):
        """The `src` of cards and of browsers that ignore `srcset`."""
        return self.url_for_width(images.CARD_WIDTH)

    def url_for_width(self, width):
        """The URL of the narrowest rendition at least `width` pixels wide, else the picture's."""
        for rendition_width, name in self._renditions_by_width():
            if rendition_width >= width:
                return self.image.storage.url(name)
        return self.image.url

    def _renditions_by_width(self):
        return sorted((int(width), name) for width, name in self.renditions.items())


class StockMovementReason(models.TextChoices):
    RECEIVED = "received", "Received"
    COUNTED = "counted", "Counted (correction)"
    DAMAGED = "damaged", "Damaged or lost"
    RETURNED = "returned", "Returned to stock"
    SOLD = "sold", "Sold"
    CANCELLED = "cancelled", "Order cancelled"


class StockMovement(models.Model):
    """One change of a product's stock: who, when, how many, why. The product's `stock` is the
    running sum of its movements, kept in the same transaction (ProductQuerySet.change_stock)."""

    Reason = StockMovementReason

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="stock_movements")
    change = models.IntegerField(help_text="Units added (positive) or taken away (negative).")
    reason = models.CharField(max_length=20, choices=Reason)
    reference = models.CharField(
        max_length=40, blank=True, help_text="What it was for, e.g. the order number."
    )
    note = models.CharField(max_length=200, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The staff member; empty for the shop's own moves (orders).",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "stock_movements"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["product", "-created_at"], name="stock_moves_product_idx")]
        constraints = [
            models.CheckConstraint(condition=~Q(change=0), name="stock_movements_change_not_zero"),
            models.CheckConstraint(
                condition=Q(reason__in=StockMovementReason.values),
                name="stock_movements_reason_valid",
            ),
        ]

    def __str__(self):
        return f"{self.change:+d} {self.product} ({self.get_reason_display()})"
