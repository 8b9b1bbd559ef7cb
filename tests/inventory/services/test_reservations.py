from __future__ import annotations

import pytest

from inventory.exceptions import InsufficientReservationError, InsufficientStockError, InvalidQuantityError
from inventory.models import BinStock, MovementKind, StockLevel, StockMovement
from inventory.services.reservations import StockRequest, consume_stock, release_stock, reserve_stock
from inventory.services.stock import receive_stock
from oms.exceptions import DomainError
from tests.inventory.conftest import assert_ledger_balances
from tests.inventory.factories import BinLocationFactory, ProductFactory, WarehouseFactory

pytestmark = pytest.mark.django_db


def levels():
    return {(s.product_id, s.warehouse_id): (s.on_hand, s.reserved) for s in StockLevel.objects.all()}


def test_reserve_takes_available_units(product, warehouse):
    receive_stock(product=product, warehouse=warehouse, quantity=5)
    reserve_stock(
        requests=[StockRequest(product.pk, warehouse.pk, 2), StockRequest(product.pk, warehouse.pk, 1)],
        reference="order:1",
    )
    assert levels() == {(product.pk, warehouse.pk): (5, 3)}


def test_reserve_refuses_more_than_available_and_reserves_nothing(product, warehouse):
    other = ProductFactory(sku="TOPF-1")
    receive_stock(product=product, warehouse=warehouse, quantity=5)
    receive_stock(product=other, warehouse=warehouse, quantity=1)
    before = levels()

    with pytest.raises(InsufficientStockError) as err:
        reserve_stock(
            requests=[StockRequest(product.pk, warehouse.pk, 2), StockRequest(other.pk, warehouse.pk, 3)],
            reference="order:1",
        )

    assert levels() == before
    (line,) = err.value.lines
    assert (line.sku, line.warehouse, line.requested, line.available) == ("TOPF-1", "LEJ", 3, 1)
    assert "TOPF-1 in LEJ: requested 3, available 1" in err.value.message
    assert err.value.as_dict()["details"]["lines"][0]["available"] == 1


def test_reserve_without_any_stock_row_reports_zero_available(product, warehouse):
    with pytest.raises(InsufficientStockError) as err:
        reserve_stock(requests=[StockRequest(product.pk, warehouse.pk, 1)], reference="order:1")
    assert err.value.lines[0].available == 0


@pytest.mark.parametrize("quantity", [0, -1, 2.0])
def test_reserve_refuses_bad_quantities(product, warehouse, quantity):
    receive_stock(product=product, warehouse=warehouse, quantity=5)
    with pytest.raises(InvalidQuantityError) as err:
        reserve_stock(requests=[StockRequest(product.pk, warehouse.pk, quantity)], reference="order:1")
    assert err.value.data["field"] == "requests[0].quantity"
    assert levels()[(product.pk, warehouse.pk)] == (5, 0)


def test_empty_request_is_a_domain_error():
    with pytest.raises(DomainError) as err:
        reserve_stock(requests=[], reference="order:1")
    assert err.value.code == "empty_request"


def test_release_gives_units_back_and_refuses_more_than_reserved(product, warehouse):
    receive_stock(product=product, warehouse=warehouse, quantity=5)
    reserve_stock(requests=[StockRequest(product.pk, warehouse.pk, 3)], reference="order:1")

    with pytest.raises(InsufficientReservationError) as err:
        release_stock(requests=[StockRequest(product.pk, warehouse.pk, 4)], reference="order:1")
    assert err.value.lines[0].available == 3

    release_stock(requests=[StockRequest(product.pk, warehouse.pk, 2)], reference="order:1")
    assert levels()[(product.pk, warehouse.pk)] == (5, 1)


def test_consume_turns_reservation_into_ship_movement_taking_bins_in_pick_order(product, warehouse, warehouse_user):
    bin_a = BinLocationFactory(warehouse=warehouse, code="A-01-01", pick_sequence=1)
    bin_b = BinLocationFactory(warehouse=warehouse, code="A-01-02", pick_sequence=2)
    receive_stock(product=product, warehouse=warehouse, quantity=2, bin=bin_a)
    receive_stock(product=product, warehouse=warehouse, quantity=4, bin=bin_b)
    reserve_stock(requests=[StockRequest(product.pk, warehouse.pk, 3)], reference="order:9")

    (movement,) = consume_stock(
        requests=[StockRequest(product.pk, warehouse.pk, 3)], reference="order:9", user=warehouse_user
    )

    assert (movement.kind, movement.quantity, movement.on_hand_after, movement.reference) == (
        MovementKind.SHIP,
        -3,
        3,
        "order:9",
    )
    assert levels()[(product.pk, warehouse.pk)] == (3, 0)
    assert {b.bin.code: b.quantity for b in BinStock.objects.all()} == {"A-01-01": 0, "A-01-02": 3}
    assert_ledger_balances()


def test_consume_more_than_reserved_changes_nothing(product, warehouse):
    receive_stock(product=product, warehouse=warehouse, quantity=5)
    reserve_stock(requests=[StockRequest(product.pk, warehouse.pk, 1)], reference="order:1")
    with pytest.raises(InsufficientReservationError):
        consume_stock(requests=[StockRequest(product.pk, warehouse.pk, 2)], reference="order:1")
    assert levels()[(product.pk, warehouse.pk)] == (5, 1)
    assert StockMovement.objects.filter(kind=MovementKind.SHIP).count() == 0


def test_multi_line_request_across_warehouses(product, warehouse):
    vienna = WarehouseFactory(code="VIE")
    other = ProductFactory()
    for p in (product, other):
        for w in (warehouse, vienna):
            receive_stock(product=p, warehouse=w, quantity=4)
    requests = [
        StockRequest(other.pk, vienna.pk, 4),
        StockRequest(product.pk, warehouse.pk, 1),
        StockRequest(product.pk, vienna.pk, 2),
    ]

    reserve_stock(requests=requests, reference="order:1")
    consume_stock(requests=requests, reference="order:1")

    assert levels() == {
        (product.pk, warehouse.pk): (3, 0),
        (product.pk, vienna.pk): (2, 0),
        (other.pk, warehouse.pk): (4, 0),
        (other.pk, vienna.pk): (0, 0),
    }
    assert_ledger_balances()


def test_reserve_uses_a_fixed_small_number_of_queries(product, warehouse, django_assert_max_num_queries):
    products = [ProductFactory() for _ in range(5)]
    for p in products:
        receive_stock(product=p, warehouse=warehouse, quantity=10)
    with django_assert_max_num_queries(4):
        reserve_stock(requests=[StockRequest(p.pk, warehouse.pk, 1) for p in products], reference="order:1")


@pytest.mark.parametrize("reference", ["", "  ", None])
def test_a_reference_is_required(product, warehouse, reference):
    receive_stock(product=product, warehouse=warehouse, quantity=5)
    with pytest.raises(DomainError) as err:
        reserve_stock(requests=[StockRequest(product.pk, warehouse.pk, 1)], reference=reference)
    assert err.value.code == "reference_required"
    assert levels()[(product.pk, warehouse.pk)] == (5, 0)
