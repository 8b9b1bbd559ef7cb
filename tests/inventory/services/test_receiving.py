from __future__ import annotations

import datetime

import pytest

from inventory.exceptions import OverReceiptError, UnknownProductCodeError
from inventory.models import BinStock, PurchaseOrderState, StockLevel
from inventory.services.receiving import (
    OrderLineInput,
    ReceiptLine,
    cancel_purchase_order,
    create_purchase_order,
    receive_by_code,
    receive_purchase_order,
    receive_purchase_order_line,
)
from oms.exceptions import IllegalTransitionError
from tests.inventory.conftest import assert_ledger_balances
from tests.inventory.factories import BinLocationFactory, ProductFactory, SupplierFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def po(product, warehouse):
    other = ProductFactory(sku="SCHLAUCH-20", gtin="4006381333931")
    return create_purchase_order(
        supplier=SupplierFactory(),
        warehouse=warehouse,
        expected_date=datetime.date(2026, 12, 3),
        lines=[OrderLineInput(product.pk, 10), OrderLineInput(other.pk, 4)],
    )


def test_create_numbers_the_order_and_refuses_bad_lines(po, product, warehouse):
    assert po.number == f"PO-{po.pk:06d}" and po.state == PurchaseOrderState.OPEN
    from inventory.exceptions import InvalidQuantityError

    with pytest.raises(InvalidQuantityError):
        create_purchase_order(supplier=po.supplier, warehouse=warehouse, lines=[OrderLineInput(product.pk, 0)])


def test_partial_then_full_receipt_moves_the_state_and_stock(
    po, product, warehouse, published, django_capture_on_commit_callbacks
):
    line = po.lines.get(product=product)
    bin = BinLocationFactory(warehouse=warehouse, code="W-01-01")

    with django_capture_on_commit_callbacks(execute=True):
        receive_purchase_order_line(line=line, quantity=4, bin=bin)
    po.refresh_from_db()
    assert po.state == PurchaseOrderState.PARTIALLY_RECEIVED and line.quantity_received == 4
    assert (
        "stock.received",
        {"product_ids": [product.pk], "warehouse_id": warehouse.pk, "reference": f"po:{po.number}"},
    ) in published

    receive_purchase_order(
        purchase_order=po,
        lines=[ReceiptLine(line.pk, 6), ReceiptLine(po.lines.exclude(pk=line.pk).get().pk, 4)],
    )
    po.refresh_from_db()
    assert po.state == PurchaseOrderState.RECEIVED
    assert StockLevel.objects.get(product=product, warehouse=warehouse).on_hand == 10
    assert BinStock.objects.get(bin=bin).quantity == 4
    assert_ledger_balances()


def test_over_receipt_needs_confirmation(po, product, warehouse):
    line = po.lines.get(product=product)
    with pytest.raises(OverReceiptError) as err:
        receive_purchase_order_line(line=line, quantity=11)
    assert err.value.data == {"sku": product.sku, "ordered": 10, "received": 0, "requested": 11}
    assert not StockLevel.objects.filter(product=product).exists()

    receive_purchase_order_line(line=line, quantity=11, allow_over_receipt=True)
    line.refresh_from_db()
    assert line.quantity_received == 11


def test_receive_by_scanned_gtin_or_sku(po, warehouse):
    receive_by_code(purchase_order=po, code="04006381333931", quantity=1)  # GTIN-14 form of the EAN-13
    receive_by_code(purchase_order=po, code="schlauch-20", quantity=1)
    assert StockLevel.objects.get(product__sku="SCHLAUCH-20").on_hand == 2
    with pytest.raises(UnknownProductCodeError):
        receive_by_code(purchase_order=po, code="NOPE", quantity=1)


def test_cancelled_order_cannot_be_received(po, product):
    cancel_purchase_order(purchase_order=po)
    with pytest.raises(IllegalTransitionError):
        receive_purchase_order_line(line=po.lines.get(product=product), quantity=1)
    with pytest.raises(IllegalTransitionError):
        cancel_purchase_order(purchase_order=po)


def test_create_refuses_unknown_products_and_duplicate_lines(product, warehouse):
    from oms.exceptions import DomainError

    supplier = SupplierFactory()
    with pytest.raises(DomainError) as err:
        create_purchase_order(supplier=supplier, warehouse=warehouse, lines=[OrderLineInput(999999, 1)])
    assert err.value.code == "unknown_product"
    with pytest.raises(DomainError) as err:
        create_purchase_order(
            supplier=supplier, warehouse=warehouse, lines=[OrderLineInput(product.pk, 1), OrderLineInput(product.pk, 2)]
        )
    assert err.value.code == "duplicate_line"
    with pytest.raises(DomainError):
        create_purchase_order(supplier=supplier, warehouse=warehouse, lines=[])
