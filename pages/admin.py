from django.contrib import admin

from .models import Page


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "updated_at"]
    search_fields = ["title", "slug", "body"]
    prepopulated_fields = {"slug": ["title"]}
    # No bulk delete: it would not ask has_delete_permission() about each page.
    actions = None

    def get_prepopulated_fields(self, request, obj=None):
        return (
            {}
            if obj is not None and obj.is_in_footer
            else super().get_prepopulated_fields(request, obj)
        )

    def get_readonly_fields(self, request, obj=None):
        # The footer links to these pages by address.
        return ["slug"] if obj is not None and obj.is_in_footer else []

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_in_footer:
            return False
        return super().has_delete_permission(request, obj)
