"""Invoice payment state from the payments applied: oldest open invoice first, refunds taken
back, overdue after the due date; the database keeps ``due = total - credited - paid``."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from billing.models import Invoice, InvoiceState, InvoiceTrigger, payment_state_for
from billing.services.settlement import settle_order
from orders.models import TransactionKind
from orders.services.payments import record_payment
from tests.orders.factories import ChannelFactory, order_for, stocked_product, warehouse

pytestmark = pytest.mark.django_db

D = Decimal


def _invoice(order, total: str, *, number: str, due: datetime.date) -> Invoice:
    invoice = Invoice.objects.create(
        order=order,
        customer=order.customer,
        trigger=InvoiceTrigger.CONFIRMATION,
        invoice_date=datetime.date(2026, 12, 1),
        delivery_date=datetime.date(2026, 12, 1),
        due_date=due,
        buyer_name=order.billing_name,
        buyer_street=order.billing_street,
        buyer_postcode=order.billing_postcode,
        buyer_city=order.billing_city,
        buyer_country=order.billing_country,
        vat_country="DE",
        currency="EUR",
        price_mode="gross",
        total=D(total),
    )
    invoice.issue(number=number)
    invoice.save()
    return invoice


@pytest.fixture
def order():
    wh = warehouse("W1")
    stocked_product("SKU-1", {wh: 10})
    return order_for(ChannelFactory(), {"SKU-1": 2}, price="50.00")


def test_payments_go_to_the_oldest_open_invoice_first_and_refunds_are_taken_back(order):
    due = datetime.date(2026, 12, 15)
    first = _invoice(order, "60.00", number="RE-2026-000001", due=due)
    second = _invoice(order, "40.00", number="RE-2026-000002", due=due)

    record_payment(order=order, kind=TransactionKind.CAPTURE, amount=D("70.00"))
    settle_order(order_id=order.pk, today=datetime.date(2026, 12, 2))
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, first.amount_paid, first.amount_due) == (InvoiceState.PAID, D("60.00"), D("0.00"))
    assert (second.state, second.amount_paid, second.amount_due) == (
        InvoiceState.PARTIALLY_PAID,
        D("10.00"),
        D("30.00"),
    )

    record_payment(order=order, kind=TransactionKind.REFUND, amount=D("10.00"))
    settle_order(order_id=order.pk, today=datetime.date(2026, 12, 2))
    second.refresh_from_db()
    assert (second.state, second.amount_paid) == (InvoiceState.ISSUED, D("0.00"))

    # Settling again applies nothing twice.
    settle_order(order_id=order.pk, today=datetime.date(2026, 12, 2))
    first.refresh_from_db()
    assert first.payments.count() == 1 and first.amount_paid == D("60.00")

    settle_order(order_id=order.pk, today=datetime.date(2026, 12, 16))
    second.refresh_from_db()
    assert second.state == InvoiceState.OVERDUE


def test_a_capture_before_any_invoice_waits_and_pays_the_first_invoice(order):
    record_payment(order=order, kind=TransactionKind.CAPTURE, amount=D("100.00"))
    invoice = _invoice(order, "100.00", number="RE-2026-000003", due=datetime.date(2026, 12, 15))
    settle_order(order_id=order.pk, today=datetime.date(2026, 12, 1))
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.PAID and invoice.paid_at is not None


def test_the_database_refuses_a_due_amount_that_is_not_the_rest(order):
    invoice = _invoice(order, "100.00", number="RE-2026-000004", due=datetime.date(2026, 12, 15))
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(amount_due=D("1.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(amount_credited=D("100.01"), amount_due=D("-0.01"))


@pytest.mark.parametrize(
    ("paid", "credited", "today", "state"),
    [
        ("0", "0", "2026-12-10", InvoiceState.ISSUED),
        ("10", "0", "2026-12-10", InvoiceState.PARTIALLY_PAID),
        ("10", "0", "2026-12-16", InvoiceState.OVERDUE),
        ("100", "0", "2026-12-16", InvoiceState.PAID),
        ("60", "40", "2026-12-16", InvoiceState.PAID),
        ("0", "100", "2026-12-16", InvoiceState.CREDITED),
    ],
)
def test_payment_state_follows_the_amounts_and_the_due_date(paid, credited, today, state):
    assert (
        payment_state_for(
            total=D("100"),
            paid=D(paid),
            credited=D(credited),
            due_date=datetime.date(2026, 12, 15),
            today=datetime.date.fromisoformat(today),
        )
        == state
    )
