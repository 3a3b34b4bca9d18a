from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from catalog.models import Product


class ReviewQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=Review.Status.APPROVED)


class ReviewStatus(models.TextChoices):
    PENDING = "pending", "Awaiting approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class Review(models.Model):
    Status = ReviewStatus

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="reviews")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews"
    )
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)], help_text="1 to 5 stars."
    )
    title = models.CharField(max_length=120)
    body = models.TextField(max_length=4000)
    status = models.CharField(max_length=20, choices=Status, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        db_table = "reviews"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["product", "status", "-created_at"], name="reviews_product_idx")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "user"],
                name="reviews_one_per_user_per_product",
                violation_error_message="You have already reviewed this product.",
            ),
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5),
                name="reviews_rating_1_to_5",
                violation_error_message="The rating must be from 1 to 5.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReviewStatus.values),
                name="reviews_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.rating}★ {self.title}"
