"""Redis stopped while an order is placed and a document is requested: the confirmation mail and
the PDF wait in the outbox; when Redis is back, real workers deliver each once. Mail and PDFs
travel on different queues: the mail worker sends the mail without touching the PDF, the
documents worker renders the PDF.
"""

from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail as django_mail
from django.db import transaction

from oms import documents
from oms.celery import app as celery_app
from oms.models import CustomerMail, Document, DocumentStatus, MailStatus, OutboxMessage, OutboxStatus
from orders.mails import LEGAL_TEXT
from orders.models import EventKind, LegalText, OrderEvent
from orders.services.intake import place_order
from tests.oms.mailfixtures import order_draft, shop_with_legal_texts

pytestmark = [
    pytest.mark.reliability,
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def _wait(predicate, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def test_mail_and_pdf_wait_out_a_redis_outage_and_each_queue_delivers_its_own_once(celery_broker, settings):
    from oms.outbox import sweep_outbox_task

    settings.OUTBOX_SWEEP_GRACE_SECONDS = 0  # the beat's minute has passed
    settings.OUTBOX_QUEUES = {"document": f"{celery_broker.queue}-documents"}
    channel = shop_with_legal_texts()
    privacy = LegalText.objects.get(kind="privacy")
    django_mail.outbox.clear()

    celery_broker.stop()
    with transaction.atomic():
        order = place_order(channel=channel, draft=order_draft()).order
        document = documents.request_document(LEGAL_TEXT, subject=str(privacy.pk), version=privacy.version)
    # Committed, nothing lost, nothing delivered.
    assert CustomerMail.objects.get().status == MailStatus.PENDING
    assert Document.objects.get(pk=document.pk).status == DocumentStatus.PENDING
    assert set(OutboxMessage.objects.values_list("kind", "status")) == {
        ("customer_mail", OutboxStatus.PENDING),
        ("document", OutboxStatus.PENDING),
    }
    assert django_mail.outbox == []

    celery_broker.start()
    # Only the default queue's worker runs: the mail goes out, the PDF waits on its own queue.
    with start_worker(celery_app, pool="solo", perform_ping_check=False, queues=[celery_broker.queue]):
        assert sweep_outbox_task() == 2
        assert _wait(lambda: CustomerMail.objects.get().status == MailStatus.SENT)
        time.sleep(0.5)
    assert Document.objects.get(pk=document.pk).status == DocumentStatus.PENDING

    documents_queue = settings.OUTBOX_QUEUES["document"]
    with start_worker(celery_app, pool="solo", perform_ping_check=False, queues=[documents_queue]):
        assert _wait(lambda: Document.objects.get(pk=document.pk).status == DocumentStatus.READY)
        assert sweep_outbox_task() == 0

    [sent] = django_mail.outbox
    assert sent.to == ["joerg@example.de"] and [name for name, *_ in sent.attachments] == [
        "AGB.pdf",
        "Widerrufsbelehrung.pdf",
    ]
    assert sent.extra_headers["X-OMS-Idempotency-Key"] == str(OutboxMessage.objects.get(kind="customer_mail").key)
    assert OrderEvent.objects.filter(order=order, kind=EventKind.MAIL).count() == 1
    assert set(OutboxMessage.objects.values_list("status", "attempts")) == {(OutboxStatus.DELIVERED, 1)}
    assert Document.objects.get(pk=document.pk).sha256
