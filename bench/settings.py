"""The benchmark's settings: the shop's own, serving bench/urls.py (the shop's URLs plus the
stack's "ceiling" view), so that nothing about the benchmark lives in ecommerce/settings.py."""

from ecommerce.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
