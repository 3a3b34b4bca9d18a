"""Error pages. A lost database connection (a Multi-AZ failover, a restart) is a 503 with
Retry-After, not a 500: the shop is briefly unavailable, not broken."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string

RETRY_AFTER_SECONDS = 15


def server_error(request):
    """Django's handler500, called for every uncaught exception (views and middleware alike)."""
    if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return HttpResponse(render_to_string("500.html"), status=500)
