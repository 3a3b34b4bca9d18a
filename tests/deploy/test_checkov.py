"""checkov over what deploys the shop: deploy/ (Terraform) and the Dockerfile.

No check may fail; a check skipped on purpose carries its reason next to the resource
(`#checkov:skip=CKV_...:reason`). checkov runs from its own virtualenv (.venv/checkov, made
by `make test` from requirements-checkov.txt), offline.
"""

import json
import os
import re
import subprocess

import pytest

from tests.support.terraform import DEPLOY_DIR, REPO_ROOT, TERRAFORM_DIR

CHECKOV = REPO_ROOT / ".venv" / "checkov" / "bin" / "checkov"
SKIP_COMMENT = re.compile(r"#\s*checkov:skip=([A-Z0-9_]+)(?::(.*))?")


def run_checkov(*args: str) -> list[dict]:
    if not CHECKOV.exists():
        pytest.fail(f"{CHECKOV} is missing: `make test` installs it (requirements-checkov.txt)")
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    result = subprocess.run(
        [str(CHECKOV), *args, "--skip-download", "--output", "json", "--quiet", "--compact"],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stderr[-3000:]
    report = json.loads(result.stdout or "[]")
    return report if isinstance(report, list) else [report]


def failures(reports: list[dict]) -> list[str]:
    return [
        f"{check['check_id']} {check['resource']} ({check['file_path']}): {check['check_name']}"
        for report in reports
        for check in report.get("results", {}).get("failed_checks", [])
    ]


def test_terraform_passes_checkov():
    reports = run_checkov("--directory", str(DEPLOY_DIR), "--framework", "terraform")
    passed = sum(r.get("summary", {}).get("passed", 0) for r in reports)
    assert passed > 100, "checkov found almost nothing to check"
    assert failures(reports) == []


def test_dockerfile_passes_checkov():
    reports = run_checkov("--file", str(REPO_ROOT / "Dockerfile"), "--framework", "dockerfile")
    assert sum(r.get("summary", {}).get("passed", 0) for r in reports) > 0
    assert failures(reports) == []


def test_every_checkov_skip_gives_a_reason():
    skips = [
        (path.relative_to(REPO_ROOT), match)
        for path in [*TERRAFORM_DIR.rglob("*.tf"), REPO_ROOT / "Dockerfile"]
        for match in SKIP_COMMENT.finditer(path.read_text())
    ]
    unexplained = [
        f"{path}: {m.group(1)}" for path, m in skips if len((m.group(2) or "").strip()) < 15
    ]
    assert unexplained == []
