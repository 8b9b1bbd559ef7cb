"""Replenishment services: demand recording, reorder rules, forecast recomputation."""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection

from inventory.models import DailyDemand, DemandForecast, ReplenishmentRule, RuleSource
from inventory.services.replenishment import (
    InvalidDemandError,
    InvalidRuleError,
    accept_suggestion,
    recompute_forecasts,
    record_demand,
    record_demands,
    set_replenishment_rule,
)
from tests.inventory.replenishment_data import (
    AS_OF,
    add_history,
    make_product,
    make_warehouse,
    open_po,
    put_stock,
    seasonal_history,
)

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 11, 20)


def test_record_demand_adds_up_quantities_of_the_same_day():
    product, warehouse = make_product("A-1"), make_warehouse()

    record_demand(product_id=product.pk, warehouse_id=warehouse.pk, on=DAY, quantity=2)
    record_demand(product_id=product.pk, warehouse_id=warehouse.pk, on=DAY, quantity=3)
    record_demand(product_id=product.pk, warehouse_id=warehouse.pk, on=DAY + datetime.timedelta(days=1), quantity=1)

    rows = list(DailyDemand.objects.order_by("date").values_list("date", "quantity"))
    assert rows == [(DAY, 5), (DAY + datetime.timedelta(days=1), 1)]


def test_record_demands_adds_several_products_in_one_statement(django_assert_num_queries):
    a, b, warehouse = make_product("A-1"), make_product("B-1"), make_warehouse()
    record_demand(product_id=a.pk, warehouse_id=warehouse.pk, on=DAY, quantity=2)

    with django_assert_num_queries(1):
        record_demands(on=DAY, quantities={(b.pk, warehouse.pk): 4, (a.pk, warehouse.pk): 3})

    rows = dict(DailyDemand.objects.values_list("product__sku", "quantity"))
    assert rows == {"A-1": 5, "B-1": 4}


@pytest.mark.parametrize("quantity", [0, -1, 1.5, True])
def test_record_demand_refuses_non_positive_or_fractional_quantities_and_records_nothing(quantity):
    product, warehouse = make_product("A-1"), make_warehouse()

    with pytest.raises(InvalidDemandError) as exc:
        record_demand(product_id=product.pk, warehouse_id=warehouse.pk, on=DAY, quantity=quantity)

    assert exc.value.data["field"] == "quantity"
    assert not DailyDemand.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_record_demand_on_postgres_loses_no_units():
    product, warehouse = make_product("A-1"), make_warehouse()
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(10):
                record_demand(product_id=product.pk, warehouse_id=warehouse.pk, on=DAY, quantity=1)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert not errors
    assert DailyDemand.objects.get().quantity == 80


def test_recompute_stores_a_forecast_with_levels_cover_and_backtest_per_pair():
    product, warehouse = make_product("A-1", lead_time_days=14), make_warehouse()
    put_stock(product, warehouse, 100, reserved=10)
    add_history(product, warehouse, seasonal_history(2 * 365 + 70))

    result = recompute_forecasts(as_of=AS_OF)

    forecast = DemandForecast.objects.get()
    assert result.pairs == 1
    assert forecast.method == "holt_winters_yearly"
    assert len(forecast.weekly_forecast) == 12
    assert forecast.history_end == AS_OF - datetime.timedelta(days=1)
    assert forecast.available == 90
    assert forecast.lead_time_days == 14
    assert forecast.wape_model is not None and forecast.wape_naive is not None
    assert forecast.days_of_cover == pytest.approx(90 / forecast.mean_daily_demand)
    assert forecast.suggested_target >= forecast.suggested_reorder_point > forecast.safety_stock > 0
    # 90 available is below two weeks of ~20/day: order up to the target.
    assert forecast.suggested_order_qty == forecast.suggested_target - 90


def test_inbound_stock_on_open_purchase_orders_reduces_the_suggested_order():
    product, warehouse = make_product("A-1", lead_time_days=14), make_warehouse()
    put_stock(product, warehouse, 20)
    add_history(product, warehouse, seasonal_history(200))
    recompute_forecasts(as_of=AS_OF)
    without_po = DemandForecast.objects.get().suggested_order_qty

    open_po(product, warehouse, 50)
    recompute_forecasts(as_of=AS_OF)

    forecast = DemandForecast.objects.get()
    assert forecast.inbound == 50
    assert forecast.suggested_order_qty == without_po - 50


def test_recompute_is_idempotent_and_filters_by_product_and_warehouse():
    ber, muc = make_warehouse("BER"), make_warehouse("MUC", priority=20)
    a, b = make_product("A-1"), make_product("B-1")
    for product in (a, b):
        for warehouse in (ber, muc):
            add_history(product, warehouse, seasonal_history(60))

    recompute_forecasts(product_ids=[a.pk], warehouse_ids=[muc.pk], as_of=AS_OF)
    assert list(DemandForecast.objects.values_list("product__sku", "warehouse__code")) == [("A-1", "MUC")]

    calls: list[tuple[int, int]] = []
    recompute_forecasts(as_of=AS_OF, progress=lambda done, total: calls.append((done, total)))
    recompute_forecasts(as_of=AS_OF)
    assert DemandForecast.objects.count() == 4
    assert sum(done for done, _ in calls) == 4 and calls[-1][1] == 4


def test_a_pair_with_only_zero_or_no_history_gets_a_zero_forecast_without_error():
    product, warehouse = make_product("Z-1", lead_time_days=None), make_warehouse()
    set_replenishment_rule(product_id=product.pk, warehouse_id=warehouse.pk, reorder_point=5, target_level=10)

    recompute_forecasts(as_of=AS_OF)

    forecast = DemandForecast.objects.get()
    assert forecast.method == "none"
    assert forecast.weekly_forecast == [0.0] * 12
    assert forecast.days_of_cover is None
    assert forecast.lead_time_days == 7  # no supplier: the default lead time
    assert forecast.suggested_order_qty == 10  # the rule: nothing available, fill up to the target


def test_a_manual_rule_drives_the_order_quantity_instead_of_the_suggestion():
    product, warehouse = make_product("A-1"), make_warehouse()
    put_stock(product, warehouse, 30)
    add_history(product, warehouse, seasonal_history(120))
    recompute_forecasts(as_of=AS_OF)

    set_replenishment_rule(product_id=product.pk, warehouse_id=warehouse.pk, reorder_point=40, target_level=100)

    assert DemandForecast.objects.get().suggested_order_qty == 70
    set_replenishment_rule(product_id=product.pk, warehouse_id=warehouse.pk, reorder_point=10, target_level=100)
    assert DemandForecast.objects.get().suggested_order_qty == 0


@pytest.mark.parametrize(
    ("reorder_point", "target_level", "service_level", "field"),
    [
        (-1, 10, None, "reorder_point"),
        (10, 9, None, "target_level"),
        (1, 2, "1.5", "service_level"),
        (1, 2, "abc", "service_level"),
        (1, 2, "0.2", "service_level"),
    ],
)
def test_invalid_rules_are_refused_naming_the_field_and_nothing_is_saved(
    reorder_point, target_level, service_level, field
):
    product, warehouse = make_product("A-1"), make_warehouse()

    with pytest.raises(InvalidRuleError) as exc:
        set_replenishment_rule(
            product_id=product.pk,
            warehouse_id=warehouse.pk,
            reorder_point=reorder_point,
            target_level=target_level,
            service_level=service_level,
        )

    assert exc.value.field == field
    assert not ReplenishmentRule.objects.exists()


# A month after the stored forecasts' history ended (AS_OF), with nothing sold since: the nightly
# recompute and a changed service level see different histories on purpose.
A_MONTH_LATER = datetime.datetime(2026, 12, 23, 10, 0, tzinfo=datetime.UTC)


@pytest.mark.time_machine(A_MONTH_LATER, tick=False)
def test_a_higher_service_level_recomputes_the_forecast_with_more_safety_stock():
    """On the history the stored forecast was computed from, not today's: a new service level changes
    the safety stock only (today's window would count the month without sales as zero demand)."""
    product, warehouse = make_product("A-1"), make_warehouse()
    add_history(product, warehouse, seasonal_history(200))
    recompute_forecasts(as_of=AS_OF)
    before = DemandForecast.objects.get()

    set_replenishment_rule(
        product_id=product.pk, warehouse_id=warehouse.pk, reorder_point=1, target_level=2, service_level="0.99"
    )

    after = DemandForecast.objects.get()
    assert after.history_end == before.history_end == AS_OF - datetime.timedelta(days=1)
    assert after.mean_daily_demand == before.mean_daily_demand
    assert after.service_level == Decimal("0.990")
    assert after.safety_stock > before.safety_stock
    assert after.suggested_reorder_point > before.suggested_reorder_point


@pytest.mark.time_machine(A_MONTH_LATER, tick=False)
def test_the_nightly_recompute_moves_the_history_up_to_yesterday():
    """Without ``as_of`` (the nightly task and the command) the window ends yesterday in Berlin, so
    days without sales count as zero demand and the forecast falls."""
    product, warehouse = make_product("A-1"), make_warehouse()
    add_history(product, warehouse, seasonal_history(200))
    recompute_forecasts(as_of=AS_OF)
    before = DemandForecast.objects.get()

    recompute_forecasts()

    after = DemandForecast.objects.get()
    assert after.history_end == datetime.date(2026, 12, 22)
    assert after.mean_daily_demand < before.mean_daily_demand


def test_accepting_a_suggestion_makes_it_the_rule():
    product, warehouse = make_product("A-1"), make_warehouse()
    add_history(product, warehouse, seasonal_history(200))
    recompute_forecasts(as_of=AS_OF)
    forecast = DemandForecast.objects.get()

    rule = accept_suggestion(forecast=forecast)

    assert (rule.reorder_point, rule.target_level, rule.source) == (
        forecast.suggested_reorder_point,
        forecast.suggested_target,
        RuleSource.SUGGESTED,
    )
