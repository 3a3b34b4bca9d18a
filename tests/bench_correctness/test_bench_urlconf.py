"""The benchmark's URLconf (bench/urls.py, selected by bench/settings.py)."""

import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.urls import clear_url_caches

from tests.support.gunicorn import REPO_ROOT

pytestmark = pytest.mark.django_db


@pytest.fixture
def bench_urls(settings):
    settings.ROOT_URLCONF = "bench.urls"
    clear_url_caches()
    yield
    clear_url_caches()


def test_the_ceiling_runs_no_query_and_the_shop_s_urls_still_answer(
    client, bench_urls, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = client.get("/_bench/ceiling/")
    assert response.status_code == 200
    assert response["Content-Security-Policy"]  # the same middleware as every page
    assert client.get("/products/").status_code == 200


def test_the_shop_s_own_urlconf_has_no_ceiling(client):
    assert django_settings.ROOT_URLCONF == "ecommerce.urls"
    assert client.get("/_bench/ceiling/").status_code == 404


@pytest.mark.parametrize(
    ("settings_module", "expected"),
    [("ecommerce.settings", "ecommerce.urls"), ("bench.settings", "bench.urls")],
)
def test_only_the_bench_settings_serve_the_bench_urlconf(settings_module, expected):
    env = {**os.environ, "DJANGO_SECRET_KEY": "x" * 50, "DJANGO_SETTINGS_MODULE": settings_module}
    code = "from django.conf import settings; print(settings.ROOT_URLCONF)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env, cwd=REPO_ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert result.stdout.strip() == expected


def test_the_bench_urlconf_keeps_the_shop_s_error_handlers():
    import bench.urls
    import ecommerce.urls

    for name in ("handler400", "handler403", "handler404", "handler500"):
        assert getattr(bench.urls, name, None) == getattr(ecommerce.urls, name, None), name
