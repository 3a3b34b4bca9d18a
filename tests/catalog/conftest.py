import pytest
from django.db import connection


@pytest.fixture
def postgresql(db):
    """Skips a test that needs PostgreSQL's own search (full-text, pg_trgm) on another database.

    Decided when the test runs, not at collection: which database the suite uses is only
    known once pytest-django has set it up (`make test` runs on PostgreSQL; a quick
    `.venv/bin/pytest` may run on SQLite).
    """
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL; `make test` runs the suite on it")
