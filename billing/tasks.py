"""Celery entry points of billing: thin, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from billing.services.cash_on_delivery import sweep_cash_on_delivery
from billing.services.dunning import send_due_reminders
from billing.services.issuing import sweep_uninvoiced
from billing.services.settlement import mark_overdue_invoices


@shared_task(ignore_result=True)
def sweep_cash_on_delivery_task() -> int:
    """Beat runs this every few minutes: delivered cash-on-delivery parcels whose capture the
    reaction to ``shipment.delivered`` did not book (a lost subscriber) are booked now."""
    return sweep_cash_on_delivery()


@shared_task(acks_late=True, ignore_result=True)
def sweep_uninvoiced_task() -> int:
    """Every few minutes: issue the invoices of shipped shipments (and confirmed orders of
    channels that invoice at confirmation) that have none."""
    return sweep_uninvoiced()


@shared_task(acks_late=True, ignore_result=True)
def mark_overdue_invoices_task() -> int:
    """Nightly: invoices past their due date with something still due become overdue."""
    return mark_overdue_invoices()


@shared_task(acks_late=True, ignore_result=True)
def send_payment_reminders_task() -> int:
    """Daily: payment reminders and dunning notices that are due (each level once per invoice)."""
    return send_due_reminders()
