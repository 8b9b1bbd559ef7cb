"""The dashboard's inventory health against a hand computation: stock-outs, low stock, days of
cover, slow movers, turnover, the stored forecasts against the actual demand and their accuracy,
open purchase orders; its CSV files, links and bad input.

The seeded stock in BER (Berlin time, March 2026: 31 days; today is 31 March):
- REP-n (the SKU ``order_with_history`` gives order A): 3 received, ordered 3 on 2 March, all
  shipped: on hand 0, available 0, an out of stock.
- LOW-1: 12 received, ordered 4 on 10 March (allocated: 4 reserved; 1 more unit ordered and
  cancelled), rule reorder point 10: available 8, low. 4 units in 31 days: cover 8 x 31 / 4 =
  62.0 days, on hand 12 x 31 / 4 = 93.0 days.
- STEADY-1: 20 received, ordered 2 on 20 March from the market channel: available 18 (above the
  default 5), on hand 20 x 31 / 2 = 310.0 days: a slow mover (over 180 days).
- SLOW-1: 50 received, never ordered: a slow mover.
Days of cover over the ordered products: (0 + 8 + 18) x 31 / (3 + 4 + 2) = 89.6.
Turnover: 3 units shipped / (0 + 12 + 20 + 50) on hand = 0.04.
Forecasts: LOW-1 held back weeks actual 10, 20 against 12, 14 (errors 2 + 6); STEADY-1 5, 5
against 5, 8 (error 3): WAPE 11 / 40 = 27.5 %, accuracy 72.5 %.
Purchase orders: PO-1 (35 units open, expected 25 March: overdue), PO-2 (7 units, 10 April).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from inventory.models import DemandForecast, PurchaseOrder, PurchaseOrderLine, Supplier
from inventory.services.replenishment import set_replenishment_rule
from orders.models import Order
from orders.services.cancellation import cancel_order
from orders.services.intake import place_order
from reporting.selectors.filters import ReportFilters
from reporting.selectors.inventory import inventory_report
from reporting.services.rollups import rebuild_rollups
from tests.reliability import ordering
from tests.reporting.world import at, channel, order_with_history, warehouse

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

MARCH = {"date_from": "2026-03-01", "date_to": "2026-03-31"}
TODAY = datetime.date(2026, 3, 31)


def _order(sku: str, quantity: int, moment: str, *, shop: str = "web") -> Order:
    with time_machine.travel(at(moment), tick=False):
        return place_order(channel=channel(shop), draft=ordering.order_draft({sku: quantity})).order


@pytest.fixture
def stocked():
    site = warehouse("BER")
    shipped = order_with_history(
        {
            "placed": "2026-03-02 09:00",
            "released": "2026-03-02 11:00",
            "picked": "2026-03-02 11:45",
            "shipped": "2026-03-02 13:10",
        },
        quantity=3,
    )
    low = ordering.make_product("LOW-1", units=12)
    steady = ordering.make_product("STEADY-1", units=20)
    ordering.make_product("SLOW-1", units=50)
    set_replenishment_rule(product_id=low.pk, warehouse_id=site.pk, reorder_point=10, target_level=30)
    _order("LOW-1", 4, "2026-03-10 09:00")
    dropped = _order("LOW-1", 1, "2026-03-11 09:00")
    with time_machine.travel(at("2026-03-11 10:00"), tick=False):
        cancel_order(order=Order.objects.get(pk=dropped.pk), reason="customer")
    _order("STEADY-1", 2, "2026-03-20 09:00", shop="market")
    for product, actual, model, mean in ((low, [10, 20], [12, 14], 1.5), (steady, [5, 5], [5, 8], 0.25)):
        DemandForecast.objects.create(
            product=product,
            warehouse=site,
            computed_at=at("2026-03-31 02:00"),
            history_end=datetime.date(2026, 3, 30),
            method="mean",
            weekly_forecast=[mean * 7] * 12,
            mean_daily_demand=mean,
            backtest={"actual": actual, "model": model, "naive": actual},
            wape_model=sum(abs(a - m) for a, m in zip(actual, model, strict=True)) / sum(actual),
            wape_naive=0.5,
        )
    supplier = Supplier.objects.create(name="Großhandel Nord")
    first = PurchaseOrder.objects.create(
        number="PO-1", supplier=supplier, warehouse=site, expected_date=datetime.date(2026, 3, 25)
    )
    PurchaseOrderLine.objects.create(purchase_order=first, product=low, quantity_ordered=30)
    PurchaseOrderLine.objects.create(purchase_order=first, product=steady, quantity_ordered=5)
    second = PurchaseOrder.objects.create(
        number="PO-2", supplier=supplier, warehouse=site, expected_date=datetime.date(2026, 4, 10)
    )
    PurchaseOrderLine.objects.create(purchase_order=second, product=steady, quantity_ordered=7)
    with time_machine.travel(at("2026-03-31 12:00"), tick=False):
        rebuild_rollups()
    return {"site": site, "shipped_sku": shipped.lines.get().sku, "shipped": shipped}


def march(**kwargs) -> ReportFilters:
    return ReportFilters(start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 31), **kwargs)


def test_stock_outs_low_stock_cover_slow_movers_and_turnover_by_hand(stocked):
    report = inventory_report(march(), today=TODAY)
    rows = {r.sku: (r.on_hand, r.available, r.threshold, r.units, r.units_shipped) for r in report.rows}
    assert rows == {
        stocked["shipped_sku"]: (0, 0, 5, 3, 3),
        "LOW-1": (12, 8, 10, 4, 0),
        "STEADY-1": (20, 18, 5, 2, 0),
        "SLOW-1": (50, 50, 5, 0, 0),
    }
    assert [r.sku for r in report.stock_outs] == [stocked["shipped_sku"]]
    (low,) = report.low_stock
    assert (low.sku, low.cover_days, low.on_hand_days) == ("LOW-1", Decimal("62.0"), Decimal("93.0"))
    assert [r.sku for r in report.to_watch] == [stocked["shipped_sku"], "LOW-1"]
    assert [r.sku for r in report.slow_movers] == ["SLOW-1", "STEADY-1"]
    assert report.cover_days == Decimal("89.6")
    assert (report.units_shipped, report.on_hand, report.turnover) == (3, 82, Decimal("0.04"))


def test_the_channel_filter_narrows_the_demand_and_the_warehouse_filter_the_stock(stocked):
    market = inventory_report(march(channel=channel("market")), today=TODAY)
    assert {r.sku: r.units for r in market.rows if r.units} == {"STEADY-1": 2}
    assert market.on_hand == 82  # stock is not per channel
    elsewhere = inventory_report(march(warehouse=warehouse("HAM")), today=TODAY)
    assert (elsewhere.rows, elsewhere.forecasts, elsewhere.purchase_orders) == ([], [], [])
    assert (elsewhere.cover_days, elsewhere.turnover, elsewhere.accuracy) == (None, None, None)


def test_the_stored_forecasts_against_actual_demand_and_their_accuracy(stocked):
    report = inventory_report(march(), today=TODAY)
    rows = {
        f.sku: (f.forecast_daily, f.actual_daily, f.backtest_actual, f.backtest_forecast, f.backtest_error)
        for f in report.forecasts
    }
    assert rows == {
        "LOW-1": (Decimal("1.50"), Decimal("0.13"), 30, 26, 8),  # 4 units / 31 days = 0.129
        "STEADY-1": (Decimal("0.25"), Decimal("0.06"), 10, 13, 3),  # 2 / 31 = 0.065 → 0.06
    }
    assert (report.wape_model, report.accuracy) == (Decimal("27.5"), Decimal("72.5"))
    assert report.backtest_weeks == [(15, 17), (25, 22)]
    assert report.forecasts[0].wape_model == Decimal("26.7")  # the stored 8 / 30


def test_open_purchase_orders_with_their_open_units_and_what_is_overdue(stocked):
    report = inventory_report(march(), today=TODAY)
    assert [(po.number, po.units_open, po.overdue) for po in report.purchase_orders] == [
        ("PO-1", 35, True),
        ("PO-2", 7, False),
    ]
    assert (report.open_units, report.overdue_purchase_orders) == (42, 1)


def test_the_section_shows_figures_definitions_links_and_charts(manager_client, stocked):
    with time_machine.travel(at("2026-03-31 12:00"), tick=True):
        html = manager_client.get(reverse("reporting:dashboard"), MARCH, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Inventory health" in html
    assert "89.6" in html and "72.5" in html
    assert reverse("inventory:product-stock", args=["LOW-1"]) in html
    assert reverse("inventory:replenishment-list") in html
    assert reverse("inventory:purchase-order-detail", args=["PO-1"]) in html
    assert f"{reverse('inventory:stock-list')}?out=1" in html
    assert 'id="demand-chart"' in html and 'id="forecast-chart"' in html
    assert "Products with nothing available now" in html
    assert "longer than 180 days" in html
    # The units of a product drill down to its orders.
    assert "sku=LOW-1" in html


def test_the_units_of_a_product_drill_down_to_its_orders(manager_client, stocked):
    url = reverse("reporting:order-list")
    page = manager_client.get(url, {**{"placed_from": "2026-03-01", "placed_to": "2026-03-31"}, "sku": "LOW-1"})
    html = page.content.decode()
    assert stocked["shipped"].number not in html
    assert Order.objects.filter(lines__sku="LOW-1").count() == 2
    assert all(o.number in html for o in Order.objects.filter(lines__sku="LOW-1"))


@pytest.mark.parametrize(
    ("table", "line"),
    [
        ("stock-watch", "LOW-1;Artikel LOW-1;BER;Low stock;12;8;10;4;0;0,13;62,0;93,0"),
        ("slow-movers", "SLOW-1;Artikel SLOW-1;BER;In stock;50;50;5;0;0;0,00;;"),
        ("stock", "STEADY-1;Artikel STEADY-1;BER;In stock;20;18;5;2;0;0,06;279,0;310,0"),
        ("forecasts", "LOW-1;Artikel LOW-1;BER;1,50;0,13;30;26;8;26,7;50,0"),
        ("purchase-orders", "PO-1;Großhandel Nord;BER;2026-03-25;35;yes"),
    ],
)
def test_each_inventory_table_downloads_as_a_streamed_csv(manager_client, stocked, table, line):
    with time_machine.travel(at("2026-03-31 12:00"), tick=True):
        response = manager_client.get(
            reverse("reporting:dashboard-csv", args=[table]), MARCH, HTTP_ACCEPT_LANGUAGE="en"
        )
    assert response.status_code == 200 and response.streaming
    assert line in b"".join(response.streaming_content).decode("utf-8-sig").splitlines()


def test_an_empty_range_and_an_unknown_warehouse_give_clear_answers(manager_client, stocked):
    empty = inventory_report(
        ReportFilters(start=datetime.date(2025, 1, 1), end=datetime.date(2025, 1, 31)), today=TODAY
    )
    assert empty.units == 0 and empty.cover_days is None and empty.turnover == Decimal("0.00")
    assert {r.sku for r in empty.slow_movers} == {"LOW-1", "STEADY-1", "SLOW-1"}
    response = manager_client.get(
        reverse("reporting:dashboard"), {**MARCH, "warehouse": "NOPE"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert "This filter is ignored" in response.content.decode()
    huge = manager_client.get(
        reverse("reporting:dashboard-csv", args=["stock"]),
        {"date_from": "1900-01-01", "date_to": "2026-03-31"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert huge.status_code == 200
    assert "LOW-1" in b"".join(huge.streaming_content).decode("utf-8-sig")
