"""The load of `make bench`: wrk runs (bench/wrk.lua) and a flow of orders beside them."""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bench.pages import Request

WRK_SCRIPT = Path(__file__).resolve().parent / "wrk.lua"


@dataclass
class LoadSettings:
    wrk: str
    threads: int
    connections: int
    pin: str
    timeout_s: int = 10

    @property
    def load_cpus(self) -> set[int] | None:
        """The CPUs of the load generators (and the data stores) with `--pin split`."""
        return {0} if self.pin == "split" else None


def run_wrk(settings: LoadSettings, url: str, data_file: Path, duration: float) -> dict:
    """One wrk run; returns the script's result line plus wrk's own CPU time and the share of
    answers served from the catalog page cache (None when no answer said either way)."""
    command = [
        settings.wrk, "-t", str(settings.threads), "-c", str(settings.connections),
        "-d", f"{max(1, round(duration))}s", "--timeout", f"{settings.timeout_s}s",
        "-s", str(WRK_SCRIPT), url, "--", str(data_file), str(settings.threads),
    ]  # fmt: skip
    if settings.load_cpus:
        command = ["taskset", "-c", ",".join(map(str, settings.load_cpus)), *command]
    process = subprocess.Popen(  # noqa: S603 (wrk, found by ensure_wrk)
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL
    )
    _, status, rusage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    stdout = process.stdout.read().decode(errors="replace")
    stderr = process.stderr.read().decode(errors="replace")
    match = re.search(r"^BENCH_RESULT (\{.*\})$", stdout, re.M)
    if process.returncode != 0 or match is None:
        raise SystemExit(f"bench: wrk failed ({process.returncode}):\n{stdout}\n{stderr}")
    result = json.loads(match.group(1))
    result["wrk_cpu_s"] = rusage.ru_utime + rusage.ru_stime
    cache = result["page_cache"]
    told = cache["hit"] + cache["miss"]
    result["hit_rate"] = round(cache["hit"] / told, 4) if told else None
    return result


class OrderFlow:
    """Checkouts at a steady rate beside the load: the mixed scenario's orders.

    Order k is due at start + k / rate, however long the earlier ones took (a deadline
    schedule: a slow answer is caught up on, not added to every later interval). `senders`
    threads take the orders in turn, each on a new connection, so one slow checkout does not
    hold up the next. An order is placed when the answer is the redirect to its page; the
    rate achieved is counted from the sending of the first placed order to that of the last.
    """

    def __init__(
        self,
        host: str,
        port: int,
        requests: list[Request],
        rate: float,
        *,
        senders: int = 8,
        cpus: set[int] | None = None,
    ) -> None:
        self.host, self.port = host, port
        self.requests, self.rate = requests, rate
        self.senders, self.cpus = senders, cpus
        self._next = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._started = 0.0
        self.placed_sent_at: list[float] = []
        self.refused = self.errors = 0
        self.refused_statuses: dict[str, int] = {}
        self.max_late_s = 0.0

    def start(self) -> None:
        self._started = time.monotonic()
        self._threads = [
            threading.Thread(target=self._send, daemon=True) for _ in range(self.senders)
        ]
        for thread in self._threads:
            thread.start()

    def stop(self) -> dict:
        """Stop sending (an order on the wire is answered first) and report the flow."""
        self._stop.set()
        for thread in self._threads:
            thread.join()
        placed = len(self.placed_sent_at)
        span = max(self.placed_sent_at) - min(self.placed_sent_at) if placed > 1 else 0.0
        return {
            "rate": self.rate,
            "placed": placed,
            "refused": self.refused,
            "refused_statuses": self.refused_statuses,
            "errors": self.errors,
            # Every prepared shopper used: the flow may have stopped before the load did.
            "exhausted": placed + self.refused + self.errors == len(self.requests),
            "seconds": round(time.monotonic() - self._started, 2),
            "orders_per_s": round((placed - 1) / span, 2) if span else 0.0,
            "max_late_ms": round(1000 * self.max_late_s, 1),
        }

    def _take(self) -> int:
        with self._lock:
            self._next += 1
            return self._next - 1

    def _send(self) -> None:
        if self.cpus:
            os.sched_setaffinity(0, self.cpus)  # this thread only
        while True:
            index = self._take()
            if index >= len(self.requests):
                return
            due = self._started + index / self.rate
            if self._stop.wait(max(0.0, due - time.monotonic())):
                return
            sent_at = time.monotonic()
            outcome = self._post(*self.requests[index])
            with self._lock:
                self.max_late_s = max(self.max_late_s, sent_at - due)
                if outcome == "placed":
                    self.placed_sent_at.append(sent_at)
                elif outcome == "error":
                    self.errors += 1
                else:
                    self.refused += 1
                    self.refused_statuses[outcome] = self.refused_statuses.get(outcome, 0) + 1

    def _post(self, method: str, path: str, headers: dict[str, str], body: str | None) -> str:
        """ "placed", "error" (no answer), or the answer's status and Location."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
        except OSError:
            return "error"
        finally:
            connection.close()
        location = response.getheader("Location", "")
        if response.status == 302 and location.startswith("/orders/"):
            return "placed"
        return f"{response.status} {location}".strip()
