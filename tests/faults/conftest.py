"""The fault battery: the shop under faults and under generated input, checked against its
invariants (no confirmed order lost or doubled, stock conserved and never negative, no 500).

- test_database_restart.py: PostgreSQL restarted in the middle of checkout load (gunicorn in
  production mode, many shoppers over HTTP).
- test_two_processes.py: two shop processes behind a round-robin proxy, sharing PostgreSQL and
  Redis: the session and cart follow the shopper; a race for the last units never oversells.
- test_generated_*.py: Hypothesis drives every public form and query string in-process.

Every test here carries the `faults` marker: `make faults` runs them alone, in full; `make test`
runs them too, in a shorter version. Two variables set the size:

- FAULTS_LOAD_SECONDS (default 15): how long the checkout load runs around the restart
  (`make faults`: 60).
- HYPOTHESIS_PROFILE (default `ci`: 60 examples a test, state machines of up to 15 steps;
  `make faults`: `full`, 400 examples and 40 steps).

Hypothesis keeps its example database under .pytest_cache/hypothesis (ignored by git): a failing
example found once is tried first the next time.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir

from tests.support.postgres import PostgresServer
from tests.support.redis import RedisServer
from tests.support.shop import PROJECT_ROOT, manage_ok, production_env
from tests.support.shoppers import ShopDatabase

HERE = Path(__file__).resolve().parent

set_hypothesis_home_dir(PROJECT_ROOT / ".pytest_cache" / "hypothesis")
# Each example runs in a savepoint of its own that is rolled back, with a new test client
# (tests/faults/generated.py): the rows of function-scoped fixtures are there for each example.
settings.register_profile(
    "ci",
    max_examples=60,
    stateful_step_count=15,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "full", parent=settings.get_profile("ci"), max_examples=400, stateful_step_count=40
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_collection_modifyitems(items):
    for item in items:
        if HERE in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.faults)


# --- real processes ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def faults_static_root(tmp_path_factory) -> Path:
    """collectstatic's output, as the image builds it: production pages need the manifest."""
    root = tmp_path_factory.mktemp("faults-static")
    manage_ok("collectstatic", "--no-input", "-v0", env=production_env(root))
    return root


@pytest.fixture(scope="session")
def faults_pg() -> Iterator[PostgresServer]:
    """A PostgreSQL server of the fault tests' own: they restart it. Commits are synchronous,
    as on RDS (the throwaway default turns that off), so a confirmed order is a durable one."""
    with PostgresServer(extra_conf={"synchronous_commit": True}) as server:
        yield server


@pytest.fixture(scope="session")
def shop_template(faults_pg) -> ShopDatabase:
    """The shop's schema, migrated once; each test copies it."""
    return ShopDatabase.create_template(faults_pg)


@pytest.fixture
def new_shop_database(shop_template, request) -> Callable[[], ShopDatabase]:
    """A fresh, migrated, empty shop database for this test (named after it)."""
    counter = iter(range(100))

    def create() -> ShopDatabase:
        name = f"faults_{request.node.name[:40]}_{next(counter)}".lower()
        return shop_template.copy("".join(c if c.isalnum() else "_" for c in name))

    return create


@pytest.fixture(scope="session")
def faults_redis() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


@pytest.fixture(autouse=True)
def _orders_without_a_rate_limit(settings):
    """Generated shoppers order far more often than an account may (SHOP_MAX_ORDERS_PER_HOUR);
    tests/orders/test_checkout.py tests the limit itself."""
    settings.MAX_ORDERS_PER_HOUR = 10**6
