"""The product import (catalog.resources) timed on 10,000 rows: is it "well under a minute"?

    .venv/bin/python -m bench.import_products [--rows 10000] [--keep FILE.csv]

Starts a throwaway PostgreSQL server (tests.support.postgres; or uses DATABASE_URL when set, on
a database it may fill), migrates, adds 20 categories, writes a CSV of N new products and times:

1. the dry run and the import of the new products (ProductResource.import_data, as
   `manage.py import_products` runs it);
2. the same file again (every row unchanged, so skipped);
3. the admin's two requests on a file changing every product's price, through Django's test
   client as a superuser: "Submit" (the dry run and its preview page) and "Confirm import".

Prints seconds and rows/s for each, and the SQL queries of the import. Run it on an idle
machine: the figures are wall-clock.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import os
import secrets
import sys
import time
from decimal import Decimal
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.support.postgres import PostgresServer  # noqa: E402

CATEGORIES = 20
WORDS = ["walnut", "brass", "linen", "oak", "travel", "desk", "lamp", "kettle", "backpack", "mug"]


def product_rows(rows: int, price_step: Decimal = Decimal("0.00")) -> list[dict]:
    return [
        {
            "sku": f"BENCH-{n:06d}",
            "name": f"{WORDS[n % 10].title()} {WORDS[(n // 10) % 10]} {n}",
            "slug": "",
            "category": f"bench-category-{n % CATEGORIES}",
            "price": str(Decimal(5 + n % 200) + Decimal("0.99") + price_step),
            "is_active": "1",
            "description": f"A {WORDS[n % 10]} thing for the benchmark, number {n}.",
            "stock": "99",  # ignored by the import
        }
        for n in range(rows)
    ]


def to_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def check(condition, message) -> None:
    if not condition:
        raise RuntimeError(message)


def timed(label: str, rows: int, func):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        value = func()
        seconds = time.perf_counter() - started
    print(
        f"{label:<52} {seconds:7.2f} s  {rows / seconds:8.0f} rows/s  {len(queries):6d} queries",
        flush=True,
    )
    return value


def run(rows: int, keep: Path | None) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client, override_settings
    from django.test.utils import setup_test_environment
    from django.urls import reverse
    from import_export.formats.base_formats import CSV

    from accounts.models import User
    from catalog.models import Category, Product, StockMovement
    from catalog.resources import ProductResource

    setup_test_environment()  # responses carry their template context
    call_command("migrate", verbosity=0)
    Category.objects.bulk_create(
        Category(name=f"Bench category {n}", slug=f"bench-category-{n}") for n in range(CATEGORIES)
    )
    text = to_csv(product_rows(rows))
    if keep:
        keep.write_text(text)

    def import_file(csv_text, dry_run):
        result = ProductResource().import_data(
            CSV().create_dataset(csv_text), dry_run=dry_run, rollback_on_validation_errors=True
        )
        if result.has_errors() or result.has_validation_errors():
            rows_bad = [(r.number, r.error_dict) for r in result.invalid_rows[:3]]
            raise AssertionError(
                f"row errors: {result.base_errors[:3]} {result.row_errors()[:3]} {rows_bad}"
            )
        return result

    print(f"{rows:,} products, {CATEGORIES} categories, PostgreSQL", flush=True)
    timed("resource: dry run, new products", rows, lambda: import_file(text, True))
    check(Product.objects.count() == 0, "unexpected result")
    timed("resource: import, new products", rows, lambda: import_file(text, False))
    check(Product.objects.count() == rows, "unexpected result")
    check(
        not StockMovement.objects.exists() and not Product.objects.exclude(stock=0).exists(),
        "unexpected result",
    )
    result = timed("resource: import again, all unchanged", rows, lambda: import_file(text, False))
    check(result.totals["skip"] == rows, "unexpected result")

    # The admin, as staff use it: upload (dry run + preview page), then confirm.
    admin = User.objects.create_superuser("bench-admin", "bench@example.com", "x")
    client = Client()
    client.force_login(admin)
    changed = to_csv(product_rows(rows, price_step=Decimal("1.00")))
    plain_static = {
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    }
    with override_settings(STORAGES={**django.conf.settings.STORAGES, **plain_static}):
        upload = io.BytesIO(changed.encode())
        upload.name = "products.csv"
        response = timed(
            "admin: Submit (dry run + preview), every price changed",
            rows,
            lambda: client.post(
                reverse("admin:catalog_product_import"),
                {"import_file": upload, "format": "0", "resource": "0"},
            ),
        )
        check(response.status_code == 200, response.status_code)
        confirm = response.context["confirm_form"]
        check(confirm is not None, "the preview has errors")
        response = timed(
            "admin: Confirm import",
            rows,
            lambda: client.post(
                reverse("admin:catalog_product_process_import"),
                {name: confirm.initial[name] for name in confirm.fields},
            ),
        )
        check(response.status_code == 302, response.status_code)
    check(Product.objects.filter(price__gte=Decimal("6.99")).count() == rows, "unexpected result")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="also write the generated CSV here")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecommerce.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    with contextlib.ExitStack() as stack:
        if "DATABASE_URL" not in os.environ:
            server = stack.enter_context(PostgresServer())
            server.psql("CREATE DATABASE bench_import")
            os.environ["DATABASE_URL"] = server.url_for("bench_import")
        run(args.rows, args.keep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
