"""Replenishment reads: weekly history aligned with the forecast, and the chart geometry."""

from __future__ import annotations

import datetime

import pytest

from inventory.replenishment_selectors import build_chart, weekly_history
from inventory.services.replenishment import record_demand
from tests.inventory.replenishment_data import make_product, make_warehouse

END = datetime.date(2026, 11, 22)


@pytest.mark.django_db
def test_weekly_history_sums_7_day_weeks_ending_on_the_last_day_and_starts_at_the_first_sale():
    product, warehouse = make_product("A-1"), make_warehouse()
    for days_back, qty in [(0, 1), (6, 2), (7, 4), (20, 8)]:
        record_demand(
            product_id=product.pk, warehouse_id=warehouse.pk, on=END - datetime.timedelta(days=days_back), quantity=qty
        )

    weeks = weekly_history(product_id=product.pk, warehouse_id=warehouse.pk, end=END)

    assert [qty for _start, qty in weeks] == [8, 4, 3]
    assert weeks[-1][0] == END - datetime.timedelta(days=6)


@pytest.mark.django_db
def test_weekly_history_is_empty_without_demand():
    product, warehouse = make_product("A-1"), make_warehouse()
    assert weekly_history(product_id=product.pk, warehouse_id=warehouse.pk, end=END) == []


def test_chart_puts_history_then_forecast_on_one_scale():
    history = [(END - datetime.timedelta(days=7 * (3 - i)), v) for i, v in enumerate([10, 20, 30])]

    chart = build_chart(history=history, forecast=[40, 50], backtest_model=[25, 28], history_end=END)

    history_points = [tuple(map(float, p.split(","))) for p in chart.history_points.split()]
    forecast_points = [tuple(map(float, p.split(","))) for p in chart.forecast_points.split()]
    assert len(history_points) == 3 and len(forecast_points) == 3  # forecast starts at the last real week
    assert forecast_points[0] == history_points[-1]
    assert history_points[0][0] == chart.left and forecast_points[-1][0] == chart.right
    assert forecast_points[-1][1] == chart.top  # 50 is the axis maximum
    assert [t.label for t in chart.y_ticks][-1] == "50"
    assert len(chart.backtest_points.split()) == 2 and not chart.empty


def test_chart_without_data_does_not_divide_by_zero():
    chart = build_chart(history=[], forecast=[0.0] * 12, backtest_model=[], history_end=END)
    assert chart.empty and chart.history_points == "" and chart.backtest_points == ""
