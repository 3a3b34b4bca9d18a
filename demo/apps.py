from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo shop of `make run` and the benchmark (seed_demo): it stands on every app, so that
    none of them has to know about demo data."""

    name = "demo"
    verbose_name = "Demo data"
