"""Sign-in through Keycloak with mozilla-django-oidc, hardened.

mozilla-django-oidc verifies the ID token's signature and nonce but not its issuer or audience,
matches users by e-mail, and reads no roles. This backend checks issuer, audience and expiry of
the ID token and of the access token (RS256 against Keycloak's JWKS), matches users by the token's
`sub`, and takes the realm roles from the access token's `realm_access.roles`, where Keycloak
puts them.
"""

import logging
import time
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.contrib import auth, messages
from django.core.exceptions import SuspiciousOperation
from django.dispatch import Signal
from django.shortcuts import redirect
from django.urls import reverse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.middleware import SessionRefresh
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from . import services

logger = logging.getLogger(__name__)
CLOCK_SKEW_SECONDS = 30

# Sent with `reason` when a sign-in through Keycloak fails, and when Keycloak ends a session at the
# refresh check: the deployment's metrics count them.
sign_in_failed = Signal()
session_ended_by_refresh = Signal()


def _failed(reason: str) -> None:
    sign_in_failed.send(sender=KeycloakBackend, reason=reason)


class KeycloakBackend(OIDCAuthenticationBackend):
    def authenticate(self, request, **kwargs):
        try:
            return super().authenticate(request, **kwargs)
        except SuspiciousOperation:  # the ID token (a 400)
            _failed("token_invalid")
            raise
        except requests.RequestException:  # Keycloak unreachable, or refused the code
            _failed("provider_error")
            raise

    def _verify_jws(self, payload, key):
        """Verify signature, algorithm, issuer, audience and expiry (called for the ID token)."""
        return decode_token(payload, key, audience=self.OIDC_RP_CLIENT_ID)

    def verify_access_token(self, access_token):
        return decode_token(
            access_token, self.retrieve_matching_jwk(access_token), audience=self.OIDC_RP_CLIENT_ID
        )

    def get_or_create_user(self, access_token, id_token, payload):
        try:
            access_claims = self.verify_access_token(access_token)
            userinfo = self.get_userinfo(access_token, id_token, payload)
            if not payload.get("sub") or userinfo.get("sub") != payload["sub"]:
                raise SuspiciousOperation("The userinfo subject does not match the ID token's.")
        except SuspiciousOperation:  # mozilla-django-oidc turns it into a failed sign-in
            _failed("token_invalid")
            raise
        claims = {**userinfo, **payload}
        identity = services.Identity(
            sub=claims["sub"],
            email=claims.get("email", ""),
            email_verified=claims.get("email_verified") is True,
            first_name=claims.get("given_name", ""),
            last_name=claims.get("family_name", ""),
            preferred_username=claims.get("preferred_username", ""),
            roles=frozenset(access_claims.get("realm_access", {}).get("roles", [])),
        )
        try:
            return services.sign_in_identity(identity=identity)
        except services.IdentityRefused as refusal:
            _failed("identity_refused" if email_verified(identity) else "email_not_verified")
            messages.error(self.request, str(refusal))
            logger.warning("Keycloak sign-in refused for subject %s: %s", identity.sub, refusal)
            return None


def email_verified(identity: services.Identity) -> bool:
    return identity.email_verified and bool(identity.email.strip())


def decode_token(token, key, *, audience):
    """A verified token's claims, or SuspiciousOperation (which ends the sign-in)."""
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != settings.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation(f"Unexpected token algorithm {header.get('alg')!r}.")
        return jwt.decode(
            token,
            key,
            algorithms=[settings.OIDC_RP_SIGN_ALGO],
            audience=audience,
            issuer=settings.OIDC_OP_ISSUER,
            leeway=CLOCK_SKEW_SECONDS,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
    except jwt.PyJWTError as error:
        raise SuspiciousOperation(f"Token rejected: {error}") from None


class KeycloakCallbackView(OIDCAuthenticationCallbackView):
    """mozilla-django-oidc's callback (OIDC_CALLBACK_CLASS), announcing the failures it sees."""

    def get(self, request):
        states = request.session.get("oidc_states", {})
        if request.GET.get("error"):
            if request.user.is_authenticated:
                # The refresh check's silent authorization (prompt=none) was refused: the
                # Keycloak session is over (the account disabled, or signed out there).
                session_ended_by_refresh.send(sender=type(self), request=request)
            else:
                _failed("provider_error")
        elif "code" in request.GET and request.GET.get("state") not in states:
            _failed("state_mismatch")  # answered with a 400 or a failed sign-in
        return super().get(request)


class KeycloakAuthenticationRequestView(OIDCAuthenticationRequestView):
    """mozilla-django-oidc's authorization request (state, nonce, PKCE kept in the session),
    plus `prompt=create` when `?register=1`: Keycloak then shows its registration page instead
    of its sign-in page (OpenID Connect "Initiating User Registration", Keycloak 26), and the new
    shopper comes back through the same callback, signed in.
    """

    def get_extra_params(self, request):
        params = dict(super().get_extra_params(request))
        if request.GET.get("register") == "1":
            params["prompt"] = "create"
        return params


def registration_url(request) -> str:
    """Where "Create account" leads with Keycloak: its registration page, by way of a normal
    authorization request, so that the shopper returns to `next` signed in."""
    query = urlencode({"next": request.GET.get("next", "/"), "register": "1"})
    return f"{reverse('oidc_authentication_init')}?{query}"


def keycloak_logout_url(request):
    """RP-initiated logout: end the Keycloak session too, then come back to the shop."""
    params = {
        "client_id": settings.OIDC_RP_CLIENT_ID,
        "post_logout_redirect_uri": request.build_absolute_uri(settings.LOGOUT_REDIRECT_URL),
    }
    id_token = request.session.get("oidc_id_token")
    if id_token:
        params["id_token_hint"] = id_token
    return f"{settings.OIDC_OP_LOGOUT_ENDPOINT}?{urlencode(params)}"


class KeycloakSessionRefresh(SessionRefresh):
    """mozilla-django-oidc's SessionRefresh re-checks an expired ID token only on GET requests.

    A POST with an expired token (placing an order, say) cannot be redirected through Keycloak
    and replayed, so it is refused: the shopper is signed out and sent to sign in again.
    """

    def process_request(self, request):
        if request.method in ("GET", "HEAD") or not self._is_expired_oidc_session(request):
            return super().process_request(request)
        auth.logout(request)
        messages.info(request, "Your session has expired. Please sign in again.")
        return redirect(f"{reverse('accounts:login')}?{urlencode({'next': request.path})}")

    def _is_expired_oidc_session(self, request):
        session_backend = request.session.get(auth.BACKEND_SESSION_KEY, "")
        return (
            request.user.is_authenticated
            and request.path not in self.exempt_urls
            and session_backend == "accounts.oidc.KeycloakBackend"
            and request.session.get("oidc_id_token_expiration", 0) <= time.time()
        )
