"""Celery entry points of fulfillment (labels are booked through the outbox, ``services.labels``)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from fulfillment.services.completion import complete_delivered_orders


@shared_task(acks_late=True, ignore_result=True)
def complete_delivered_orders_task() -> int:
    """Nightly: complete the orders whose return window has passed. Safe to run twice."""
    return complete_delivered_orders(now=timezone.now())
