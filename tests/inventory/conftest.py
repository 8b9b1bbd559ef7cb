"""Fixtures of the inventory tests."""

from __future__ import annotations

import pytest

from inventory.models import StockLevel, StockMovement
from inventory.selectors import ledger_mismatches
from oms import events
from tests.inventory.factories import ProductFactory, WarehouseFactory


@pytest.fixture
def warehouse(db):
    return WarehouseFactory(code="LEJ", name="Leipzig", priority=1)


@pytest.fixture
def product(db):
    return ProductFactory(sku="GS-100", name="Gartenschere")


@pytest.fixture
def published():
    """Events dispatched (after commit) during the test, as (name, payload)."""
    seen: list[tuple[str, dict]] = []
    handlers = {}
    for name in ("stock.changed", "stock.received"):
        handlers[name] = lambda payload, name=name: seen.append((name, payload))
        events.subscribe(name, handlers[name])
    yield seen
    for name, handler in handlers.items():
        events.unsubscribe(name, handler)


def assert_ledger_balances() -> None:
    """``on_hand`` and ``blocked`` equal their ledger sums for every level, and the check
    constraints hold."""
    assert list(ledger_mismatches().values_list("pk", flat=True)) == []
    for level in StockLevel.objects.all():
        assert level.reserved >= 0 and level.blocked >= 0 and level.reserved + level.blocked <= level.on_hand
        binned = sum(b.quantity for b in level.bin_stocks.all())
        assert 0 <= binned <= level.on_hand
    assert not StockMovement.objects.filter(quantity=0, blocked_change=0).exists()
