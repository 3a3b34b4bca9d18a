"""The Terraform configuration without an AWS endpoint: formatting, init and validate for every
environment, the provider pin, the environments' values, and the modules' READMEs.

The apply against moto's server is in test_terraform_apply.py.
"""

import re
import subprocess
from pathlib import Path

import pytest

from tests.support.terraform import (
    ENVIRONMENTS,
    TERRAFORM_DIR,
    Workspace,
    terraform_binary,
)

MODULES_DIR = TERRAFORM_DIR / "modules"
MODULES = sorted(path.name for path in MODULES_DIR.iterdir() if path.is_dir())
BLOCK = re.compile(r'^(resource|data|ephemeral)\s+"([^"]+)"', re.MULTILINE)
DECLARATION = re.compile(r'^(variable|output)\s+"([^"]+)"', re.MULTILINE)
TFVAR = re.compile(r"^([a-z_0-9]+)\s*=\s*(.+?)\s*$", re.MULTILINE)
SECURITY_GROUP_BLOCK = re.compile(
    r'^resource "(aws_security_group|aws_security_group_rule|aws_vpc_security_group_\w+_rule)"'
    r' "[^"]+" \{\n(.*?)^\}',
    re.MULTILINE | re.DOTALL,
)
DESCRIPTION = re.compile(r'^\s*description\s*=\s*"((?:[^"\\]|\\.)*)"', re.MULTILINE)
# What EC2 accepts in a security group's or rule's description (moto accepts anything).
EC2_DESCRIPTION = re.compile(r"[a-zA-Z0-9. _\-:/()#,@\[\]+=&;{}!$*]*")


def tf_files() -> list[Path]:
    return sorted(TERRAFORM_DIR.rglob("*.tf"))


def tfvars(path: Path) -> dict[str, str]:
    """`name = value` lines of a .tfvars file (strings keep their quotes)."""
    text = "\n".join(line.split("#", 1)[0] for line in path.read_text().splitlines())
    return dict(TFVAR.findall(text))


@pytest.fixture(scope="module")
def workspace():
    with Workspace() as ws:
        yield ws


def test_terraform_files_are_formatted():
    result = subprocess.run(
        [terraform_binary(), "fmt", "-check", "-recursive", "-diff", str(TERRAFORM_DIR)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, f"terraform fmt would change:\n{result.stdout}{result.stderr}"


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_environment_initialises_and_validates(workspace, environment):
    workspace.init(environment)
    result = workspace.run(environment, "validate", "-json")
    assert '"valid": true' in result.stdout, result.stdout


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_init_selects_aws_provider_5_100(workspace, environment):
    """The pinned range includes 5.100, the version these machines (and CI) install."""
    workspace.init(environment)
    lock = (workspace.environment_dir(environment) / ".terraform.lock.hcl").read_text()
    providers = re.findall(r'provider "([^"]+)"', lock)
    assert providers == ["registry.terraform.io/hashicorp/aws"]
    assert re.search(r'version\s*=\s*"5\.100\.\d+"', lock), lock


def test_only_aws_resources_data_sources_and_ephemeral_resources():
    """No provider but hashicorp/aws can be installed where this is tested (and it is enough)."""
    blocks = [
        (path, kind, name) for path in tf_files() for kind, name in BLOCK.findall(path.read_text())
    ]
    assert blocks
    assert [b for b in blocks if not b[2].startswith("aws_")] == []


def test_security_group_descriptions_use_only_characters_ec2_accepts():
    """A real apply fails on, say, an apostrophe in a rule's description; moto lets it pass."""
    found = [
        (path.relative_to(TERRAFORM_DIR), description)
        for path in tf_files()
        for _, body in SECURITY_GROUP_BLOCK.findall(path.read_text())
        for description in DESCRIPTION.findall(body)
    ]
    assert len(found) > 10
    assert [f for f in found if not EC2_DESCRIPTION.fullmatch(f[1])] == []


def test_every_required_providers_block_pins_aws_to_a_range_with_5_100():
    for path in tf_files():
        text = path.read_text()
        if "required_providers" not in text:
            continue
        assert re.findall(r"source\s*=\s*\"([^\"]+)\"", text) == ["hashicorp/aws"], path
        assert 'version = ">= 5.100, < 6.0"' in text, path


@pytest.mark.parametrize(
    ("environment", "multi_az", "deletion_protection"),
    [("dev", "false", "false"), ("prod", "true", "true")],
)
def test_environment_holds_the_rds_document_values(environment, multi_az, deletion_protection):
    values = tfvars(TERRAFORM_DIR / "environments" / environment / "terraform.tfvars")
    assert values["environment"] == f'"{environment}"'
    assert re.fullmatch(r'"15(\.\d+)?"', values["rds_engine_version"])
    assert values["rds_instance_class"].startswith('"db.')
    assert values["rds_allocated_storage"] == "20"
    assert values["rds_max_allocated_storage"] == "100"
    assert values["rds_backup_retention_period"] == "7"
    assert values["rds_multi_az"] == multi_az
    assert values["rds_deletion_protection"] == deletion_protection


def test_environments_share_one_configuration_and_differ_in_values_only():
    for environment in ENVIRONMENTS:
        directory = TERRAFORM_DIR / "environments" / environment
        tf = sorted(directory.glob("*.tf"))
        assert tf, directory
        for path in tf:
            assert path.is_symlink(), f"{path} should link to ../common/{path.name}"
            assert path.resolve() == (TERRAFORM_DIR / "environments" / "common" / path.name)


@pytest.mark.parametrize("module", MODULES)
def test_module_readme_lists_every_variable_and_output(module):
    directory = MODULES_DIR / module
    readme = (directory / "README.md").read_text()
    declared = [
        name for path in directory.glob("*.tf") for _, name in DECLARATION.findall(path.read_text())
    ]
    assert declared
    missing = [name for name in declared if f"`{name}`" not in readme]
    assert missing == [], f"modules/{module}/README.md does not list {missing}"


def test_moto_switches_are_one_commented_line_each_and_default_to_production():
    """moto.tfvars only switches off what moto's server cannot emulate, each with its reason;
    the variable's default is the production behaviour."""
    lines = (TERRAFORM_DIR / "environments" / "dev" / "moto.tfvars").read_text().splitlines()
    root_variables = (TERRAFORM_DIR / "environments" / "common" / "variables.tf").read_text()
    settings = [
        (i, line) for i, line in enumerate(lines) if line.strip() and not line.startswith("#")
    ]
    assert settings
    for index, line in settings:
        assert lines[index - 1].startswith("# "), f"no comment above: {line}"
        name, value = (part.strip() for part in line.split("=", 1))
        assert value == "false", line
        declaration = re.search(rf'variable "{name}" {{(.*?)\n}}', root_variables, re.DOTALL)
        assert declaration, f"{name} is not a root variable"
        assert "default     = true" in declaration.group(1), f"{name} must default to true"


# --- operating the shop: the README and the runbook name what the Terraform builds ------------

SHOP_ALARMS = (
    "-shop-5xx-rate", "-shop-p99-latency", "-sign-in-failure-rate", "-db-connection-failures"
)  # fmt: skip


def readme_section(text: str, heading: str) -> str:
    start = text.index(f"\n{heading}\n")
    end = text.find("\n## ", start + len(heading) + 2)
    return text[start : end if end != -1 else len(text)]


def test_readme_operating_section_names_every_metric_and_alarm():
    """The shop's metrics (ecommerce.metrics.METRICS, the names the dashboard and the alarms read)
    and every alarm of the modules, each in README.md's "Operating the shop", which links the
    runbook's "Alarms"."""
    from ecommerce.metrics import METRICS

    readme = (TERRAFORM_DIR.parents[1] / "README.md").read_text()
    section = readme_section(readme, "## Operating the shop")
    assert [name for name in METRICS if f"`{name}`" not in section] == []
    alarms = [*SHOP_ALARMS, "-alb-5xx", "-shop-5xx", "-keycloak-5xx", "-unhealthy-hosts",
              "-no-healthy-hosts", "-p99-latency", "-db-cpu", "-db-connections",
              "-db-free-storage", "-db-replica-lag", "-cpu-redis", "-memory-redis"]  # fmt: skip
    assert [alarm for alarm in alarms if alarm not in section] == []
    assert "deploy/RUNBOOK.md#alarms" in section
    # Right after "Deploying to AWS".
    headings = re.findall(r"^## (.+)$", readme, re.MULTILINE)
    assert headings[headings.index("Deploying to AWS") + 1] == "Operating the shop"

    monitoring = "\n".join(p.read_text() for p in (MODULES_DIR / "monitoring").glob("*.tf"))
    for alarm in SHOP_ALARMS:
        assert f'alarm_name          = "${{var.name}}{alarm}"' in monitoring, alarm
    runbook = (TERRAFORM_DIR.parent / "RUNBOOK.md").read_text()
    assert [
        alarm for alarm in SHOP_ALARMS if alarm not in readme_section(runbook, "## Alarms")
    ] == []
