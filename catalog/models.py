from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse


class CategoryQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def top_level(self):
        return self.filter(parent__isnull=True)


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

    def subtree_ids(self):
        """Primary keys of this category and its active descendants.

        The category table is small, so one query loads the whole active tree and the walk
        happens in Python: the query count stays fixed however deep the tree.
        """
        children_by_parent = {}
        for pk, parent_id in Category.objects.active().values_list("pk", "parent_id"):
            children_by_parent.setdefault(parent_id, []).append(pk)
        subtree, frontier = [], [self.pk]
        while frontier:
            subtree.extend(frontier)
            frontier = [child for pk in frontier for child in children_by_parent.get(pk, [])]
        return subtree


class ProductQuerySet(models.QuerySet):
    def active(self):
        """Products a shopper may see: active, in an active category."""
        return self.filter(is_active=True, category__is_active=True)

    def for_listing(self):
        """Everything a product card shows, in one query."""
        return self.active().select_related("category")

    def in_category_tree(self, category):
        """Products of the category and of its sub-categories, at any depth."""
        return self.filter(category__in=category.subtree_ids())

    def low_stock(self, threshold):
        return self.filter(stock__lte=threshold)


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
    image = models.ImageField(upload_to="products/", blank=True)
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
