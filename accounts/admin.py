from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import User

# Failed password sign-ins (accounts.lockout): deleting an account's or a client's attempts
# unlocks it. Only this one of django-axes' admins (AXES_ENABLE_ADMIN is off): the shop keeps
# no log of successful sign-ins and no separate failure log.
admin.site.register(AccessAttempt, AccessAttemptAdmin)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "is_staff", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups"]
    search_fields = ["username", "email", "first_name", "last_name", "oidc_sub"]
    readonly_fields = ["oidc_sub", "last_login", "date_joined"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Identity provider", {"fields": ["oidc_sub"]}),
    )
    add_fieldsets = (
        (None, {"classes": ["wide"], "fields": ["username", "email", "password1", "password2"]}),
    )
