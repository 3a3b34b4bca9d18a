"""A real Keycloak for the tests in tests/keycloak (tests/support/keycloak.py).

`keycloak` (session scope) is a running `KeycloakServer` with the committed realm imported. Its
`keycloak` database is on the suite's PostgreSQL server (`make test` exports its DATABASE_URL,
a superuser's), else on a PostgreSQL server of its own. Starting takes about 45 s (80 s the first
time on a machine, which also downloads the distribution: see the module's docstring).

Without Java or the distribution the tests skip, saying why; under CI (`CI` set) they fail
instead, so a CI machine that lost Keycloak cannot pass quietly.

Every test in this directory is marked `keycloak`: `pytest -m "not keycloak"` leaves them out
(and Keycloak unstarted: about 0.5 GB of memory and a minute of the run).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.keycloak import KeycloakServer, availability, keycloak_for_tests

KEYCLOAK_TESTS_DIR = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)  # before pytest's own hook deselects by `-m`
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test under tests/keycloak `keycloak`."""
    for item in items:
        if item.path.is_relative_to(KEYCLOAK_TESTS_DIR):
            item.add_marker(pytest.mark.keycloak)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require_keycloak() -> None:
    """Skip the test (fail it under CI) when Keycloak cannot run here."""
    reason = availability()
    if reason is not None:
        if _in_ci():
            pytest.fail(f"Keycloak is required under CI: {reason}", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def keycloak() -> Iterator[KeycloakServer]:
    require_keycloak()
    with keycloak_for_tests() as server:
        yield server


# The browser tests' Chromium, and their failure screenshots, for the sign-in journeys here.
from tests.browser.conftest import (  # noqa: E402
    _save_failure_screenshot,
    browser,
    playwright,
    pytest_runtest_makereport,
)

__all__ = ["_save_failure_screenshot", "browser", "playwright", "pytest_runtest_makereport"]
