"""The ``demand`` demo seeder: seasonal history for the demo products, forecasts for a subset, idempotent."""

from __future__ import annotations

import datetime
import time
from io import StringIO

import pytest

from inventory.demo_demand import seed_demand
from inventory.models import DailyDemand, DemandForecast
from oms import seeding
from tests.inventory.replenishment_data import make_product, make_warehouse

# The history ends yesterday and its seasons follow the calendar: a fixed day makes the forecasts
# (and the method the backtest picks) the same on every run.
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.time_machine(datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC)),
]


def test_demand_seeder_is_registered_after_the_catalogue():
    seeder = next(s for s in seeding.seeders() if s.name == "demand")
    assert seeder.order == 30 and seeder.run is seed_demand


def test_seeder_writes_two_years_of_history_and_forecasts_a_subset_quickly_and_only_once():
    make_warehouse("BER")
    make_warehouse("VIE", priority=20)
    for i in range(4):
        make_product(f"DEMO-{i}")
    out = StringIO()

    started = time.monotonic()
    seed_demand(stdout=out, scale=0.25)  # history for up to 5 products, forecasts for 2
    elapsed = time.monotonic() - started

    days = DailyDemand.objects.order_by("date").values_list("date", flat=True)
    assert (days.last() - days.first()).days >= 2 * 364
    assert days.last() <= datetime.date(2026, 11, 22)  # up to yesterday
    assert set(DemandForecast.objects.values_list("history_end", flat=True)) == {datetime.date(2026, 11, 22)}
    assert DailyDemand.objects.values("product").distinct().count() == 4
    assert DemandForecast.objects.count() == 4  # 2 products x 2 warehouses
    assert DemandForecast.objects.filter(method="holt_winters_yearly").count() == 4
    assert elapsed < 15

    rows, forecasts = DailyDemand.objects.count(), list(DemandForecast.objects.values_list("pk", "computed_at"))
    seed_demand(stdout=out, scale=0.25)
    assert DailyDemand.objects.count() == rows
    assert list(DemandForecast.objects.values_list("pk", "computed_at")) == forecasts


def test_seeder_without_products_says_so_and_writes_nothing():
    out = StringIO()
    seed_demand(stdout=out)
    assert "skipped" in out.getvalue() and not DailyDemand.objects.exists()
