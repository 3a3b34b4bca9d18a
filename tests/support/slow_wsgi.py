"""The shop's WSGI application plus one slow path, for shutdown tests under real gunicorn.

`GET /_test/slow?seconds=N` logs "slow request started" (a JSON line on stdout, through the
app's logging, so a test can wait for it), sleeps N seconds, and answers 200 "slept N". The
sleep is the behaviour under test: a request still in flight when SIGTERM arrives. Every other
path goes to `ecommerce.wsgi.application` unchanged.

Serve it with `GunicornServer("tests.support.slow_wsgi:application", ...)`.
"""

import logging
import time
from urllib.parse import parse_qs

from ecommerce.wsgi import application as shop_application

SLOW_PATH = "/_test/slow"
STARTED_MESSAGE = "slow request started"
logger = logging.getLogger("tests.slow_wsgi")


def application(environ, start_response):
    if environ.get("PATH_INFO") != SLOW_PATH:
        return shop_application(environ, start_response)
    query = parse_qs(environ.get("QUERY_STRING", ""))
    seconds = float(query.get("seconds", ["1"])[0])
    logger.info(STARTED_MESSAGE, extra={"seconds": seconds})
    time.sleep(seconds)
    body = f"slept {seconds:g}\n".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
