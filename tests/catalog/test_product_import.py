"""Products in and out of spreadsheets through the admin (django-import-export): a dry run that
lists every row's errors, an import that writes every row or none, stock never imported."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from accounts.services import staff_group
from catalog.models import Product, StockMovement
from catalog.resources import ProductResource
from tests.factories import CategoryFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("admin:catalog_product_import")
CONFIRM_URL = reverse("admin:catalog_product_process_import")
EXPORT_URL = reverse("admin:catalog_product_export")
CSV_FORMAT, XLSX_FORMAT = "0", "1"  # ProductAdmin.formats
HEADER = ["sku", "name", "slug", "category", "price", "is_active", "description", "stock"]


def csv_file(rows, header=HEADER):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def xlsx_file(rows, header=HEADER):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, content, file_format=CSV_FORMAT, name="products.csv"):
    """Step 1, "Submit": the dry run and its preview."""
    return client.post(
        IMPORT_URL,
        {
            "import_file": SimpleUploadedFile(name, content),
            "format": file_format,
            "resource": "0",
        },
    )


def confirm(client, preview):
    """Step 2, "Confirm import": posts the preview's hidden form as the browser would."""
    form = preview.context["confirm_form"]
    assert form is not None, preview.content.decode()
    return client.post(CONFIRM_URL, {name: form.initial[name] for name in form.fields})


def import_file(client, content, **kwargs):
    response = confirm(client, upload(client, content, **kwargs))
    assert response.status_code == 302
    return response


@pytest.fixture
def lamps():
    return CategoryFactory(name="Lamps", slug="lamps")


@pytest.fixture
def clean_rows(lamps):
    return [
        ["LAMP-1", "Walnut desk lamp", "", "lamps", "49.90", "1", "Turned walnut, linen.", "50"],
        ["LAMP-2", "Brass floor lamp", "brass-floor", "lamps", "129.00", "yes", "", "50"],
        ["LAMP-3", "Paper pendant", "", "lamps", "19.5", "0", "Rice paper.", ""],
    ]


def test_a_file_with_bad_rows_lists_each_rows_error_and_writes_nothing(staff_client, lamps):
    ProductFactory()
    before = Product.objects.count()
    rows = [
        ["OK-1", "Good lamp", "", "lamps", "10.00", "1", "", ""],
        ["BAD-1", "Lost lamp", "", "no-such-category", "10.00", "1", "", ""],
        ["BAD-2", "Cheap lamp", "", "lamps", "-1.00", "1", "", ""],
        ["BAD-3", "Odd lamp", "", "lamps", "12.345", "1", "", ""],
        ["BAD-4", "Free lamp", "", "lamps", "ten euros", "1", "", ""],
    ]

    response = upload(staff_client, csv_file(rows))

    assert response.status_code == 200
    assert response.context.get("confirm_form") is None  # nothing to confirm
    result = response.context["result"]
    errors = {row.number: row.error_dict for row in result.invalid_rows}
    assert set(errors) == {2, 3, 4, 5}
    content = response.content.decode()
    assert "There is no category with the slug “no-such-category”." in content
    assert "greater than or equal to 0" in content
    assert "no more than 2 decimal places" in content
    assert "“ten euros” is not a price" in content
    assert Product.objects.count() == before


def test_a_clean_file_is_previewed_then_imported_whole(staff_client, clean_rows, lamps):
    preview = upload(staff_client, csv_file(clean_rows))
    assert preview.context["result"].totals["new"] == 3
    assert "3 new, 0 updated" in preview.content.decode()
    assert not Product.objects.exists()  # the preview is a dry run

    response = confirm(staff_client, preview)

    assert response.status_code == 302
    products = {product.sku: product for product in Product.objects.all()}
    assert set(products) == {"LAMP-1", "LAMP-2", "LAMP-3"}
    walnut = products["LAMP-1"]
    assert (walnut.name, walnut.slug, walnut.category, walnut.price) == (
        "Walnut desk lamp",
        "walnut-desk-lamp",
        lamps,
        Decimal("49.90"),
    )
    assert products["LAMP-2"].slug == "brass-floor"
    assert [p.is_active for p in (walnut, products["LAMP-2"], products["LAMP-3"])] == [
        True,
        True,
        False,
    ]
    # Stock is the ledger's: the file's 50 is ignored, new products start at 0.
    assert {product.stock for product in products.values()} == {0}
    assert not StockMovement.objects.exists()


def test_imported_products_are_found_by_the_shops_search(
    client, staff_client, clean_rows, postgresql
):
    import_file(staff_client, csv_file(clean_rows))

    assert list(Product.objects.search("walnut").values_list("sku", flat=True)) == ["LAMP-1"]
    # The typo-forgiving search knows the new names' words (migration 0005's word list).
    assert list(Product.objects.similar_names("walnutt").values_list("sku", flat=True)) == [
        "LAMP-1"
    ]
    page = client.get(reverse("catalog:product-list"), {"q": "walnut"})
    assert "Walnut desk lamp" in page.content.decode()


def test_importing_the_same_file_again_changes_nothing(staff_client, clean_rows):
    import_file(staff_client, csv_file(clean_rows))
    updated = dict(Product.objects.values_list("sku", "updated_at"))

    preview = upload(staff_client, csv_file(clean_rows))
    totals = preview.context["result"].totals
    assert (totals["new"], totals["update"], totals["skip"]) == (0, 0, 3)
    confirm(staff_client, preview)

    assert dict(Product.objects.values_list("sku", "updated_at")) == updated


@pytest.mark.django_db(transaction=True)  # the pages go out of date when the import commits
def test_an_import_puts_the_cached_pages_showing_its_products_out_of_date(
    staff_client, lamps, settings
):
    settings.CATALOG_PAGE_CACHE = True
    cache.clear()
    client = Client()  # a visitor, served from the page cache
    ProductFactory(sku="LAMP-9", name="Oak lamp", slug="oak-lamp", category=lamps)
    product_page = reverse("catalog:product-detail", kwargs={"slug": "oak-lamp"})
    category_page = reverse("catalog:category-detail", kwargs={"slug": "lamps"})
    assert "Oak lamp" in client.get(product_page).content.decode()  # both pages now cached
    assert "Paper pendant" not in client.get(category_page).content.decode()

    import_file(
        staff_client, csv_file([["LAMP-9", "Oiled oak lamp", "", "lamps", "25", "1", "", ""]])
    )
    assert "Oiled oak lamp" in client.get(product_page).content.decode()

    import_file(
        staff_client, csv_file([["LAMP-3", "Paper pendant", "", "lamps", "9", "1", "", ""]])
    )
    assert "Paper pendant" in client.get(category_page).content.decode()
    cache.clear()


def test_an_xlsx_file_imports_like_a_csv(staff_client, clean_rows):
    rows = [[*row[:4], float(row[4]), *row[5:]] for row in clean_rows]  # prices as numbers
    import_file(staff_client, xlsx_file(rows), file_format=XLSX_FORMAT, name="products.xlsx")

    prices = dict(Product.objects.values_list("sku", "price"))
    assert prices == {
        "LAMP-1": Decimal("49.90"),
        "LAMP-2": Decimal("129.00"),
        "LAMP-3": Decimal("19.50"),
    }


def test_an_update_never_writes_the_stock(staff_client, lamps):
    product = ProductFactory(sku="LAMP-9", slug="old-lamp", category=lamps, stock=7)
    row = ["LAMP-9", "Renamed lamp", "", "lamps", "55.00", "1", "New text.", "999"]

    import_file(staff_client, csv_file([row]))

    product.refresh_from_db()
    assert (product.name, product.slug, product.price) == ("Renamed lamp", "old-lamp", 55)
    assert product.stock == 7
    assert list(product.stock_movements.values_list("change", flat=True)) == [7]


def test_a_row_gone_bad_between_preview_and_confirm_rolls_the_whole_import_back(
    staff_client, clean_rows, lamps
):
    rows = [*clean_rows, ["SHADE-1", "Linen shade", "", "shades", "9.00", "1", "", ""]]
    CategoryFactory(slug="shades")
    preview = upload(staff_client, csv_file(rows))
    lamps.slug = "lamps-renamed"  # a colleague renames the category meanwhile
    lamps.save()

    response = confirm(staff_client, preview)

    assert response.status_code == 302
    assert response.url == IMPORT_URL
    assert not Product.objects.exists()
    messages = staff_client.get(IMPORT_URL).content.decode()
    assert "Nothing was imported" in messages


# TempFolderStorage: the default; CacheStorage: with REDIS_URL (ecommerce/settings.py).
TMP_STORAGES = [
    "import_export.tmp_storages.TempFolderStorage",
    "import_export.tmp_storages.CacheStorage",
]


@pytest.mark.parametrize("storage", TMP_STORAGES)
def test_the_upload_waits_for_confirmation_in_either_storage(
    staff_client, clean_rows, settings, storage
):
    settings.IMPORT_EXPORT_TMP_STORAGE_CLASS = storage
    import_file(staff_client, csv_file(clean_rows))
    assert Product.objects.count() == 3


@pytest.mark.parametrize("storage", TMP_STORAGES)
def test_confirming_an_upload_that_is_gone_asks_for_it_again(staff_client, settings, storage):
    settings.IMPORT_EXPORT_TMP_STORAGE_CLASS = storage
    form = {"import_file_name": "gone", "original_file_name": "p.csv", "format": CSV_FORMAT}

    response = staff_client.post(CONFIRM_URL, form, follow=True)

    assert response.redirect_chain == [(IMPORT_URL, 302)]
    assert "The uploaded file is no longer there" in response.content.decode()


@pytest.mark.parametrize(
    ("content", "file_format", "message"),
    [
        (
            csv_file([["Lamp", "lamps", "1.00"]], header=["name", "category", "price"]),
            CSV_FORMAT,
            "not present in the file headers: sku",
        ),
        ("sku,name\nL-1,Lampe à poser\n".encode("latin-1"), CSV_FORMAT, "UnicodeDecodeError"),
        (b"not a workbook", XLSX_FORMAT, "BadZipFile"),
        (b"", CSV_FORMAT, "The submitted file is empty."),
    ],
    ids=["no sku column", "not utf-8", "not xlsx", "empty"],
)
def test_a_file_that_cannot_be_imported_gets_a_message_not_an_error_page(
    staff_client, content, file_format, message
):
    response = upload(staff_client, content, file_format=file_format)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context.get("confirm_form") is None
    assert not Product.objects.exists()


def test_a_slug_or_sku_taken_twice_is_a_row_error(staff_client, lamps):
    ProductFactory(sku="OLD-1", slug="taken")
    rows = [
        ["NEW-1", "One", "taken", "lamps", "1.00", "1", "", ""],
        ["NEW-2", "Two", "", "lamps", "1.00", "1", "", ""],
        ["NEW-2", "Two again", "", "lamps", "1.00", "1", "", ""],
    ]
    response = upload(staff_client, csv_file(rows))
    content = response.content.decode()
    assert "The slug “taken” belongs to the product with SKU “OLD-1”." in content
    assert "SKU “NEW-2” is also on row 2." in content
    assert response.context.get("confirm_form") is None


def test_the_export_has_every_column_and_the_stock(staff_client, lamps):
    assert "<code>sku, name, slug, category, price, is_active, description, stock</code>" in (
        staff_client.get(EXPORT_URL).content.decode()
    )
    ProductFactory(sku="LAMP-7", name="Oak lamp", category=lamps, price=Decimal("12.50"), stock=3)
    fields = {f"productresource_{name}": "on" for name in ProductResource().get_export_order()}
    response = staff_client.post(EXPORT_URL, {"format": CSV_FORMAT, "resource": "0", **fields})

    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert list(rows[0]) == HEADER
    assert rows == [
        {
            "sku": "LAMP-7",
            "name": "Oak lamp",
            "slug": rows[0]["slug"],
            "category": "lamps",
            "price": "12.50",
            "is_active": "1",
            "description": "A fine product.",
            "stock": "3",
        }
    ]


def test_an_exported_file_imports_back_unchanged(staff_client, lamps):
    ProductFactory.create_batch(3, category=lamps)
    fields = {f"productresource_{name}": "on" for name in ProductResource().get_export_order()}
    exported = staff_client.post(EXPORT_URL, {"format": CSV_FORMAT, "resource": "0", **fields})

    preview = upload(staff_client, exported.content)

    assert preview.context["result"].totals["skip"] == 3


def test_shop_staff_may_import_products_and_other_staff_may_not(client, clean_rows):
    member = UserFactory(is_staff=True)
    member.groups.add(staff_group())
    client.force_login(member)
    page = client.get(IMPORT_URL)
    assert page.status_code == 200
    assert "Stock is never imported." in page.content.decode()
    assert "<code>sku, name, slug, category, price, is_active, description</code>" in (
        page.content.decode()
    )
    import_file(client, csv_file(clean_rows))
    assert Product.objects.count() == 3

    client.force_login(UserFactory(is_staff=True))  # staff, but not in the group
    assert client.get(IMPORT_URL).status_code == 403
    assert upload(client, csv_file(clean_rows)).status_code == 403


# --- manage.py import_products ----------------------------------------------------------------


def test_the_command_dry_run_writes_nothing_and_the_import_writes_all(tmp_path, clean_rows):
    path = tmp_path / "products.csv"
    path.write_bytes(csv_file(clean_rows))
    out = io.StringIO()

    call_command("import_products", str(path), "--dry-run", stdout=out)
    assert "3 new" in out.getvalue()
    assert not Product.objects.exists()

    call_command("import_products", str(path), stdout=out)
    assert Product.objects.count() == 3
    assert set(Product.objects.values_list("stock", flat=True)) == {0}


def test_the_command_refuses_a_file_with_a_bad_row_and_writes_nothing(tmp_path, clean_rows):
    path = tmp_path / "products.csv"
    rows = [*clean_rows, ["BAD-1", "Lost lamp", "", "nowhere", "1.00", "1", "", ""]]
    path.write_bytes(csv_file(rows))
    err = io.StringIO()

    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_products", str(path), stderr=err)

    assert "Row 4, category: There is no category with the slug “nowhere”." in err.getvalue()
    assert not Product.objects.exists()
