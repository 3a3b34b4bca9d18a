"""A tiny round-robin HTTP reverse proxy, in front of several shop processes in tests.

It plays the load balancer of production (the ALB in front of the ECS tasks) for tests that
must show a shopper's requests landing on different processes: every request, not every
connection, goes to the next backend in turn, so even a keep-alive client alternates. Like the
ALB it adds `X-Forwarded-For`, `X-Forwarded-Proto` and an `X-Amzn-Trace-Id: Root=...` of its
own per request (the shop logs that id as the request id, so a test can find each request in
the log of the process that served it), and it tells the client which backend answered in an
`X-Backend` response header (the backend's index). It records every request it forwarded.

Why not nginx: a proxy of our own needs no package, no config file and no root, starts in a
millisecond inside the test process, and can say which backend served each request without
parsing access logs. The tests need request-level round robin, not nginx's behaviour.

Limits: HTTP/1.1 with `Content-Length` request bodies (a chunked request body gets 501);
responses are read whole before they are relayed (fine for the shop's pages, not for
streaming). An unreachable backend gives 502, one that does not answer in time 504.

Usage::

    with RoundRobinProxy([("127.0.0.1", first.port), ("127.0.0.1", second.port)]) as proxy:
        ...  # clients talk to 127.0.0.1:proxy.port
        proxy.hops  # [Hop(backend=0, method="GET", path="/cart/", status=200, trace_id=...)]

Stdlib only; the server runs on daemon threads, one per client connection.
"""

from __future__ import annotations

import http.client
import http.server
import itertools
import threading
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType

# Headers that describe one connection, not the message: never forwarded (RFC 9110, 7.6.1).
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
BACKEND_TIMEOUT = 60.0


@dataclass(frozen=True)
class Hop:
    """One request the proxy forwarded: to which backend (index), and what came back
    (status None: the backend could not be reached or did not answer)."""

    backend: int
    method: str
    path: str
    status: int | None
    trace_id: str


class RoundRobinProxy:
    """Listens on `host` (a free port) and sends each request to the next of `backends`."""

    def __init__(
        self,
        backends: Sequence[tuple[str, int]],
        *,
        host: str = "127.0.0.1",
        timeout: float = BACKEND_TIMEOUT,
    ) -> None:
        if not backends:
            raise ValueError("a proxy needs at least one backend")
        self.backends = list(backends)
        self.host = host
        self.timeout = timeout
        self._next = itertools.cycle(range(len(self.backends)))
        self._lock = threading.Lock()
        self._hops: list[Hop] = []
        self._server: http.server.ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"<RoundRobinProxy {self.host}:{self.port} -> {self.backends}>"

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the proxy is not running")
        return int(self._server.server_address[1])

    @property
    def hops(self) -> list[Hop]:
        """Every request forwarded so far, in the order they were sent on."""
        with self._lock:
            return list(self._hops)

    def served(self) -> Counter[int]:
        """How many requests each backend (by index) was sent."""
        return Counter(hop.backend for hop in self.hops)

    def start(self) -> RoundRobinProxy:
        if self._server is not None:
            return self
        handler = type("Handler", (_Handler,), {"proxy": self})
        self._server = _Server((self.host, 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"http-proxy-{self.port}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(10)
        self._server = self._thread = None

    def __enter__(self) -> RoundRobinProxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # called by the handler threads

    def _pick(self) -> int:
        with self._lock:
            return next(self._next)

    def _record(self, hop: Hop) -> None:
        with self._lock:
            self._hops.append(hop)


class _Server(http.server.ThreadingHTTPServer):
    # socketserver's default backlog of 5 resets connections when many clients connect at once.
    request_queue_size = 128


class _Handler(http.server.BaseHTTPRequestHandler):
    proxy: RoundRobinProxy  # set on the subclass made by RoundRobinProxy.start()
    protocol_version = "HTTP/1.1"  # keep-alive towards the client

    def do_GET(self) -> None:
        self._forward()

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET

    def log_message(self, format: str, *args: object) -> None:
        pass  # the hops are the log

    def _forward(self) -> None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self._answer(501, b"chunked request bodies are not supported\n")
            return
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        index = self.proxy._pick()
        host, port = self.proxy.backends[index]
        trace_id = "1-" + uuid.uuid4().hex[:8] + "-" + uuid.uuid4().hex[:24]
        headers = {
            name: value for name, value in self.headers.items() if name.lower() not in HOP_BY_HOP
        }
        headers.pop("X-Amzn-Trace-Id", None)
        headers["X-Amzn-Trace-Id"] = f"Root={trace_id}"
        forwarded_for = self.headers.get("X-Forwarded-For")
        client_ip = self.client_address[0]
        headers["X-Forwarded-For"] = f"{forwarded_for}, {client_ip}" if forwarded_for else client_ip
        headers.setdefault("X-Forwarded-Proto", "http")
        connection = http.client.HTTPConnection(host, port, timeout=self.proxy.timeout)
        try:
            connection.request(self.command, self.path, body=body or None, headers=headers)
            response = connection.getresponse()
            payload = response.read()
        except TimeoutError:
            self.proxy._record(Hop(index, self.command, self.path, None, trace_id))
            self._answer(504, b"the backend did not answer in time\n", index)
            return
        except (OSError, http.client.HTTPException):
            self.proxy._record(Hop(index, self.command, self.path, None, trace_id))
            self._answer(502, b"the backend could not be reached\n", index)
            return
        finally:
            connection.close()
        self.proxy._record(Hop(index, self.command, self.path, response.status, trace_id))
        self.send_response_only(response.status, response.reason)
        length = response.getheader("Content-Length") if self.command == "HEAD" else None
        for name, value in response.getheaders():
            if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("X-Backend", str(index))
        self.send_header("Content-Length", length or str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _answer(self, status: int, text: bytes, backend: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(text)))
        if backend is not None:
            self.send_header("X-Backend", str(backend))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(text)
