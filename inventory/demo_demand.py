"""Demo data for replenishment: two years of seasonal daily demand and a first set of forecasts.

Registered as the ``demand`` seeder (order 30, after the catalogue and stock). Idempotent: history
is only written when there is none, forecasts only computed when there are none.
"""

from __future__ import annotations

import datetime
import zlib
from typing import Any

from django.utils import timezone

from inventory.forecasting import synthetic_daily_demand
from inventory.models import DailyDemand, DemandForecast, Product, Warehouse
from inventory.services.replenishment import insert_demand_history, recompute_forecasts

HISTORY_DAYS = 2 * 364 + 8 * 7  # two years plus the backtest's holdout, so the backtest sees two years too
HISTORY_PRODUCTS = 20
FORECAST_PRODUCTS = 8  # the rest is forecast by the nightly job or `manage.py recompute_forecasts`


def seed_demand(*, stdout: Any = None, scale: float = 1.0, **_: Any) -> None:
    def say(text: str) -> None:
        if stdout:
            stdout.write(text)

    warehouses = list(Warehouse.objects.filter(active=True).order_by("priority", "code"))
    products = list(
        Product.objects.filter(active=True, is_preorder=False).order_by("sku")[: max(1, int(HISTORY_PRODUCTS * scale))]
    )
    if not warehouses or not products:
        say("Demand history skipped: no products or warehouses yet.")
        return
    today = timezone.localdate()  # read once: a run across midnight still forecasts the history it wrote
    end = today - datetime.timedelta(days=1)
    start = end - datetime.timedelta(days=HISTORY_DAYS - 1)
    if not DailyDemand.objects.exists():
        rows = insert_demand_history(rows=_history_rows(products, warehouses, start=start))
        say(f"Demand history: {rows} days for {len(products)} products in {len(warehouses)} warehouses.")
    if not DemandForecast.objects.exists():
        subset = [p.pk for p in products[: max(1, int(FORECAST_PRODUCTS * scale))]]
        result = recompute_forecasts(product_ids=subset, as_of=today)
        say(f"Forecasts: {result.pairs} computed.")


def _history_rows(products: list[Product], warehouses: list[Warehouse], *, start: datetime.date):
    for product in products:
        seed = zlib.crc32(product.sku.encode())  # stable per SKU, unlike hash()
        base = 2 + seed % 14
        for rank, warehouse in enumerate(warehouses):
            share = 1.0 / (1 + rank)  # the preferred warehouse sells the most
            daily = synthetic_daily_demand(
                HISTORY_DAYS,
                start=start,
                base=base * share,
                trend_per_year=((seed >> 4) % 7 - 2) / 10,  # -20 % .. +40 % a year
                weekly_amplitude=0.25,
                yearly_amplitude=((seed >> 8) % 5) / 10,  # none .. strong December peak
                noise=1.0,
                seed=seed + rank,
            )
            for offset, quantity in enumerate(daily):
                if quantity > 0:
                    yield product.pk, warehouse.pk, start + datetime.timedelta(days=offset), int(quantity)
