"""Replenishment write side: record demand, set reorder rules, recompute demand forecasts.

``record_demand``/``record_demands`` are called by ``orders`` when an order is allocated; ``recompute_forecasts`` by the
nightly beat job (``inventory.tasks.recompute_forecasts_task``), the ``recompute_forecasts``
command and the demo seeder. The numbers come from ``inventory.forecasting``.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.db.models import F, Q, Sum, Value
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from inventory import forecasting
from inventory.error_codes import InventoryErrorCode
from inventory.models import (
    OPEN_PO_STATES,
    DailyDemand,
    DemandForecast,
    Product,
    PurchaseOrderLine,
    ReplenishmentRule,
    RuleSource,
    StockLevel,
)
from inventory.models.replenishment import DEFAULT_SERVICE_LEVEL
from oms import parsing
from oms.exceptions import DomainError

DEFAULT_LEAD_TIME_DAYS = 7  # products without a supplier: the Supplier model's own default
# Three years is enough for yearly seasonality and bounds the work per series.
MAX_HISTORY_DAYS = 3 * 364
CHUNK_PAIRS = 200

Progress = Callable[[int, int], None]  # (pairs just finished, total pairs)


class InvalidDemandError(DomainError):
    code = InventoryErrorCode.INVALID_DEMAND
    http_status = 400


class InvalidRuleError(DomainError):
    """A reorder rule that cannot work; ``data["field"]`` names the field to fix."""

    code = InventoryErrorCode.INVALID_RULE
    http_status = 422

    def __init__(self, message: str, *, field: str):
        super().__init__(message, data={"field": field})
        self.field = field


# --- demand history ------------------------------------------------------------------------------


def record_demand(*, product_id: int, warehouse_id: int, on: datetime.date, quantity: int) -> None:
    """Add ``quantity`` units to the product's demand in the warehouse on day ``on``.

    One ``INSERT … ON CONFLICT DO UPDATE`` statement (PostgreSQL and SQLite), so concurrent
    allocations on the same day add up instead of overwriting each other. Joins the caller's
    transaction: a rolled-back allocation records no demand.
    """
    record_demands(on=on, quantities={(product_id, warehouse_id): quantity})


def record_demands(*, on: datetime.date, quantities: Mapping[tuple[int, int], int]) -> None:
    """``record_demand`` for several ``{(product_id, warehouse_id): quantity}`` at once (the lines
    of an order), in one statement whatever their number. Rows are written in key order, so two
    orders upserting the same rows cannot deadlock."""
    statement = demand_upsert(on=on, quantities=quantities)
    if statement is None:
        return
    with connection.cursor() as cursor:
        cursor.execute(*statement)


def demand_upsert(*, on: datetime.date, quantities: Mapping[tuple[int, int], int]) -> tuple[str, list[Any]] | None:
    """The statement ``record_demands`` sends (SQL and parameters; None when there is nothing to
    record), for a caller that sends it as part of another one (``reserve_stock(demand=...)``).
    Raises ``InvalidDemandError`` for a quantity that is not a whole number above zero."""
    for quantity in quantities.values():
        if not parsing.is_quantity(quantity):
            raise InvalidDemandError(
                _("Demand must be a whole number of units greater than zero (got %(value)s).") % {"value": quantity},
                data={"field": "quantity", "value": str(quantity)},
            )
    if not quantities:
        return None
    qn = connection.ops.quote_name
    table, product, warehouse, date, qty = (
        qn(n) for n in (DailyDemand._meta.db_table, "product_id", "warehouse_id", "date", "quantity")
    )
    rows = sorted(quantities.items())
    params = [value for (p, w), units in rows for value in (p, w, on, units)]
    return (
        f"INSERT INTO {table} ({product}, {warehouse}, {date}, {qty}) "
        f"VALUES {', '.join(['(%s, %s, %s, %s)'] * len(rows))} "
        f"ON CONFLICT ({product}, {warehouse}, {date}) "
        f"DO UPDATE SET {qty} = {table}.{qty} + excluded.{qty}",
        params,
    )


def insert_demand_history(*, rows: Iterable[tuple[int, int, datetime.date, int]], batch_size: int = 5000) -> int:
    """Bulk-insert (product_id, warehouse_id, date, quantity) rows for seeders and load generators.

    Days that already have a row are left alone (idempotent re-runs); zero days are skipped.
    Returns the number of rows offered.
    """
    count = 0
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, batch_size)):
        objs = [DailyDemand(product_id=p, warehouse_id=w, date=d, quantity=int(q)) for p, w, d, q in batch if q > 0]
        DailyDemand.objects.bulk_create(objs, ignore_conflicts=True)
        count += len(objs)
    return count


# --- reorder rules -------------------------------------------------------------------------------


def _service_level(value: Any) -> Decimal:
    try:
        level = Decimal(str(value)).quantize(Decimal("0.001"))
    except (InvalidOperation, ValueError):
        level = Decimal("NaN")
    if not level.is_finite() or not Decimal("0.5") <= level <= Decimal("0.999"):
        raise InvalidRuleError(
            _("The service level must be between 0.5 and 0.999 (e.g. 0.95 for 95 %)."), field="service_level"
        )
    return level


@transaction.atomic
def set_replenishment_rule(
    *,
    product_id: int,
    warehouse_id: int,
    reorder_point: int,
    target_level: int,
    service_level: Decimal | float | str | None = None,
    source: str = RuleSource.MANUAL,
    user: Any = None,
) -> ReplenishmentRule:
    """Create or replace the min/max rule of a product in a warehouse.

    Refuses a negative reorder point and a target below it. A changed service level changes the
    safety stock, so the pair's stored forecast (if any) is recomputed in the same transaction, on
    the history it was computed from (up to its ``history_end``), not up to yesterday: the nightly
    recompute moves the window.
    """
    if reorder_point is None or reorder_point < 0:
        raise InvalidRuleError(_("The reorder point must be zero or more."), field="reorder_point")
    if target_level is None or target_level < reorder_point:
        raise InvalidRuleError(
            _("The target level (%(target)s) must be at least the reorder point (%(reorder_point)s).")
            % {"target": target_level, "reorder_point": reorder_point},
            field="target_level",
        )
    existing = ReplenishmentRule.objects.select_for_update().filter(product_id=product_id, warehouse_id=warehouse_id)
    rule = existing.first()
    level = _service_level(
        service_level if service_level is not None else (rule.service_level if rule else DEFAULT_SERVICE_LEVEL)
    )
    level_changed = rule is None or rule.service_level != level
    if rule is None:
        rule = ReplenishmentRule(product_id=product_id, warehouse_id=warehouse_id)
    rule.reorder_point = reorder_point
    rule.target_level = target_level
    rule.service_level = level
    rule.source = source
    rule.updated_by = user if getattr(user, "is_authenticated", False) else None
    rule.save()
    forecast = DemandForecast.objects.filter(product_id=product_id, warehouse_id=warehouse_id).first()
    if forecast is not None:
        if level_changed and forecast.service_level != level:
            # The same history the stored forecast saw, not today's: a new service level changes
            # the safety stock only. Moving the window is the nightly recompute's job; doing it
            # here would mix two changes into one number (and a pair not sold since would suddenly
            # count the quiet days as zero demand).
            recompute_forecasts(
                product_ids=[product_id],
                warehouse_ids=[warehouse_id],
                as_of=forecast.history_end + datetime.timedelta(days=1),
            )
        else:
            _refresh_order_qty(forecast, rule)
    return rule


def accept_suggestion(*, forecast: DemandForecast, user: Any = None) -> ReplenishmentRule:
    """Turn a forecast's suggested reorder point and target into the pair's rule."""
    return set_replenishment_rule(
        product_id=forecast.product_id,
        warehouse_id=forecast.warehouse_id,
        reorder_point=forecast.suggested_reorder_point,
        target_level=max(forecast.suggested_target, forecast.suggested_reorder_point),
        service_level=forecast.service_level,
        source=RuleSource.SUGGESTED,
        user=user,
    )


def _refresh_order_qty(forecast: DemandForecast, rule: ReplenishmentRule) -> None:
    forecast.suggested_order_qty = forecasting.order_quantity(
        reorder_point=rule.reorder_point,
        target_level=rule.target_level,
        available=forecast.available,
        inbound=forecast.inbound,
    )
    forecast.save(update_fields=["suggested_order_qty"])


# --- forecasts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecomputeResult:
    pairs: int
    methods: dict[str, int]


def forecast_pairs(
    *, product_ids: Sequence[int] | None = None, warehouse_ids: Sequence[int] | None = None
) -> list[tuple[int, int]]:
    """(product_id, warehouse_id) pairs that have demand history or a reorder rule, in a stable order."""
    filters = Q()
    if product_ids is not None:
        filters &= Q(product_id__in=list(product_ids))
    if warehouse_ids is not None:
        filters &= Q(warehouse_id__in=list(warehouse_ids))
    demand = DailyDemand.objects.filter(filters).values_list("product_id", "warehouse_id").distinct()
    rules = ReplenishmentRule.objects.filter(filters).values_list("product_id", "warehouse_id")
    return sorted(set(demand.order_by()) | set(rules))


def recompute_forecasts(
    *,
    product_ids: Sequence[int] | None = None,
    warehouse_ids: Sequence[int] | None = None,
    progress: Progress | None = None,
    as_of: datetime.date | None = None,
) -> RecomputeResult:
    """Forecast every product x warehouse with demand (or a rule), store the suggestion per pair.

    History runs up to the day before ``as_of`` (today: today's demand is still coming in).
    Works in chunks of ``CHUNK_PAIRS``, each in its own transaction, so a long nightly run holds
    no long transaction and a rerun simply overwrites (idempotent). ``progress(done, total)``
    is called after each chunk.
    """
    as_of = as_of or timezone.localdate()
    history_end = as_of - datetime.timedelta(days=1)
    pairs = forecast_pairs(product_ids=product_ids, warehouse_ids=warehouse_ids)
    methods: dict[str, int] = {}
    for start in range(0, len(pairs), CHUNK_PAIRS):
        chunk = pairs[start : start + CHUNK_PAIRS]
        with transaction.atomic():
            for forecast in _compute_chunk(chunk, history_end=history_end):
                methods[forecast.method] = methods.get(forecast.method, 0) + 1
        if progress:
            progress(len(chunk), len(pairs))
    return RecomputeResult(pairs=len(pairs), methods=methods)


def _compute_chunk(pairs: list[tuple[int, int]], *, history_end: datetime.date) -> list[DemandForecast]:
    product_ids = sorted({p for p, _w in pairs})
    warehouse_ids = sorted({w for _p, w in pairs})
    wanted = set(pairs)
    history_start = history_end - datetime.timedelta(days=MAX_HISTORY_DAYS - 1)

    demand: dict[tuple[int, int], list[tuple[datetime.date, int]]] = {}
    rows = (
        DailyDemand.objects.filter(
            product_id__in=product_ids,
            warehouse_id__in=warehouse_ids,
            date__gte=history_start,
            date__lte=history_end,
        )
        .order_by("product_id", "warehouse_id", "date")
        .values_list("product_id", "warehouse_id", "date", "quantity")
    )
    for key, group in itertools.groupby(rows.iterator(chunk_size=5000), key=lambda r: (r[0], r[1])):
        if key in wanted:  # a chunk's products x warehouses can cover pairs outside the chunk
            demand[key] = [(r[2], r[3]) for r in group]

    lead_times = dict(Product.objects.filter(pk__in=product_ids).values_list("pk", "default_supplier__lead_time_days"))
    available = {
        (p, w): a
        for p, w, a in StockLevel.objects.filter(product_id__in=product_ids, warehouse_id__in=warehouse_ids)
        .with_available()
        .values_list("product_id", "warehouse_id", "available_units")
    }
    inbound = inbound_quantities(product_ids=product_ids, warehouse_ids=warehouse_ids)
    rules = {
        (r.product_id, r.warehouse_id): r
        for r in ReplenishmentRule.objects.filter(product_id__in=product_ids, warehouse_id__in=warehouse_ids)
    }

    now = timezone.now()
    forecasts = []
    for key in pairs:
        series = _dense_series(demand.get(key, []), end=history_end)
        rule = rules.get(key)
        lead_time = lead_times.get(key[0])
        lead_time = DEFAULT_LEAD_TIME_DAYS if lead_time is None else lead_time
        service_level = rule.service_level if rule else DEFAULT_SERVICE_LEVEL
        avail, inb = available.get(key, 0), inbound.get(key, 0)
        result = forecasting.analyse(
            series,
            lead_time_days=lead_time,
            service_level=float(service_level),
            available=avail,
            inbound=inb,
            reorder_point=rule.reorder_point if rule else None,
            target_level=rule.target_level if rule else None,
        )
        bt = result.backtest
        forecasts.append(
            DemandForecast(
                product_id=key[0],
                warehouse_id=key[1],
                computed_at=now,
                history_end=history_end,
                history_weeks=result.history_weeks,
                method=result.method,
                weekly_forecast=result.weekly_forecast,
                mean_daily_demand=result.mean_daily_demand,
                wape_model=bt.wape_model,
                wape_naive=bt.wape_naive,
                backtest={"actual": bt.actual, "model": _rounded(bt.model), "naive": _rounded(bt.naive)},
                available=avail,
                inbound=inb,
                days_of_cover=result.days_of_cover,
                lead_time_days=lead_time,
                service_level=service_level,
                safety_stock=result.levels.safety_stock,
                suggested_reorder_point=result.levels.reorder_point,
                suggested_target=result.levels.target_level,
                suggested_order_qty=result.suggested_order_qty,
            )
        )
    DemandForecast.objects.bulk_create(
        forecasts,
        update_conflicts=True,
        unique_fields=["product", "warehouse"],
        update_fields=[
            f.name for f in DemandForecast._meta.concrete_fields if f.name not in {"id", "product", "warehouse"}
        ],
    )
    return forecasts


def _rounded(values: list[float]) -> list[float]:
    return [round(v, 2) for v in values]


def _dense_series(days: list[tuple[datetime.date, int]], *, end: datetime.date) -> np.ndarray:
    """Daily quantities from the first day with demand to ``end``, zeros where nothing was sold."""
    if not days:
        return np.zeros(0)
    first = days[0][0]
    series = np.zeros((end - first).days + 1)
    for day, qty in days:
        series[(day - first).days] = qty
    return series


def inbound_quantities(*, product_ids: Sequence[int], warehouse_ids: Sequence[int]) -> dict[tuple[int, int], int]:
    """Units still expected on open purchase orders, per (product, warehouse)."""
    open_qty = Greatest(F("quantity_ordered") - F("quantity_received"), Value(0))
    rows = (
        PurchaseOrderLine.objects.filter(
            product_id__in=product_ids,
            purchase_order__warehouse_id__in=warehouse_ids,
            purchase_order__state__in=OPEN_PO_STATES,
        )
        .values("product_id", "purchase_order__warehouse_id")
        .annotate(open=Sum(open_qty))
        .order_by()
    )
    return {(r["product_id"], r["purchase_order__warehouse_id"]): int(r["open"] or 0) for r in rows}
