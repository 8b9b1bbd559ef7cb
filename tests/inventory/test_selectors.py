from __future__ import annotations

import datetime

import pytest

from inventory.exceptions import UnknownProductCodeError
from inventory.selectors import (
    available_by_warehouse,
    available_to_promise,
    channel_buffers,
    product_by_code,
)
from inventory.services.receiving import OrderLineInput, cancel_purchase_order, create_purchase_order
from inventory.services.reservations import StockRequest, reserve_stock
from inventory.services.stock import receive_stock
from tests.inventory.factories import (
    ChannelStockBufferFactory,
    ProductFactory,
    SupplierFactory,
    WarehouseFactory,
)

pytestmark = pytest.mark.django_db


def test_product_by_code_finds_sku_gtin_and_padded_gtin():
    product = ProductFactory(sku="GA-0101", gtin="4006381333931")
    assert product_by_code("GA-0101") == product
    assert product_by_code(" ga-0101 ") == product
    assert product_by_code("4006381333931") == product
    assert product_by_code("04006381333931") == product
    for code in ("", "nope", "4006381333932"):
        with pytest.raises(UnknownProductCodeError) as err:
            product_by_code(code)
        assert err.value.http_status == 404


def test_available_by_warehouse_skips_inactive_warehouses(product, warehouse):
    closed = WarehouseFactory(active=False)
    receive_stock(product=product, warehouse=warehouse, quantity=5)
    receive_stock(product=product, warehouse=closed, quantity=5)
    reserve_stock(requests=[StockRequest(product.pk, warehouse.pk, 2)], reference="order:1")
    other = ProductFactory()

    assert available_by_warehouse(product_ids=[product.pk, other.pk]) == {product.pk: {warehouse.pk: 3}, other.pk: {}}


def test_atp_counts_inbound_of_open_orders_only(product, warehouse):
    receive_stock(product=product, warehouse=warehouse, quantity=1)
    supplier = SupplierFactory()
    create_purchase_order(
        supplier=supplier,
        warehouse=warehouse,
        expected_date=datetime.date(2026, 12, 20),
        lines=[OrderLineInput(product.pk, 5)],
    )
    create_purchase_order(
        supplier=supplier,
        warehouse=warehouse,
        expected_date=datetime.date(2026, 12, 5),
        lines=[OrderLineInput(product.pk, 7)],
    )
    cancelled = create_purchase_order(supplier=supplier, warehouse=warehouse, lines=[OrderLineInput(product.pk, 100)])
    cancel_purchase_order(purchase_order=cancelled)

    (atp,) = available_to_promise(product_ids=[product.pk])

    assert (atp.inbound, atp.next_inbound_date) == (12, datetime.date(2026, 12, 5))
    assert atp.warehouses[0].inbound == 12


def test_atp_counts_inbound_to_a_warehouse_that_has_no_stock_of_the_product_yet(product, warehouse):
    other = WarehouseFactory(code="VIE", priority=5)
    receive_stock(product=product, warehouse=other, quantity=3)
    new_product = ProductFactory(sku="NEW-1")
    supplier = SupplierFactory()
    expected = datetime.date(2026, 12, 9)
    for item in (product, new_product):
        create_purchase_order(
            supplier=supplier, warehouse=warehouse, expected_date=expected, lines=[OrderLineInput(item.pk, 40)]
        )

    by_sku = {a.sku: a for a in available_to_promise(product_ids=[product.pk, new_product.pk])}

    fresh = by_sku["NEW-1"]
    assert (fresh.on_hand, fresh.available, fresh.inbound, fresh.next_inbound_date) == (0, 0, 40, expected)
    assert [(w.warehouse, w.on_hand, w.inbound, w.next_inbound_date) for w in fresh.warehouses] == [
        ("LEJ", 0, 40, expected)
    ]
    stocked = by_sku[product.sku]
    assert (stocked.available, stocked.inbound) == (3, 40)
    assert [(w.warehouse, w.available, w.inbound) for w in stocked.warehouses] == [("LEJ", 0, 40), ("VIE", 3, 0)]


def test_atp_ignores_inbound_to_an_inactive_warehouse(product, warehouse):
    closed = WarehouseFactory(code="OLD", active=False)
    create_purchase_order(supplier=SupplierFactory(), warehouse=closed, lines=[OrderLineInput(product.pk, 9)])

    (atp,) = available_to_promise(product_ids=[product.pk])

    assert (atp.inbound, atp.warehouses, atp.inbound_lines) == (0, [], [])


def test_channel_buffers_specific_beats_default():
    a, b = ProductFactory(), ProductFactory()
    ChannelStockBufferFactory(channel_code="ebay", product=None, buffer=3)
    ChannelStockBufferFactory(channel_code="ebay", product=b, buffer=1)
    assert channel_buffers(channel_code="ebay", product_ids=[a.pk, b.pk]) == {a.pk: 3, b.pk: 1}
    assert channel_buffers(channel_code="shop", product_ids=[a.pk]) == {a.pk: 0}
    assert channel_buffers(channel_code=None, product_ids=[a.pk]) == {}


def test_atp_query_count_is_independent_of_product_count(warehouse, django_assert_max_num_queries):
    products = [ProductFactory() for _ in range(20)]
    for p in products:
        receive_stock(product=p, warehouse=warehouse, quantity=2)
    with django_assert_max_num_queries(4):
        assert len(available_to_promise(product_ids=[p.pk for p in products], channel_code="ebay")) == 20
