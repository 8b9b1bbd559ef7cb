"""The product export is written for a German spreadsheet (BOM, semicolons): its prices carry a
decimal comma too. A German Excel reads "3.49" as the date March 1949 and "12.50" as December
1950; saved back, the file no longer imports. "3,49" stays a price, and imports again."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from inventory.models import Product
from inventory.services import export_products_csv, import_products_csv
from inventory.services.imports import csv_text
from tests.inventory.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_exported_prices_and_rates_use_a_decimal_comma_and_import_again():
    ProductFactory(sku="TEE-1", name="Grüner Tee", net_price=Decimal("3.26"), gross_price=Decimal("3.49"), vat_rate=7)

    exported = csv_text(export_products_csv())

    row = next(r for r in csv.DictReader(io.StringIO(exported.lstrip("\ufeff")), delimiter=";") if r["sku"] == "TEE-1")
    assert (row["net_price"], row["gross_price"], row["vat_rate"]) == ("3,26", "3,49", "7,00")
    assert import_products_csv(data=exported).updated == 1
    product = Product.objects.get(sku="TEE-1")
    assert (product.net_price, product.gross_price, product.vat_rate) == (
        Decimal("3.26"),
        Decimal("3.49"),
        Decimal("7.00"),
    )
