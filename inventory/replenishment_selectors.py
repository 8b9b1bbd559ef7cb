"""Reads for the replenishment screens: the suggestion list and one forecast with its chart.

Available and inbound are read live (the stored forecast keeps the values it was computed with);
the reorder point and target come from the manager's rule when there is one, else from the
suggestion, so the list reflects a rule the moment it is saved.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    Case,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest

from inventory.models import (
    OPEN_PO_STATES,
    DailyDemand,
    DemandForecast,
    PurchaseOrderLine,
    ReplenishmentRule,
    StockLevel,
    Warehouse,
)

CHART_HISTORY_WEEKS = 52


def replenishment_suggestions(*, warehouse_id: int | None = None, q: str = "") -> QuerySet[DemandForecast]:
    """Forecasts with live stock, the effective rule and the order quantity; products that needed an
    order at the last recompute first, then the shortest cover. Filter by warehouse, search SKU or name."""
    pair = {"product": OuterRef("product_id"), "warehouse": OuterRef("warehouse_id")}
    level = StockLevel.objects.filter(**pair)
    open_lines = (
        PurchaseOrderLine.objects.filter(
            product=OuterRef("product_id"),
            purchase_order__warehouse=OuterRef("warehouse_id"),
            purchase_order__state__in=OPEN_PO_STATES,
        )
        .order_by()
        .values("product")
        .annotate(open=Sum(Greatest(F("quantity_ordered") - F("quantity_received"), Value(0))))
        .values("open")
    )
    rule = ReplenishmentRule.objects.filter(**pair)
    qs = DemandForecast.objects.select_related("product", "warehouse")
    if warehouse_id:
        qs = qs.filter(warehouse_id=warehouse_id)
    if q := q.strip():
        qs = qs.filter(Q(product__sku__istartswith=q) | Q(product__name__icontains=q))
    int_field = IntegerField()
    return (
        qs.annotate(
            live_available=Coalesce(
                Subquery(level.with_available().values("available_units")[:1], output_field=int_field),
                Value(0),
                output_field=int_field,
            ),
            live_inbound=Coalesce(Subquery(open_lines[:1], output_field=int_field), Value(0), output_field=int_field),
            rule_id=Subquery(rule.values("pk")[:1]),
            reorder_point=Coalesce(
                Subquery(rule.values("reorder_point")[:1], output_field=int_field),
                F("suggested_reorder_point"),
                output_field=int_field,
            ),
            target_level=Coalesce(
                Subquery(rule.values("target_level")[:1], output_field=int_field),
                F("suggested_target"),
                output_field=int_field,
            ),
        )
        .annotate(position=ExpressionWrapper(F("live_available") + F("live_inbound"), output_field=int_field))
        .annotate(
            at_or_below=Case(
                When(Q(position__lte=F("reorder_point")) & Q(target_level__gt=0), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
        .annotate(
            order_qty=Case(
                When(at_or_below=True, then=F("target_level") - F("position")),
                default=Value(0),
                output_field=int_field,
            )
        )
        # Sorted on stored columns only (order quantity as of the last recompute or rule change):
        # PostgreSQL then evaluates the live subqueries above for the rows of one page, not for
        # every forecast (90,000 rows: 4.5 s when sorting on the live values).
        .order_by(
            Case(When(suggested_order_qty__gt=0, then=Value(1)), default=Value(0)).desc(),
            F("days_of_cover").asc(nulls_last=True),
            "product__sku",
            "warehouse__priority",
            "pk",
        )
    )


def suggestion(*, pk: int) -> DemandForecast | None:
    """One row of ``replenishment_suggestions`` (same annotations), or None."""
    return replenishment_suggestions().filter(pk=pk).first()


def rule_for(forecast: DemandForecast) -> ReplenishmentRule | None:
    return ReplenishmentRule.objects.filter(product_id=forecast.product_id, warehouse_id=forecast.warehouse_id).first()


def warehouses_with_forecasts() -> list[Warehouse]:
    return list(Warehouse.objects.filter(demand_forecasts__isnull=False).distinct().order_by("priority", "code"))


def weekly_history(
    *, product_id: int, warehouse_id: int, end: datetime.date, weeks: int = CHART_HISTORY_WEEKS
) -> list[tuple[datetime.date, int]]:
    """Demand per 7-day week ending on ``end`` (aligned with the forecast), oldest first: (week start, units)."""
    start = end - datetime.timedelta(days=weeks * 7 - 1)
    totals = [0] * weeks
    rows = DailyDemand.objects.filter(
        product_id=product_id, warehouse_id=warehouse_id, date__gte=start, date__lte=end
    ).values_list("date", "quantity")
    for day, qty in rows:
        totals[(day - start).days // 7] += qty
    first = (
        DailyDemand.objects.filter(product_id=product_id, warehouse_id=warehouse_id)
        .order_by("date")
        .values_list("date", flat=True)
        .first()
    )
    if first is None:
        return []
    # Weeks before the first recorded sale are not history: the chart starts where the data starts.
    skip = max(0, (first - start).days // 7)
    return [(start + datetime.timedelta(days=7 * i), totals[i]) for i in range(skip, weeks)]


# --- chart ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tick:
    pos: float
    label: str


@dataclass(frozen=True)
class Chart:
    """Geometry of the server-rendered SVG chart (history solid, forecast dashed, backtest dotted)."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    history_points: str
    forecast_points: str
    backtest_points: str
    divider_x: float
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    empty: bool


def build_chart(
    *,
    history: list[tuple[datetime.date, int]],
    forecast: list[float],
    backtest_model: list[float],
    history_end: datetime.date,
    width: int = 760,
    height: int = 260,
) -> Chart:
    """Scale weekly history and forecast onto one SVG canvas; x = week index, y = units per week."""
    left, right, top, bottom = 48, width - 12, 12, height - 28
    n_hist, n_fc = len(history), len(forecast)
    total = max(n_hist + n_fc, 2)
    values = [v for _d, v in history] + list(forecast) + list(backtest_model)
    y_max = _nice_max(max(values, default=0))

    def x(i: float) -> float:
        return round(left + (right - left) * i / (total - 1), 1)

    def y(v: float) -> float:
        return round(bottom - (bottom - top) * (v / y_max), 1)

    history_points = " ".join(f"{x(i)},{y(v)}" for i, (_d, v) in enumerate(history))
    # The forecast line starts at the last real week so the two read as one curve.
    fc_start = [(n_hist - 1, history[-1][1])] if history else []
    forecast_points = " ".join(
        f"{x(i)},{y(v)}" for i, v in fc_start + [(n_hist + k, v) for k, v in enumerate(forecast)]
    )
    bt_offset = n_hist - len(backtest_model)
    backtest_points = (
        " ".join(f"{x(bt_offset + k)},{y(v)}" for k, v in enumerate(backtest_model)) if bt_offset >= 0 else ""
    )
    y_ticks = [Tick(y(y_max * k / 4), f"{round(y_max * k / 4):g}") for k in range(5)]
    first_week = history[0][0] if history else history_end + datetime.timedelta(days=1)
    x_ticks = [
        Tick(x(i), (first_week + datetime.timedelta(days=7 * i)).strftime("%d.%m.%y"))
        for i in range(0, n_hist + n_fc, 13)
    ]
    return Chart(
        width=width,
        height=height,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        history_points=history_points,
        forecast_points=forecast_points,
        backtest_points=backtest_points,
        divider_x=x(n_hist - 1) if history else x(0),
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        empty=not any(values),
    )


def _nice_max(value: float) -> float:
    """A round axis maximum at or above ``value`` (1, 2, 2.5, 5 x 10^n)."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return float(step * magnitude)
    return float(10 * magnitude)  # pragma: no cover
