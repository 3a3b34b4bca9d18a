"""Error pages. A lost database connection (a Multi-AZ failover, a restart) is a 503 with
Retry-After, not a 500: the shop is briefly unavailable, not broken."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseBadRequest
from django.template.loader import render_to_string

RETRY_AFTER_SECONDS = 15


def server_error(request):
    """Django's handler500, called for every uncaught exception (views and middleware alike)."""
    if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        return _unavailable()
    return HttpResponse(render_to_string("500.html"), status=500)


def bad_request(request, exception):
    """Django's handler400. When the database goes away while the session is being saved,
    Django reports SessionInterrupted ("the session was deleted"), a 400; the request may have
    done its work (an order placed just before), so it gets the 503 of the outage, which says
    to try again, not a 400, which says the request was wrong."""
    cause, depth = exception, 0
    while cause is not None and depth < 10:
        if isinstance(cause, (OperationalError, InterfaceError)):
            return _unavailable()
        cause, depth = cause.__cause__ or cause.__context__, depth + 1
    # Without the request: a refused host, or a request stopped before the authentication
    # middleware, has no visitor for the shop's header to show.
    return HttpResponseBadRequest(render_to_string("400.html"))


def _unavailable():
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class MethodNotAllowedPage:
    """Django has no handler405: a view that refuses a method (`require_POST`) answers with an
    empty HttpResponseNotAllowed. This gives that answer the shop's page, keeping status and
    Allow header; a 405 that already has a body is left as it is."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 405 and not response.streaming and not response.content:
            response.content = render_to_string("405.html", request=request)
            response["Content-Type"] = "text/html; charset=utf-8"
        return response


class RefuseNulBytes:
    """A NUL character anywhere in the query string or a submitted form is a 400.

    PostgreSQL cannot store or compare text containing NUL, so such a value would reach the
    database as an error (a 500) wherever a view or the admin filters or saves it; refusing it
    here is one place instead of a check in every form and filter.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request.path, request.GET) or (
            request.method == "POST" and _has_nul("", request.POST)
        ):
            return bad_request(request, None)
        return self.get_response(request)


def _has_nul(path, query_dict) -> bool:
    return "\x00" in path or any(
        "\x00" in key or any("\x00" in value for value in values)
        for key, values in query_dict.lists()
    )
