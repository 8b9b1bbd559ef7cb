"""Dunning: the payment reminder, then the first and the second dunning notice, each when the
settings say, with its fee, as a real PDF mailed to the buyer and written on the timeline; a paused
invoice gets none, a paid one none; running the sweep twice (or in two workers at once) sends once."""

from __future__ import annotations

import datetime
import subprocess
import threading
from decimal import Decimal

import pytest
from django.core import mail as django_mail
from django.db import connections

from billing import tasks
from billing.dunning_documents import REMINDER_DOCUMENT
from billing.exceptions import DunningError
from billing.models import DunningNotice, Invoice, InvoiceState
from billing.services.dunning import pause_dunning, resume_dunning, send_due_reminders
from billing.services.settlement import settle_order
from oms import documents
from oms.models import CustomerMail
from orders.models import OrderEvent
from tests.billing.dunning_flows import at, invoice_issued_on
from tests.billing.factories import capture

pytestmark = pytest.mark.django_db

ISSUED = datetime.date(2026, 10, 1)  # due 2026-10-15
DUE = ISSUED + datetime.timedelta(days=14)


def day(days_past_due: int) -> datetime.date:
    return DUE + datetime.timedelta(days=days_past_due)


def _send(on: datetime.date) -> int:
    with at(on):
        return send_due_reminders()


def _text(pdf: bytes) -> str:
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return " ".join(out.decode().split())


def test_the_three_levels_go_out_in_turn_each_with_its_fee_and_deadline():
    invoice = invoice_issued_on(ISSUED)

    assert _send(day(6)) == 0  # default: the reminder 7 days after the due date
    assert _send(day(7)) == 1
    assert _send(day(7)) == 0
    assert _send(day(20)) == 0  # the first notice waits for 21 days
    assert _send(day(21)) == 1
    assert _send(day(34)) == 0
    assert _send(day(35)) == 1
    assert _send(day(120)) == 0  # no fourth level

    notices = list(DunningNotice.objects.filter(invoice=invoice).order_by("level"))
    assert [(n.level, n.notice_date, n.fee, n.fees_total) for n in notices] == [
        (1, day(7), Decimal("0.00"), Decimal("0.00")),
        (2, day(21), Decimal("5.00"), Decimal("5.00")),
        (3, day(35), Decimal("10.00"), Decimal("15.00")),
    ]
    week = datetime.timedelta(days=7)
    assert all(n.open_amount == Decimal("44.88") and n.pay_by == n.notice_date + week for n in notices)
    assert Invoice.objects.get(pk=invoice.pk).state == InvoiceState.OVERDUE
    events = OrderEvent.objects.filter(order=invoice.order, data__dunning_notice_id__isnull=False)
    assert events.count() == 3
    assert "Payment reminder for invoice" in events.order_by("pk").first().message
    assert CustomerMail.objects.filter(kind="dunning_notice", to=invoice.buyer_email).count() == 3


def test_a_long_overdue_invoice_gets_the_reminder_first_and_the_notices_after_each_deadline():
    invoice = invoice_issued_on(ISSUED)

    assert _send(day(100)) == 1
    assert _send(day(105)) == 0  # the reminder's deadline (7 days) has not passed
    assert _send(day(108)) == 1
    assert list(invoice.dunning_notices.values_list("level", flat=True)) == [1, 2]


def test_running_the_task_twice_sends_one_mail_with_the_reminder_pdf(django_capture_on_commit_callbacks):
    invoice = invoice_issued_on(ISSUED)
    django_mail.outbox.clear()

    with at(day(7)), django_capture_on_commit_callbacks(execute=True):
        tasks.send_payment_reminders_task()
    with at(day(7)), django_capture_on_commit_callbacks(execute=True):
        tasks.send_payment_reminders_task()

    assert DunningNotice.objects.count() == 1
    sent = [m for m in django_mail.outbox if invoice.number in m.subject]
    assert len(sent) == 1
    assert sent[0].to == [invoice.buyer_email]
    ((filename, pdf, mimetype),) = sent[0].attachments
    assert mimetype == "application/pdf" and pdf.startswith(b"%PDF") and filename == f"{invoice.number}-1.pdf"
    assert CustomerMail.objects.get(kind="dunning_notice").status == "sent"
    assert OrderEvent.objects.filter(order=invoice.order, kind="mail").exists()


def test_the_reminder_pdf_states_the_invoice_the_open_amount_the_fees_and_the_deadline():
    invoice = invoice_issued_on(ISSUED)
    for days in (7, 21):
        _send(day(days))
    notice = DunningNotice.objects.get(invoice=invoice, level=2)

    with at(day(21)):
        document = documents.render_document_now(REMINDER_DOCUMENT, subject=str(notice.pk))
    text = _text(documents.read_document(document))

    for expected in (
        "1. Mahnung",
        invoice.number,
        invoice.order.number,
        "Erika Mustermann",
        "44,88",  # still due
        "5,00",  # this level's fee
        "49,88",  # to pay
        "12. November 2026",  # pay by: notice date + 7 days
        "DE02120300000000202051",  # where to pay
        "Beispiel Handel GmbH",
    ):
        assert expected in text, expected


def test_a_paused_invoice_gets_no_reminder_until_dunning_is_resumed(support_user):
    invoice = invoice_issued_on(ISSUED)

    with at(day(1)):
        pause_dunning(invoice=invoice, reason="Kunde bestreitet die Lieferung", user=support_user)
        with pytest.raises(DunningError):
            pause_dunning(invoice=invoice, reason="noch einmal", user=support_user)
    assert _send(day(30)) == 0
    with at(day(30)):
        resume_dunning(invoice=invoice, user=support_user)
        with pytest.raises(DunningError):
            resume_dunning(invoice=invoice, user=support_user)
    assert _send(day(30)) == 1
    messages = list(OrderEvent.objects.filter(order=invoice.order).values_list("message", flat=True))
    assert any("paused: Kunde bestreitet die Lieferung" in m for m in messages)
    assert any("resumed" in m for m in messages)


def test_pausing_needs_a_reason_and_an_open_invoice(support_user):
    invoice = invoice_issued_on(ISSUED)
    with pytest.raises(DunningError, match="Say why"):
        pause_dunning(invoice=invoice, reason="  ", user=support_user)
    with at(day(1)):
        capture(invoice.order, invoice.total)
        settle_order(order_id=invoice.order_id)
    with pytest.raises(DunningError, match="nothing open"):
        pause_dunning(invoice=invoice, reason="Streit", user=support_user)


def test_a_paid_invoice_gets_no_reminder_even_when_the_payment_arrived_after_it_went_overdue():
    invoice = invoice_issued_on(ISSUED)
    with at(day(3)):
        capture(invoice.order, invoice.total)  # booked; settling waits for the subscriber

    assert _send(day(30)) == 0
    assert Invoice.objects.get(pk=invoice.pk).state == InvoiceState.PAID


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_running_the_sweep_at_once_send_each_reminder_once():
    invoices = [invoice_issued_on(ISSUED) for _ in range(3)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    counts: list[int] = []

    def run() -> None:
        try:
            barrier.wait(timeout=30)
            counts.append(send_due_reminders(today=day(7)))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert sum(counts) == 3
    assert DunningNotice.objects.count() == 3
    assert CustomerMail.objects.filter(kind="dunning_notice").count() == 3
    assert {n.invoice_id for n in DunningNotice.objects.all()} == {i.pk for i in invoices}
