"""Running Terraform on the project's configuration (deploy/terraform/) in tests.

Each run works on a copy of `deploy/` in a temporary directory, so `terraform init` leaves no
`.terraform/`, lock file or state in the checkout. The CLI configuration is written by the test,
never a global one: on these machines the AWS provider comes from the filesystem mirror in
`/opt/tf-plugins` (no registry is reachable); elsewhere `init` downloads it from the registry as
usual.

Against moto's server the provider needs nothing but environment variables: `AWS_ENDPOINT_URL`
sends every service to it and moto answers STS, so credential validation passes as on AWS.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
DEPLOY_DIR = REPO_ROOT / "deploy"
TERRAFORM_DIR = DEPLOY_DIR / "terraform"
ENVIRONMENTS = ("dev", "prod")
PROVIDER_MIRROR = Path("/opt/tf-plugins")
INSTALL_HINT = (
    "terraform not found on PATH: install Terraform >= 1.11 "
    "(https://developer.hashicorp.com/terraform/install)"
)
MIRROR_CLI_CONFIG = """\
provider_installation {
  filesystem_mirror {
    path    = "%s"
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/aws"]
  }
}
"""


class TerraformError(RuntimeError):
    """A terraform command failed; the message carries the end of its output."""


def terraform_binary() -> str:
    found = shutil.which("terraform")
    if found is None:
        raise TerraformError(INSTALL_HINT)
    return found


def _tail(text: str, lines: int = 60) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


class Workspace:
    """A copy of `deploy/` with its own CLI configuration and environment.

    Usage::

        with Workspace(env=moto.aws_env()) as ws:
            ws.run("dev", "init")
            ws.run("dev", "apply", "-auto-approve", "-var-file=moto.tfvars")
    """

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="tf-"))
        self.deploy = self.root / "deploy"
        shutil.copytree(DEPLOY_DIR, self.deploy, symlinks=True)
        self.cli_config = self.root / "cli.tfrc"
        if PROVIDER_MIRROR.is_dir():
            self.cli_config.write_text(MIRROR_CLI_CONFIG % PROVIDER_MIRROR)
        else:
            self.cli_config.write_text("")
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("TF_", "AWS_"))},
            "TF_CLI_CONFIG_FILE": str(self.cli_config),
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1",
            # Never a developer's ~/.aws: a profile there could point at a real account.
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            **(env or {}),
        }

    def environment_dir(self, environment: str) -> Path:
        return self.deploy / "terraform" / "environments" / environment

    def run(
        self, environment: str, *args: str, timeout: float = 900, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """`terraform ARGS` in environments/ENVIRONMENT; raise TerraformError when it fails."""
        return self.run_in(self.environment_dir(environment), *args, timeout=timeout, check=check)

    def run_in(
        self, directory: Path, *args: str, timeout: float = 900, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """`terraform ARGS` in `directory`, e.g. a root module of a test's own under `root`."""
        command = [terraform_binary(), f"-chdir={directory}", *args]
        result = subprocess.run(
            [*command, "-no-color"],
            env=self.env, capture_output=True, text=True, timeout=timeout, check=False,
        )  # fmt: skip
        if check and result.returncode != 0:
            raise TerraformError(
                f"terraform {' '.join(args)} failed ({result.returncode}):\n"
                f"{_tail(result.stdout + result.stderr)}"
            )
        return result

    def init(self, environment: str) -> None:
        self.run(environment, "init", "-input=false")

    def plan_json(self, environment: str, *args: str) -> dict[str, Any]:
        """The plan as `terraform show -json` gives it."""
        self.run(environment, "plan", "-input=false", "-out=tfplan", *args)
        shown = self.run(environment, "show", "-json", "tfplan")
        return json.loads(shown.stdout)

    def output(self, environment: str) -> dict[str, Any]:
        shown = self.run(environment, "output", "-json")
        return {name: value["value"] for name, value in json.loads(shown.stdout).items()}

    def cleanup(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.cleanup()


def var_args(values: Mapping[str, str]) -> Sequence[str]:
    """`-var name=value` arguments."""
    return [f"-var={name}={value}" for name, value in values.items()]


def planned_resources(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """Every resource of a plan's planned values, modules included, each with its values."""
    found: list[dict[str, Any]] = []

    def walk(module: dict[str, Any]) -> None:
        found.extend(module.get("resources", []))
        for child in module.get("child_modules", []):
            walk(child)

    walk(plan["planned_values"]["root_module"])
    return found
