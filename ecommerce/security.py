"""Security glue about the deployment rather than the shop: the client's address behind the
load balancer, the Permissions-Policy header, staff sessions' idle timeout, and one-line
warnings for Django's security events."""

import ipaddress
import logging

from django.conf import settings


def client_ip(request) -> str | None:
    """The client's IP address (AXES_CLIENT_IP_CALLABLE), behind DJANGO_TRUSTED_PROXY_COUNT
    proxies (the ALB: 1).

    Each proxy appends the address it received the connection from to X-Forwarded-For, so of
    that list only the last `count` entries were written by proxies we trust; the one they
    report first (the right-most untrusted hop) is the client. Anything to its left came from
    the client itself and may be made up, so it is never read.
    """
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",")]
        if len(hops) >= count and _is_ip(hops[-count]):
            return hops[-count]
    return request.META.get("REMOTE_ADDR")


def _is_ip(text: str) -> bool:
    # Without a proxy in front (a laptop), the header is the client's own text: axes stores
    # the address in an inet column, which refuses anything else.
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


class PermissionsPolicy:
    """Send the Permissions-Policy header (settings.PERMISSIONS_POLICY) on every response.

    The shop uses no camera, microphone, location or payment API; the header also keeps any
    script or frame that gets onto a page from asking for them. Django has no setting for it,
    and a fixed header needs no library.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.value = ", ".join(
            f"{feature}=({' '.join(origins)})"
            for feature, origins in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.value)
        return response


class StaffSessionIdleTimeout:
    """Staff sessions end after STAFF_SESSION_IDLE_TIMEOUT seconds without a request (the
    admin's power makes a forgotten session on a shared computer costly); shoppers keep
    Django's SESSION_COOKIE_AGE.

    Refreshed on each request that looked at who is signed in (every admin page does); a
    request that never did (a page served from the page cache) neither loads the session nor
    extends it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # AuthenticationMiddleware's lazy user is cached there once something asked for it.
        if hasattr(request, "_cached_user") and request.user.is_staff:
            request.session.set_expiry(settings.STAFF_SESSION_IDLE_TIMEOUT)
        return response


class SecurityEventsAsWarnings:
    """Logging filter: Django's django.security.* events (DisallowedHost, TooManyFieldsSent,
    RequestDataTooBig...) at WARNING in one line, without the traceback.

    Django logs them at ERROR with a full traceback, but each is a 400 caused by the client: a
    scanner sending bad Host headers would fill the log with tracebacks and page whoever
    watches ERROR lines. The message (Django's) says what was wrong.
    """

    def filter(self, record):
        if record.name.startswith("django.security.") and record.levelno > logging.WARNING:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info = record.exc_text = None
        return True
