"""A documents worker killed (SIGKILL of its whole process group) while it renders an invoice PDF:
the invoice and its number were committed when it was issued, the next worker renders the PDF, and
there is exactly one invoice, one number and one PDF, and the customer gets one mail with it.

Real parts throughout: Celery worker processes (prefork) on the test database and a redis-server
of the test's own, the outbox and its sweep, WeasyPrint. The worker is killed while it holds the
lock on the document's outbox message, which it holds for the whole render.
"""

from __future__ import annotations

import subprocess

import pytest

from billing.documents import INVOICE_DOCUMENT, INVOICE_MAIL
from billing.models import ChannelBilling, Invoice, IssueOn, NumberCounter
from billing.services.issuing import issue_invoice_for_order
from oms import documents, outbox
from oms.models import CustomerMail, Document, DocumentStatus, OutboxMessage
from tests.billing.flows import place
from tests.fulfillment.test_label_worker_killed import _rendering, _wait_or_explain
from tests.reliability.conftest import celery_broker, redis_process  # noqa: F401  (fixtures)
from tests.reliability.test_worker_killed import _alive, _wait_for, workers  # noqa: F401  (fixture)

pytestmark = [
    pytest.mark.reliability,
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def test_a_worker_killed_mid_render_leaves_one_invoice_number_and_the_next_worker_renders_the_pdf(
    workers,  # noqa: F811  (the fixtures imported above)
    celery_broker,  # noqa: F811
    settings,
):
    queue = f"{celery_broker.queue}-documents"
    settings.OUTBOX_QUEUES = {"document": queue, "customer_mail": queue}
    settings.OUTBOX_SWEEP_GRACE_SECONDS = 0
    workers.env.update({"CELERY_DEFAULT_QUEUE": queue, "DOCUMENTS_QUEUE": queue})
    order = place({"MUG-1": (2, "12.50")}, channel_code="b2b")
    ChannelBilling.objects.create(channel=order.channel, issue_on=IssueOn.CONFIRMATION)

    first, first_log = workers.start("first")
    _wait_for(lambda: "ready." in first_log.read_text(), timeout=90, what=f"the first worker ({first_log})")
    invoice = issue_invoice_for_order(order_id=order.pk)  # the PDF and the mail are requested on commit

    _wait_or_explain(_rendering, log=first_log, timeout=120, interval=0.01, what="the render to start")
    group = workers.kill(first)
    _wait_for(lambda: not any(_alive(pid) for pid in group), timeout=5, what="every process of the worker to die")

    pdf_document = Document.objects.get(kind=INVOICE_DOCUMENT)
    assert pdf_document.status == DocumentStatus.PENDING  # the render rolled back with the dead worker
    assert Invoice.objects.get().number == invoice.number

    # A new worker; the outbox sweep (beat's minute) sends the pending render again.
    _second, second_log = workers.start("second")
    _wait_for(lambda: "ready." in second_log.read_text(), timeout=90, what="the second worker")
    outbox.sweep()
    _wait_or_explain(
        lambda: Document.objects.get(pk=pdf_document.pk).status == DocumentStatus.READY,
        log=second_log,
        timeout=90,
        interval=0.2,
        what="the second worker to render the invoice",
    )
    outbox.sweep()
    _wait_or_explain(
        lambda: CustomerMail.objects.filter(kind=INVOICE_MAIL, status="sent").exists(),
        log=second_log,
        timeout=90,
        interval=0.2,
        what="the invoice mail to be sent",
    )

    assert list(Invoice.objects.values_list("number", flat=True)) == [invoice.number]
    assert NumberCounter.objects.get(series="RE").last == 1
    assert Document.objects.filter(kind=INVOICE_DOCUMENT).count() == 1
    assert OutboxMessage.objects.filter(kind="document").count() == 1
    assert CustomerMail.objects.filter(kind=INVOICE_MAIL).count() == 1
    pdf = documents.read_document(Document.objects.get(pk=pdf_document.pk))
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert invoice.number in text
