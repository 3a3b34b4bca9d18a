"""Top-level URLs. `/health/live/` is answered by ecommerce.health.LivenessMiddleware."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path
from django.views.decorators.http import require_safe
from django.views.generic import TemplateView

from accounts import oidc
from accounts import views as accounts_views
from catalog.sitemaps import SITEMAPS as CATALOG_SITEMAPS
from pages.sitemaps import PageSitemap as InfoPageSitemap

SITEMAPS = {**CATALOG_SITEMAPS, "info": InfoPageSitemap}

admin.site.site_header = "Storefront administration"
# The index shows how the shop is doing above the apps (each app draws its own tiles).
admin.site.index_template = "admin/dashboard.html"
admin.site.site_title = "Storefront admin"

urlpatterns = [
    path("", include("catalog.urls")),
    path("", include("orders.urls")),
    path("", include("reviews.urls")),
    path("pages/", include("pages.urls")),
    path("", include("accounts.urls")),  # /accounts/... and the account page, /account/
    path("admin/login/", accounts_views.admin_login),
    # The admin's "Log out" ends the Keycloak session too, like the shop's "Sign out".
    path("admin/logout/", accounts_views.logout),
    path("admin/", admin.site.urls),
    # For search engines: an index of one sitemap per section, each paged by Django (?p=2).
    path(
        "sitemap.xml",
        require_safe(sitemap_views.index),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap-section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        require_safe(sitemap_views.sitemap),
        {"sitemaps": SITEMAPS},
        name="sitemap-section",
    ),
    path(
        "robots.txt",
        TemplateView.as_view(template_name="robots.txt", content_type="text/plain"),
        name="robots",
    ),
]

if settings.OIDC_ENABLED:
    urlpatterns += [
        # Before the include, so it answers this path: adds `prompt=create` for "Create account".
        path("oidc/authenticate/", oidc.KeycloakAuthenticationRequestView.as_view()),
        path("oidc/", include("mozilla_django_oidc.urls")),
    ]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler400 = "ecommerce.errors.bad_request"
handler500 = "ecommerce.errors.server_error"
