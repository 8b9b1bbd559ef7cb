from __future__ import annotations

import datetime
import io
import time

import pytest

from inventory.models import BinLocation, Category, Product, PurchaseOrder, StockLevel, StockMovement, Warehouse
from inventory.seed import seed_inventory
from oms import seeding
from tests.inventory.conftest import assert_ledger_balances

# Open purchase orders are seeded around today (some overdue): a fixed day makes the data the same
# on every run.
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.time_machine(datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC)),
]


def test_seeder_is_registered_first():
    names = [s.name for s in seeding.seeders()]
    assert "inventory" in names
    assert names.index("inventory") < names.index("demand")


def test_seed_creates_a_realistic_catalogue_with_a_balanced_ledger_and_is_idempotent():
    out = io.StringIO()
    started = time.monotonic()
    seed_inventory(stdout=out, scale=1.0)
    elapsed = time.monotonic() - started

    assert Product.objects.count() >= 200
    assert Category.objects.count() >= 5
    assert sorted(Warehouse.objects.values_list("country", flat=True)) == ["AT", "DE", "NL"]
    assert BinLocation.objects.count() >= 100
    assert StockLevel.objects.filter(on_hand__gt=0).count() > 200
    assert PurchaseOrder.objects.filter(state="open").count() >= 10
    assert Product.objects.filter(name__startswith="Gartenschere").exists()
    assert_ledger_balances()
    assert elapsed < 10, elapsed

    movements = StockMovement.objects.count()
    seed_inventory(stdout=out, scale=1.0)
    assert StockMovement.objects.count() == movements
    assert "skipped" in out.getvalue()


def test_small_scale_seeds_less():
    seed_inventory(scale=0.1)
    assert 10 <= Product.objects.count() < 100
    assert_ledger_balances()
