from __future__ import annotations

import pytest

from inventory.exceptions import (
    BinWarehouseMismatchError,
    CountBelowReservedError,
    InsufficientBinStockError,
    InsufficientStockError,
    InvalidQuantityError,
    ReasonRequiredError,
    SameLocationError,
)
from inventory.models import BinStock, MovementKind, StockLevel, StockMovement
from inventory.services.reservations import StockRequest, reserve_stock
from inventory.services.stock import (
    adjust_stock,
    count_stock,
    receive_stock,
    return_stock,
    scrap_stock,
    transfer_stock,
)
from tests.inventory.conftest import assert_ledger_balances
from tests.inventory.factories import BinLocationFactory, WarehouseFactory

pytestmark = pytest.mark.django_db


def level(product, warehouse) -> StockLevel:
    return StockLevel.objects.get(product=product, warehouse=warehouse)


def test_receive_creates_level_ledger_row_and_bin_quantity(product, warehouse, warehouse_user):
    bin = BinLocationFactory(warehouse=warehouse, code="A-01-03")

    movement = receive_stock(
        product=product, warehouse=warehouse, quantity=12, bin=bin, reference="po:1", user=warehouse_user
    )

    assert (movement.kind, movement.quantity, movement.on_hand_after) == (MovementKind.RECEIPT, 12, 12)
    assert movement.user == warehouse_user and movement.reference == "po:1"
    assert level(product, warehouse).on_hand == 12
    assert BinStock.objects.get(bin=bin).quantity == 12
    assert_ledger_balances()


@pytest.mark.parametrize("quantity", [0, -3, 1.5, "4", True, None])
def test_receive_refuses_bad_quantities_and_changes_nothing(product, warehouse, quantity):
    with pytest.raises(InvalidQuantityError) as err:
        receive_stock(product=product, warehouse=warehouse, quantity=quantity)
    assert err.value.data["field"] == "quantity"
    assert not StockMovement.objects.exists()


def test_receive_into_a_bin_of_another_warehouse_is_refused(product, warehouse):
    other_bin = BinLocationFactory(warehouse=WarehouseFactory(code="VIE"), code="B-01-01")
    with pytest.raises(BinWarehouseMismatchError):
        receive_stock(product=product, warehouse=warehouse, quantity=1, bin=other_bin)
    assert not StockMovement.objects.exists()


def test_adjust_needs_a_reason_and_a_nonzero_quantity(product, warehouse):
    receive_stock(product=product, warehouse=warehouse, quantity=5)
    with pytest.raises(ReasonRequiredError):
        adjust_stock(product=product, warehouse=warehouse, quantity=-1, reason="  ")
    with pytest.raises(InvalidQuantityError):
        adjust_stock(product=product, warehouse=warehouse, quantity=0, reason="typo")
    movement = adjust_stock(product=product, warehouse=warehouse, quantity=-2, reason="damaged in transit")
    assert movement.on_hand_after == 3 and movement.reason == "damaged in transit"
    assert_ledger_balances()


def test_adjust_cannot_take_reserved_units(product, warehouse):
    receive_stock(product=product, warehouse=warehouse, quantity=5)
    reserve_stock(requests=[StockRequest(product.pk, warehouse.pk, 4)], reference="order:1")

    with pytest.raises(InsufficientStockError) as err:
        adjust_stock(product=product, warehouse=warehouse, quantity=-2, reason="broken")

    assert err.value.lines[0].available == 1 and err.value.lines[0].requested == 2
    assert level(product, warehouse).on_hand == 5


def test_scrap_and_return_write_their_kinds(product, warehouse):
    receive_stock(product=product, warehouse=warehouse, quantity=5)
    scrap = scrap_stock(product=product, warehouse=warehouse, quantity=2, reason="water damage")
    back = return_stock(product=product, warehouse=warehouse, quantity=1, reference="rma:7")
    assert (scrap.kind, scrap.quantity) == (MovementKind.SCRAP, -2)
    assert (back.kind, back.quantity, back.on_hand_after) == (MovementKind.RETURN, 1, 4)
    assert_ledger_balances()


def test_count_books_the_difference_as_count_movement(product, warehouse):
    receive_stock(product=product, warehouse=warehouse, quantity=10)

    movement = count_stock(product=product, warehouse=warehouse, counted=7)

    assert (movement.kind, movement.quantity, movement.on_hand_after) == (MovementKind.COUNT, -3, 7)
    assert "counted 7, expected 10" in movement.reason
    assert count_stock(product=product, warehouse=warehouse, counted=7) is None
    assert_ledger_balances()


def test_count_in_a_bin_counts_only_that_bin(product, warehouse):
    a, b = (
        BinLocationFactory(warehouse=warehouse, code="A-01-01"),
        BinLocationFactory(warehouse=warehouse, code="A-01-02"),
    )
    receive_stock(product=product, warehouse=warehouse, quantity=4, bin=a)
    receive_stock(product=product, warehouse=warehouse, quantity=6, bin=b)

    movement = count_stock(product=product, warehouse=warehouse, counted=9, bin=b)

    assert movement.quantity == 3 and level(product, warehouse).on_hand == 13
    assert BinStock.objects.get(bin=b).quantity == 9
    assert_ledger_balances()


def test_count_below_reserved_is_refused(product, warehouse):
    receive_stock(product=product, warehouse=warehouse, quantity=10)
    reserve_stock(requests=[StockRequest(product.pk, warehouse.pk, 6)], reference="order:1")
    with pytest.raises(CountBelowReservedError):
        count_stock(product=product, warehouse=warehouse, counted=5)
    with pytest.raises(InvalidQuantityError):
        count_stock(product=product, warehouse=warehouse, counted=-1)
    assert level(product, warehouse).on_hand == 10


def test_transfer_between_bins_keeps_on_hand_and_moves_bin_quantities(product, warehouse):
    a, b = (
        BinLocationFactory(warehouse=warehouse, code="A-01-01"),
        BinLocationFactory(warehouse=warehouse, code="B-02-01"),
    )
    receive_stock(product=product, warehouse=warehouse, quantity=8, bin=a)

    out, into = transfer_stock(
        product=product, from_warehouse=warehouse, to_warehouse=warehouse, quantity=3, from_bin=a, to_bin=b
    )

    assert (out.quantity, into.quantity) == (-3, 3) and out.kind == MovementKind.BIN_TRANSFER
    assert level(product, warehouse).on_hand == 8
    assert {bs.bin.code: bs.quantity for bs in BinStock.objects.all()} == {"A-01-01": 5, "B-02-01": 3}
    with pytest.raises(InsufficientBinStockError):
        transfer_stock(
            product=product, from_warehouse=warehouse, to_warehouse=warehouse, quantity=9, from_bin=a, to_bin=b
        )
    assert_ledger_balances()


def test_transfer_between_warehouses_moves_available_units(
    product, warehouse, published, django_capture_on_commit_callbacks
):
    vienna = WarehouseFactory(code="VIE")
    receive_stock(product=product, warehouse=warehouse, quantity=5)

    with django_capture_on_commit_callbacks(execute=True):
        out, into = transfer_stock(product=product, from_warehouse=warehouse, to_warehouse=vienna, quantity=2)

    assert (out.kind, into.kind) == (MovementKind.TRANSFER_OUT, MovementKind.TRANSFER_IN)
    assert out.reference == into.reference and out.reference.startswith("transfer:")
    assert (level(product, warehouse).on_hand, level(product, vienna).on_hand) == (3, 2)
    assert (
        "stock.received",
        {"product_ids": [product.pk], "warehouse_id": vienna.pk, "reference": out.reference},
    ) in published
    assert_ledger_balances()


def test_transfer_to_the_same_location_is_refused(product, warehouse):
    bin = BinLocationFactory(warehouse=warehouse)
    receive_stock(product=product, warehouse=warehouse, quantity=5, bin=bin)
    for kwargs in ({}, {"from_bin": bin, "to_bin": bin}):
        with pytest.raises(SameLocationError):
            transfer_stock(product=product, from_warehouse=warehouse, to_warehouse=warehouse, quantity=1, **kwargs)


def test_outgoing_units_without_bin_come_from_unbinned_stock_first_then_bins_in_pick_order(product, warehouse):
    first = BinLocationFactory(warehouse=warehouse, code="A-01-01", pick_sequence=1)
    second = BinLocationFactory(warehouse=warehouse, code="A-01-02", pick_sequence=2)
    receive_stock(product=product, warehouse=warehouse, quantity=2)
    receive_stock(product=product, warehouse=warehouse, quantity=3, bin=second)
    receive_stock(product=product, warehouse=warehouse, quantity=3, bin=first)

    adjust_stock(product=product, warehouse=warehouse, quantity=-4, reason="lost")

    assert {bs.bin.code: bs.quantity for bs in BinStock.objects.all()} == {"A-01-01": 1, "A-01-02": 3}
    assert_ledger_balances()


def test_events_are_published_once_per_transaction_after_commit(
    product, warehouse, published, django_capture_on_commit_callbacks
):
    other = WarehouseFactory(code="AMS")
    with django_capture_on_commit_callbacks(execute=True):
        receive_stock(product=product, warehouse=warehouse, quantity=5, reference="po:1")
        receive_stock(product=product, warehouse=other, quantity=5)
        adjust_stock(product=product, warehouse=warehouse, quantity=-1, reason="broken")
        reserve_stock(requests=[StockRequest(product.pk, warehouse.pk, 1)], reference="order:1")

    changed = [p for name, p in published if name == "stock.changed"]
    assert changed == [
        {
            "items": sorted(
                [
                    {"product_id": product.pk, "warehouse_id": warehouse.pk},
                    {"product_id": product.pk, "warehouse_id": other.pk},
                ],
                key=lambda i: i["warehouse_id"],
            ),
            "product_ids": [product.pk],
        }
    ]
    received = [p for name, p in published if name == "stock.received"]
    assert {"product_ids": [product.pk], "warehouse_id": warehouse.pk, "reference": "po:1"} in received


def test_no_event_when_the_transaction_rolls_back(product, warehouse, published, django_capture_on_commit_callbacks):
    from django.db import transaction

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        receive_stock(product=product, warehouse=warehouse, quantity=5)
        raise RuntimeError("boom")
    assert callbacks == [] and published == []
    assert not StockLevel.objects.filter(on_hand__gt=0).exists()
