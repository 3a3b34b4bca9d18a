"""Accessibility checks in the browser tests: axe-core (from npm) run inside a Playwright page.

`check_accessibility(page)` runs axe-core's WCAG 2.0/2.1/2.2 level A and AA rules on the page as it
is now and fails the test (AssertionError) when any violation is serious or critical, listing each
one with its rule id, impact, help text and the CSS selectors of the elements at fault. Minor and
moderate findings do not fail the test.

axe-core is pinned in tests/support/axe/package.json and package-lock.json; `make test` installs it
with `npm ci --prefix tests/support/axe` (into tests/support/axe/node_modules, git-ignored).

Injection: the shop's Content-Security-Policy allows `script-src 'self'` only, so an inline
`<script>` (what `page.add_script_tag(content=...)` makes) is refused. `page.evaluate()` runs
through the DevTools protocol, which CSP does not govern, so axe's source is evaluated that way.
The test contexts keep the CSP on (no `bypass_csp=True`): a page that breaks its own policy shows
up in the browser tests as it would for a shopper.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE_DIR = Path(__file__).resolve().parent / "axe"
AXE_SCRIPT = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"

# WCAG 2.x, levels A and AA (axe-core's tags; 2.2 adds only AA rules beyond 2.1's).
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")
FAILING_IMPACTS = frozenset({"serious", "critical"})

_RUN_AXE = """async (tags) => {
  const results = await axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
  });
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({
      impact: n.impact,
      target: n.target.map(String),
      summary: n.failureSummary || "",
    })),
  }));
}"""


class AxeNotInstalled(RuntimeError):
    """axe-core's npm package is missing: `make test` installs it."""


@cache
def axe_source() -> str:
    """axe.min.js from tests/support/axe/node_modules, read once per test run."""
    try:
        return AXE_SCRIPT.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AxeNotInstalled(
            f"{AXE_SCRIPT} is missing: run `make test` (or `npm ci --prefix tests/support/axe`)"
        ) from None


def axe_violations(page: Page, *, tags: Sequence[str] = WCAG_TAGS) -> list[dict[str, Any]]:
    """All violations of axe-core's rules with these tags on the page now, whatever their impact.

    The default is WCAG 2.x A/AA; add "best-practice" for axe's other rules (landmarks, heading
    order), which `check_accessibility` leaves out."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # A trailing `undefined` keeps Playwright from taking the script's value for a function.
        page.evaluate(f"{axe_source()}\n;undefined")
    return page.evaluate(_RUN_AXE, list(tags))


def check_accessibility(page: Page, *, context: str = "") -> None:
    """Fail when axe-core finds a serious or critical WCAG A/AA violation on the page.

    Call it once the page shows what it should (after the `expect` that waits for it). `context`
    names the step in the failure message ("cart with two lines").
    """
    serious = [v for v in axe_violations(page) if v["impact"] in FAILING_IMPACTS]
    if serious:
        raise AssertionError(format_violations(serious, url=page.url, context=context))


def format_violations(violations: list[dict[str, Any]], *, url: str, context: str = "") -> str:
    where = f"{context} ({url})" if context else url
    lines = [f"axe-core: {len(violations)} accessibility violation(s) on {where}"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} [{violation['impact']}]: {violation['help']}"
            f" ({violation['helpUrl']})"
        )
        for node in violation["nodes"]:
            target = " ".join(node["target"])
            summary = " ".join(node["summary"].split())
            lines.append(f"    {target}: {summary}" if summary else f"    {target}")
    return "\n".join(lines)
