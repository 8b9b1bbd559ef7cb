"""What ``oms`` itself holds about a customer (``oms.privacy``): the mails sent to them, the
outbound webhook deliveries about their orders, and outbox messages that copied their data.

On erasure a mail keeps its kind, status and dates (the mail log stays complete) and loses
recipient, subject line, text, HTML and attachments; a webhook delivery keeps its event, status
and attempts and loses the person's data in its body and in the receiver's answers.
"""

from __future__ import annotations

import json
from typing import Any

from django.db.models import Q

from oms import privacy
from oms.models import CustomerMail, OutboxMessage, WebhookAttempt, WebhookDelivery
from oms.privacy import ERASED, Erasure, Subject


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _mails(subject: Subject) -> Any:
    q = Q(pk__in=[])
    for email in subject.emails:
        q |= Q(to__iexact=email)
    return CustomerMail.objects.filter(q)


def _deliveries(subject: Subject) -> Any:
    return WebhookDelivery.objects.filter(Q(order_id__in=subject.order_ids) | privacy.mentioning(subject, "body"))


def export(subject: Subject) -> dict[str, list[dict[str, Any]]]:
    return {
        "mails": [
            {
                "kind": m.kind,
                "to": m.to,
                "subject": m.subject_line,
                "status": m.status,
                "sent_at": _iso(m.sent_at),
                "text": m.body_text,
            }
            for m in _mails(subject).order_by("created_at", "pk")
        ],
        "webhook_deliveries": [
            {
                "event": d.event,
                "created_at": _iso(d.created_at),
                "status": d.status,
                "body": d.body,
            }
            for d in _deliveries(subject).order_by("created_at", "pk")
        ],
    }


def _scrub_body(body: str, subject: Subject) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return privacy.scrub(body, subject.identifiers)
    return json.dumps(privacy.scrub(data, subject.identifiers), ensure_ascii=False)


def erase(subject: Subject, erasure: Erasure) -> None:
    erasure.count(
        "customer mails",
        _mails(subject).update(to=erasure.email, subject_line=ERASED, body_text=ERASED, body_html="", attachments=[]),
    )
    deliveries = list(_deliveries(subject).only("pk", "body", "last_error"))
    for delivery in deliveries:
        body = _scrub_body(delivery.body, subject)
        last_error = privacy.scrub(delivery.last_error, subject.identifiers)
        if (body, last_error) != (delivery.body, delivery.last_error):
            WebhookDelivery.objects.filter(pk=delivery.pk).update(body=body, last_error=last_error)
            erasure.count("webhook deliveries", 1)
    erasure.count(
        "webhook attempts",
        privacy.scrub_rows(
            WebhookAttempt.objects.filter(delivery__in=[d.pk for d in deliveries]),
            ["response_excerpt", "error"],
            subject,
            others=True,
        ),
    )
    erasure.count(
        "outbox messages",
        privacy.scrub_rows(
            OutboxMessage.objects.filter(privacy.mentioning(subject, "payload", "last_error")),
            ["payload", "last_error"],
            subject,
            others=True,
        ),
    )


def register() -> None:
    privacy.register("oms", export=export, erase=erase, order=90)
