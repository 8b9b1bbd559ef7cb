"""Celery entry points of the orders app. Thin: take primary keys, re-fetch, call one service."""

from __future__ import annotations

from celery import shared_task

from orders.services.allocation import allocate_backorders, sweep_backorders
from orders.services.imports import run_order_import, sweep_order_imports
from orders.services.shop_sync import due_connections, pull_orders, push_marked_stock, sync_all_stock


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


@shared_task(acks_late=True, ignore_result=True)
def pull_due_shops_task() -> int:
    """Beat runs this every minute: each shop whose pull is due is pulled by a task of its own."""
    due = due_connections()
    for connection_id in due:
        pull_shop_orders_task.delay(connection_id)
    return len(due)


@shared_task(acks_late=True, ignore_result=True)
def pull_shop_orders_task(connection_id: int) -> str:
    """Pull one shop's changed orders into intake. Safe to run twice or in parallel: one pull
    holds the shop at a time, and intake creates each shop order once."""
    run = pull_orders(connection_id=connection_id)
    return run.outcome if run is not None else ""


@shared_task(acks_late=True, ignore_result=True)
def push_marked_stock_task() -> int:
    """Beat runs this every minute: the products whose stock changed go to each shop in one push."""
    return push_marked_stock()


@shared_task(acks_late=True, ignore_result=True)
def sync_all_shop_stock_task() -> int:
    """Beat runs this hourly: every product of every shop compared with our available stock."""
    return sync_all_stock()
