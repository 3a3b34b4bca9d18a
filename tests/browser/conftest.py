"""Browser tests: Debian's Chromium, driven by Playwright's sync API, against the live server.

Every test in this directory is marked `browser` automatically, so `pytest -m "not browser"`
skips them all. Fixtures:

- `browser` (one Chromium for all tests in tests/browser; see `playwright` for why not session)
- `page`: a fresh context and page per test, `base_url` = the live server, so
  `page.goto("/cart/")` works; 1280x900; actions and `expect` give up after 5 s. When the test
  fails, a full-page PNG is saved to `test-artifacts/screenshots/<test name>.png`.
- `signed_in_page(user) -> page`: the same page with `user` signed in (a real session, created
  with `force_login`, no login form).
- `screenshot(name)`: saves the README image `name` when pytest runs with `--screenshots-dir`
  (tests/support/pytest_screenshots.py); otherwise does nothing.

`page` depends on pytest-django's `live_server`, which makes the test use `transactional_db`:
rows a test creates are committed, so the server thread sees them, and are flushed afterwards.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from tests.support.chromium import ChromiumError, ensure_chromium
from tests.support.pytest_screenshots import (
    SCREENSHOT_HEIGHT,
    SCREENSHOT_WIDTH,
    safe_filename,
    shrink_png,
)

BROWSER_TESTS_DIR = Path(__file__).resolve().parent
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Containers often have a 64 MB /dev/shm, too small for Chromium's shared memory.
    "--disable-dev-shm-usage",
]
VIEWPORT = {"width": 1280, "height": 900}
# A broken page should fail in seconds, not in Playwright's default 30 s.
ACTION_TIMEOUT_MS = 5_000
NAVIGATION_TIMEOUT_MS = 10_000
FAILURE_SCREENSHOTS_DIR = Path("test-artifacts", "screenshots")

expect.set_options(timeout=ACTION_TIMEOUT_MS)


@pytest.hookimpl(tryfirst=True)  # before pytest's own hook deselects by `-m`
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test under tests/browser `browser`."""
    for item in items:
        if item.path.is_relative_to(BROWSER_TESTS_DIR):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each phase's report on the item (`item.rep_call`), for the `page` fixture."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    """Playwright, running while the tests of tests/browser run, and only then.

    Playwright's sync API keeps an asyncio event loop marked as running in the main thread from
    start to stop, and Django refuses ORM calls when it sees one (SynchronousOnlyOperation)
    unless DJANGO_ALLOW_ASYNC_UNSAFE is set. The ORM calls here are ordinary synchronous ones
    (factories, the DB flush), so the variable is set exactly while Playwright runs. Package
    scope (tests/browser and below) rather than session scope stops Playwright, and unsets the
    variable, before the rest of the suite runs.
    """
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as pw:
            yield pw


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's Chromium (tests/support/chromium.py), headless, launched once."""
    try:
        executable = ensure_chromium()
    except ChromiumError as exc:
        pytest.fail(str(exc), pytrace=False)
    chromium = playwright.chromium.launch(
        executable_path=executable, args=LAUNCH_ARGS, headless=True
    )
    yield chromium
    chromium.close()


@pytest.fixture
def page(browser: Browser, live_server: Any, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A page in its own browser context (no cookies shared between tests) on the live server."""
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    new_page = context.new_page()
    try:
        yield new_page
    finally:
        report: pytest.TestReport | None = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            _save_failure_screenshot(new_page, request)
        context.close()


def _save_failure_screenshot(page: Page, request: pytest.FixtureRequest) -> None:
    directory = request.config.rootpath / FAILURE_SCREENSHOTS_DIR
    path = directory / safe_filename(request.node.name)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=path, full_page=True)
    except Exception as exc:  # a crashed page must not hide the test's own failure
        warnings.warn(f"no failure screenshot for {request.node.nodeid}: {exc}", stacklevel=1)
        return
    request.node.user_properties.append(("screenshot", str(path)))


@pytest.fixture
def signed_in_page(page: Page, live_server: Any) -> Callable[[Any], Page]:
    """`signed_in_page(user)` signs `user` in to the page's context and returns the page.

    A real session made by django.contrib.auth (`Client.force_login`, which picks the first
    authentication backend) whose cookie is handed to the browser: no login form, no Keycloak.
    """

    def sign_in(user: Any) -> Page:
        client = Client()
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": session.value,
                    "url": live_server.url,
                    "httpOnly": True,
                    "sameSite": "Lax",
                }
            ]
        )
        return page

    return sign_in


@pytest.fixture
def screenshot(page: Page, screenshots_dir: Path | None) -> Callable[..., Path | None]:
    """`screenshot(name)` saves `<--screenshots-dir>/<name>.png` of the page; a no-op without it.

    The image is the top SCREENSHOT_WIDTH x SCREENSHOT_HEIGHT of the page (the viewport is
    resized for the shot and restored), recompressed to stay under about 200 KB. Pass
    `target=` to photograph another page than the `page` fixture's, `size=` for another
    viewport (a phone's).
    """

    def take(
        name: str, target: Page | None = None, size: dict[str, int] | None = None
    ) -> Path | None:
        if screenshots_dir is None:
            return None
        shot_page = target or page
        path = screenshots_dir / safe_filename(name)
        original_size = shot_page.viewport_size
        shot_page.set_viewport_size(
            size or {"width": SCREENSHOT_WIDTH, "height": SCREENSHOT_HEIGHT}
        )
        try:
            shot_page.screenshot(path=path, animations="disabled", caret="hide")
        finally:
            if original_size is not None:
                shot_page.set_viewport_size(original_size)
        shrink_png(path)
        return path

    return take
