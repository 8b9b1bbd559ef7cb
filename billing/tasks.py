"""Celery entry points of billing: thin, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from billing.services.cash_on_delivery import sweep_cash_on_delivery


@shared_task(ignore_result=True)
def sweep_cash_on_delivery_task() -> int:
    """Beat runs this every few minutes: delivered cash-on-delivery parcels whose capture the
    reaction to ``shipment.delivered`` did not book (a lost subscriber) are booked now."""
    return sweep_cash_on_delivery()
