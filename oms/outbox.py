"""The outbox: side effects that must not be lost, delivered at least once and marked exactly once.

Call ``enqueue(kind, payload)`` inside the transaction of the change that causes the side effect.
The row commits (or rolls back) with that change. After commit a Celery task delivers it; if the
broker is unreachable then, the row stays pending and the periodic sweep (``sweep_outbox_task``)
sends it later. Delivery locks the row, so two workers never deliver the same message at once.

The sweep leaves alone what is already on its way: a message younger than
``OUTBOX_SWEEP_GRACE_SECONDS`` (its own after-commit task is in the queue), and a message the sweep
handed to the broker less than ``OUTBOX_RESEND_SECONDS`` ago (it claims the row by moving
``next_attempt_at`` before sending). A message still pending after that was lost on the way (a
broker restarted without persistence, a purged queue) and is sent again; a repeat that does reach
a worker is harmless, since delivery skips what is no longer pending.

The two Celery tasks that do this work (``deliver_outbox_message_task``, ``sweep_outbox_task``) live
here, beside the code that sends them; ``oms.celery`` tells the worker to load this module.

Handlers are registered per ``kind`` (``register_handler("mail", deliver_mail)``). A handler gets
the message and must raise on failure; it should pass ``message.key`` to the receiver so the
receiver can drop a repeat.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, models, transaction
from django.db.models import QuerySet
from django.utils import timezone

from oms.inserts import insert_statement, mark_saved
from oms.models import OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)

Deliverer = Callable[[OutboxMessage], None]
_handlers: dict[str, Deliverer] = {}


def register_handler(kind: str, handler: Deliverer) -> None:
    _handlers[kind] = handler


_hand_overs_held: contextvars.ContextVar[bool] = contextvars.ContextVar("outbox_hand_overs_held", default=False)


@contextlib.contextmanager
def hand_overs_held() -> Iterator[None]:
    """Messages enqueued inside stay pending for the sweep instead of going to a worker after
    commit, as if the broker were away. For demo data that shows work waiting for its worker (a
    packed shipment whose label is still to be booked), even where tasks run eagerly."""
    token = _hand_overs_held.set(True)
    try:
        yield
    finally:
        _hand_overs_held.reset(token)


def enqueue(kind: str, payload: dict[str, Any]) -> OutboxMessage:
    """Record a side effect in the current transaction and schedule its delivery after commit."""
    _check_kind(kind)
    message = OutboxMessage.objects.create(kind=kind, payload=payload)
    if not _hand_overs_held.get():
        transaction.on_commit(lambda: send_delivery_task_rollback_unsafe(message.pk, kind))
    return message


def insert_and_enqueue(row: models.Model, kind: str, *, id_key: str) -> OutboxMessage:
    """Save the new ``row`` and ``enqueue(kind, {id_key: row.pk})``, in one statement on
    PostgreSQL (the row's INSERT as a data-modifying ``WITH`` in front of the message's), for the
    hot paths that write a row and the side effect about it together (a customer mail)."""
    _check_kind(kind)
    if connection.vendor != "postgresql":
        row.save(force_insert=True)
        return enqueue(kind, {id_key: row.pk})
    message = OutboxMessage(kind=kind)
    row_sql, row_params = insert_statement([row])
    payload = ("jsonb_build_object(%s::text, (SELECT id FROM new_row))", [id_key])
    message_sql, message_params = insert_statement([message], expressions={"payload": payload})
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH new_row AS ({row_sql}), new_message AS ({message_sql}) "
            "SELECT new_row.id, new_message.id FROM new_row, new_message",
            [*row_params, *message_params],
        )
        row_id, message_id = cursor.fetchone()
    mark_saved(row, row_id)
    mark_saved(message, message_id)
    message.payload = {id_key: row_id}
    transaction.on_commit(lambda: send_delivery_task_rollback_unsafe(message_id, kind))
    return message


def _check_kind(kind: str) -> None:
    if kind not in _handlers:
        raise ValueError(f"No outbox handler for kind {kind!r}")


def queue_for(kind: str) -> str | None:
    """The Celery queue a message of ``kind`` is delivered on (``OUTBOX_QUEUES``; None: the
    default queue). PDFs go to a queue of their own, so a burst of them never delays a mail."""
    return settings.OUTBOX_QUEUES.get(kind)


def send_delivery_task_rollback_unsafe(message_id: int, kind: str = "") -> bool:
    """Hand the message to a worker now; True when the broker took it. A broker outage is not an
    error: the message stays pending and the sweep re-sends it.

    Does not wait for commit (hence the name): call it after commit, as ``enqueue`` does, or
    outside a transaction, as the sweep does."""
    try:
        deliver_outbox_message_task.apply_async((message_id,), queue=queue_for(kind))
    except Exception as exc:  # kombu raises OperationalError and friends when Redis is away
        logger.warning("Broker unreachable; outbox message %s waits for the sweep: %s", message_id, exc)
        return False
    return True


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min … capped at 30 min. The wait is kept on the row, not in the broker
    (the sweep sends the message when it is due), so the visibility timeout does not bound it."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 1800))


def deliver(message_id: int) -> OutboxStatus | None:
    """Deliver one message if it is still pending and due. Returns its status afterwards.

    Locks the row for the delivery, so a concurrent worker skips it rather than sending twice.
    """
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, status=OutboxStatus.PENDING)
            .first()
        )
        if message is None:
            return None
        handler = _handlers.get(message.kind)
        message.attempts += 1
        try:
            if handler is None:
                raise LookupError(f"No outbox handler for kind {message.kind!r}")
            handler(message)
        except Exception as exc:
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                message.status = OutboxStatus.FAILED
                logger.error("Outbox message %s failed for good: %s", message.pk, message.last_error)
            else:
                message.next_attempt_at = timezone.now() + backoff(message.attempts)
                logger.warning("Outbox message %s failed (attempt %s): %s", message.pk, message.attempts, exc)
        else:
            message.status = OutboxStatus.DELIVERED
            message.delivered_at = timezone.now()
            message.last_error = ""
        message.save(update_fields=["attempts", "status", "next_attempt_at", "last_error", "delivered_at"])
        return OutboxStatus(message.status)


def _due(now: datetime) -> QuerySet[OutboxMessage]:
    grace = now - timedelta(seconds=settings.OUTBOX_SWEEP_GRACE_SECONDS)
    return OutboxMessage.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now, created_at__lte=grace)


def claim_due_messages(*, limit: int = 500) -> tuple[list[int], datetime]:
    """Claim the due messages for one sweep: move their next attempt ``OUTBOX_RESEND_SECONDS``
    ahead, so later sweeps leave them to the task about to be sent. Returns the ids and the
    claimed time. Rows locked by a delivery in progress or by another sweep are skipped."""
    now = timezone.now()
    until = now + timedelta(seconds=settings.OUTBOX_RESEND_SECONDS)
    with transaction.atomic():
        ids = list(
            _due(now)
            .select_for_update(skip_locked=True)
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )
        OutboxMessage.objects.filter(pk__in=ids).update(next_attempt_at=until)
    return ids, until


def sweep() -> int:
    """Send every due pending message to a worker again; returns how many it sent or tried to.

    What the broker refused is made due again at once (unless a delivery has moved it since)."""
    ids, until = claim_due_messages()
    kinds = dict(OutboxMessage.objects.filter(pk__in=ids).values_list("pk", "kind")) if ids else {}
    refused = [pk for pk in ids if not send_delivery_task_rollback_unsafe(pk, kinds.get(pk, ""))]
    if refused:
        OutboxMessage.objects.filter(pk__in=refused, status=OutboxStatus.PENDING, next_attempt_at=until).update(
            next_attempt_at=timezone.now()
        )
    return len(ids)


def deliver_mail(message: OutboxMessage) -> None:
    """Send an e-mail. Payload: to (list), subject, body; optional html, reply_to."""
    data = message.payload
    email = EmailMessage(
        subject=data["subject"],
        body=data["body"],
        from_email=data.get("from_email") or settings.DEFAULT_FROM_EMAIL,
        to=data["to"],
        reply_to=data.get("reply_to") or None,
        headers={"Message-ID": f"<{message.key}@oms>", "X-OMS-Idempotency-Key": str(message.key)},
    )
    if data.get("html"):
        email.content_subtype = "html"
    email.send(fail_silently=False)


register_handler("mail", deliver_mail)


@shared_task(acks_late=True, ignore_result=True)
def deliver_outbox_message_task(message_id: int) -> str | None:
    """Deliver one outbox message. Safe to run twice: a delivered message is skipped.

    Failures are not retried by Celery: the row keeps its own attempt count and next attempt
    time, and the sweep re-sends it, so a retry survives a lost broker as well. A worker that dies
    while delivering leaves the row pending (its transaction rolls back): the sweep sends it again.
    """
    status = deliver(message_id)
    return status.value if status else None


@shared_task(acks_late=True, ignore_result=True)
def sweep_outbox_task() -> int:
    """Re-send every pending outbox message that is due (beat runs this every minute).

    A message the sweep sent is not sent again for ``OUTBOX_RESEND_SECONDS``."""
    return sweep()
