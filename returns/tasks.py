"""Celery entry points of returns: thin, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from returns.services.resolution import sweep_unresolved_returns


@shared_task(acks_late=True, ignore_result=True)
def sweep_unresolved_returns_task() -> int:
    """Every few minutes: inspected returns whose credit note and refund a lost event left out
    are credited and refunded now."""
    return sweep_unresolved_returns()
