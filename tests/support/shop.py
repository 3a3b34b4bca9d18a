"""Running the shop as a separate process in tests: its management commands, a production-like
environment, and the cookies an HTTP client keeps between requests."""

from __future__ import annotations

import secrets
import subprocess
import sys
from pathlib import Path

from tests.support.gunicorn import Response, minimal_env

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    """`manage.py ARGS` with exactly `env`; the caller checks the result."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


def manage_ok(*args: str, env: dict[str, str], timeout: float = 120) -> None:
    result = manage(*args, env=env, timeout=timeout)
    assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stdout}{result.stderr}"


def production_env(static_root: Path, **variables: str) -> dict[str, str]:
    """DEBUG off, a fresh secret key, the test host allowed; nothing inherited but the basics."""
    return {
        **minimal_env(),
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_STATIC_ROOT": str(static_root),
        # Tests speak plain HTTP to gunicorn, without the ALB's X-Forwarded-Proto: https.
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        # A production server refuses to print e-mail to the log; these drop it.
        "DJANGO_EMAIL_URL": "dummymail://",
        **variables,
    }


class CookieJar(dict):
    """The cookies a browser would send back: updated from responses, sent as one header."""

    def update_from(self, response: Response) -> CookieJar:
        for header in response.headers.get_all("Set-Cookie") or []:
            name, value = header.split(";", 1)[0].split("=", 1)
            self[name] = value
        return self

    def header(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{name}={value}" for name, value in self.items())}
