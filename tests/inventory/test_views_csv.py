"""CSV import/export page for products and stock levels (managers and admins)."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from inventory.models import Product, StockLevel, StockMovement
from tests.inventory.screens import make_product, make_warehouse, put_stock

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def upload(client, kind: str, text: str, htmx: bool = False):
    file = SimpleUploadedFile("data.csv", text.encode("utf-8"), content_type="text/csv")
    return client.post(reverse("inventory:csv-exchange"), {"kind": kind, "file": file}, headers=HX if htmx else {})


@pytest.mark.parametrize(
    ("fixture", "status"),
    [("manager_client", 200), ("admin_client_", 200), ("warehouse_client", 403), ("support_client", 403)],
)
def test_csv_page_is_for_managers_and_admins(request, fixture, status):
    client = request.getfixturevalue(fixture)
    assert client.get(reverse("inventory:csv-exchange")).status_code == status
    assert client.get(reverse("inventory:csv-export", kwargs={"kind": "products"})).status_code == status


def test_importing_valid_products_creates_them_and_says_how_many(manager_client):
    response = upload(manager_client, "products", "sku;name\nTEA-1;Green tea\nTEA-2;Black tea\n")
    assert response.status_code == 302
    assert set(Product.objects.values_list("sku", flat=True)) == {"TEA-1", "TEA-2"}
    page = manager_client.get(response["Location"]).content.decode()
    assert "Products imported: 2 rows (2 new, 0 updated)." in page


def test_an_htmx_import_answers_with_a_fresh_form_and_the_message(manager_client):
    response = upload(manager_client, "products", "sku;name\nTEA-1;Green tea\n", htmx=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="csv-import"')
    assert 'id="messages"' in html and "Products imported: 1 rows" in html


def test_a_file_with_broken_rows_imports_nothing_and_lists_every_error(manager_client):
    text = "sku;name;gtin\nTEA-1;Green tea;\n;No SKU;\nTEA-3;Bad barcode;12345\n"
    response = upload(manager_client, "products", text, htmx=True)
    html = response.content.decode()
    assert response.status_code == 422
    assert html.lstrip().startswith('<section id="csv-import"')
    assert "nothing was imported" in html
    table = html.split('aria-label="Errors in the file"', 1)[1]
    assert "<td>3</td><td>sku</td>" in table
    assert "<td>4</td><td>gtin</td>" in table
    assert Product.objects.count() == 0


def test_a_file_with_thousands_of_broken_rows_lists_the_first_thousand_and_counts_the_rest(manager_client):
    text = "sku;name;weight_grams\n" + "".join(f"B-{i};Brick;heavy\n" for i in range(1500))
    response = upload(manager_client, "products", text, htmx=True)
    html = response.content.decode()
    assert response.status_code == 422
    assert html.count("<td>weight_grams</td>") == 1000
    assert "… and 500 more errors." in html
    assert Product.objects.count() == 0


def test_stock_level_import_with_an_unknown_warehouse_changes_no_stock(manager_client):
    ber = make_warehouse("BER")
    mug = make_product("MUG-1")
    put_stock(mug, ber, 4)
    movements = StockMovement.objects.count()
    response = upload(manager_client, "stock", "sku;warehouse;on_hand\nMUG-1;BER;9\nMUG-1;XXX;3\n")
    assert response.status_code == 422
    assert "<td>3</td><td>warehouse</td>" in response.content.decode()
    assert StockLevel.objects.get(product=mug, warehouse=ber).on_hand == 4
    assert StockMovement.objects.count() == movements


def test_stock_level_import_books_count_movements(manager_client):
    ber = make_warehouse("BER")
    mug = make_product("MUG-1")
    put_stock(mug, ber, 4)
    assert upload(manager_client, "stock", "sku;warehouse;on_hand\nMUG-1;BER;9\n").status_code == 302
    assert StockLevel.objects.get(product=mug, warehouse=ber).on_hand == 9
    assert StockMovement.objects.filter(product=mug, kind="count").get().quantity == 5


def test_upload_without_a_file_names_the_field(manager_client):
    response = manager_client.post(reverse("inventory:csv-exchange"), {"kind": "products"})
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()


@pytest.mark.time_machine(datetime.datetime(2026, 11, 23, 23, 30, tzinfo=datetime.UTC), tick=False)
def test_export_downloads_the_products_as_csv(manager_client):
    make_product("TEA-1", "Green tea")
    response = manager_client.get(reverse("inventory:csv-export", kwargs={"kind": "products"}))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert response["Content-Type"].startswith("text/csv")
    # Named by the day in Berlin (already Tuesday at 00:30), not by UTC's Monday.
    assert response["Content-Disposition"] == 'attachment; filename="products-2026-11-24.csv"'
    assert body.splitlines()[0].startswith("sku;name")
    assert "TEA-1;Green tea" in body


def test_exported_stock_levels_can_be_downloaded(manager_client):
    ber = make_warehouse("BER")
    put_stock(make_product("MUG-1"), ber, 4)
    response = manager_client.get(reverse("inventory:csv-export", kwargs={"kind": "stock"}))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "MUG-1" in body and "BER" in body


def test_unknown_export_kind_is_404(manager_client):
    assert manager_client.get(reverse("inventory:csv-export", kwargs={"kind": "secrets"})).status_code == 404
