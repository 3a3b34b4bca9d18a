"""The benchmark's URLconf: the shop's own URLs plus the stack's "ceiling".

`make bench` serves the shop with `DJANGO_SETTINGS_MODULE=bench.settings`, which selects this.
`/_bench/ceiling/` is the cheapest view the stack can serve: it goes through the same middleware
(request log, security, WhiteNoise, sessions, CSRF, auth, messages, CSP) and the same gunicorn,
but runs no query and renders no template. Every page's throughput is reported as a ratio to it,
measured in the same run. The shop's URLconf (`ecommerce.urls`) never contains it.
"""

from django.http import HttpResponse
from django.urls import path

from ecommerce import urls as shop_urls

CEILING_PATH = "/_bench/ceiling/"
# About the size of a small page's <head>, so the response is not unrealistically tiny.
CEILING_BODY = b"<!doctype html><title>ceiling</title><p>ok</p>"


def ceiling(request):
    return HttpResponse(CEILING_BODY)


urlpatterns = [
    path(CEILING_PATH.strip("/") + "/", ceiling, name="bench-ceiling"),
    *shop_urls.urlpatterns,
]

# The shop's error handlers (handler400, handler500...) are read from the root URLconf: the same.
HANDLERS = {
    name: getattr(shop_urls, name)
    for name in ("handler400", "handler403", "handler404", "handler500")
    if hasattr(shop_urls, name)
}
globals().update(HANDLERS)
