"""Blocked units: on hand but not sellable (quarantine, damaged returns). The availability rule in
``inventory.availability`` subtracts them everywhere: reservation, order allocation, the stock
API and a channel's buffer; blocking and unblocking keep the ledger balanced, with the reason."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from inventory import availability
from inventory.exceptions import InsufficientBlockedStockError, InsufficientStockError
from inventory.models import MovementKind, StockLevel, StockMovement
from inventory.screen_selectors import StockFilters, stock_overview
from inventory.selectors import available_by_warehouse, available_to_promise, ledger_mismatches
from inventory.services.reservations import StockRequest, reserve_stock
from inventory.services.stock import block_stock, receive_stock, scrap_blocked_stock, unblock_stock
from oms.api_keys import create_api_key
from tests.inventory.conftest import assert_ledger_balances
from tests.inventory.factories import ChannelStockBufferFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ten(product, warehouse):
    receive_stock(product=product, warehouse=warehouse, quantity=10)
    return StockLevel.objects.get(product=product, warehouse=warehouse)


def _level(product, warehouse) -> StockLevel:
    return StockLevel.objects.get(product=product, warehouse=warehouse)


def test_blocked_units_are_on_hand_but_not_available(product, warehouse, ten):
    movement = block_stock(product=product, warehouse=warehouse, quantity=3, reason="Quarantäne: Verpackung nass")
    level = _level(product, warehouse)
    assert (level.on_hand, level.reserved, level.blocked) == (10, 0, 3)
    assert availability.available(level) == level.available == 7
    assert availability.can_promise(level, 7) and not availability.can_promise(level, 8)
    assert StockLevel.objects.with_available().get(pk=level.pk).available_units == 7
    assert (movement.kind, movement.quantity, movement.blocked_change, movement.on_hand_after) == (
        MovementKind.BLOCK,
        0,
        3,
        10,
    )
    assert movement.reason == "Quarantäne: Verpackung nass"
    assert_ledger_balances()


def test_a_reservation_cannot_take_blocked_units(product, warehouse, ten):
    block_stock(product=product, warehouse=warehouse, quantity=4, reason="Beschädigt")
    with pytest.raises(InsufficientStockError) as short:
        reserve_stock(requests=[StockRequest(product.pk, warehouse.pk, 7)], reference="order:1")
    assert short.value.lines[0].available == 6
    reserve_stock(requests=[StockRequest(product.pk, warehouse.pk, 6)], reference="order:1")
    level = _level(product, warehouse)
    assert (level.reserved, level.blocked, level.available) == (6, 4, 0)


def test_reserved_units_cannot_be_blocked(product, warehouse, ten):
    reserve_stock(requests=[StockRequest(product.pk, warehouse.pk, 8)], reference="order:1")
    with pytest.raises(InsufficientStockError):
        block_stock(product=product, warehouse=warehouse, quantity=3, reason="Quarantäne")
    assert _level(product, warehouse).blocked == 0
    assert not StockMovement.objects.filter(kind=MovementKind.BLOCK).exists()


def test_the_database_refuses_reserved_and_blocked_beyond_on_hand(product, warehouse, ten):
    block_stock(product=product, warehouse=warehouse, quantity=5, reason="Quarantäne")
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(product=product).update(reserved=6)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(product=product).update(blocked=-1)


def test_unblocking_makes_units_sellable_again_and_wakes_waiting_orders(
    product, warehouse, ten, published, django_capture_on_commit_callbacks
):
    block_stock(product=product, warehouse=warehouse, quantity=3, reason="Prüfen")
    with django_capture_on_commit_callbacks(execute=True):
        movement = unblock_stock(product=product, warehouse=warehouse, quantity=2, reason="Geprüft: in Ordnung")
    level = _level(product, warehouse)
    assert (level.blocked, level.available) == (1, 9)
    assert (movement.kind, movement.quantity, movement.blocked_change) == (MovementKind.UNBLOCK, 0, -2)
    assert ("stock.received", {"product_ids": [product.pk], "warehouse_id": warehouse.pk, "reference": ""}) in published
    with pytest.raises(InsufficientBlockedStockError):
        unblock_stock(product=product, warehouse=warehouse, quantity=2, reason="zu viel")
    assert_ledger_balances()


def test_scrapping_blocked_units_lowers_on_hand_not_availability(product, warehouse, ten):
    block_stock(product=product, warehouse=warehouse, quantity=3, reason="Beschädigt")
    movement = scrap_blocked_stock(product=product, warehouse=warehouse, quantity=2, reason="Entsorgt")
    level = _level(product, warehouse)
    assert (level.on_hand, level.blocked, level.available) == (8, 1, 7)
    assert (movement.kind, movement.quantity, movement.blocked_change, movement.on_hand_after) == (
        MovementKind.SCRAP,
        -2,
        -2,
        8,
    )
    with pytest.raises(InsufficientBlockedStockError):
        scrap_blocked_stock(product=product, warehouse=warehouse, quantity=2, reason="Entsorgt")
    assert_ledger_balances()


def test_a_block_needs_a_reason(product, warehouse, ten):
    from inventory.exceptions import ReasonRequiredError

    with pytest.raises(ReasonRequiredError):
        block_stock(product=product, warehouse=warehouse, quantity=1, reason="  ")


def test_ledger_check_notices_blocked_units_changed_outside_the_services(product, warehouse, ten):
    StockLevel.objects.filter(product=product).update(blocked=2)
    assert list(ledger_mismatches().values_list("product_id", flat=True)) == [product.pk]


def test_selectors_and_channel_buffers_subtract_blocked_units(product, warehouse, ten):
    reserve_stock(requests=[StockRequest(product.pk, warehouse.pk, 2)], reference="order:1")
    block_stock(product=product, warehouse=warehouse, quantity=3, reason="Quarantäne")
    ChannelStockBufferFactory(channel_code="marketplace", product=None, buffer=4)
    assert available_by_warehouse(product_ids=[product.pk]) == {product.pk: {warehouse.pk: 5}}
    row = stock_overview(filters=StockFilters()).get(pk=product.pk)
    assert (row.on_hand_total, row.reserved_total, row.blocked_total, row.available_total) == (10, 2, 3, 5)
    (atp,) = available_to_promise(product_ids=[product.pk], channel_code="marketplace")
    assert (atp.on_hand, atp.reserved, atp.blocked, atp.available, atp.buffer) == (10, 2, 3, 5, 4)
    assert atp.available_to_promise == 1
    block_stock(product=product, warehouse=warehouse, quantity=2, reason="Quarantäne")
    (atp,) = available_to_promise(product_ids=[product.pk], channel_code="marketplace")
    assert (atp.available, atp.available_to_promise) == (3, 0)  # never below zero


def test_the_stock_api_shows_blocked_units_and_leaves_them_out_of_what_a_channel_may_sell(
    client, product, warehouse, ten
):
    _key, raw = create_api_key(channel_code="marketplace", name="Marktplatz")
    ChannelStockBufferFactory(channel_code="marketplace", product=product, buffer=1)
    block_stock(product=product, warehouse=warehouse, quantity=4, reason="Retoure beschädigt")
    response = client.get(f"/api/v1/stock/{product.sku}/", HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert response.status_code == 200
    item = response.json()
    assert (item["on_hand"], item["reserved"], item["blocked"], item["available"]) == (10, 0, 4, 6)
    assert (item["buffer"], item["available_to_promise"]) == (1, 5)
    assert [(w["warehouse"], w["blocked"], w["available"]) for w in item["warehouses"]] == [("LEJ", 4, 6)]
