"""The nightly retention job (``oms.retention``): what has expired on the date passed in goes,
and nothing else. The customer's world is written in May 2016 (the clock moved there), and the
job runs for dates around the ends of the periods (no dependence on today). On PostgreSQL and on
SQLite: the job passes both databases' immutability triggers (a declaration of withdrawal)."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.files.storage import default_storage

from oms import retention
from oms.models import CustomerDataAccess, CustomerMail, MailStatus, OutboxMessage, PrivacyAuditEntry, WebhookDelivery
from oms.privacy import ERASED
from tests.oms.test_privacy import EMAIL, NAME, build_customer_world

pytestmark = [pytest.mark.django_db]

BERLIN = datetime.timezone(datetime.timedelta(hours=2))


@pytest.fixture
def old_world(support_user):
    from billing.services.bank_statements import import_bank_statement
    from orders.models import IdempotencyKey
    from returns.services.withdrawals import declare_withdrawal

    with time_machine.travel(datetime.datetime(2016, 5, 2, 10, 0, tzinfo=BERLIN), tick=False):
        world = build_customer_world(support_user)
        order = world["order"]
        declare_withdrawal(order, name=NAME, order_number=order.number)
        CustomerDataAccess.objects.create(username="agent", action="viewed", subject_type="order", subject_id="1")
        IdempotencyKey.objects.create(channel=order.channel, key="k-2016", fingerprint="f" * 64, order=order)
        statement = import_bank_statement(
            data=f"Buchungstag;Betrag;Verwendungszweck\n02.05.2016;13,37;Zahlung {NAME}\n".encode()
        )
        world["bank_line"] = statement.statement.lines.get()
    # A mail of December 2024: young enough to stay in every run below.
    with time_machine.travel(datetime.datetime(2024, 12, 20, 10, 0, tzinfo=BERLIN), tick=False):
        world["recent_mail"] = CustomerMail.objects.create(
            kind="order_confirmation", subject_type="order", subject_id=str(order.pk), to=EMAIL, status=MailStatus.SENT
        )
    return world


def test_the_job_removes_only_what_has_expired_on_the_date_it_is_given(old_world):
    from billing.models import BankStatementLine, Invoice
    from oms.models import Document
    from orders.models import IdempotencyKey, Order
    from returns.models import Withdrawal

    invoice = old_world["invoice"]
    invoice_pdfs = list(Document.objects.filter(kind="invoice", subject=str(invoice.pk)).values_list("file", flat=True))
    assert invoice_pdfs and all(default_storage.exists(name) for name in invoice_pdfs)
    pending_mails = CustomerMail.objects.filter(status=MailStatus.PENDING).count()

    # 31 December 2024: the 2016 invoice is in its 8th year after 2016 still (§14b UStG).
    removed = retention.enforce_retention(as_of=datetime.date(2024, 12, 31))

    assert not CustomerMail.objects.filter(status=MailStatus.SENT).exclude(pk=old_world["recent_mail"].pk).exists()
    assert CustomerMail.objects.filter(pk=old_world["recent_mail"].pk).exists()
    assert CustomerMail.objects.filter(status=MailStatus.PENDING).count() == pending_mails  # not sent yet: kept
    assert not CustomerDataAccess.objects.exists()
    assert not IdempotencyKey.objects.exists()
    assert not Withdrawal.objects.exists()  # 3 years after 2016 (§195 BGB)
    assert not OutboxMessage.objects.filter(status="delivered").exists()
    assert WebhookDelivery.objects.filter(status="pending").exists()  # still being delivered: kept
    assert removed["mail_log"] >= 1 and removed["withdrawals"] == 1 and removed["invoices"] == 0
    invoice.refresh_from_db()
    assert invoice.buyer_name == NAME and all(default_storage.exists(name) for name in invoice_pdfs)
    assert Order.objects.filter(pk=old_world["order"].pk).exists()

    # 1 January 2025: the invoice's period has ended; the books' (10 years) has not.
    removed = retention.enforce_retention(as_of=datetime.date(2025, 1, 1))

    invoice = Invoice.objects.get(pk=invoice.pk)
    assert removed["invoices"] == 1
    assert (invoice.buyer_name, invoice.buyer_street, invoice.buyer_email) == (ERASED, "", "")
    assert invoice.number and invoice.total == old_world["invoice"].total and invoice.buyer_country == "DE"
    assert not Document.objects.filter(kind="invoice", subject=str(invoice.pk)).exists()
    line = BankStatementLine.objects.get(pk=old_world["bank_line"].pk)
    assert NAME in line.remittance

    # The same day again: nothing more to remove.
    again = retention.enforce_retention(as_of=datetime.date(2025, 1, 1))
    assert sum(again.values()) == 0

    # 1 January 2027: the books of 2016 may go too (§147 AO); the amount stays.
    removed = retention.enforce_retention(as_of=datetime.date(2027, 1, 1))
    line.refresh_from_db()
    assert removed["bank_statement_lines"] == 1
    assert (line.counterparty_name, line.remittance, line.amount) == (ERASED, "", old_world["bank_line"].amount)
    runs = PrivacyAuditEntry.objects.filter(action="retention").order_by("pk")
    assert [r.cutoffs["as_of"] for r in runs] == ["2024-12-31", "2025-01-01", "2025-01-01", "2027-01-01"]
    assert runs[1].removed["invoices"] == 1 and runs[1].cutoffs["invoices"] == "2017-01-01"


def test_a_period_is_a_setting(settings):
    settings.RETENTION_PERIODS = {**settings.RETENTION_PERIODS, "mail_log": {"days": 10}}

    moment = retention.cutoff("mail_log", datetime.date(2026, 3, 11))

    assert moment.date() == datetime.date(2026, 3, 1)
    assert retention.cutoff("invoices", datetime.date(2026, 3, 11)).date() == datetime.date(2018, 1, 1)


def test_the_beat_schedule_runs_the_job_nightly(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["privacy-retention-nightly"]
    assert entry["task"] == "oms.retention.enforce_retention_task"


@pytest.mark.postgres  # SQLite has no triggers on invoices: the model's save guard is the check there
def test_even_the_retention_job_cannot_change_an_issued_invoices_amounts(old_world):
    from django.db import IntegrityError, connection, transaction

    from billing.models import Invoice

    invoice = old_world["invoice"]
    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL oms.erasure = 'on'")
        Invoice.objects.filter(pk=invoice.pk).update(buyer_name=ERASED, total=invoice.total + 1)

    assert Invoice.objects.get(pk=invoice.pk).buyer_name == NAME
