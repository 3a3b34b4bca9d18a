"""Sign-in, sign-out, sign-up, passwords and the account page: through Keycloak when it is
configured, else Django's own forms and views."""

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import admin, auth, messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.views.generic import FormView, TemplateView
from mozilla_django_oidc.views import OIDCLogoutView

from . import oidc, services
from .forms import DUPLICATE_EMAIL, EmailAuthenticationForm, PasswordResetForm, SignUpForm
from .signals import mark_signed_up

# Where `next` leads → why the sign-in page is shown. URL names, not imports: accounts imports
# no other app.
SIGN_IN_REASONS = {
    "orders:checkout": "Sign in to check out",
    "orders:cart": "Sign in to see your cart",
}


# Django's form views also take PUT as a POST; the shop's forms are only ever POSTed.
FORM_METHODS = ["get", "post", "head", "options"]


class LoginView(auth_views.LoginView):
    http_method_names = FORM_METHODS
    template_name = "accounts/login.html"
    form_class = EmailAuthenticationForm

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


def locked_out(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: too many failed sign-ins for this account or from this client.

    429 with Retry-After. Every attempt while locked out (the right password included) is
    refused and starts the cool-off again, so the wait shown is the whole cool-off.
    """
    cool_off = settings.AXES_COOLOFF_TIME
    response = render(
        request,
        "accounts/locked_out.html",
        {
            "cool_off_minutes": max(1, round(cool_off.total_seconds() / 60)),
            "local_passwords": not settings.OIDC_ENABLED,
        },
        status=429,
    )
    response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response


def keycloak_account_url() -> str:
    """Keycloak's account console: profile, password, sessions."""
    return f"{settings.KEYCLOAK_URL}/realms/{settings.KEYCLOAK_REALM}/account/"


class SignUpView(auth_views.RedirectURLMixin, FormView):
    """A local account, signed in at once; then back to `next` (same site only) or home."""

    http_method_names = FORM_METHODS
    template_name = "accounts/signup.html"
    form_class = SignUpForm

    def dispatch(self, request, *args, **kwargs):
        if settings.OIDC_ENABLED:
            return redirect(oidc.registration_url(request))
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            user = services.register_user(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
            )
        except services.EmailTaken:  # signed up a moment ago, after the form's check
            form.add_error("email", DUPLICATE_EMAIL)
            return self.form_invalid(form)
        mark_signed_up(user)
        auth.login(self.request, user, backend="django.contrib.auth.backends.ModelBackend")
        return super().form_valid(form)

    def get_default_redirect_url(self):
        return resolve_url(settings.LOGIN_REDIRECT_URL)

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=self.get_redirect_url(), **kwargs)


class LocalPasswordsOnly:
    """Password pages exist only for local accounts: with Keycloak, Keycloak keeps passwords.

    Reset pages are a 404 there (the shop links to none; Keycloak's sign-in page has its own
    "Forgot password?"); subclasses may send people somewhere useful instead (oidc_redirect).
    """

    oidc_redirect = None
    http_method_names = FORM_METHODS

    def dispatch(self, request, *args, **kwargs):
        if settings.OIDC_ENABLED:
            if self.oidc_redirect is None:
                raise Http404("Passwords are managed by the sign-in service.")
            return redirect(self.oidc_redirect())
        return super().dispatch(request, *args, **kwargs)


class PasswordResetView(LocalPasswordsOnly, auth_views.PasswordResetView):
    form_class = PasswordResetForm
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password-reset-done")


class PasswordResetDoneView(LocalPasswordsOnly, auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(LocalPasswordsOnly, auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")


class PasswordResetCompleteView(LocalPasswordsOnly, auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class PasswordChangeView(LocalPasswordsOnly, auth_views.PasswordChangeView):
    """Signed-in local users; with Keycloak, its account console changes the password."""

    oidc_redirect = staticmethod(keycloak_account_url)
    template_name = "accounts/password_change_form.html"
    success_url = reverse_lazy("accounts:account")

    def form_valid(self, form):
        messages.success(self.request, "Your password is changed.")
        return super().form_valid(form)


class AccountView(LoginRequiredMixin, TemplateView):
    """The signed-in shopper's account. Its saved addresses and orders come from the orders
    app's template tags (orders/templatetags/account_sections.py): accounts imports no app."""

    template_name = "accounts/account.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            keycloak_account_url=keycloak_account_url() if settings.OIDC_ENABLED else None,
            **kwargs,
        )
