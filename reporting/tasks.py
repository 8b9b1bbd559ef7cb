"""Celery entry points of the reports."""

from __future__ import annotations

from celery import shared_task

from reporting.services.rollups import refresh_rollups


@shared_task(acks_late=True, ignore_result=True)
def refresh_rollups_task() -> int:
    """Bring the rollups up to date (beat: every ``REPORTING_REFRESH_SECONDS``). Safe to run
    twice or at once: a run that finds the watermark locked does nothing, one that dies
    changes nothing. Runs again at once while it is behind by more than one window."""
    result = refresh_rollups()
    if result.more:
        refresh_rollups_task.delay()
    return result.orders
