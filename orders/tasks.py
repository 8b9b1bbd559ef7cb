"""Celery entry points of the orders app. Thin: take primary keys, re-fetch, call one service."""

from __future__ import annotations

from celery import shared_task

from orders.services.allocation import allocate_backorders, sweep_backorders
from orders.services.imports import run_order_import, sweep_order_imports


@shared_task(acks_late=True, ignore_result=True)
def import_orders_csv_task(import_id: int) -> str:
    """Run one CSV order import, or resume one whose worker died. Safe to run twice: a finished
    import, or one another live run works on, is left alone; orders already placed are found
    again by channel and external id."""
    return run_order_import(import_id=import_id, continue_with=import_orders_csv_task).status


@shared_task(acks_late=True, ignore_result=True)
def sweep_order_imports_task() -> int:
    """Beat runs this every minute: an import whose heartbeat stopped (its worker died) or whose
    task was lost is queued again and resumes where it stopped."""
    return sweep_order_imports(task=import_orders_csv_task)


@shared_task(ignore_result=True)
def allocate_backorders_task(product_ids: list[int]) -> int:
    """Stock became available for ``product_ids`` (received, or released by a cancellation): the
    backordered orders waiting for them try to allocate, oldest first. Safe to run twice: an
    order allocated by the first run is no longer backordered. Lost with a dead worker, its work
    is done by the backorder sweep within five minutes."""
    return allocate_backorders(product_ids=product_ids)


@shared_task(ignore_result=True)
def sweep_backorders_task() -> int:
    """Beat runs this every few minutes: backordered orders whose units are available now
    allocate, whether or not the reaction to the stock's arrival ever ran."""
    return sweep_backorders()
