"""The processes `make bench` measures, through psutil: CPU time, memory, CPU pinning."""

from __future__ import annotations

import contextlib
import os
import time

import psutil

MB = 1024 * 1024


def tree(pid: int) -> list[psutil.Process]:
    """A process and its descendants alive now (gunicorn's workers, PostgreSQL's backends)."""
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def cpu_seconds(pid: int) -> float:
    """CPU time of a process tree: each live process's own time plus that of the children it
    has reaped (PostgreSQL backends that ended, gunicorn workers that were replaced)."""
    total = 0.0
    for process in tree(pid):
        with contextlib.suppress(psutil.NoSuchProcess):
            times = process.cpu_times()
            total += times.user + times.system + times.children_user + times.children_system
    return total


def cpu_busy_percent() -> dict[str, float]:
    """Each CPU's busy share since the previous call (psutil keeps the reference point): call
    once before a run and once after it."""
    return {f"cpu{n}": busy for n, busy in enumerate(psutil.cpu_percent(percpu=True))}


def pin(pid: int, cpus: set[int]) -> None:
    """Pin a process tree to `cpus`, every thread of it; children started later inherit."""
    for process in tree(pid):
        with contextlib.suppress(psutil.NoSuchProcess):
            for thread in process.threads():
                # psutil's cpu_affinity() would set the main thread's only (Redis has others).
                with contextlib.suppress(OSError):
                    os.sched_setaffinity(thread.id, cpus)


def children(pid: int) -> list[int]:
    """The direct children of a process (a gunicorn master's workers)."""
    with contextlib.suppress(psutil.NoSuchProcess):
        return [child.pid for child in psutil.Process(pid).children()]
    return []


def memory_of(pid: int) -> dict[str, float]:
    """RSS, PSS and USS (memory no other process shares) of one process, in MB, and its age."""
    try:
        process = psutil.Process(pid)
        memory = process.memory_full_info()
        age_s = time.time() - process.create_time()
    except psutil.NoSuchProcess:
        return {"pid": pid, "age_s": 0.0, "rss_mb": 0.0, "pss_mb": 0.0, "uss_mb": 0.0}
    return {
        "pid": pid,
        "age_s": round(age_s, 1),
        "rss_mb": round(memory.rss / MB, 1),
        "pss_mb": round(memory.pss / MB, 1),
        "uss_mb": round(memory.uss / MB, 1),
    }


def total_memory_gb() -> float:
    return round(psutil.virtual_memory().total / 1024**3, 1)
