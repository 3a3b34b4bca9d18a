"""Whole catalog pages, one copy for everyone, shared by every process through Redis.

The home, listing, category and product pages show every visitor the same thing but for a few
*shopper parts*: the header's name, cart count and staff link, the product page's review form.
Those are marked in the templates (`{% shopper_part "template.html" %}`); the page is rendered
once with markers in their place, stored as HTML under its URL, and each response fills in its
visitor's own parts (their templates, rendered with the visitor's request) and CSRF token. A
visitor with a message waiting gets the page rendered for them, where the message shows.

Never stale: a view names the scopes of the catalog its page shows (catalog.changes: the
category tree, the listing, a category's or a product's page). The page is stored with their
versions, read before its queries, and served only while they are all current; a committed
write replaces the versions of exactly the scopes it changed, so a price change renders its
product's page and listings again, and a sale that leaves "In stock" as it was renders nothing.
The key also carries the release (RELEASE_ID, set when the image is built), so a deploy never
serves the previous release's HTML.

When a page is missing, one request renders it and the others asking for it meanwhile wait
for it (RENDER_WAIT_SECONDS at most, then render it themselves): a popular page going out of
date costs one render, not one per waiting request.

The CSRF token is per visitor: pages are stored with a placeholder in its place, and each
response gets the visitor's own token (and cookie). Responses say `X-Page-Cache: hit` or `miss`.

On only when the cache is shared (REDIS_URL; a per-process memory cache could not see another
process's writes) and reads go to the primary (a lagging replica could store an old page under
a new version): CATALOG_PAGE_CACHE in the settings. A cache outage is logged and the page is
rendered as usual.
"""

import functools
import hashlib
import logging
import re
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template import Engine
from django.template.loader import get_template
from django.utils.cache import patch_vary_headers
from django.utils.crypto import salted_hmac
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from . import changes, rendering

logger = logging.getLogger(__name__)

# Freshness comes from the versions. Entries also expire, to bound the cache's memory and what
# a change could leave behind if the cache was unreachable when it committed (or a changed shop
# setting, within one release). Expiry makes popular pages render again: measured in
# `make bench`, a minute turned a third of the page mix into misses after a few minutes' run.
PAGE_TIMEOUT_SECONDS = 300
# A render that takes longer than this lets another request start rendering the same page.
RENDER_LOCK_SECONDS = 5
RENDER_WAIT_SECONDS = 2
RENDER_POLL_SECONDS = 0.01
# Set on a request rendering the page kept for everyone: its shopper parts stay markers.
SHARED_PAGE = "page_cache_renders_shared_page"
_SHOPPER_PART = re.compile(r"<!--shopper-part ([^>]*)-->")
_signed_out_parts = rendering.RenderMemo(maxsize=4096)


def serves(request) -> bool:
    """Whether `request` gets the page kept for everyone: a GET or HEAD of a visitor with no
    messages waiting (in their cookie: the session holds only what the cookie cannot), which
    show once, on the next page rendered for them."""
    return (
        settings.CATALOG_PAGE_CACHE
        and request.method in ("GET", "HEAD")
        and CookieStorage.cookie_name not in request.COOKIES
    )


@functools.cache
def csrf_placeholder() -> str:
    """Where a kept page has the CSRF token: derived from the secret key, so that no text a
    visitor can put on a page (a search, a review) can be taken for it."""
    return "csrf-" + salted_hmac("catalog.page_cache", "csrf placeholder").hexdigest()[:32]


def with_csrf_token(html: str, request) -> str:
    """The page with the visitor's own CSRF token (and cookie) if it has a form that needs one."""
    if csrf_placeholder() not in html:
        return html
    return html.replace(csrf_placeholder(), get_token(request))


def shopper_part(context, template_name: str, values: dict) -> SafeString:
    """`{% shopper_part %}`: a part of a page that differs per visitor (their name, cart,
    review form). In a page kept for everyone it is a marker, which each response replaces
    with the part rendered for its own visitor (for_visitor)."""
    if getattr(getattr(context, "request", None), SHARED_PAGE, False):
        # urlencode() leaves no < or > to escape.
        spec = urlencode({"template": template_name, **values})
        return mark_safe(f"<!--shopper-part {spec}-->")  # noqa: S308
    return get_template(template_name).render({**context.flatten(), **values})


def for_visitor(html: str, request) -> str:
    """A page kept for everyone, with the visitor's own shopper parts and CSRF token.

    A visitor without a session is signed out with an empty cart: their parts differ only by
    the URL (the sign-in link's `next`), so they are rendered once per URL and process (a third
    of the CPU of serving a kept page, measured) and remembered.
    """
    signed_out = settings.SESSION_COOKIE_NAME not in request.COOKIES
    context = None

    def processors() -> dict:  # the context processors' values, once for all parts
        nonlocal context
        if context is None:
            context = {}
            for processor in Engine.get_default().template_context_processors:
                context.update(processor(request))
        return context

    def render(part):
        values = dict(parse_qsl(part[1]))
        template = get_template(values.pop("template"))
        if not signed_out:
            return template.render({**processors(), **values})
        key = (rendering.compiled(template), part[1], request.get_full_path(), get_language())
        # Remembered for every signed-out visitor: the CSRF token goes in afterwards.
        return _signed_out_parts.get_or_render(
            key,
            lambda: template.render({**processors(), "csrf_token": csrf_placeholder(), **values}),
        )

    return with_csrf_token(_SHOPPER_PART.sub(render, html), request)


def _mark(response, outcome: str):
    response.headers["X-Page-Cache"] = outcome
    patch_vary_headers(response, ["Cookie"])
    return response


@dataclass
class CachedPage:
    key: str
    versions: tuple[str, ...]
    html: str | None  # None: not in the cache (or out of date): this request renders it
    rendering: bool = False  # this request holds the render lock

    @property
    def lock_key(self) -> str:
        return self.key + ":rendering"

    def response(self, request) -> HttpResponse:
        return _mark(HttpResponse(for_visitor(self.html, request)), "hit")

    def store(self, html: str) -> None:
        """Keeps a freshly rendered page (with markers and the CSRF placeholder)."""
        self.html = html
        try:
            cache.set(self.key, (self.versions, html), timeout=PAGE_TIMEOUT_SECONDS)
        except Exception:
            logger.exception("Could not cache a catalog page")

    def release_lock(self) -> None:
        if self.rendering:
            self.rendering = False
            try:
                cache.delete(self.lock_key)
            except Exception:
                logger.exception("Could not release a catalog page's render lock")

    def wait_for_render(self) -> None:
        """Take the render lock, or wait for the request holding it to store the page."""
        self.rendering = cache.add(self.lock_key, 1, timeout=RENDER_LOCK_SECONDS)
        deadline = time.monotonic() + RENDER_WAIT_SECONDS
        while not self.rendering and time.monotonic() < deadline:
            time.sleep(RENDER_POLL_SECONDS)
            stored_versions, html = cache.get(self.key, (None, None))
            if stored_versions == self.versions:
                self.html = html
                return
            self.rendering = cache.add(self.lock_key, 1, timeout=RENDER_LOCK_SECONDS)


def lookup(request, scopes: list[str]) -> CachedPage | None:
    """The cached page for `request`, showing `scopes`; with `html` None if this request must
    render it (and store it). None when the request does not use the cache, or the cache cannot
    be reached."""
    if not serves(request):
        return None
    path = hashlib.blake2b(request.get_full_path().encode(), digest_size=16).hexdigest()
    key = f"catalog-pages:{settings.RELEASE_ID}:{get_language()}:{path}"
    try:
        found = cache.get_many([key, *map(changes.version_key, scopes)])
        versions = changes.current_versions(scopes, found)
        stored_versions, html = found.get(key, (None, None))
        page = CachedPage(key, versions, html if stored_versions == versions else None)
        if page.html is None:
            page.wait_for_render()
    except Exception:
        logger.exception("Could not read the cached catalog pages")
        return None
    return page


class CachedForVisitorsMixin:
    """For a catalog view: its page kept for everyone, with each visitor's own parts.

    page_scopes() names what the page shows (catalog.changes): by default the category tree
    and the listing of all products."""

    cached_page = None

    def page_scopes(self) -> list[str]:
        return [changes.TREE, changes.LISTING]

    def get(self, request, *args, **kwargs):
        self.cached_page = page = lookup(request, self.page_scopes())
        if page is None:
            return super().get(request, *args, **kwargs)
        if page.html is not None:
            return page.response(request)
        # Rendered here rather than by the handler, so that the lock goes whatever happens, and
        # an error page (rendered later) gets the visitor's own parts, not markers.
        setattr(request, SHARED_PAGE, True)
        try:
            response = super().get(request, *args, **kwargs)
            if response.status_code == 200:
                page.store(response.render().content.decode(response.charset))
        finally:
            setattr(request, SHARED_PAGE, False)
            page.release_lock()
        if response.status_code == 200:
            response.content = for_visitor(page.html, request)
        return _mark(response, "miss")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.cached_page is not None:
            context["csrf_token"] = csrf_placeholder()
        return context
