"""An issued invoice never changes (GoBD): the database refuses, below the ORM and for raw SQL,
any change of its content, its lines and VAT rows, and any delete; only the payment side moves.
Applied payments are append-only and number counters never count back."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction

from billing.exceptions import IssuedDocumentError
from billing.models import Invoice, InvoicePayment, NumberCounter
from billing.services.issuing import issue_invoice_for_shipment
from billing.services.settlement import settle_order
from orders.models import TransactionKind
from orders.services.payments import record_payment
from tests.billing.flows import place, ship

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def invoice():
    with time_machine.travel(datetime.datetime(2026, 12, 7, 10, 0, tzinfo=datetime.UTC), tick=False):
        order = place({"MUG-1": (2, "19.99")})
        return issue_invoice_for_shipment(shipment_id=ship(order, {"MUG-1": 2}).pk)


def _refused(sql: str, params: list) -> None:
    with (
        pytest.raises(IntegrityError, match=r"issued|append-only|count up"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)


@pytest.mark.parametrize(
    ("column", "value"),
    [("total", "1.00"), ("number", "RE-2026-999999"), ("buyer_name", "Someone Else"), ("invoice_date", "2026-01-01")],
)
def test_raw_sql_cannot_change_an_issued_invoice(invoice, column, value):
    _refused(f"UPDATE billing_invoice SET {column} = %s WHERE id = %s", [value, invoice.pk])
    invoice.refresh_from_db()
    assert invoice.number.startswith("RE-2026-") and invoice.total == Decimal("44.88")


def test_raw_sql_cannot_delete_an_issued_invoice_or_touch_its_lines_and_vat_rows(invoice):
    line = invoice.lines.first()
    _refused("DELETE FROM billing_invoice WHERE id = %s", [invoice.pk])
    _refused("UPDATE billing_invoiceline SET line_total = 0 WHERE id = %s", [line.pk])
    _refused("DELETE FROM billing_invoiceline WHERE id = %s", [line.pk])
    _refused(
        "INSERT INTO billing_invoiceline (invoice_id, position, kind, sku, name, quantity, unit_price, discount,"
        " vat_rate, line_total) VALUES (%s, 9, 'product', 'X', 'Extra', 1, 1.00, 0, 19.00, 1.00)",
        [invoice.pk],
    )
    _refused("UPDATE billing_invoicevatrow SET vat = 0 WHERE invoice_id = %s", [invoice.pk])
    assert Invoice.objects.filter(pk=invoice.pk).exists() and invoice.lines.count() == 1


def test_the_orm_refuses_a_change_and_a_delete_with_a_clear_error(invoice):
    invoice = Invoice.objects.get(pk=invoice.pk)
    invoice.buyer_name = "Someone Else"
    with pytest.raises(IssuedDocumentError, match="credit note"):
        invoice.save()
    with pytest.raises(IssuedDocumentError):
        invoice.delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(buyer_name="Someone Else")


def test_the_payment_side_of_an_issued_invoice_still_moves(invoice):
    record_payment(order=invoice.order, kind=TransactionKind.CAPTURE, amount=Decimal("44.88"))
    settle_order(order_id=invoice.order_id)
    invoice.refresh_from_db()
    assert invoice.state == "paid" and invoice.amount_due == Decimal("0.00")
    payment = InvoicePayment.objects.get(invoice=invoice)
    _refused("UPDATE billing_invoicepayment SET amount = 1 WHERE id = %s", [payment.pk])
    _refused("DELETE FROM billing_invoicepayment WHERE id = %s", [payment.pk])


def test_number_counters_never_count_back(invoice):
    counter = NumberCounter.objects.get(series="RE", year=2026)
    _refused("UPDATE billing_numbercounter SET last = last - 1 WHERE id = %s", [counter.pk])
    _refused("DELETE FROM billing_numbercounter WHERE id = %s", [counter.pk])
