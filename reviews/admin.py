from django.contrib import admin, messages
from django.utils.text import Truncator

from . import services
from .models import Review


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["title", "text", "product", "user", "rating", "status", "created_at"]
    list_filter = ["status", "rating", "created_at"]
    list_select_related = ["product", "user"]
    search_fields = ["title", "body", "product__name", "user__email"]
    # A review's author, product and rating are the shopper's; staff moderate, not rewrite.
    readonly_fields = ["product", "user", "rating", "status", "created_at"]
    actions = ["approve", "reject"]

    @admin.display(description="Review")
    def text(self, review):
        return Truncator(review.body).chars(200)

    def has_add_permission(self, request):
        # A review is a shopper's account of a purchase: only shoppers who bought write one.
        return False

    @admin.action(description="Approve selected reviews", permissions=["change"])
    def approve(self, request, queryset):
        changed = services.set_review_status(reviews=queryset, status=Review.Status.APPROVED)
        self.message_user(request, f"{changed} review(s) approved.", messages.SUCCESS)

    @admin.action(description="Reject selected reviews", permissions=["change"])
    def reject(self, request, queryset):
        changed = services.set_review_status(reviews=queryset, status=Review.Status.REJECTED)
        self.message_user(request, f"{changed} review(s) rejected.", messages.SUCCESS)

    def delete_model(self, request, obj):
        services.delete_reviews(reviews=[obj])

    def delete_queryset(self, request, queryset):
        services.delete_reviews(reviews=queryset)
