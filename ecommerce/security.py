"""Security glue about the deployment rather than the shop: the client's address behind the
load balancer, the Permissions-Policy header, staff sessions' idle timeout, and one-line
warnings for Django's security events."""

import ipaddress
import logging

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse


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


class RequestBodyLimit:
    """Refuse an oversized request from its Content-Length, before anything reads the body: a
    413 above MAX_REQUEST_BODY_BYTES, or MAX_ADMIN_REQUEST_BODY_BYTES under /admin/ (the only
    forms that take files: product pictures).

    Django's own limits do not cover this: DATA_UPLOAD_MAX_MEMORY_SIZE leaves files out, and
    FILE_UPLOAD_MAX_MEMORY_SIZE only chooses memory or a temporary file, so any POST URL would
    otherwise read and store a file of any size before its view (or the CSRF check) refused it.

    A body sent chunked, without Content-Length, is refused too (411): Django reads such a body
    as empty anyway, so no form of the shop could use it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            return _plain("Send the request with a Content-Length header.\n", 411)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _plain("The Content-Length header is not a number.\n", 400)
        admin = request.path_info.startswith("/admin/")
        limit = settings.MAX_ADMIN_REQUEST_BODY_BYTES if admin else settings.MAX_REQUEST_BODY_BYTES
        if length > limit:
            logging.getLogger("django.security.RequestBodyTooLarge").warning(
                "Request body of %d bytes refused (limit %d) on %s", length, limit, request.path
            )
            return _plain(f"Request too large: at most {limit // 1024:,} KB here.\n", 413)
        return self.get_response(request)


def _plain(text, status):
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


CONSOLE_EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"


def refuse_console_email() -> None:
    """Stop a production server (DEBUG off) whose e-mail would be printed to the log: order
    confirmations carry names and addresses, and the log goes to CloudWatch. Called by
    ecommerce/wsgi.py, so gunicorn refuses to start; DJANGO_ALLOW_CONSOLE_EMAIL=true is the
    deliberate opt-out (a demo without a mail server)."""
    if settings.EMAIL_BACKEND == CONSOLE_EMAIL_BACKEND and not settings.ALLOW_CONSOLE_EMAIL:
        raise ImproperlyConfigured(
            "E-mail would be printed to the log: set DJANGO_EMAIL_URL to a mail server, e.g. "
            "Amazon SES over SMTP: smtp+tls://USER:PASSWORD@email-smtp.REGION.amazonaws.com:587 "
            "(or DJANGO_ALLOW_CONSOLE_EMAIL=true to print it deliberately)."
        )
