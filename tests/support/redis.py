"""A throwaway Redis server (Debian's redis-server) for tests of the shared cache and sessions.

`make test` installs the package with apt-get when it is missing and we run as root on Debian.
Stdlib only, like the other helpers here.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.support.debian import PackageInstallError, apt_install, can_apt_install

INSTALL_HINT = "Redis not found: install Debian's package (`sudo apt-get install redis-server`)."


class RedisError(RuntimeError):
    pass


def ensure_redis_server() -> Path:
    binary = shutil.which("redis-server")
    if binary is None and can_apt_install():
        try:
            apt_install("redis-server")
        except PackageInstallError as error:
            raise RedisError(f"{error}\n{INSTALL_HINT}") from None
        binary = shutil.which("redis-server")
    if binary is None:
        raise RedisError(INSTALL_HINT)
    return Path(binary)


class RedisServer:
    """redis-server on 127.0.0.1, in memory only (no persistence), for one test module."""

    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="redistest-"))
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> RedisServer:
        self.process = subprocess.Popen(
            [str(ensure_redis_server()), "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while not self._answers_ping():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RedisError(f"redis-server did not start on port {self.port}")
            time.sleep(0.05)  # polling interval of the wait-for-ready loop
        return self

    def _answers_ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def main() -> int:
    try:
        print(ensure_redis_server())
    except RedisError as error:
        print(f"redis: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
