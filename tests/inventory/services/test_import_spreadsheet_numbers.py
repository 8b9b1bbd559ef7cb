"""Prices as spreadsheet programs write them. A German Excel with a thousands format writes
1.299 for one thousand two hundred ninety-nine euros; an English one writes 1,299.00. The import
must never read either as 1.30 €; what it cannot read for sure it refuses, naming the cell."""

from __future__ import annotations

from decimal import Decimal

import pytest

from inventory.exceptions import ImportValidationError
from inventory.models import Product
from inventory.services import import_products_csv

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("cell", "price"),
    [
        ("1.299,00", Decimal("1299.00")),
        ("1299,5", Decimal("1299.50")),
        ("1,299.00", Decimal("1299.00")),
        ("1 299,00 €", Decimal("1299.00")),
        ("19,99", Decimal("19.99")),
        ("19.99", Decimal("19.99")),
    ],
)
def test_grouped_and_decimal_separators_are_read_as_written(cell, price):
    import_products_csv(data=f'sku;name;gross_price;vat_rate\nRA-1;Rasenmäher;"{cell}";19\n')

    assert Product.objects.get(sku="RA-1").gross_price == price


@pytest.mark.parametrize("cell", ["1.299", "2,500", "1.299.000"])
def test_a_price_that_may_be_a_thousands_group_is_refused_not_guessed(cell):
    with pytest.raises(ImportValidationError) as exc:
        import_products_csv(data=f"sku;name;gross_price;vat_rate\nRA-1;Rasenmäher;{cell};19\n")

    assert [(e.row, e.field) for e in exc.value.errors] == [(2, "gross_price")]
    assert not Product.objects.exists()
