"""Credit notes: partial and full, for returns, cancellations after invoicing and price
corrections; never more than is left of the invoice; GS-YYYY-NNNNNN numbers."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine

from billing.exceptions import CreditExceedsInvoiceError, CreditNoteError
from billing.models import ChannelBilling, CreditNote, CreditNoteReason, InvoiceState, IssueOn
from billing.services.crediting import (
    credit_cancelled_units,
    credit_invoice_in_full,
    credit_returned_units,
    issue_credit_note,
)
from billing.services.issuing import issue_invoice_for_order, issue_invoice_for_shipment
from billing.services.settlement import settle_order
from orders.models import TransactionKind
from orders.services.cancellation import cancel_order_lines
from orders.services.payments import record_payment
from tests.billing.flows import place, ship

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(datetime.datetime(2026, 12, 7, 10, 0, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def invoice():
    order = place(
        {"MUG-1": (3, "9.99", "1.00"), "BOOK-1": (2, "14.95")},
        shipping="4.90",
        discount="3.33",
        vat_rates={"BOOK-1": "7.00"},
    )
    return issue_invoice_for_shipment(shipment_id=ship(order, {"MUG-1": 3, "BOOK-1": 2}).pk)


def test_partial_credits_then_the_rest_add_up_to_the_invoice_to_the_cent(invoice):
    mug, book = invoice.lines.order_by("position")
    first = issue_credit_note(invoice=invoice, reason=CreditNoteReason.RETURN, quantities={mug.pk: 1})
    second = issue_credit_note(invoice=invoice, reason=CreditNoteReason.RETURN, quantities={mug.pk: 1, book.pk: 1})
    rest = credit_invoice_in_full(invoice=invoice, reason=CreditNoteReason.OTHER, reason_text="Kulanz")
    invoice.refresh_from_db()

    assert [n.number for n in (first, second, rest)] == ["GS-2026-000001", "GS-2026-000002", "GS-2026-000003"]
    assert first.total + second.total + rest.total == invoice.total
    assert invoice.amount_credited == invoice.total and invoice.state == InvoiceState.CREDITED
    for rate_row in invoice.vat_rows.all():
        credited = sum(
            (r.vat for n in (first, second, rest) for r in n.vat_rows.all() if r.vat_rate == rate_row.vat_rate), D(0)
        )
        assert credited == rate_row.vat
    assert first.invoice == invoice and first.lines.get().invoice_line == mug
    assert first.discount_total > 0  # the mug takes its share of the order discount back with it
    with pytest.raises(CreditNoteError):
        issue_credit_note(invoice=invoice, reason=CreditNoteReason.RETURN, quantities={book.pk: 1})


def test_a_credit_note_larger_than_what_is_left_is_refused_and_nothing_is_written(invoice):
    mug = invoice.lines.order_by("position").first()
    with pytest.raises(CreditNoteError, match="only 3 of 3"):
        issue_credit_note(invoice=invoice, reason=CreditNoteReason.RETURN, quantities={mug.pk: 4})
    with pytest.raises(CreditExceedsInvoiceError):
        issue_credit_note(
            invoice=invoice, reason=CreditNoteReason.PRICE_CORRECTION, reason_text="Kratzer", amount=invoice.total + 1
        )
    with pytest.raises(CreditNoteError):
        issue_credit_note(invoice=invoice, reason=CreditNoteReason.PRICE_CORRECTION, amount=D("1.00"))  # no reason
    with pytest.raises(CreditNoteError):
        issue_credit_note(invoice=invoice, reason=CreditNoteReason.RETURN, shipping=D("5.00"))
    assert not CreditNote.objects.exists()


def test_a_price_correction_is_shared_over_the_rates_and_lowers_what_is_due(invoice):
    note = issue_credit_note(
        invoice=invoice, reason=CreditNoteReason.PRICE_CORRECTION, reason_text="Kratzer am Becher", amount=D("5.00")
    )
    invoice.refresh_from_db()
    assert note.total == D("5.00") and sum(r.gross for r in note.vat_rows.all()) == D("5.00")
    assert invoice.amount_due == invoice.total - D("5.00")


def test_a_credit_on_a_paid_invoice_leaves_money_to_pay_back_until_the_refund(invoice):
    record_payment(order=invoice.order, kind=TransactionKind.CAPTURE, amount=invoice.total)
    settle_order(order_id=invoice.order_id)  # as the subscriber to order.payment_recorded does
    mug = invoice.lines.order_by("position").first()
    note = issue_credit_note(invoice=invoice, reason=CreditNoteReason.RETURN, quantities={mug.pk: 1})
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.PAID and invoice.amount_due == -note.total
    record_payment(order=invoice.order, kind=TransactionKind.REFUND, amount=note.total)
    settle_order(order_id=invoice.order_id)
    invoice.refresh_from_db()
    assert invoice.amount_due == D("0.00") and invoice.amount_paid == invoice.total - note.total


def test_returns_credit_accepted_units_once_per_source_with_the_shipping_for_a_full_withdrawal(invoice):
    order = invoice.order
    units = {line.pk: line.quantity for line in order.lines.all()}
    notes = credit_returned_units(order_id=order.pk, units=units, source="return:1", shipping=True)
    invoice.refresh_from_db()
    assert [n.total for n in notes] == [invoice.total] and invoice.amount_due == D("0.00")
    assert credit_returned_units(order_id=order.pk, units=units, source="return:1", shipping=True) == notes
    with pytest.raises(CreditNoteError):
        credit_returned_units(order_id=order.pk, units=units, source="return:2")


def test_units_cancelled_after_invoicing_at_confirmation_are_credited_once():
    order = place({"MUG-1": (3, "10.00")}, shipping="0.00", channel_code="b2b")
    ChannelBilling.objects.create(channel=order.channel, issue_on=IssueOn.CONFIRMATION)
    invoice = issue_invoice_for_order(order_id=order.pk)
    line = order.lines.get()
    cancel_order_lines(order=order, quantities={line.pk: 1}, reason="Kunde will nur zwei")
    notes = credit_cancelled_units(order_id=order.pk)
    order.refresh_from_db()
    assert [n.total for n in notes] == [D("10.00")] and notes[0].reason == CreditNoteReason.CANCELLATION
    assert invoice.total - notes[0].total == order.total
    assert credit_cancelled_units(order_id=order.pk) == []


def test_a_discount_shared_with_units_cancelled_later_is_credited_back():
    order = place({"MUG-1": (1, "10.00"), "TEE-1": (1, "30.00")}, shipping="0.00", discount="4.00")
    first = issue_invoice_for_shipment(shipment_id=ship(order, {"MUG-1": 1}).pk)
    assert first.discount_total == D("1.00")
    tee = order.lines.get(sku="TEE-1")
    cancel_order_lines(order=order, quantities={tee.pk: 1}, reason="nicht lieferbar")
    notes = credit_cancelled_units(order_id=order.pk)
    order.refresh_from_db()
    assert first.total - sum(n.total for n in notes) == order.total == D("6.00")


def _owed_after(order, invoices) -> tuple[Decimal, Decimal]:
    invoiced = sum((inv.total for inv in invoices), D(0))
    credited = sum((n.total for inv in invoices for n in inv.credit_notes.all()), D(0))
    return invoiced, credited


def test_returning_units_after_a_cancellation_credit_credits_what_the_customer_kept():
    order = place(
        {"MUG-1": (3, "9.99", "1.00"), "BOOK-1": (2, "14.95")},
        shipping="4.90",
        discount="3.33",
        vat_rates={"BOOK-1": "7.00"},
    )
    first = issue_invoice_for_shipment(shipment_id=ship(order, {"MUG-1": 3}).pk)
    book = order.lines.get(sku="BOOK-1")
    cancel_order_lines(order=order, quantities={book.pk: 2}, reason="nicht lieferbar")
    assert credit_cancelled_units(order_id=order.pk)  # the book's share of the discount goes back
    mug = order.lines.get(sku="MUG-1")
    notes = credit_returned_units(order_id=order.pk, units={mug.pk: 2}, source="return:7")
    first.refresh_from_db()
    order.refresh_from_db()
    assert len(notes) == 1 and notes[0].total > 0
    # One mug and the shipping kept: what the order charges for them, to the cent.
    kept = D("9.66") - D("1.11") + D("4.90")  # a third of the line and of the whole order discount
    assert first.total - first.amount_credited == kept
    rest = credit_returned_units(order_id=order.pk, units={mug.pk: 1}, source="return:8", shipping=True)
    first.refresh_from_db()
    assert rest[0].total > 0 and first.amount_credited == first.total and first.amount_due == D("0.00")


def test_a_full_withdrawal_with_shipping_after_a_cancellation_credit_credits_the_rest_of_every_invoice():
    order = place({"MUG-1": (2, "10.00"), "TEE-1": (1, "30.00")}, shipping="4.90", discount="4.00")
    first = issue_invoice_for_shipment(shipment_id=ship(order, {"MUG-1": 1}).pk)
    second = issue_invoice_for_shipment(shipment_id=ship(order, {"MUG-1": 1}).pk)
    tee = order.lines.get(sku="TEE-1")
    cancel_order_lines(order=order, quantities={tee.pk: 1}, reason="nicht lieferbar")
    assert credit_cancelled_units(order_id=order.pk)
    mug = order.lines.get(sku="MUG-1")
    notes = credit_returned_units(order_id=order.pk, units={mug.pk: 2}, source="return:9", shipping=True)
    assert notes and all(n.total > 0 for n in notes)
    for inv in (first, second):
        inv.refresh_from_db()
        assert inv.amount_credited == inv.total and inv.amount_due == D("0.00")


def test_a_one_cent_line_whose_credit_rounds_to_nothing_does_not_fail_the_return():
    order = place({"PIN-1": (1, "0.01"), "MUG-1": (1, "20.00")}, shipping="0.00", discount="0.01")
    invoice = issue_invoice_for_shipment(shipment_id=ship(order, {"PIN-1": 1, "MUG-1": 1}).pk)
    pin = order.lines.get(sku="PIN-1")
    credit_returned_units(order_id=order.pk, units={pin.pk: 1}, source="return:10")
    invoice.refresh_from_db()
    assert D(0) <= invoice.amount_credited <= invoice.total
    assert invoice.total - invoice.amount_credited == D("19.99")
    mug = order.lines.get(sku="MUG-1")
    credit_returned_units(order_id=order.pk, units={mug.pk: 1}, source="return:11")
    invoice.refresh_from_db()
    assert invoice.amount_credited == invoice.total


def test_the_last_unit_of_a_line_worth_one_cent_in_all_is_skipped_not_refused():
    order = place({"PIN-1": (2, "0.01", "0.01"), "MUG-1": (1, "20.00")}, shipping="0.00")
    invoice = issue_invoice_for_shipment(shipment_id=ship(order, {"PIN-1": 2, "MUG-1": 1}).pk)
    pin = order.lines.get(sku="PIN-1")
    first = credit_returned_units(order_id=order.pk, units={pin.pk: 1}, source="return:12")
    second = credit_returned_units(order_id=order.pk, units={pin.pk: 1}, source="return:13")
    invoice.refresh_from_db()
    assert sum(n.total for n in first + second) == D("0.01")
    assert invoice.total - invoice.amount_credited == D("20.00")
