from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from inventory.models import StockLevel
from inventory.models.catalog import is_valid_gtin, validate_gtin
from tests.inventory.factories import BinLocationFactory, ProductFactory, WarehouseFactory


@pytest.mark.parametrize("gtin", ["4006381333931", "96385074", "036000291452", "04006381333931"])
def test_valid_gtins(gtin):
    assert is_valid_gtin(gtin)


@pytest.mark.parametrize("gtin", ["4006381333932", "400638133393", "abcdefghijklm", "1234567"])
def test_invalid_gtins_are_refused_with_a_message(gtin):
    with pytest.raises(ValidationError) as err:
        validate_gtin(gtin)
    assert "GTIN" in err.value.messages[0]


@pytest.mark.django_db
def test_product_full_clean_checks_gtin_sku_and_preorder_date():
    product = ProductFactory.build(sku="bad sku!", gtin="4006381333932", is_preorder=True, release_date=None)
    product.category.save()
    with pytest.raises(ValidationError) as err:
        product.full_clean()
    assert {"sku", "gtin", "release_date"} <= set(err.value.message_dict)


@pytest.mark.django_db
def test_bin_codes_look_like_a_01_03():
    bin = BinLocationFactory.build(warehouse=WarehouseFactory(), code="a 1")
    with pytest.raises(ValidationError):
        bin.full_clean()


@pytest.mark.django_db
@pytest.mark.parametrize(("on_hand", "reserved"), [(-1, 0), (5, -1), (5, 6)])
def test_database_refuses_impossible_stock(on_hand, reserved):
    product, warehouse = ProductFactory(), WarehouseFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.create(product=product, warehouse=warehouse, on_hand=on_hand, reserved=reserved)


@pytest.mark.django_db
def test_one_stock_level_per_product_and_warehouse():
    product, warehouse = ProductFactory(), WarehouseFactory()
    StockLevel.objects.create(product=product, warehouse=warehouse)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.create(product=product, warehouse=warehouse)
