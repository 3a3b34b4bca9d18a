"""Sign-in and sign-out: through Keycloak when it is configured, else Django's own forms."""

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from mozilla_django_oidc.views import OIDCLogoutView

# Where `next` leads → why the sign-in page is shown. URL names, not imports: accounts imports
# no other app.
SIGN_IN_REASONS = {
    "orders:checkout": "Sign in to check out",
    "orders:cart": "Sign in to see your cart",
}


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(heading=self.heading(), **kwargs)

    def heading(self):
        # get_redirect_url() is empty for a `next` that leaves the site.
        path = urlsplit(self.get_redirect_url()).path
        for url_name, heading in SIGN_IN_REASONS.items():
            if path == reverse(url_name):
                return heading
        return "Sign in"


def login(request):
    if not settings.OIDC_ENABLED:
        return LoginView.as_view()(request)
    # mozilla-django-oidc checks that `next` stays on this site.
    query = urlencode({"next": request.GET.get("next", "/")})
    return redirect(f"{reverse('oidc_authentication_init')}?{query}")


def logout(request):
    if settings.OIDC_ENABLED:
        # Ends the Keycloak session too (RP-initiated logout with id_token_hint).
        return OIDCLogoutView.as_view()(request)
    return auth_views.LogoutView.as_view()(request)


def admin_login(request):
    """Staff sign in to the admin through Keycloak too; the admin's password form is only a
    break-glass option (DJANGO_ADMIN_PASSWORD_LOGIN)."""
    if settings.ADMIN_PASSWORD_LOGIN:
        return admin.site.login(request)
    if request.user.is_authenticated:
        # Signed in, but not staff: going round through Keycloak would only loop.
        raise PermissionDenied("Your account has no access to the administration.")
    query = urlencode({"next": request.GET.get("next", reverse("admin:index"))})
    return redirect(f"{reverse('accounts:login')}?{query}")
