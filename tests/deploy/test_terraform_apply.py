"""environments/dev applied against moto's server, read back with boto3, then destroyed; and
the plans of what moto cannot run or does not report back (prod's values: Multi-AZ, deletion
protection, the read replica; the dev parts moto.tfvars switches off: rotation, autoscaling,
the Redis replication group; Performance Insights and the services' deployment settings).

The real AWS provider talks to a real HTTP endpoint (moto's server), so every API call the
operator's `terraform apply` would make is made; what exists afterwards is read with boto3 the
way an operator's script would. The apply runs once per test run (module-scoped fixture; about
six minutes in all with the destroy: the provider's waiters dominate).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

import pytest

from ecommerce.metrics import METRICS
from tests.support.moto import MotoServer
from tests.support.shop import PROJECT_ROOT
from tests.support.terraform import Workspace, planned_resources, var_args

pytestmark = pytest.mark.terraform

NAME = "ecommerce-dev"
SHOP = f"{NAME}-shop"
KEYCLOAK = f"{NAME}-keycloak"
SHOP_HOST = "shop.dev.example.test"
KEYCLOAK_HOST = "sso.dev.example.test"
STAFF_EMAILS = ["ops@example.test", "owner@example.test"]
HOUSEKEEPING = ["sh", "-c", "python manage.py clearsessions && python manage.py clearcarts"]
NAMESPACE = "Storefront"
COLLECTOR = "aws-otel-collector"
XRAY_WRITE = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
SHOP_METRICS = set(METRICS)


@dataclass
class Applied:
    moto: MotoServer
    workspace: Workspace
    outputs: dict[str, Any]
    args: list[str]
    destroyed: bool = False

    def client(self, service: str) -> Any:
        return self.moto.client(service)

    @property
    def instance(self) -> dict[str, Any]:
        (instance,) = [
            db
            for db in self.client("rds").describe_db_instances()["DBInstances"]
            if not db.get("ReadReplicaSourceDBInstanceIdentifier")
        ]
        return instance

    def secret_json(self, secret_id: str) -> dict[str, Any]:
        return json.loads(
            self.client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
        )

    def task_definition(self, family: str = SHOP) -> dict[str, Any]:
        ecs = self.client("ecs")
        assert family in ecs.list_task_definition_families(status="ACTIVE")["families"]
        return ecs.describe_task_definition(taskDefinition=family)["taskDefinition"]


def host_args(certificate_arn: str) -> dict[str, str]:
    return {
        "shop_host_name": SHOP_HOST,
        "keycloak_host_name": KEYCLOAK_HOST,
        "certificate_arn": certificate_arn,
        "shop_image_tag": "3f2c1ab",
    }


@pytest.fixture(scope="module")
def moto():
    # AWS-managed IAM policies (e.g. AmazonRDSEnhancedMonitoringRole) exist in moto only on request.
    with MotoServer(env={"MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}) as server:
        yield server


@pytest.fixture(scope="module")
def certificate_arn(moto) -> str:
    acm = moto.client("acm")
    return acm.request_certificate(
        DomainName=SHOP_HOST, SubjectAlternativeNames=[KEYCLOAK_HOST], ValidationMethod="DNS"
    )["CertificateArn"]


@pytest.fixture(scope="module")
def workspace(moto):
    with Workspace(env=moto.aws_env()) as ws:
        ws.init("dev")
        ws.init("prod")
        yield ws


@pytest.fixture(scope="module")
def applied(moto, workspace, certificate_arn):
    args = [
        "-var-file=moto.tfvars",
        *var_args(host_args(certificate_arn)),
        *var_args({"shop_staff_emails": json.dumps(STAFF_EMAILS)}),
        # The collector sidecar and X-Ray permission; the plans below check it off by default.
        *var_args({"shop_enable_tracing": "true"}),
    ]
    workspace.run("dev", "apply", "-auto-approve", "-input=false", *args, timeout=1500)
    applied = Applied(moto, workspace, workspace.output("dev"), args)
    yield applied
    if not applied.destroyed:
        workspace.run("dev", "destroy", "-auto-approve", "-input=false", *args, timeout=1500)


# --- the database --------------------------------------------------------------------------------


def test_rds_instance_is_postgresql_15_encrypted_private_and_monitored(applied):
    db = applied.instance
    assert db["Engine"] == "postgres"
    assert db["EngineVersion"].split(".")[0] == "15"
    assert db["MultiAZ"] is False  # dev's value; prod's is in its plan below
    assert db["StorageEncrypted"] is True
    assert db["KmsKeyId"]
    assert db["PubliclyAccessible"] is False
    assert db["AllocatedStorage"] == 20
    assert db["MaxAllocatedStorage"] == 100
    assert db["BackupRetentionPeriod"] == 7
    assert db["DeletionProtection"] is False
    assert db["MonitoringInterval"] == 60
    assert db["MonitoringRoleArn"]
    assert "postgresql" in db["EnabledCloudwatchLogsExports"]
    assert db["PreferredBackupWindow"] and db["PreferredMaintenanceWindow"]


def test_parameter_group_forces_tls_and_logs_slow_statements(applied):
    (group,) = applied.instance["DBParameterGroups"]
    rds = applied.client("rds")
    parameters = {
        p["ParameterName"]: p.get("ParameterValue")
        for p in rds.describe_db_parameters(DBParameterGroupName=group["DBParameterGroupName"])[
            "Parameters"
        ]
    }
    assert parameters["rds.force_ssl"] == "1"
    assert int(parameters["log_min_duration_statement"]) > 0


def test_database_admits_5432_only_from_the_tasks_security_groups(applied):
    ec2 = applied.client("ec2")
    (group_id,) = [g["VpcSecurityGroupId"] for g in applied.instance["VpcSecurityGroups"]]
    (group,) = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    tasks = task_security_groups(applied)
    sources = set()
    for rule in group["IpPermissions"]:
        assert (rule.get("FromPort"), rule.get("ToPort")) == (5432, 5432), rule
        assert not rule.get("IpRanges") and not rule.get("Ipv6Ranges"), rule
        sources |= {pair["GroupId"] for pair in rule["UserIdGroupPairs"]}
    assert {tasks["shop"], tasks["keycloak"]} <= sources
    # Besides the tasks, only the rotation function may connect (switched off here).
    assert sources == {tasks["shop"], tasks["keycloak"]}


def test_tasks_reach_postgresql_only_at_the_database(applied):
    ec2 = applied.client("ec2")
    (database,) = [g["VpcSecurityGroupId"] for g in applied.instance["VpcSecurityGroups"]]
    for service, group_id in task_security_groups(applied).items():
        (group,) = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
        postgres = [r for r in group["IpPermissionsEgress"] if r.get("FromPort") == 5432]
        assert postgres, service
        for rule in postgres:
            assert not rule.get("IpRanges"), (service, rule)
            assert [pair["GroupId"] for pair in rule["UserIdGroupPairs"]] == [database]


def test_master_password_is_managed_by_rds_in_secrets_manager(applied):
    secret = applied.instance["MasterUserSecret"]
    assert secret["SecretArn"] == applied.outputs["db_master_secret_arn"]
    values = applied.secret_json(secret["SecretArn"])
    assert set(values) >= {"username", "password"}


def test_database_users_have_their_own_secrets(applied):
    prefix = "ecommerce/dev"
    expected = {
        f"{prefix}/database": ("ecom_app_user", "ecommerce"),
        f"{prefix}/keycloak-database": ("keycloak_user", "keycloak"),
        f"{prefix}/backup-database": ("backup_user", "ecommerce"),
    }
    address = applied.instance["Endpoint"]["Address"]
    for name, (username, dbname) in expected.items():
        values = applied.secret_json(name)
        assert (values["username"], values["dbname"]) == (username, dbname), name
        assert values["host"] == address
        assert int(values["port"]) == 5432
        assert values["engine"] == "postgres"
        assert len(values["password"]) >= 32
    passwords = {applied.secret_json(name)["password"] for name in expected}
    assert len(passwords) == 3


def test_generated_secrets_never_enter_the_state(applied):
    state = applied.workspace.run("dev", "state", "pull").stdout
    secretsmanager = applied.client("secretsmanager")
    generated = [
        applied.secret_json(f"ecommerce/dev/{name}")["password"]
        for name in ("database", "keycloak-database", "backup-database", "keycloak-admin")
    ] + [
        secretsmanager.get_secret_value(SecretId=f"ecommerce/dev/{name}")["SecretString"]
        for name in ("django-secret-key", "oidc-client-secret", "health-detail-token")
    ]
    assert all(len(value) >= 32 for value in generated)
    assert [value for value in generated if value in state] == []


# --- alarms --------------------------------------------------------------------------------------


def test_every_alarm_notifies_the_sns_topic(applied):
    topic = applied.outputs["alarm_topic_arn"]
    assert topic in [t["TopicArn"] for t in applied.client("sns").list_topics()["Topics"]]
    alarms = applied.client("cloudwatch").describe_alarms()["MetricAlarms"]
    metrics = {(a.get("Namespace"), a.get("MetricName")) for a in alarms}
    for metric in ("CPUUtilization", "DatabaseConnections", "FreeStorageSpace"):
        assert ("AWS/RDS", metric) in metrics, metric
    for alarm in alarms:
        assert alarm["AlarmActions"] == [topic], alarm["AlarmName"]
    shop_alarms = {a["AlarmName"] for a in alarms if alarm_metrics(a) & SHOP_METRICS}
    assert shop_alarms == {
        f"{NAME}-shop-5xx-rate", f"{NAME}-shop-p99-latency", f"{NAME}-sign-in-failure-rate",
        f"{NAME}-db-connection-failures",
    }  # fmt: skip


def alarm_metrics(alarm: dict[str, Any]) -> set[str]:
    """Metric names an alarm reads, directly or in its metric math."""
    names = {alarm["MetricName"]} if alarm.get("MetricName") else set()
    for query in alarm.get("Metrics", []):
        if "MetricStat" in query:
            names.add(query["MetricStat"]["Metric"]["MetricName"])
    return names


def shop_alarm(applied, suffix: str) -> dict[str, Any]:
    (alarm,) = applied.client("cloudwatch").describe_alarms(AlarmNames=[f"{NAME}-{suffix}"])[
        "MetricAlarms"
    ]
    topic = applied.outputs["alarm_topic_arn"]
    assert alarm["AlarmActions"] == alarm["OKActions"] == [topic]
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    # Every series is written only when something happens: no data is no failure.
    assert alarm["TreatMissingData"] == "notBreaching"
    assert alarm["EvaluationPeriods"] == 1
    return alarm


def metric_math(alarm: dict[str, Any]) -> tuple[str, dict[str, str], dict[str, dict[str, Any]]]:
    """(the returned expression, every expression by id, every metric by id) of a math alarm."""
    queries = alarm["Metrics"]
    (returned,) = [q for q in queries if q.get("ReturnData", True) and "Expression" in q]
    expressions = {q["Id"]: q["Expression"] for q in queries if "Expression" in q}
    metrics = {q["Id"]: q["MetricStat"] for q in queries if "MetricStat" in q}
    for stat in metrics.values():
        assert stat["Metric"]["Namespace"] == NAMESPACE
        assert stat["Metric"].get("Dimensions", []) == []  # the service-wide series
        assert stat["Stat"] == "Sum"
        assert stat["Period"] == 300
    assert not [q for q in queries if "MetricStat" in q and q.get("ReturnData")]
    return returned["Expression"], expressions, metrics


def by_metric(metrics: dict[str, dict[str, Any]]) -> dict[str, str]:
    return {stat["Metric"]["MetricName"]: query_id for query_id, stat in metrics.items()}


def test_shop_5xx_rate_alarm_divides_server_errors_by_requests(applied):
    alarm = shop_alarm(applied, "shop-5xx-rate")
    expression, _, metrics = metric_math(alarm)
    ids = by_metric(metrics)
    assert set(ids) == {"ServerErrors", "Requests"}
    requests, errors = ids["Requests"], ids["ServerErrors"]
    assert expression == f"IF({requests} >= 20, 100 * FILL({errors}, 0) / {requests}, 0)"
    assert alarm["Threshold"] == 5


def test_shop_p99_latency_alarm_reads_the_shops_own_latency(applied):
    alarm = shop_alarm(applied, "shop-p99-latency")
    assert (alarm["Namespace"], alarm["MetricName"]) == (NAMESPACE, "Latency")
    assert alarm["ExtendedStatistic"] == "p99"
    assert alarm.get("Dimensions", []) == []
    assert alarm["Period"] == 300
    assert alarm["Threshold"] == 2000  # milliseconds, the metric's unit


def test_sign_in_failure_rate_alarm_needs_a_minimum_of_attempts(applied):
    alarm = shop_alarm(applied, "sign-in-failure-rate")
    expression, expressions, metrics = metric_math(alarm)
    ids = by_metric(metrics)
    assert set(ids) == {"SignIns", "SignInFailures"}
    signins, failures = ids["SignIns"], ids["SignInFailures"]
    (attempts,) = [i for i, e in expressions.items() if e != expression]
    assert expressions[attempts] == f"FILL({signins}, 0) + FILL({failures}, 0)"
    assert expression == f"IF({attempts} >= 10, 100 * FILL({failures}, 0) / {attempts}, 0)"
    assert alarm["Threshold"] == 50


def test_database_connection_failures_alarm_adds_failed_and_broken_connections(applied):
    alarm = shop_alarm(applied, "db-connection-failures")
    expression, _, metrics = metric_math(alarm)
    ids = by_metric(metrics)
    assert set(ids) == {"DbConnectFailures", "DbConnectionsBroken"}
    assert expression == (
        f"FILL({ids['DbConnectFailures']}, 0) + FILL({ids['DbConnectionsBroken']}, 0)"
    )
    assert alarm["Threshold"] == 5


def test_dashboard_shows_the_load_balancer_the_services_and_the_database(applied):
    cloudwatch = applied.client("cloudwatch")
    body = cloudwatch.get_dashboard(DashboardName=applied.outputs["dashboard_name"])[
        "DashboardBody"
    ]
    for namespace in ("AWS/ApplicationELB", "AWS/ECS", "AWS/RDS"):
        assert namespace in body, namespace
    for metric in ("HTTPCode_Target_5XX_Count", "TargetResponseTime", "RequestCount",
                   "CPUUtilization", "MemoryUtilization", "DatabaseConnections",
                   "FreeStorageSpace"):  # fmt: skip
        assert metric in body, metric


def dashboard_widgets(applied) -> list[dict[str, Any]]:
    body = applied.client("cloudwatch").get_dashboard(
        DashboardName=applied.outputs["dashboard_name"]
    )["DashboardBody"]
    return json.loads(body)["widgets"]


def test_dashboard_charts_every_metric_the_shop_emits(applied):
    """Each of the shop's metrics (ecommerce.metrics.METRICS) is on a widget, in the namespace
    the task gives the shop; the per-route, per-method and per-reason series by a search."""
    widgets = [w for w in dashboard_widgets(applied) if w["type"] == "metric"]
    charted, searches = set(), []
    for widget in widgets:
        for row in widget["properties"]["metrics"]:
            # A row is one metric (namespace, name, dimensions..., options) or one expression.
            assert isinstance(row, list), (widget["properties"]["title"], row)
            if isinstance(row[0], str) and row[0] == NAMESPACE:
                charted.add(row[1])
            elif isinstance(row[0], dict) and "SEARCH(" in row[0].get("expression", ""):
                searches.append(row[0]["expression"])
    assert charted == SHOP_METRICS
    assert f'{{{NAMESPACE},Route}} MetricName="Requests"' in " ".join(searches)
    assert f'{{{NAMESPACE},Reason}} MetricName="SignInFailures"' in " ".join(searches)
    assert f'{{{NAMESPACE},Method}} MetricName="SignIns"' in " ".join(searches)
    environment = {
        item["name"]: item["value"] for item in container(applied.task_definition())["environment"]
    }
    assert environment["METRICS_NAMESPACE"] == NAMESPACE
    titles = " | ".join(w["properties"].get("title", "") for w in widgets)
    for title in ("5xx rate", "p50 / p99", "page cache hit rate", "Orders", "Sign-in failures"):
        assert title.lower() in titles.lower(), title


def test_dashboard_shows_keycloaks_target_health_and_its_scraped_metrics(applied):
    widgets = json.dumps(dashboard_widgets(applied))
    keycloak_group = target_groups(applied)["keycloak"]["TargetGroupArn"].split(":")[-1]
    assert f'"HealthyHostCount", "TargetGroup", "{keycloak_group}"' in widgets
    assert f'"UnHealthyHostCount", "TargetGroup", "{keycloak_group}"' in widgets
    for metric in ("http_server_requests_seconds", "agroal_active_count", "jvm_memory_used_bytes"):
        assert f'["Keycloak", "{metric}", "service", "keycloak"' in widgets, metric


# --- the shop's service --------------------------------------------------------------------------


def task_security_groups(applied) -> dict[str, str]:
    ecs = applied.client("ecs")
    cluster = applied.outputs["cluster_name"]
    found = {}
    for arn in ecs.list_services(cluster=cluster)["serviceArns"]:
        (service,) = ecs.describe_services(cluster=cluster, services=[arn])["services"]
        (group,) = service["networkConfiguration"]["awsvpcConfiguration"]["securityGroups"]
        found["keycloak" if "keycloak" in service["serviceName"] else "shop"] = group
    return found


def container(task_definition: dict[str, Any]) -> dict[str, Any]:
    containers = task_definition["containerDefinitions"]
    return containers[0] if len(containers) == 1 else next(c for c in containers if c["essential"])


def test_shop_task_reads_the_variables_the_shop_reads(applied):
    task = applied.task_definition()
    shop = container(task)
    environment = {item["name"]: item["value"] for item in shop["environment"]}
    db = applied.instance
    assert environment["DB_HOST"] == db["Endpoint"]["Address"]
    assert environment["DB_PORT"] == "5432"
    assert environment["DB_NAME"] == "ecommerce"
    assert environment["DB_USERNAME"] == "ecom_app_user"
    assert environment["AWS_REGION"] == "us-east-1"
    assert environment["SECRETS_MANAGER_SECRET_NAME"] == "ecommerce/dev/database"
    assert environment["DJANGO_ALLOWED_HOSTS"].split(",")[0] == SHOP_HOST
    assert environment["DJANGO_CSRF_TRUSTED_ORIGINS"] == f"https://{SHOP_HOST}"
    assert environment["KEYCLOAK_URL"] == f"https://{KEYCLOAK_HOST}"
    secrets = {item["name"]: item["valueFrom"] for item in shop["secrets"]}
    assert set(secrets) == {
        "DJANGO_SECRET_KEY", "OIDC_RP_CLIENT_SECRET", "REDIS_URL", "DJANGO_EMAIL_URL",
        "HEALTH_DETAIL_TOKEN",
    }  # fmt: skip
    secretsmanager = applied.client("secretsmanager")
    for name in ("DJANGO_SECRET_KEY", "OIDC_RP_CLIENT_SECRET", "HEALTH_DETAIL_TOKEN"):
        assert len(secretsmanager.get_secret_value(SecretId=secrets[name])["SecretString"]) >= 32
    # REDIS_URL gets its value with the replication group, which moto.tfvars switches off.
    assert secretsmanager.describe_secret(SecretId=secrets["REDIS_URL"])["Name"].endswith(
        "/redis-url"
    )
    assert task["requiresCompatibilities"] == ["FARGATE"]
    assert task["networkMode"] == "awsvpc"
    assert [v["name"] for v in task["volumes"]] == ["tmp"]


# What the operator puts into <prefix>/shop-email-url before the first deployment (RUNBOOK): SES
# SMTP passwords hold "/" and "+", percent-encoded in the URL.
EMAIL_PASSWORD = "BExample/smtp+Password"
EMAIL_URL = (
    "smtp+tls://AKIAEXAMPLE:BExample%2Fsmtp%2BPassword@email-smtp.us-east-1.amazonaws.com:587"
)


def put_email_url(applied) -> None:
    """The RUNBOOK's step before the first deployment: the secret is created without a value."""
    secretsmanager = applied.client("secretsmanager")
    secret_id = applied.outputs["shop_email_url_secret_arn"]
    if not secretsmanager.list_secret_version_ids(SecretId=secret_id)["Versions"]:
        secretsmanager.put_secret_value(SecretId=secret_id, SecretString=EMAIL_URL)


def resolved_environment(applied, definition: dict[str, Any]) -> dict[str, str]:
    """The container's environment as ECS would start it: `secrets` fetched and injected
    (but REDIS_URL, which has no value without the replication group moto cannot run), after
    the operator has put the e-mail URL."""
    put_email_url(applied)
    secretsmanager = applied.client("secretsmanager")
    values = {item["name"]: item["value"] for item in definition["environment"]}
    for item in definition.get("secrets", []):
        if item["name"] != "REDIS_URL":
            values[item["name"]] = secretsmanager.get_secret_value(SecretId=item["valueFrom"])[
                "SecretString"
            ]
    return values


def test_shop_settings_from_the_task_definition_pass_deploy_checks_as_ecom_app_user(applied):
    """The shop's settings, loaded with exactly the task's environment (its secrets resolved,
    the database secret read from Secrets Manager at start-up as on ECS), pass Django's deploy
    checks and name ecom_app_user and the ecommerce database on the RDS endpoint. (moto's RDS
    serves no PostgreSQL; tests/deploy/test_bootstrap.py connects as that user for real.)"""
    environment = resolved_environment(applied, container(applied.task_definition()))
    environment.update(
        {
            **applied.moto.aws_env(),
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "ecommerce.settings",
            "DB_SSLROOTCERT": "/dev/null",  # the RDS bundle is in the image, not here
        }
    )
    script = (
        "import json, django; django.setup(); from django.conf import settings;"
        "d = settings.DATABASES['default'];"
        "print(json.dumps({k: d[k] for k in ('HOST', 'PORT', 'NAME', 'USER')}))"
    )
    shown = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, env=environment,
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr[-3000:]
    database = json.loads(shown.stdout.strip().splitlines()[-1])
    assert database | {"PORT": int(database["PORT"])} == {
        "HOST": applied.instance["Endpoint"]["Address"],
        "PORT": 5432,
        "NAME": "ecommerce",
        "USER": "ecom_app_user",
    }
    checked = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True, timeout=60,
        check=False,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_execution_role_reads_exactly_the_injected_secrets(applied):
    task = applied.task_definition()
    injected = {item["valueFrom"].split(":::")[0] for item in container(task)["secrets"]}
    readable = secrets_readable_by(applied, task["executionRoleArn"])
    assert readable == injected


def test_task_role_reads_the_database_secret_only(applied):
    task = applied.task_definition()
    secretsmanager = applied.client("secretsmanager")
    app_secret = secretsmanager.describe_secret(SecretId="ecommerce/dev/database")["ARN"]
    assert secrets_readable_by(applied, task["taskRoleArn"]) == {app_secret}


def role_statements(applied, role_arn: str) -> list[dict[str, Any]]:
    """Every statement of a role's inline policies (this configuration attaches none)."""
    iam = applied.client("iam")
    role = role_arn.rsplit("/", 1)[1]
    assert iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"] == []
    return [
        statement
        for name in iam.list_role_policies(RoleName=role)["PolicyNames"]
        for statement in statements(
            iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        )
    ]


def collector_config(definition: dict[str, Any]) -> dict[str, Any]:
    (config,) = [e["value"] for e in definition["environment"] if e["name"] == "AOT_CONFIG_CONTENT"]
    return json.loads(config)  # JSON, which the collector reads as YAML


def test_with_tracing_the_collector_runs_beside_the_shop_and_sends_to_xray(applied):
    """shop_enable_tracing (on in this apply): the ADOT collector in the web task, OTLP on the
    task's loopback, traces to X-Ray; the shop pointed at it and started after it."""
    task = applied.task_definition()
    containers = {c["name"]: c for c in task["containerDefinitions"]}
    assert set(containers) == {"storefront", COLLECTOR}
    shop, collector = containers["storefront"], containers[COLLECTOR]
    assert shop["essential"] is True
    assert collector["essential"] is False  # a dead collector must not stop the shop
    assert re.fullmatch(
        r"public\.ecr\.aws/aws-observability/aws-otel-collector:v\d+\.\d+\.\d+", collector["image"]
    )
    assert collector["readonlyRootFilesystem"] is True
    assert collector["memory"] < task_memory(task)
    assert (
        collector["logConfiguration"]["options"]["awslogs-group"]
        == (shop["logConfiguration"]["options"]["awslogs-group"])
    )
    environment = {item["name"]: item["value"] for item in shop["environment"]}
    assert environment["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://localhost:4317"
    assert environment["OTEL_SERVICE_NAME"] == "storefront"
    assert shop["dependsOn"] == [{"containerName": COLLECTOR, "condition": "START"}]

    config = collector_config(collector)
    assert config["receivers"] == {
        "otlp": {
            "protocols": {
                "grpc": {"endpoint": "127.0.0.1:4317"},
                "http": {"endpoint": "127.0.0.1:4318"},
            }
        }
    }
    assert config["exporters"] == {"awsxray": {"region": "us-east-1"}}
    (pipeline,) = config["service"]["pipelines"].values()
    assert pipeline["receivers"] == ["otlp"] and pipeline["exporters"] == ["awsxray"]
    assert set(pipeline["processors"]) <= set(config["processors"])
    assert list(config["service"]["pipelines"]) == ["traces"]


def task_memory(task: dict[str, Any]) -> int:
    return int(task["memory"])


def test_with_tracing_only_the_web_tasks_role_may_write_to_xray(applied):
    task = applied.task_definition()
    xray = [s for s in role_statements(applied, task["taskRoleArn"]) if "xray" in json.dumps(s)]
    (statement,) = xray
    assert statement["Effect"] == "Allow"
    assert set(statement["Action"]) == XRAY_WRITE  # no sampling rules, no reads
    assert statement["Resource"] == ["*"]  # X-Ray has no resource-level permission for these
    assert "xray" not in json.dumps(role_statements(applied, task["executionRoleArn"]))
    # The one-off tasks run without the collector and without OTEL_* (nothing to export to).
    for name in ("migrate", "housekeeping", "low-stock-digest", "bootstrap"):
        (definition,) = applied.task_definition(f"{SHOP}-{name}")["containerDefinitions"]
        assert not [e for e in definition["environment"] if e["name"].startswith("OTEL_")], name


def test_keycloaks_collector_scrapes_its_management_port_into_cloudwatch(applied):
    task = applied.task_definition(KEYCLOAK)
    containers = {c["name"]: c for c in task["containerDefinitions"]}
    assert set(containers) == {"keycloak", COLLECTOR}
    keycloak, collector = containers["keycloak"], containers[COLLECTOR]
    assert keycloak["essential"] is True and collector["essential"] is False
    # Keycloak's heap is a share of its container's memory: it leaves the collector its part.
    assert keycloak["memory"] + collector["memory"] == task_memory(task)
    environment = {item["name"]: item["value"] for item in keycloak["environment"]}
    assert environment["KC_METRICS_ENABLED"] == "true"

    config = collector_config(collector)
    (scrape,) = config["receivers"]["prometheus"]["config"]["scrape_configs"]
    assert scrape["metrics_path"] == "/metrics"
    assert scrape["static_configs"] == [
        {"targets": ["127.0.0.1:9000"], "labels": {"service": "keycloak"}}
    ]
    emf = config["exporters"]["awsemf"]
    assert emf["namespace"] == "Keycloak"
    assert emf["log_group_name"] == f"/ecs/{NAME}/keycloak-metrics"
    selected = config["processors"]["filter/keycloak"]["metrics"]["include"]["metric_names"]
    selectors = [s for d in emf["metric_declarations"] for s in d["metric_name_selectors"]]
    for metric in ("http_server_requests_seconds", "agroal_active_count", "jvm_memory_used_bytes"):
        assert metric in selected, metric
    # Every metric kept becomes a CloudWatch metric (a declaration selects it).
    assert [m for m in selected if not any(re.match(s, m) for s in selectors)] == []
    assert all(["service"] in d["dimensions"] or ["service", "area"] in d["dimensions"]
               for d in emf["metric_declarations"])  # fmt: skip

    logs = applied.client("logs")
    (group,) = logs.describe_log_groups(logGroupNamePrefix=emf["log_group_name"])["logGroups"]
    assert group["logGroupName"] == emf["log_group_name"]
    assert group.get("kmsKeyId")
    (statement,) = role_statements(applied, task["taskRoleArn"])
    assert set(statement["Action"]) == {
        "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"
    }  # fmt: skip
    arn = group["arn"].removesuffix(":*")
    assert sorted(statement["Resource"]) == sorted([arn, f"{arn}:*"])


def secrets_readable_by(applied, role_arn: str) -> set[str]:
    """Resources of every statement that allows secretsmanager:GetSecretValue to the role."""
    iam = applied.client("iam")
    role = role_arn.rsplit("/", 1)[1]
    documents = [
        iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        for name in iam.list_role_policies(RoleName=role)["PolicyNames"]
    ]
    for attached in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]:
        if attached["PolicyArn"].startswith("arn:aws:iam::aws:"):
            continue  # AWS-managed policies grant no secret
        policy = iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]
        documents.append(
            iam.get_policy_version(
                PolicyArn=attached["PolicyArn"], VersionId=policy["DefaultVersionId"]
            )["PolicyVersion"]["Document"]
        )
    readable: set[str] = set()
    for document in documents:
        if isinstance(document, str):
            document = json.loads(document)
        for statement in document["Statement"]:
            actions = statement["Action"]
            actions = [actions] if isinstance(actions, str) else actions
            if statement["Effect"] == "Allow" and "secretsmanager:GetSecretValue" in actions:
                resources = statement["Resource"]
                readable |= {resources} if isinstance(resources, str) else set(resources)
    return readable


def test_migrations_and_bootstrap_are_one_off_tasks_not_run_by_the_web_tasks(applied):
    web = container(applied.task_definition())
    assert "command" not in web or "migrate" not in " ".join(web.get("command") or [])
    migrate = container(applied.task_definition(f"{SHOP}-migrate"))
    assert migrate["command"] == ["python", "manage.py", "migrate", "--no-input"]
    bootstrap = container(applied.task_definition(f"{SHOP}-bootstrap"))
    assert bootstrap["command"][:3] == ["python", "manage.py", "bootstrap_databases"]
    secret_options = dict(zip(bootstrap["command"][3::2], bootstrap["command"][4::2], strict=True))
    assert set(secret_options) == {
        "--master-secret", "--app-secret", "--keycloak-secret", "--backup-secret"
    }  # fmt: skip
    assert secret_options["--master-secret"] == applied.outputs["db_master_secret_arn"]
    assert applied.outputs["migrate_command"].startswith("aws ecs run-task ")


def test_cluster_has_container_insights_and_runs_the_shop_behind_the_load_balancer(applied):
    ecs = applied.client("ecs")
    cluster = applied.outputs["cluster_name"]
    (described,) = ecs.describe_clusters(clusters=[cluster], include=["SETTINGS"])["clusters"]
    assert {"name": "containerInsights", "value": "enabled"} in described["settings"]
    (service,) = ecs.describe_services(cluster=cluster, services=[SHOP])["services"]
    assert service["launchType"] == "FARGATE"
    assert service["taskDefinition"] == applied.task_definition()["taskDefinitionArn"]
    (balancer,) = service["loadBalancers"]
    assert balancer["targetGroupArn"] == target_groups(applied)["shop"]["TargetGroupArn"]
    assert balancer["containerPort"] == 8000
    network = service["networkConfiguration"]["awsvpcConfiguration"]
    assert network["assignPublicIp"] == "DISABLED"


# --- scheduled tasks -----------------------------------------------------------------------------


def cluster_arn(applied) -> str:
    ecs = applied.client("ecs")
    (cluster,) = ecs.describe_clusters(clusters=[applied.outputs["cluster_name"]])["clusters"]
    return cluster["clusterArn"]


def schedules(applied) -> dict[str, dict[str, Any]]:
    scheduler = applied.client("scheduler")
    group = applied.outputs["schedule_group_name"]
    listed = scheduler.list_schedules(GroupName=group)["Schedules"]
    return {
        item["Name"]: scheduler.get_schedule(GroupName=group, Name=item["Name"]) for item in listed
    }


def test_scheduled_tasks_run_housekeeping_and_the_digest_daily_on_the_shops_cluster(applied):
    found = schedules(applied)
    assert set(found) == {"housekeeping", "low-stock-digest"}
    housekeeping, digest = found["housekeeping"], found["low-stock-digest"]
    assert housekeeping["ScheduleExpression"] == "cron(30 3 * * ? *)"
    assert housekeeping["ScheduleExpressionTimezone"] == "UTC"
    assert digest["ScheduleExpression"] == "cron(0 7 * * ? *)"
    assert digest["State"] == housekeeping["State"] == "ENABLED"  # staff_emails given
    ecs = applied.client("ecs")
    cluster = applied.outputs["cluster_name"]
    (service,) = ecs.describe_services(cluster=cluster, services=[SHOP])["services"]
    web_network = service["networkConfiguration"]["awsvpcConfiguration"]
    web = applied.task_definition()
    for name, schedule in found.items():
        assert schedule["FlexibleTimeWindow"] == {"Mode": "OFF"}, name
        target = schedule["Target"]
        assert target["Arn"] == cluster_arn(applied), name
        assert target["RoleArn"].endswith(f":role/{SHOP}-scheduler"), name
        assert target["RetryPolicy"]["MaximumRetryAttempts"] == 3, name
        assert 0 < target["RetryPolicy"]["MaximumEventAgeInSeconds"] <= 3600, name
        parameters = target["EcsParameters"]
        assert parameters["LaunchType"] == "FARGATE", name
        assert parameters.get("TaskCount", 1) == 1, name
        network = parameters["NetworkConfiguration"]["awsvpcConfiguration"]
        assert sorted(network["Subnets"]) == sorted(web_network["subnets"]), name
        assert network["SecurityGroups"] == web_network["securityGroups"], name
        assert network["AssignPublicIp"] == "DISABLED", name
        # The very task definition of `aws ecs run-task` by hand, same roles as the web task.
        task = ecs.describe_task_definition(taskDefinition=parameters["TaskDefinitionArn"])[
            "taskDefinition"
        ]
        assert task["family"] == f"{SHOP}-{name}"
        assert parameters["TaskDefinitionArn"] in applied.outputs["scheduled_task_commands"][name]
        assert task["taskRoleArn"] == web["taskRoleArn"]
        assert task["executionRoleArn"] == web["executionRoleArn"]
        assert task["requiresCompatibilities"] == ["FARGATE"]
        definition = container(task)
        assert definition["image"] == container(web)["image"]
        assert "portMappings" not in definition or definition["portMappings"] == []
        options = definition["logConfiguration"]["options"]
        assert (
            options["awslogs-group"]
            == container(web)["logConfiguration"]["options"]["awslogs-group"]
        )
        assert options["awslogs-stream-prefix"] == name
    commands = {
        name: container(
            ecs.describe_task_definition(taskDefinition=f"{SHOP}-{name}")["taskDefinition"]
        )["command"]
        for name in found
    }
    assert commands == {
        "housekeeping": HOUSEKEEPING,
        "low-stock-digest": ["python", "manage.py", "low_stock_digest"],
    }


def statements(document: Any) -> list[dict[str, Any]]:
    if isinstance(document, str):
        document = json.loads(document)
    found = document["Statement"]
    found = [found] if isinstance(found, dict) else found
    for statement in found:
        for key in ("Action", "Resource"):
            if isinstance(statement.get(key), str):
                statement[key] = [statement[key]]
    return found


def test_scheduler_role_runs_only_the_scheduled_tasks_in_this_cluster(applied):
    iam = applied.client("iam")
    role_arns = {schedule["Target"]["RoleArn"] for schedule in schedules(applied).values()}
    (role_arn,) = role_arns
    role_name = role_arn.rsplit("/", 1)[1]
    role = iam.get_role(RoleName=role_name)["Role"]
    (trust,) = statements(role["AssumeRolePolicyDocument"])
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert "aws:SourceAccount" in json.dumps(trust["Condition"])
    assert f"schedule/{applied.outputs['schedule_group_name']}/*" in json.dumps(trust["Condition"])
    assert iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"] == []
    (policy_name,) = iam.list_role_policies(RoleName=role_name)["PolicyNames"]
    granted = statements(
        iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)["PolicyDocument"]
    )
    assert all(s["Effect"] == "Allow" for s in granted)
    by_action = {action: s for s in granted for action in s["Action"]}
    assert set(by_action) == {"ecs:RunTask", "ecs:TagResource", "iam:PassRole"}
    assert all(resource != "*" for s in granted for resource in s["Resource"])

    run_task = by_action["ecs:RunTask"]
    ecs = applied.client("ecs")
    arns = {
        name: ecs.describe_task_definition(taskDefinition=f"{SHOP}-{name}")["taskDefinition"][
            "taskDefinitionArn"
        ]
        for name in ("housekeeping", "low-stock-digest")
    }
    # Every revision of exactly these two families: not web, migrate or bootstrap.
    assert sorted(run_task["Resource"]) == sorted(
        arn.rsplit(":", 1)[0] + ":*" for arn in arns.values()
    )
    assert run_task["Condition"] == {"ArnEquals": {"ecs:cluster": cluster_arn(applied)}}

    web = applied.task_definition()
    passed = by_action["iam:PassRole"]
    assert sorted(passed["Resource"]) == sorted([web["executionRoleArn"], web["taskRoleArn"]])
    assert passed["Condition"] == {
        "StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}
    }
    tag = by_action["ecs:TagResource"]
    assert tag["Resource"] == [
        web["taskDefinitionArn"].split(":task-definition/")[0]
        + f":task/{applied.outputs['cluster_name']}/*"
    ]
    assert tag["Condition"] == {"StringEquals": {"ecs:CreateAction": "RunTask"}}


def test_email_secret_is_created_empty_encrypted_and_readable_by_the_execution_role(applied):
    secretsmanager = applied.client("secretsmanager")
    secret = secretsmanager.describe_secret(SecretId=applied.outputs["shop_email_url_secret_arn"])
    assert secret["Name"] == "ecommerce/dev/shop-email-url"
    keycloak_smtp = secretsmanager.describe_secret(SecretId="ecommerce/dev/keycloak-smtp")
    assert secret["KmsKeyId"] and secret["KmsKeyId"] == keycloak_smtp["KmsKeyId"]
    execution_role = applied.task_definition()["executionRoleArn"]
    assert secret["ARN"] in secrets_readable_by(applied, execution_role)


def test_every_shop_task_mails_through_the_email_url_secret(applied):
    """Web, one-off and scheduled tasks: the shop refuses to start in production without a real
    e-mail backend, so each gets DJANGO_EMAIL_URL (and the sender), and the digest's settings
    resolve to Django's SMTP backend on SES with TLS."""
    secret_arn = applied.outputs["shop_email_url_secret_arn"]
    families = (SHOP, f"{SHOP}-housekeeping", f"{SHOP}-low-stock-digest", f"{SHOP}-migrate",
                f"{SHOP}-bootstrap")  # fmt: skip
    for family in families:
        definition = container(applied.task_definition(family))
        secrets = {item["name"]: item["valueFrom"] for item in definition["secrets"]}
        assert secrets["DJANGO_EMAIL_URL"] == secret_arn, family
        environment = {item["name"]: item["value"] for item in definition["environment"]}
        assert environment["DJANGO_DEFAULT_FROM_EMAIL"] == f"shop@{SHOP_HOST}", family
    environment = resolved_environment(
        applied, container(applied.task_definition(f"{SHOP}-low-stock-digest"))
    )
    environment.update(
        {
            **applied.moto.aws_env(),
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "ecommerce.settings",
            "DB_SSLROOTCERT": "/dev/null",
        }
    )
    script = (
        "import json, django; django.setup(); from django.conf import settings as s;"
        "print(json.dumps([s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS,"
        " s.EMAIL_HOST_USER, s.EMAIL_HOST_PASSWORD, s.DEFAULT_FROM_EMAIL]))"
    )
    shown = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, env=environment,
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr[-3000:]
    assert json.loads(shown.stdout.strip().splitlines()[-1]) == [
        "django.core.mail.backends.smtp.EmailBackend",
        "email-smtp.us-east-1.amazonaws.com",
        587,
        True,
        "AKIAEXAMPLE",
        EMAIL_PASSWORD,
        f"shop@{SHOP_HOST}",
    ]


def test_every_shop_task_gets_the_generated_health_detail_token(applied):
    """/health/ shows details only with `X-Health-Detail: <HEALTH_DETAIL_TOKEN>`: one generated
    secret for every task (the web tasks answer, ops read it), and the shop's settings hold it.
    The ALB's health check cannot send a header; it probes /health/live/ (test below)."""
    secretsmanager = applied.client("secretsmanager")
    secret = secretsmanager.describe_secret(SecretId="ecommerce/dev/health-detail-token")
    token = secretsmanager.get_secret_value(SecretId=secret["ARN"])["SecretString"]
    assert len(token) >= 32 and token.isalnum()
    for family in (SHOP, f"{SHOP}-housekeeping", f"{SHOP}-low-stock-digest", f"{SHOP}-migrate"):
        definition = container(applied.task_definition(family))
        secrets = {item["name"]: item["valueFrom"] for item in definition["secrets"]}
        assert secrets["HEALTH_DETAIL_TOKEN"] == secret["ARN"], family
    environment = resolved_environment(applied, container(applied.task_definition()))
    environment.update(
        {
            **applied.moto.aws_env(),
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "ecommerce.settings",
            "DB_SSLROOTCERT": "/dev/null",
        }
    )
    script = (
        "import django; django.setup(); from django.conf import settings;"
        "print(settings.HEALTH_DETAIL_TOKEN)"
    )
    shown = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, env=environment,
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr[-3000:]
    assert shown.stdout.strip().splitlines()[-1] == token


def test_tasks_may_reach_the_mail_relay_on_587(applied):
    group_id = task_security_groups(applied)["shop"]
    (group,) = applied.client("ec2").describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    ports = {(p["FromPort"], p["ToPort"]) for p in group["IpPermissionsEgress"]}
    assert (587, 587) in ports


def test_staff_emails_reach_every_shop_task_and_become_djangos_managers(applied):
    for family in (SHOP, f"{SHOP}-housekeeping", f"{SHOP}-low-stock-digest", f"{SHOP}-migrate"):
        environment = {
            item["name"]: item["value"]
            for item in container(applied.task_definition(family))["environment"]
        }
        assert environment["SHOP_STAFF_EMAILS"] == ",".join(STAFF_EMAILS), family
    environment = resolved_environment(
        applied, container(applied.task_definition(f"{SHOP}-low-stock-digest"))
    )
    environment.update(
        {
            **applied.moto.aws_env(),
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "ecommerce.settings",
            "DB_SSLROOTCERT": "/dev/null",
        }
    )
    script = (
        "import json, django; django.setup(); from django.conf import settings;"
        "print(json.dumps(settings.MANAGERS))"
    )
    shown = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, env=environment,
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr[-3000:]
    managers = json.loads(shown.stdout.strip().splitlines()[-1])
    assert [address for _, address in managers] == STAFF_EMAILS


# --- the edge ------------------------------------------------------------------------------------


def target_groups(applied) -> dict[str, dict[str, Any]]:
    groups = applied.client("elbv2").describe_target_groups()["TargetGroups"]
    return {g["TargetGroupName"].rsplit("-", 1)[1].replace("kc", "keycloak"): g for g in groups}


def test_target_groups_probe_liveness_and_drain_before_the_task_stops(applied):
    groups = target_groups(applied)
    assert groups["shop"]["HealthCheckPath"] == "/health/live/"
    assert groups["shop"]["Port"] == 8000
    assert groups["keycloak"]["HealthCheckPath"] == "/health/ready"
    assert groups["keycloak"]["HealthCheckPort"] == "9000"
    elbv2 = applied.client("elbv2")
    attributes = {
        a["Key"]: a["Value"]
        for a in elbv2.describe_target_group_attributes(
            TargetGroupArn=groups["shop"]["TargetGroupArn"]
        )["Attributes"]
    }
    stop_timeout = container(applied.task_definition())["stopTimeout"]
    assert int(attributes["deregistration_delay.timeout_seconds"]) < stop_timeout


def test_load_balancer_serves_https_redirects_http_and_routes_by_host(applied, certificate_arn):
    elbv2 = applied.client("elbv2")
    (alb,) = elbv2.describe_load_balancers()["LoadBalancers"]
    listeners = {
        listener["Port"]: listener
        for listener in elbv2.describe_listeners(LoadBalancerArn=alb["LoadBalancerArn"])[
            "Listeners"
        ]
    }
    assert set(listeners) == {80, 443}
    assert listeners[443]["Protocol"] == "HTTPS"
    assert [c["CertificateArn"] for c in listeners[443]["Certificates"]] == [certificate_arn]
    (redirect,) = listeners[80]["DefaultActions"]
    assert redirect["Type"] == "redirect"
    assert redirect["RedirectConfig"]["Protocol"] == "HTTPS"
    hosts = {}
    for rule in elbv2.describe_rules(ListenerArn=listeners[443]["ListenerArn"])["Rules"]:
        for condition in rule.get("Conditions", []):
            if condition.get("Field") == "host-header":
                (host,) = condition.get("HostHeaderConfig", {}).get("Values") or condition["Values"]
                hosts[host] = rule["Actions"][0]["TargetGroupArn"]
    groups = target_groups(applied)
    assert hosts == {
        SHOP_HOST: groups["shop"]["TargetGroupArn"],
        KEYCLOAK_HOST: groups["keycloak"]["TargetGroupArn"],
    }
    attributes = {
        a["Key"]: a["Value"]
        for a in elbv2.describe_load_balancer_attributes(LoadBalancerArn=alb["LoadBalancerArn"])[
            "Attributes"
        ]
    }
    assert attributes["access_logs.s3.enabled"] == "true"
    assert attributes["access_logs.s3.bucket"]
    assert int(attributes["idle_timeout.timeout_seconds"]) < 75  # below GUNICORN_KEEPALIVE


# The shop's own body limits (settings: DJANGO_MAX_REQUEST_BODY_KB, DJANGO_MAX_UPLOAD_MB).
BODY_LIMIT = 256 * 1024
LARGE_BODY_LIMIT = 10 * 1024 * 1024
MANAGED_GROUPS = {
    "aws-common": "AWSManagedRulesCommonRuleSet",
    "aws-known-bad-inputs": "AWSManagedRulesKnownBadInputsRuleSet",
    "aws-ip-reputation": "AWSManagedRulesAmazonIpReputationList",
    "aws-sqli": "AWSManagedRulesSQLiRuleSet",
}


def web_acl(applied) -> dict[str, Any]:
    """The web ACL associated with the ALB (moto serves the rules as Terraform sent them)."""
    (alb,) = applied.client("elbv2").describe_load_balancers()["LoadBalancers"]
    wafv2 = applied.client("wafv2")
    associated = wafv2.get_web_acl_for_resource(ResourceArn=alb["LoadBalancerArn"])["WebACL"]
    return wafv2.get_web_acl(Name=associated["Name"], Scope="REGIONAL", Id=associated["Id"])[
        "WebACL"
    ]


def content_length_regex(statement: dict[str, Any]) -> re.Pattern[str]:
    match = statement["RegexMatchStatement"]
    assert match["FieldToMatch"] == {"SingleHeader": {"Name": "content-length"}}
    assert [t["Type"] for t in match["TextTransformations"]] == ["NONE"]
    return re.compile(match["RegexString"])


def matches_exactly_the_numbers_above(pattern: re.Pattern[str], limit: int) -> None:
    for value in (0, 1, 9, limit // 10, limit - 1, limit):
        assert not pattern.search(str(value)), (pattern.pattern, value)
        assert not pattern.search("00" + str(value)), (pattern.pattern, value)
    for value in (
        limit + 1,
        limit + 9,
        limit + 1000,
        int("9" * len(str(limit))),
        limit * 10,
        10**12,
    ):
        assert pattern.search(str(value)), (pattern.pattern, value)
        assert pattern.search("00" + str(value)), (pattern.pattern, value)
    assert not pattern.search(f"{limit + 1} ") and not pattern.search(f"-{limit + 1}")
    # Every number near the limit.
    for value in range(limit - 2000, limit + 2000):
        assert bool(pattern.search(str(value))) == (value > limit), value


def test_waf_on_the_load_balancer_limits_request_bodies_like_the_shop(applied):
    """Item 6 at the edge: bodies above 10 MiB on every path and above 256 KiB outside /admin/
    are refused with a 413 before they reach a task, by Content-Length (WAF sees only 8 KB of a
    body behind an ALB); a chunked body over those 8 KB is refused too. moto stores the rule but
    does not evaluate it: its logic is checked here on its parts."""
    acl = web_acl(applied)
    assert acl["Name"] == f"{NAME}-alb"
    assert acl["DefaultAction"] == {"Allow": {}}
    rules = {rule["Name"]: rule for rule in acl["Rules"]}
    rule = rules["body-size-limit"]
    assert rule["Priority"] == min(r["Priority"] for r in acl["Rules"])
    assert rule["Action"] == {"Block": {"CustomResponse": {"ResponseCode": 413}}}
    large, body, chunked = rule["Statement"]["OrStatement"]["Statements"]

    matches_exactly_the_numbers_above(content_length_regex(large), LARGE_BODY_LIMIT)

    over_body, outside_admin = body["AndStatement"]["Statements"]
    matches_exactly_the_numbers_above(content_length_regex(over_body), BODY_LIMIT)
    admin = outside_admin["NotStatement"]["Statement"]["ByteMatchStatement"]
    assert admin["PositionalConstraint"] == "STARTS_WITH"
    assert admin["FieldToMatch"] == {"UriPath": {}}
    assert [t["Type"] for t in admin["TextTransformations"]] == ["NORMALIZE_PATH"]
    search = admin["SearchString"]
    assert (search.decode() if isinstance(search, bytes) else search) == "/admin/"

    over_inspection, no_length = chunked["AndStatement"]["Statements"]
    size = over_inspection["SizeConstraintStatement"]
    assert size["ComparisonOperator"] == "GT" and size["Size"] == 8192
    assert size["FieldToMatch"] == {"Body": {"OversizeHandling": "MATCH"}}
    any_length = content_length_regex(no_length["NotStatement"]["Statement"])
    assert any_length.search("0") and any_length.search("123") and not any_length.search("")


def test_waf_runs_the_managed_rule_groups_in_block_mode_and_a_rate_limit(applied):
    acl = web_acl(applied)
    rules = {rule["Name"]: rule for rule in acl["Rules"]}
    assert set(rules) == {"body-size-limit", "rate-limit-per-ip", *MANAGED_GROUPS}
    for name, group in MANAGED_GROUPS.items():
        statement = rules[name]["Statement"]["ManagedRuleGroupStatement"]
        assert (statement["VendorName"], statement["Name"]) == ("AWS", group)
        assert rules[name]["OverrideAction"] == {"None": {}}, name  # waf_managed_rules_action
    common = rules["aws-common"]["Statement"]["ManagedRuleGroupStatement"]
    (override,) = common["RuleActionOverrides"]
    assert override == {"Name": "SizeRestrictions_BODY", "ActionToUse": {"Count": {}}}
    rate = rules["rate-limit-per-ip"]
    assert rate["Action"] == {"Block": {}}
    assert rate["Statement"]["RateBasedStatement"]["AggregateKeyType"] == "IP"
    assert len({r["Priority"] for r in acl["Rules"]}) == len(acl["Rules"])


def test_media_bucket_is_private_encrypted_versioned_and_behind_cloudfront(applied):
    s3 = applied.client("s3")
    task = container(applied.task_definition())
    environment = {item["name"]: item["value"] for item in task["environment"]}
    bucket = environment["AWS_STORAGE_BUCKET_NAME"]
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values()) and len(block) == 4
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    cloudfront = applied.client("cloudfront")
    (distribution,) = cloudfront.list_distributions()["DistributionList"]["Items"]
    assert environment["AWS_S3_CUSTOM_DOMAIN"] == distribution["DomainName"]
    (origin,) = distribution["Origins"]["Items"]
    assert origin["DomainName"].startswith(bucket)
    (access_control,) = cloudfront.list_origin_access_controls()["OriginAccessControlList"]["Items"]
    assert access_control["SigningBehavior"] == "always"
    assert access_control["SigningProtocol"] == "sigv4"
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    (reader,) = [
        statement
        for statement in policy["Statement"]
        if "cloudfront.amazonaws.com" in json.dumps(statement.get("Principal"))
    ]
    assert reader["Effect"] == "Allow"
    assert json.dumps(reader["Condition"]).count(distribution["ARN"]) == 1


# --- Keycloak and the cache ----------------------------------------------------------------------


def test_keycloak_uses_its_own_database_and_user(applied):
    task = applied.task_definition(KEYCLOAK)
    keycloak = container(task)
    assert keycloak["image"].startswith("quay.io/keycloak/keycloak:26.")
    environment = {item["name"]: item["value"] for item in keycloak["environment"]}
    assert environment["KC_DB"] == "postgres"
    url = environment.get("KC_DB_URL") or (
        f"{environment['KC_DB_URL_HOST']}/{environment['KC_DB_URL_DATABASE']}"
    )
    assert applied.instance["Endpoint"]["Address"] in url
    assert re.search(r"/keycloak(\?|$)", url), url
    secrets = {item["name"]: item["valueFrom"] for item in keycloak["secrets"]}
    keycloak_secret = applied.client("secretsmanager").describe_secret(
        SecretId="ecommerce/dev/keycloak-database"
    )["ARN"]
    assert secrets["KC_DB_USERNAME"] == f"{keycloak_secret}:username::"
    assert secrets["KC_DB_PASSWORD"] == f"{keycloak_secret}:password::"
    assert environment["KC_HEALTH_ENABLED"] == "true"


# --- what moto cannot run: the plans -------------------------------------------------------------


def by_type(plan: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for resource in planned_resources(plan):
        found.setdefault(resource["type"], []).append(resource)
    return found


@pytest.fixture(scope="module")
def dev_plan(applied, certificate_arn) -> dict[str, list[dict[str, Any]]]:
    """dev planned with its own values, without moto.tfvars: what moto cannot run included."""
    return by_type(applied.workspace.plan_json("dev", *var_args(host_args(certificate_arn))))


def test_dev_rotates_the_shop_database_users_password(dev_plan):
    (stack,) = dev_plan["aws_serverlessapplicationrepository_cloudformation_stack"]
    assert "SecretsManagerRDSPostgreSQLRotationSingleUser" in stack["values"]["application_id"]
    (rotation,) = dev_plan["aws_secretsmanager_secret_rotation"]
    assert rotation["index"] == "app"
    assert rotation["values"]["rotation_rules"][0]["automatically_after_days"] > 0


def test_database_has_performance_insights_for_seven_days(dev_plan):
    """moto accepts Performance Insights but does not report it back."""
    (instance,) = dev_plan["aws_db_instance"]
    assert instance["values"]["performance_insights_enabled"] is True
    assert instance["values"]["performance_insights_retention_period"] == 7


def test_redis_requires_tls_and_its_url_secret_gets_a_value(dev_plan):
    (group,) = dev_plan["aws_elasticache_replication_group"]
    assert group["values"]["engine"] == "redis"
    assert group["values"]["transit_encryption_enabled"] is True
    assert str(group["values"]["at_rest_encryption_enabled"]).lower() == "true"
    assert group["values"]["port"] == 6379
    versions = [
        version
        for version in dev_plan["aws_secretsmanager_secret_version"]
        if version["address"] == "module.cache.aws_secretsmanager_secret_version.redis_url[0]"
    ]
    assert len(versions) == 1


def test_services_roll_back_failed_deployments_and_the_shop_scales(dev_plan):
    """moto keeps neither a service's deployment settings nor autoscaling's tags (moto.tfvars),
    so these are read from dev's own plan."""
    resources = dev_plan
    services = {r["values"]["name"]: r["values"] for r in resources["aws_ecs_service"]}
    assert set(services) == {SHOP, KEYCLOAK}
    for values in services.values():
        assert values["deployment_circuit_breaker"] == [{"enable": True, "rollback": True}]
        assert values["health_check_grace_period_seconds"] > 0
    (target,) = resources["aws_appautoscaling_target"]
    assert target["values"]["resource_id"] == f"service/{NAME}/{SHOP}"
    metrics = {
        policy["values"]["target_tracking_scaling_policy_configuration"][0][
            "predefined_metric_specification"
        ][0]["predefined_metric_type"]
        for policy in resources["aws_appautoscaling_policy"]
    }
    assert metrics == {"ECSServiceAverageCPUUtilization", "ALBRequestCountPerTarget"}


def test_tracing_is_off_by_default_no_sidecar_no_otel_variable_no_xray(dev_plan):
    """dev planned with its own values (shop_enable_tracing defaults to false)."""
    (web,) = [r for r in dev_plan["aws_ecs_task_definition"] if r["values"]["family"] == SHOP]
    (shop,) = json.loads(web["values"]["container_definitions"])
    assert not [e for e in shop["environment"] if e["name"].startswith("OTEL_")]
    assert "dependsOn" not in shop
    policies = {r["address"]: r["values"]["policy"] for r in dev_plan["aws_iam_role_policy"]}
    assert policies["module.shop.aws_iam_role_policy.task"]
    assert [address for address, policy in policies.items() if "xray:" in policy] == []


def test_without_staff_emails_the_digest_is_scheduled_but_disabled(dev_plan):
    states = {
        schedule["index"]: schedule["values"]["state"]
        for schedule in dev_plan["aws_scheduler_schedule"]
    }
    assert states == {"housekeeping": "ENABLED", "low-stock-digest": "DISABLED"}


def test_scheduled_tasks_switched_off_leave_only_their_task_definitions(applied, certificate_arn):
    plan = applied.workspace.plan_json(
        "dev",
        *var_args({**host_args(certificate_arn), "shop_enable_scheduled_tasks": "false"}),
    )
    resources = by_type(plan)
    assert "aws_scheduler_schedule" not in resources
    assert "aws_scheduler_schedule_group" not in resources
    assert [r for r in resources["aws_iam_role"] if "scheduler" in r["address"]] == []
    families = {r["values"]["family"] for r in resources["aws_ecs_task_definition"]}
    assert {f"{SHOP}-housekeeping", f"{SHOP}-low-stock-digest"} <= families


def test_prod_plan_has_multi_az_deletion_protection_and_a_replica(applied, certificate_arn):
    plan = applied.workspace.plan_json("prod", *var_args(host_args(certificate_arn)))
    resources = by_type(plan)
    instances = resources["aws_db_instance"]
    primary = next(i for i in instances if not i["values"].get("replicate_source_db"))
    assert primary["values"]["multi_az"] is True
    assert primary["values"]["deletion_protection"] is True
    assert primary["values"]["skip_final_snapshot"] is False
    assert primary["values"]["instance_class"] == "db.t3.medium"
    (replica,) = [i for i in instances if i["values"].get("replicate_source_db")]
    assert replica["values"]["publicly_accessible"] is False
    alarms = {
        a["values"]["metric_name"]: a["values"] for a in resources["aws_cloudwatch_metric_alarm"]
    }
    assert alarms["ReplicaLag"]["namespace"] == "AWS/RDS"
    assert (
        alarms["ReplicaLag"]["dimensions"]["DBInstanceIdentifier"]
        == replica["values"]["identifier"]
    )
    assert len(resources["aws_nat_gateway"]) >= 2  # one per zone
    (cache,) = resources["aws_elasticache_replication_group"]
    assert cache["values"]["automatic_failover_enabled"] is True
    assert cache["values"]["multi_az_enabled"] is True
    (alb,) = resources["aws_lb"]
    assert alb["values"]["enable_deletion_protection"] is True


def test_destroy_removes_the_environment(applied):
    applied.workspace.run("dev", "destroy", "-auto-approve", "-input=false", *applied.args)
    applied.destroyed = True
    rds = applied.client("rds")
    assert rds.describe_db_instances()["DBInstances"] == []
    assert applied.client("elbv2").describe_load_balancers()["LoadBalancers"] == []
    assert applied.client("scheduler").list_schedules()["Schedules"] == []
    ecs = applied.client("ecs")
    assert [
        c for c in ecs.describe_clusters(clusters=[NAME])["clusters"] if c["status"] == "ACTIVE"
    ] == []
