"""pytest plugin: `--screenshots-dir DIR` regenerates the README's screenshots.

The browser tests call the `screenshot(name)` fixture (tests/browser/conftest.py) at the pages
the README shows. Without the option that is a no-op; with it each call writes `DIR/<name>.png`:
the top 1280x800 of the page, recompressed to stay small enough for a repository::

    make test PYTEST_ARGS="tests/browser --screenshots-dir docs/screenshots"

This is a plugin rather than part of tests/browser/conftest.py because pytest only accepts
command-line options from plugins and the conftest files it loads at start-up; pyproject.toml
loads it with `-p tests.support.pytest_screenshots` (and `pythonpath = ["."]` so it imports).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

# The README's images: one laptop-sized viewport each, under about 200 KB.
SCREENSHOT_WIDTH = 1280
SCREENSHOT_HEIGHT = 800
MAX_PNG_BYTES = 200_000


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("browser").addoption(
        "--screenshots-dir",
        metavar="DIR",
        type=Path,
        default=None,
        help="save the screenshots the browser tests take with the `screenshot` fixture "
        "(the README's images) into DIR; without it they are not taken",
    )


@pytest.fixture(scope="session")
def screenshots_dir(request: pytest.FixtureRequest) -> Path | None:
    """The directory given with --screenshots-dir (created), or None when it was not given."""
    directory: Path | None = request.config.getoption("screenshots_dir")
    if directory is None:
        return None
    directory = request.config.invocation_params.dir / directory  # as is when absolute
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def safe_filename(name: str, suffix: str = ".png") -> str:
    """`name` as a file name: letters, digits, `.`, `_` and `-` only, with `suffix`."""
    stem = name.removesuffix(suffix)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._") or "screenshot"
    return stem + suffix


def shrink_png(path: Path, max_bytes: int = MAX_PNG_BYTES) -> int:
    """Recompress a PNG in place until it is under `max_bytes` if possible; return its size.

    First a lossless re-encode; if that is still too big, 256 colours (screenshots of a shop's
    pages are mostly flat colour, so this is hard to tell apart and several times smaller).
    """
    from PIL import Image  # Pillow is a runtime requirement (ImageField)

    if path.stat().st_size <= max_bytes:
        return path.stat().st_size
    with Image.open(path) as original:
        image = original.convert("RGB")
    image.save(path, format="PNG", optimize=True)
    if path.stat().st_size > max_bytes:
        image.quantize(colors=256, method=Image.Quantize.FASTOCTREE).save(
            path, format="PNG", optimize=True
        )
    return path.stat().st_size
