"""Inventory health: stock-outs and low stock, days of cover, slow movers and turnover per
product x warehouse, the demand forecast against the actual demand with its accuracy, and the
open purchase orders.

Demand is read from the rollup of units per product and day placed (``DailyProductSales``), so
the channel and country filters apply to it; stock now, reorder rules, the stored forecasts
(``inventory``'s, never recomputed here) and purchase orders are read live: they are one row per
product x warehouse or per purchase order, few beside the order lines.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db.models import F, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest

from inventory.models import (
    OPEN_PO_STATES,
    DemandForecast,
    PurchaseOrder,
    PurchaseOrderLine,
    ReplenishmentRule,
    StockLevel,
)
from inventory.screen_selectors import DEFAULT_LOW_STOCK_THRESHOLD
from reporting.models import DailyProductSales
from reporting.selectors import periods
from reporting.selectors.filters import ReportFilters

OUT, LOW, OK = "out", "low", "ok"
TABLE_ROWS = 20


def _ratio(part: Decimal | int | float, whole: Decimal | int | float, places: str = "0.1") -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


@dataclass
class StockRow:
    """One product in one warehouse: its stock now and its demand in the range."""

    sku: str
    name: str
    warehouse: str
    on_hand: int
    available: int
    threshold: int
    units: int  # ordered in the range
    units_shipped: int  # of those, shipped
    days: int  # days in the range

    @property
    def status(self) -> str:
        if self.available <= 0:
            return OUT
        return LOW if self.available <= self.threshold else OK

    @property
    def daily(self) -> Decimal:
        """Units ordered per day in the range."""
        return Decimal(self.units) / self.days

    @property
    def cover_days(self) -> Decimal | None:
        """Days the available units last at the range's pace; None without demand."""
        return _ratio(self.available, self.daily) if self.units else None

    @property
    def on_hand_days(self) -> Decimal | None:
        """Days the units on hand last at the range's pace; None without demand."""
        return _ratio(self.on_hand, self.daily) if self.units else None

    @property
    def slow(self) -> bool:
        """On hand, and not ordered at all in the range or enough of it for longer than
        ``REPORTING_SLOW_MOVER_DAYS`` at its pace."""
        if self.on_hand <= 0:
            return False
        cover = self.on_hand_days
        return cover is None or cover > settings.REPORTING_SLOW_MOVER_DAYS


@dataclass
class ForecastRow:
    """A stored forecast of one product in one warehouse beside the actual demand."""

    sku: str
    name: str
    warehouse: str
    forecast_daily: Decimal  # the forecast's mean units per day
    actual_daily: Decimal  # units ordered per day in the range
    backtest_actual: int  # units demanded in the weeks the forecast held back
    backtest_forecast: int  # what the model forecast for them
    backtest_error: int  # sum of the weekly absolute errors
    wape_model: Decimal | None  # percent
    wape_naive: Decimal | None  # percent
    method: str


@dataclass
class OpenPurchaseOrder:
    number: str
    supplier: str
    warehouse: str
    expected_date: datetime.date | None
    units_open: int
    overdue: bool


@dataclass
class DemandRow:
    start: datetime.date
    end: datetime.date
    label: str
    units: int


@dataclass
class InventoryReport:
    rows: list[StockRow]
    forecasts: list[ForecastRow]
    purchase_orders: list[OpenPurchaseOrder]
    demand: list[DemandRow]
    backtest_weeks: list[tuple[int, int]] = field(default_factory=list)  # (actual, forecast) per held-out week

    @property
    def stock_outs(self) -> list[StockRow]:
        return sorted((r for r in self.rows if r.status == OUT), key=lambda r: (-r.units, r.sku, r.warehouse))

    @property
    def low_stock(self) -> list[StockRow]:
        return sorted(
            (r for r in self.rows if r.status == LOW),
            key=lambda r: (r.cover_days is None, r.cover_days or 0, r.sku, r.warehouse),
        )

    @property
    def to_watch(self) -> list[StockRow]:
        """Stock-outs first (most demanded first), then low stock by days of cover."""
        return self.stock_outs + self.low_stock

    @property
    def slow_movers(self) -> list[StockRow]:
        return sorted((r for r in self.rows if r.slow), key=lambda r: (r.units, -r.on_hand, r.sku, r.warehouse))

    @property
    def units(self) -> int:
        return sum(r.units for r in self.rows)

    @property
    def cover_days(self) -> Decimal | None:
        """Available units of the products ordered in the range per unit ordered per day."""
        demanded = [r for r in self.rows if r.units]
        if not demanded:
            return None
        days = demanded[0].days
        return _ratio(sum(max(r.available, 0) for r in demanded) * days, sum(r.units for r in demanded))

    @property
    def on_hand(self) -> int:
        return sum(r.on_hand for r in self.rows)

    @property
    def units_shipped(self) -> int:
        return sum(r.units_shipped for r in self.rows)

    @property
    def turnover(self) -> Decimal | None:
        """Units shipped of the range's orders per unit on hand now."""
        return _ratio(self.units_shipped, self.on_hand, "0.01")

    @property
    def wape_model(self) -> Decimal | None:
        """The forecasts' weighted absolute percentage error on their held-out weeks, in percent."""
        error = sum(f.backtest_error for f in self.forecasts)
        actual = sum(f.backtest_actual for f in self.forecasts)
        return _ratio(error * 100, actual)

    @property
    def accuracy(self) -> Decimal | None:
        """100 % less the error, never below 0 %."""
        wape = self.wape_model
        return None if wape is None else max(Decimal("100.0") - wape, Decimal("0.0"))

    @property
    def open_units(self) -> int:
        return sum(po.units_open for po in self.purchase_orders)

    @property
    def overdue_purchase_orders(self) -> int:
        return sum(1 for po in self.purchase_orders if po.overdue)


def _demand(filters: ReportFilters) -> dict[tuple[str, int], tuple[int, int]]:
    """Units ordered and shipped per (SKU, warehouse id) in the range (one grouped query)."""
    rows = (
        DailyProductSales.objects.filter(warehouse__isnull=False, **filters.where())
        .values("sku", "warehouse_id")
        .annotate(u=Sum("units"), s=Sum("units_shipped"))
        .order_by()
    )
    return {(r["sku"], r["warehouse_id"]): (r["u"] or 0, r["s"] or 0) for r in rows}


Demand = dict[tuple[str, int], tuple[int, int]]


def stock_rows(filters: ReportFilters, demand: Demand | None = None) -> list[StockRow]:
    """Every stock level of an active product in an active warehouse (the chosen one), with the
    demand of the range and the low-stock threshold: the rule's reorder point, else the stock
    list's default."""
    demand = _demand(filters) if demand is None else demand
    levels = StockLevel.objects.filter(product__active=True, warehouse__active=True)
    if filters.warehouse is not None:
        levels = levels.filter(warehouse_id=filters.warehouse.pk)
    rule = ReplenishmentRule.objects.filter(product_id=OuterRef("product_id"), warehouse_id=OuterRef("warehouse_id"))
    rows = (
        levels.with_available()
        .annotate(
            threshold=Coalesce(
                Subquery(rule.values("reorder_point")[:1], output_field=IntegerField()),
                Value(DEFAULT_LOW_STOCK_THRESHOLD),
            )
        )
        .order_by("product__sku", "warehouse__code")
        .values_list(
            "product__sku",
            "product__name",
            "warehouse_id",
            "warehouse__code",
            "on_hand",
            "available_units",
            "threshold",
        )
    )
    days = filters.days
    return [
        StockRow(sku, name, code, on_hand, available, threshold, *demand.get((sku, warehouse_id), (0, 0)), days)
        for sku, name, warehouse_id, code, on_hand, available, threshold in rows
    ]


def forecast_rows(
    filters: ReportFilters, demand: Demand | None = None
) -> tuple[list[ForecastRow], list[tuple[int, int]]]:
    """The stored forecasts (of the chosen warehouse) with their backtest and the range's actual
    demand, most demanded first; and the held-out weeks summed over them (actual, forecast)."""
    demand = _demand(filters) if demand is None else demand
    qs = DemandForecast.objects.filter(product__active=True)
    if filters.warehouse is not None:
        qs = qs.filter(warehouse_id=filters.warehouse.pk)
    out: list[ForecastRow] = []
    weeks: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for f in qs.order_by().values(
        "product__sku",
        "product__name",
        "warehouse_id",
        "warehouse__code",
        "mean_daily_demand",
        "backtest",
        "wape_model",
        "wape_naive",
        "method",
    ):
        backtest = f["backtest"] or {}
        actual = [float(a) for a in backtest.get("actual") or []]
        model = [float(m) for m in backtest.get("model") or []][: len(actual)]
        actual = actual[: len(model)]
        # Held-out weeks are counted from the last one (the forecasts' histories end together).
        for i, (a, m) in enumerate(zip(reversed(actual), reversed(model), strict=True)):
            weeks[i][0] += a
            weeks[i][1] += m
        units = demand.get((f["product__sku"], f["warehouse_id"]), (0, 0))[0]
        out.append(
            ForecastRow(
                sku=f["product__sku"],
                name=f["product__name"],
                warehouse=f["warehouse__code"],
                forecast_daily=Decimal(str(f["mean_daily_demand"] or 0)).quantize(Decimal("0.01"), ROUND_HALF_UP),
                actual_daily=(Decimal(units) / filters.days).quantize(Decimal("0.01"), ROUND_HALF_UP),
                backtest_actual=round(sum(actual)),
                backtest_forecast=round(sum(model)),
                backtest_error=round(sum(abs(a - m) for a, m in zip(actual, model, strict=True))),
                wape_model=_percent(f["wape_model"]),
                wape_naive=_percent(f["wape_naive"]),
                method=f["method"],
            )
        )
    out.sort(key=lambda r: (-r.actual_daily, -r.backtest_actual, r.sku, r.warehouse))
    summed = [(round(weeks[i][0]), round(weeks[i][1])) for i in sorted(weeks, reverse=True)]
    return out, summed


def _percent(value: float | None) -> Decimal | None:
    return None if value is None else (Decimal(str(value)) * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)


def open_purchase_orders(filters: ReportFilters, *, today: datetime.date) -> list[OpenPurchaseOrder]:
    """Purchase orders sent to suppliers and not fully received (of the chosen warehouse), by
    expected date; overdue: expected before today."""
    qs = PurchaseOrder.objects.filter(state__in=OPEN_PO_STATES)
    if filters.warehouse is not None:
        qs = qs.filter(warehouse_id=filters.warehouse.pk)
    open_units = (
        PurchaseOrderLine.objects.filter(purchase_order=OuterRef("pk"))
        .order_by()
        .values("purchase_order")
        .annotate(n=Sum(Greatest(F("quantity_ordered") - F("quantity_received"), Value(0))))
        .values("n")
    )
    rows = (
        qs.annotate(units_open=Coalesce(Subquery(open_units, output_field=IntegerField()), Value(0)))
        .order_by(F("expected_date").asc(nulls_last=True), "number")
        .values_list("number", "supplier__name", "warehouse__code", "expected_date", "units_open")
    )
    return [
        OpenPurchaseOrder(number, supplier, code, expected, units, expected is not None and expected < today)
        for number, supplier, code, expected, units in rows
    ]


def demand_per_period(filters: ReportFilters) -> list[DemandRow]:
    """Units ordered per period of the range (all products)."""
    by_day = dict(
        DailyProductSales.objects.filter(**filters.where())
        .values("day")
        .annotate(u=Sum("units"))
        .order_by()
        .values_list("day", "u")
    )
    totals: dict[datetime.date, int] = defaultdict(int)
    for day, units in by_day.items():
        totals[periods.period_start(day, filters.grain)] += units or 0
    return [
        DemandRow(
            start, end, periods.label(start, filters.grain), totals.get(periods.period_start(start, filters.grain), 0)
        )
        for start, end in periods.periods(filters.start, filters.end, filters.grain)
    ]


def inventory_report(filters: ReportFilters, *, today: datetime.date) -> InventoryReport:
    demand = _demand(filters)
    forecasts, weeks = forecast_rows(filters, demand)
    return InventoryReport(
        rows=stock_rows(filters, demand),
        forecasts=forecasts,
        purchase_orders=open_purchase_orders(filters, today=today),
        demand=demand_per_period(filters),
        backtest_weeks=weeks,
    )


def stock_query(filters: ReportFilters, **flags: Any) -> dict[str, str]:
    """The stock list's parameters for the chosen warehouse and a flag (``out`` or ``low``)."""
    params = {key: "1" for key, on in flags.items() if on}
    if filters.warehouse is not None:
        params["warehouse"] = str(filters.warehouse.pk)
    return params
