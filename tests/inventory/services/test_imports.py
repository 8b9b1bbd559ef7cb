from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from inventory.exceptions import ImportValidationError, RowError
from inventory.models import MovementKind, Product, StockLevel, StockMovement
from inventory.services import (
    export_products_csv,
    export_stock_levels_csv,
    import_products_csv,
    import_stock_levels_csv,
)
from inventory.services.imports import csv_text
from inventory.services.reservations import StockRequest, reserve_stock
from inventory.services.stock import receive_stock
from tests.inventory.conftest import assert_ledger_balances
from tests.inventory.factories import BinLocationFactory, ProductFactory, SupplierFactory

pytestmark = pytest.mark.django_db

PRODUCTS = (
    "\ufeffsku;name;gtin;category;net_price;gross_price;vat_rate;active;is_preorder;release_date;supplier\n"
    "GA-1;Gartenschere;4006381333931;Garten;;19,99;19;1;0;;Grünzeug GmbH\n"
    "BU-1;Gartenratgeber;;Bücher;14,00;;7;ja;1;15.02.2027;\n"
)


def test_products_import_creates_with_semicolons_bom_and_decimal_commas():
    SupplierFactory(name="Grünzeug GmbH")

    result = import_products_csv(data=PRODUCTS.encode("utf-8"))

    assert (result.rows, result.created, result.updated) == (2, 2, 0)
    shears = Product.objects.get(sku="GA-1")
    assert (shears.gross_price, shears.net_price, shears.category.name) == (
        Decimal("19.99"),
        Decimal("16.80"),
        "Garten",
    )
    assert shears.default_supplier.name == "Grünzeug GmbH"
    book = Product.objects.get(sku="BU-1")
    assert (book.vat_rate, book.gross_price, book.is_preorder, str(book.release_date)) == (
        Decimal("7.00"),
        Decimal("14.98"),
        True,
        "2027-02-15",
    )


def test_products_import_updates_by_sku_with_commas_and_keeps_missing_columns():
    ProductFactory(sku="GA-1", name="Alt", gross_price=Decimal("5.00"), weight_grams=999)
    result = import_products_csv(data="sku,name\nGA-1,Neu\n")
    assert (result.created, result.updated) == (0, 1)
    product = Product.objects.get(sku="GA-1")
    assert (product.name, product.gross_price, product.weight_grams) == ("Neu", Decimal("5.00"), 999)


def test_products_import_with_broken_rows_reports_every_problem_and_writes_nothing():
    ProductFactory(sku="TAKEN", gtin="4006381333931")
    data = (
        "sku;name;gtin;net_price;vat_rate;weight_grams;is_preorder;supplier\n"
        "OK-1;Fine;;1,00;19;10;0;\n"
        ";No SKU;;1;19;10;0;\n"
        "BAD-GTIN;X;4006381333932;1;19;10;0;\n"
        "OK-1;Duplicate;;abc;16;-5;vielleicht;Nobody\n"
        "NEW;Steals GTIN;4006381333931;1;19;1;1;\n"
    )

    with pytest.raises(ImportValidationError) as err:
        import_products_csv(data=data)

    problems = {(e.row, e.field) for e in err.value.errors}
    assert {
        (3, "sku"),
        (4, "gtin"),
        (5, "sku"),
        (5, "net_price"),
        (5, "vat_rate"),
        (5, "weight_grams"),
        (5, "is_preorder"),
        (5, "supplier"),
        (6, "gtin"),
        (6, "release_date"),
    } <= problems
    assert all(isinstance(e, RowError) and e.message for e in err.value.errors)
    assert "nothing was imported" in err.value.message
    assert not Product.objects.filter(sku__in=["OK-1", "NEW"]).exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ("", "file"),
        ("name;price\nx;1\n", "sku"),
        (b"sku;name\n\x81\x8d;x\n", "file"),
        (b"sku;name\n\x00;x\n", "file"),
        ("sku;name\nA;B;C\n", "file"),
    ],
)
def test_unreadable_files_are_reported(data, field):
    with pytest.raises(ImportValidationError) as err:
        import_products_csv(data=data)
    assert err.value.errors[0].field == field


def test_stock_import_books_counts_in_the_ledger(product, warehouse):
    receive_stock(product=product, warehouse=warehouse, quantity=10)
    other = ProductFactory(sku="TOPF-1")
    bin = BinLocationFactory(warehouse=warehouse, code="A-01-01")

    result = import_stock_levels_csv(
        data=f"sku;warehouse;on_hand;bin\n{product.sku};lej;7;\n{other.sku};LEJ;4;a-01-01\n"
    )

    assert (result.rows, result.updated) == (2, 2)
    assert StockLevel.objects.get(product=product).on_hand == 7
    assert StockLevel.objects.get(product=other).bin_stocks.get(bin=bin).quantity == 4
    assert StockMovement.objects.filter(kind=MovementKind.COUNT).count() == 2
    assert_ledger_balances()


def test_stock_import_with_broken_rows_changes_no_stock(product, warehouse):
    receive_stock(product=product, warehouse=warehouse, quantity=10)
    reserve_stock(requests=[StockRequest(product.pk, warehouse.pk, 6)], reference="order:1")
    data = (
        "sku;warehouse;on_hand;bin\n"
        f"{product.sku};LEJ;5;\n"  # below reserved
        "NOPE;LEJ;1;\n"
        f"{product.sku};XXX;1;\n"
        f"{product.sku};LEJ;-1;Z-99\n"
        f"{product.sku};LEJ;;\n"
    )
    with pytest.raises(ImportValidationError) as err:
        import_stock_levels_csv(data=data)
    problems = {(e.row, e.field) for e in err.value.errors}
    assert {(3, "sku"), (4, "warehouse"), (5, "on_hand"), (5, "bin"), (6, "on_hand")} <= problems

    with pytest.raises(ImportValidationError) as err:
        import_stock_levels_csv(data=f"sku;warehouse;on_hand\n{product.sku};LEJ;5\n")
    assert err.value.errors == [RowError(2, "on_hand", err.value.errors[0].message)]
    assert StockLevel.objects.get(product=product).on_hand == 10
    assert StockMovement.objects.count() == 1


def test_exports_round_trip(product, warehouse):
    receive_stock(product=product, warehouse=warehouse, quantity=3)
    products_csv = csv_text(export_products_csv())
    assert products_csv.startswith("\ufeffsku;name;gtin;")
    assert import_products_csv(data=products_csv).updated == 1

    stock_csv = csv_text(export_stock_levels_csv())
    assert f"{product.sku};Gartenschere;LEJ;3;0;0;3" in stock_csv
    result = import_stock_levels_csv(data=stock_csv)
    assert (result.rows, result.unchanged) == (1, 1)


def test_export_defuses_spreadsheet_formulas_and_the_import_restores_the_text(db):
    risky = ProductFactory(sku="XSS-1", name='=HYPERLINK("http://evil.example","Click")')
    minus = ProductFactory(sku="MINUS-1", name="-20 % Rabattset")

    exported = csv_text(export_products_csv())

    cells = {row[0]: row[1] for row in csv.reader(io.StringIO(exported.lstrip("\ufeff")), delimiter=";")}
    assert cells["XSS-1"] == '\'=HYPERLINK("http://evil.example","Click")'
    assert cells["MINUS-1"] == "'-20 % Rabattset"
    Product.objects.filter(pk__in=[risky.pk, minus.pk]).update(name="changed")
    import_products_csv(data=exported)
    assert Product.objects.get(sku="XSS-1").name == '=HYPERLINK("http://evil.example","Click")'
    assert Product.objects.get(sku="MINUS-1").name == "-20 % Rabattset"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ("sku;name\nNUL-1;bad\x00name\n", (2, "name")),
        ("sku;name;weight_grams\nBIG-1;Anvil;99999999999999\n", (2, "weight_grams")),
    ],
    ids=["nul-byte", "integer-overflow"],
)
def test_cells_the_database_cannot_store_are_row_errors_not_crashes(db, data, error):
    with pytest.raises(ImportValidationError) as err:
        import_products_csv(data=data)
    assert [(e.row, e.field) for e in err.value.errors] == [error]
    assert not Product.objects.exists()


def test_a_stock_count_with_a_nul_byte_or_an_overflowing_quantity_changes_no_stock(product, warehouse):
    receive_stock(product=product, warehouse=warehouse, quantity=4)
    for data in (
        f"sku;warehouse;on_hand\n{product.sku};LEJ\x00;3\n",
        f"sku;warehouse;on_hand\n{product.sku};LEJ;99999999999999\n",
    ):
        with pytest.raises(ImportValidationError) as err:
            import_stock_levels_csv(data=data)
        assert err.value.errors[0].field in {"warehouse", "on_hand"}
    assert StockLevel.objects.get(product=product).on_hand == 4
    assert StockMovement.objects.count() == 1


def test_products_file_in_windows_1252_from_german_excel_keeps_its_umlauts():
    SupplierFactory(name="Grünzeug GmbH")

    result = import_products_csv(data=PRODUCTS.removeprefix("\ufeff").encode("cp1252"))

    assert result.created == 2
    assert Product.objects.get(sku="BU-1").category.name == "Bücher"
    assert Product.objects.get(sku="GA-1").default_supplier.name == "Grünzeug GmbH"
