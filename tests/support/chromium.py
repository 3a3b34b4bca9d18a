"""Debian's Chromium for the browser tests.

The browser tests drive a real Chromium through Playwright, but never one that Playwright
downloads (`playwright install` fetches browsers from a CDN, which these machines and CI cannot
reach): they use the distribution's package, `/usr/bin/chromium` on Debian. `ensure_chromium()`
returns its path, installing the `chromium` package with apt-get first when it is missing and
that is possible (root on Debian, as in containers and CI; about 40 s).

`CHROMIUM_EXECUTABLE` points the tests at another Chromium-based binary (e.g. on a laptop
without Debian's package); it is used as is, never installed.

Command line, as `make test` runs it before pytest (prints the path; exit status 1 with what to
install when there is no Chromium)::

    python -m tests.support.chromium

Stdlib only: this must run under the system python3 as well as the project's virtualenv.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from tests.support.debian import PackageInstallError, apt_install, can_apt_install

DEBIAN_CHROMIUM = Path("/usr/bin/chromium")
ENV_VAR = "CHROMIUM_EXECUTABLE"
INSTALL_HINT = (
    f"Chromium not found at {DEBIAN_CHROMIUM}. The browser tests need it: install Debian's "
    f"package (`sudo apt-get install chromium`), or set {ENV_VAR} to a Chromium binary. "
    "Do not run `playwright install`. Run `pytest -m 'not browser'` to skip the browser tests."
)


class ChromiumError(RuntimeError):
    """No usable Chromium; the message says what to install."""


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def ensure_chromium() -> Path:
    """The Chromium binary for the browser tests, installing Debian's package if possible."""
    override = os.environ.get(ENV_VAR)
    if override:
        path = Path(override)
        if not _is_executable(path):
            raise ChromiumError(f"{ENV_VAR}={override} is not an executable file.")
        return path
    if not _is_executable(DEBIAN_CHROMIUM) and can_apt_install():
        try:
            # With recommends: they bring the fonts (fonts-liberation) pages render in.
            apt_install("chromium", recommends=True)
        except PackageInstallError as error:
            raise ChromiumError(f"{error}\n{INSTALL_HINT}") from None
    if not _is_executable(DEBIAN_CHROMIUM):
        raise ChromiumError(INSTALL_HINT)
    return DEBIAN_CHROMIUM


def main() -> int:
    try:
        path = ensure_chromium()
    except ChromiumError as exc:
        print(f"chromium: {exc}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
