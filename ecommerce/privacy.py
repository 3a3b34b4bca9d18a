"""`Cache-Control: private, no-store` on every response made for one visitor.

A CDN or proxy whose cache key ignores cookies (CloudFront's default) would otherwise keep one
shopper's cart, address or order page and serve it to the next visitor. A response is one
visitor's when the request came with a session (a signed-in user, a cart, messages) or the
response sets a cookie; the catalog's pages for a visitor without a session stay cacheable.
"""

from django.utils.cache import patch_cache_control


class PrivatePages:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if _for_one_visitor(request, response):
            patch_cache_control(response, private=True, no_store=True)
        return response


def _for_one_visitor(request, response) -> bool:
    """Checked without a query: a session cookie is enough (the page then carries the
    visitor's cart count, messages or name), and without one nobody is signed in."""
    session = getattr(request, "session", None)
    return bool(response.cookies) or (session is not None and session.session_key is not None)
