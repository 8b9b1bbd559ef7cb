"""Celery entry points of the orders app. Thin: take primary keys, re-fetch, call one service."""

from __future__ import annotations

from celery import shared_task

from orders.services.imports import run_order_import


@shared_task(acks_late=True, ignore_result=True)
def import_orders_csv_task(import_id: int) -> str:
    """Run one CSV order import. Safe to run twice: a finished import is left alone and orders
    already placed are found again by channel and external id."""
    return run_order_import(import_id=import_id).status
