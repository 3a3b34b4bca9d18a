"""`manage.py import_products FILE [--dry-run]`: the admin's product import from a terminal, with
a progress bar, for files too big to wait on in a browser.

The same rules as the admin (catalog.resources.ProductResource): products by SKU, categories by
slug, stock never imported; any bad row and nothing is written.
"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from import_export.formats.base_formats import CSV, XLSX
from tqdm import tqdm

from catalog.resources import ProductResource

FORMATS = {".csv": CSV, ".xlsx": XLSX}
# Row errors printed before "and N more".
ERRORS_SHOWN = 50


class Command(BaseCommand):
    help = "Import products from a CSV or XLSX file (columns as the admin's product export)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="A .csv (UTF-8) or .xlsx file.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check every row and report; write nothing."
        )

    def handle(self, *args, file, dry_run, **options):
        dataset = self._read(file)
        with tqdm(
            total=len(dataset),
            unit="row",
            desc="Checking" if dry_run else "Importing",
            file=sys.stderr,
            disable=not sys.stderr.isatty(),
        ) as bar:
            resource = ProductResource(progress=bar.update)
            result = resource.import_data(
                dataset, dry_run=dry_run, raise_errors=False, rollback_on_validation_errors=True
            )
        errors = list(self._errors(result))
        if errors:
            for line in errors[:ERRORS_SHOWN]:
                self.stderr.write(line)
            if len(errors) > ERRORS_SHOWN:
                self.stderr.write(f"... and {len(errors) - ERRORS_SHOWN} more.")
            raise CommandError(f"{len(errors)} error(s): nothing was imported.")
        totals = result.totals
        summary = f"{totals['new']} new, {totals['update']} updated, {totals['skip']} unchanged"
        if dry_run:
            self.stdout.write(f"Dry run, nothing written: {summary}.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Imported: {summary}."))

    def _read(self, file):
        file_format = FORMATS.get(file.suffix.lower())
        if file_format is None:
            raise CommandError(f"{file}: give a .csv or .xlsx file.")
        try:
            data = file.read_bytes()
            if not file_format().is_binary():
                data = data.decode("utf-8-sig")
            return file_format().create_dataset(data)
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"{file}: {error}") from None
        except Exception as error:  # tablib and openpyxl raise many kinds on a broken file
            raise CommandError(f"{file} cannot be read as {file.suffix}: {error}") from None

    def _errors(self, result):
        for error in result.base_errors:
            yield f"Error: {error.error}"
        for number, row_errors in result.row_errors():
            for error in row_errors:
                yield f"Row {number}: {error.error}"
        for row in result.invalid_rows:
            for field, messages in row.field_specific_errors.items():
                yield f"Row {row.number}, {field}: {' '.join(messages)}"
            for message in row.non_field_specific_errors:
                yield f"Row {row.number}: {message}"
