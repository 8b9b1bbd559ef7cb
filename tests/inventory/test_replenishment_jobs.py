"""The nightly forecast task (beat) and the ``recompute_forecasts`` command."""

from __future__ import annotations

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from inventory.models import DemandForecast
from inventory.tasks import recompute_forecasts_task
from tests.inventory.replenishment_data import add_history, make_product, make_warehouse, seasonal_history

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_by_two():
    ber, muc = make_warehouse("BER"), make_warehouse("MUC", priority=20)
    a, b = make_product("A-1"), make_product("B-1")
    for product in (a, b):
        for warehouse in (ber, muc):
            add_history(product, warehouse, seasonal_history(40))
    return a, b, ber, muc


def test_beat_schedules_the_task_that_exists():
    entry = settings.CELERY_BEAT_SCHEDULE["inventory-forecast-nightly"]
    assert entry["task"] == recompute_forecasts_task.name


def test_task_fans_out_in_product_chunks_and_forecasts_every_pair(two_by_two, monkeypatch):
    monkeypatch.setattr("inventory.tasks.FORECAST_PRODUCTS_PER_TASK", 1)

    products = recompute_forecasts_task.delay().get()  # eager: the chunks run inline

    assert products == 2
    assert DemandForecast.objects.count() == 4


def test_command_limits_to_sku_and_warehouse_and_reports(two_by_two):
    out = StringIO()

    call_command("recompute_forecasts", sku=["B-1"], warehouse=["MUC"], no_progress=True, stdout=out)

    assert list(DemandForecast.objects.values_list("product__sku", "warehouse__code")) == [("B-1", "MUC")]
    assert "Recomputed 1 forecasts" in out.getvalue()


def test_command_draws_a_progress_bar(two_by_two):
    err = StringIO()

    call_command("recompute_forecasts", stdout=StringIO(), stderr=err)

    assert "4/4" in err.getvalue()


def test_command_refuses_an_unknown_sku_and_changes_nothing(two_by_two):
    with pytest.raises(CommandError, match="NOPE"):
        call_command("recompute_forecasts", sku=["NOPE"], no_progress=True)
    assert not DemandForecast.objects.exists()
