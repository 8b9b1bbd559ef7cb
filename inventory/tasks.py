"""Celery entry points of the inventory."""

from __future__ import annotations

from celery import shared_task

from inventory.services.replenishment import forecast_pairs, recompute_forecasts

# Products per task: a daily Holt-Winters fit plus its backtest takes up to ~1 s per series, so a
# chunk stays well inside the task soft time limit (240 s) with three warehouses per product.
FORECAST_PRODUCTS_PER_TASK = 40


@shared_task(acks_late=True, ignore_result=True)
def recompute_forecasts_task(product_ids: list[int] | None = None, warehouse_ids: list[int] | None = None) -> int:
    """Recompute demand forecasts (beat: nightly). Without ``product_ids`` it fans out one task per chunk
    of products, so no single task runs into the time limit; with them it does the work itself.
    Idempotent: a rerun overwrites each pair's forecast. A chunk held by a worker that died comes
    back after the broker's visibility timeout (15 min) and runs again."""
    if product_ids is None:
        products = sorted({p for p, _w in forecast_pairs(warehouse_ids=warehouse_ids)})
        for start in range(0, len(products), FORECAST_PRODUCTS_PER_TASK):
            recompute_forecasts_task.delay(
                product_ids=products[start : start + FORECAST_PRODUCTS_PER_TASK], warehouse_ids=warehouse_ids
            )
        return len(products)
    return recompute_forecasts(product_ids=product_ids, warehouse_ids=warehouse_ids).pairs
