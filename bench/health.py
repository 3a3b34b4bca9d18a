"""What one readiness probe (/health/) costs the process: ms per call over 200 calls.

    .venv/bin/python -m tests.support.postgres -- .venv/bin/python bench/health.py

On a throwaway PostgreSQL (tests.support.postgres), migrated first; in-process with Django's
test client (no HTTP, no gunicorn), so the figure is the app's own work per probe. Production
settings otherwise: persistent connections (DB_CONN_MAX_AGE), the per-process cache.
"""

import os
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecommerce.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-" + "x" * 40)
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")

CALLS = 200


def main() -> None:
    import django

    warnings.filterwarnings("ignore", message="No directory at")  # no collectstatic here

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    client = Client()
    for _ in range(10):  # warm up: imports, the first connection, the first migration check
        client.get("/health/")
    started = time.perf_counter()
    for _ in range(CALLS):
        response = client.get("/health/")
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"/health/ answered {response.status_code}: {response.content!r}")
    print(f"/health/: {elapsed / CALLS * 1000:.2f} ms per call over {CALLS} calls")


if __name__ == "__main__":
    main()
