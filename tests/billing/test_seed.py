"""The billing demo seeder: invoices in every state, credit notes, reminders at every dunning
level and a bank statement with matched, unmatched and ignored credits, reached through the
services (so the money adds up), idempotent."""

from __future__ import annotations

import datetime

import pytest
from django.db.models import Sum

from billing.models import (
    BankLineState,
    BankStatementLine,
    CreditNote,
    DunningNotice,
    DunningPause,
    Invoice,
    InvoicePayment,
    InvoiceState,
)
from billing.seed import seed_billing
from fulfillment.carriers.catalogue import seed_carriers
from inventory.seed import seed_inventory
from orders.seed import seed_orders

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.time_machine(datetime.datetime(2026, 11, 23, 8, 0, tzinfo=datetime.UTC)),
]

TODAY = datetime.date(2026, 11, 23)


def test_the_demo_has_invoices_in_every_state_reminders_at_every_level_and_a_bank_statement():
    seed_inventory(scale=0.1)
    seed_orders(scale=0.1)
    seed_carriers()

    seed_billing(scale=0.1, today=TODAY)

    states = set(Invoice.objects.values_list("state", flat=True))
    assert set(InvoiceState) - {InvoiceState.DRAFT} <= states
    credited = Invoice.objects.get(state=InvoiceState.CREDITED)
    assert credited.amount_credited == credited.total and credited.amount_paid == 0
    goodwill = CreditNote.objects.exclude(invoice=credited).get()
    assert goodwill.total > 0 and goodwill.invoice.state in (InvoiceState.ISSUED, InvoiceState.OVERDUE)

    notices = DunningNotice.objects.select_related("invoice")
    assert sorted(notices.values_list("level", flat=True)) == [1, 1, 1, 2, 2, 3]
    for notice in notices:
        assert notice.notice_date <= TODAY and notice.invoice.due_date < notice.notice_date
        assert notice.invoice.state == InvoiceState.OVERDUE
    paused = DunningPause.objects.get(resumed_at__isnull=True)
    assert paused.invoice.state == InvoiceState.OVERDUE and not paused.invoice.dunning_notices.exists()

    lines = set(BankStatementLine.objects.values_list("state", flat=True))
    assert {BankLineState.MATCHED, BankLineState.UNMATCHED, BankLineState.IGNORED} <= lines
    paid = Invoice.objects.get(state=InvoiceState.PAID)
    assert BankStatementLine.objects.get(state=BankLineState.MATCHED).amount == paid.total

    # The money adds up: each invoice's paid amount is what its payments applied, its due the rest.
    for invoice in Invoice.objects.all():
        applied = InvoicePayment.objects.filter(invoice=invoice).aggregate(s=Sum("amount"))["s"] or 0
        assert invoice.amount_paid == applied
        assert invoice.amount_due == invoice.total - invoice.amount_credited - invoice.amount_paid
        assert invoice.invoice_date <= TODAY and invoice.delivery_date <= invoice.invoice_date

    before = (Invoice.objects.count(), DunningNotice.objects.count(), BankStatementLine.objects.count())
    seed_billing(scale=0.1, today=TODAY)
    assert (Invoice.objects.count(), DunningNotice.objects.count(), BankStatementLine.objects.count()) == before
