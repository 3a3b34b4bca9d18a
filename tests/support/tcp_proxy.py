"""A small TCP proxy for fault injection, switchable at runtime.

Put it between the application and a server (point the application at `proxy.port`) and switch
its mode while the application runs:

- ``pass``: forward bytes both ways (the default).
- ``blackhole``: keep every connection open but forward nothing, on existing connections as on
  new ones (which are accepted, but not connected upstream). Bytes read meanwhile are held, not
  lost: switching back to ``pass`` delivers them, as TCP would after a short partition heals.
- ``reset``: abort every open connection with a TCP RST, and reset new ones as soon as they are
  accepted (a server that crashed, a load balancer dropping its flows).

Limits of a user-space proxy: the proxy's own kernel still completes handshakes and
acknowledges the application's bytes. A ``blackhole`` is therefore a server that stopped
answering (frozen, stuck on I/O, a middlebox with a dead upstream), not lost packets: the
application's TCP keepalives and ``tcp_user_timeout`` never fire against it; only client-side
deadlines (libpq's ``connect_timeout``, the application's own) end its waits.

Usage::

    with TcpProxy("127.0.0.1", pg.port) as proxy:
        ...  # the application connects to 127.0.0.1:proxy.port
        proxy.set_mode("blackhole")
        proxy.set_mode("pass")

The proxy runs an asyncio loop on a daemon thread; every public method is thread-safe.
Stdlib only.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from types import TracebackType

MODES = ("pass", "blackhole", "reset")
CHUNK = 65536
UPSTREAM_CONNECT_TIMEOUT = 5.0


def _abort_with_rst(writer: asyncio.StreamWriter) -> None:
    """Close at once with a TCP RST (SO_LINGER 0) rather than an orderly FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class _Link:
    """One client connection and, once forwarding started, its upstream connection."""

    def __init__(self, client: asyncio.StreamWriter) -> None:
        self.client = client
        self.upstream: asyncio.StreamWriter | None = None

    def abort(self) -> None:
        _abort_with_rst(self.client)
        if self.upstream is not None:
            _abort_with_rst(self.upstream)


class TcpProxy:
    """Listens on `host:port` (a free port by default) and forwards to the upstream address."""

    def __init__(
        self, upstream_host: str, upstream_port: int, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.host = host
        self._requested_port = port
        self._upstream = (upstream_host, upstream_port)
        self._mode = "pass"
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.AbstractServer | None = None
        self._flowing: asyncio.Event | None = None  # set while the mode is "pass"
        self._links: set[_Link] = set()
        self._accepted = 0
        self._counter_lock = threading.Lock()
        self.port = 0

    def __repr__(self) -> str:
        return f"<TcpProxy {self.host}:{self.port} -> {self._upstream} mode={self._mode}>"

    # --- public API ----------------------------------------------------------------------------

    @property
    def mode(self) -> str:
        return self._mode

    @property
    def accepted(self) -> int:
        """How many client connections the proxy has accepted so far."""
        with self._counter_lock:
            return self._accepted

    @property
    def open_connections(self) -> int:
        return self._call(lambda: len(self._links))

    def start(self) -> TcpProxy:
        if self._thread is not None:
            return self
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self._listen())
            except BaseException as exc:
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

        self._thread = threading.Thread(target=run, name=f"tcp-proxy-{id(self):x}", daemon=True)
        self._thread.start()
        ready.wait(10)
        if failure:
            self._thread = None
            raise failure[0]
        return self

    def stop(self) -> None:
        """Close the listener and every connection, and end the loop's thread."""
        if self._thread is None or self._loop is None:
            return
        with contextlib.suppress(RuntimeError):
            asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._thread = None

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; expected one of {MODES}")
        self._call(lambda: self._apply_mode(mode))

    def set_upstream(self, host: str, port: int) -> None:
        """Send new connections elsewhere (a failover to another server); open ones stay."""
        self._upstream = (host, port)

    def reset_all(self) -> int:
        """Abort every open connection with a RST, whatever the mode; return how many."""
        return self._call(self._abort_all)

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- inside the loop -----------------------------------------------------------------------

    def _call(self, function):
        """Run `function` on the loop's thread and return its result."""
        if self._loop is None or self._thread is None:
            raise RuntimeError("the proxy is not running")

        async def call():
            return function()

        return asyncio.run_coroutine_threadsafe(call(), self._loop).result(10)

    async def _listen(self) -> None:
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._server = await asyncio.start_server(
            self._handle, self.host, self._requested_port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        self._abort_all()
        current = asyncio.current_task()
        tasks = [task for task in asyncio.all_tasks() if task is not current]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _apply_mode(self, mode: str) -> None:
        assert self._flowing is not None
        self._mode = mode
        if mode == "pass":
            self._flowing.set()
        else:
            self._flowing.clear()
        if mode == "reset":
            self._abort_all()

    def _abort_all(self) -> int:
        links = list(self._links)
        for link in links:
            link.abort()
        self._links.clear()
        return len(links)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with self._counter_lock:
            self._accepted += 1
        if self._mode == "reset":
            _abort_with_rst(writer)
            return
        link = _Link(writer)
        self._links.add(link)
        try:
            await self._forward(link, reader)
        except (TimeoutError, OSError):
            link.abort()
        except asyncio.CancelledError:
            link.abort()  # the proxy is stopping; ending quietly keeps asyncio from logging it
        finally:
            self._links.discard(link)
            if not writer.is_closing():
                writer.close()
            if link.upstream is not None and not link.upstream.is_closing():
                link.upstream.close()

    async def _forward(self, link: _Link, client_reader: asyncio.StreamReader) -> None:
        assert self._flowing is not None
        # A blackhole accepts the connection but does not reach upstream until it lifts. The
        # client may give up meanwhile; its bytes (or EOF) wait in the buffer.
        await self._flowing.wait()
        if link.client.is_closing():
            return
        up_reader, up_writer = await asyncio.wait_for(
            asyncio.open_connection(*self._upstream), UPSTREAM_CONNECT_TIMEOUT
        )
        link.upstream = up_writer
        pumps = [
            asyncio.create_task(self._pump(client_reader, up_writer)),
            asyncio.create_task(self._pump(up_reader, link.client)),
        ]
        try:
            done, _ = await asyncio.wait(pumps, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                task.result()  # an error in one direction ends the link (with a RST)
            await asyncio.gather(*pumps)
        finally:
            for task in pumps:
                task.cancel()

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert self._flowing is not None
        while True:
            data = await reader.read(CHUNK)
            await self._flowing.wait()  # a blackhole holds what was read, and reads no more
            if writer.is_closing():
                return
            if not data:
                with contextlib.suppress(OSError):
                    writer.write_eof()  # half-close, as the peer did
                return
            writer.write(data)
            await writer.drain()
