"""Celery tasks of the project package: outbox delivery and its sweep."""

from __future__ import annotations

from celery import shared_task

from oms import outbox


@shared_task(acks_late=True, ignore_result=True)
def deliver_outbox_message_task(message_id: int) -> str | None:
    """Deliver one outbox message. Safe to run twice: a delivered message is skipped.

    Failures are not retried by Celery: the row keeps its own attempt count and next attempt
    time, and the sweep re-sends it, so a retry survives a lost broker as well.
    """
    status = outbox.deliver(message_id)
    return status.value if status else None


@shared_task(acks_late=True, ignore_result=True)
def sweep_outbox_task() -> int:
    """Re-send every pending outbox message that is due (beat runs this every minute).

    A message the sweep sent is not sent again for ``OUTBOX_RESEND_SECONDS`` (see oms.outbox)."""
    return outbox.sweep()
