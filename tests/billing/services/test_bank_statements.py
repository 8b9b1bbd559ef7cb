"""Bank statements: the sample CAMT.053 and CSV files imported and matched (invoice number,
order number, amount), partial and over-payments, re-imports that change nothing, and support's
answers for what did not match."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from string import Template

import pytest

from billing.exceptions import PaymentInputError
from billing.models import BankLineState, BankStatement, BankStatementLine, InvoiceState
from billing.services.bank_statements import (
    BankStatementError,
    assign_bank_line,
    ignore_bank_line,
    import_bank_statement,
)
from orders.models import Order, OrderEvent, PaymentState, PaymentTransaction, TransactionKind
from orders.selectors.money import order_money_summary
from orders.services.cancellation import cancel_order
from tests.billing.factories import issued_invoice, placed_order

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent.parent / "data"


def _file(name: str, **numbers: str) -> bytes:
    raw = (DATA / name).read_bytes()
    encoding = "cp1252" if name.endswith(".csv") else "utf-8"
    return Template(raw.decode(encoding)).safe_substitute(numbers).encode(encoding)


def _captures(order: Order) -> list[PaymentTransaction]:
    return list(PaymentTransaction.objects.filter(order=order, kind=TransactionKind.CAPTURE))


@pytest.fixture
def orders():
    invoiced = placed_order(payment_method="invoice")
    invoice = issued_invoice(invoiced, str(invoiced.total), number="RE-2026-900001")
    return {
        "invoice": invoice,
        "order_1": invoiced,
        "order_2": placed_order(payment_method="prepayment"),
        "order_3": placed_order(payment_method="prepayment"),
        "order_4": placed_order(payment_method="prepayment"),
    }


def _numbers(orders) -> dict[str, str]:
    return {"invoice_1": orders["invoice"].number, **{k: v.number for k, v in orders.items() if k.startswith("order")}}


def test_the_camt053_sample_is_matched_by_invoice_and_order_number_with_partial_and_over_payments(orders):
    result = import_bank_statement(data=_file("camt053_v02_sample.xml", **_numbers(orders)), filename="camt.xml")

    assert result.created and (result.matched, result.unmatched, result.debits) == (4, 2, 1)
    invoice = orders["invoice"]
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.PAID and invoice.amount_due == Decimal("0.00")
    paid = Order.objects.get(pk=orders["order_1"].pk)
    assert paid.payment_state == PaymentState.PAID
    (tx,) = _captures(paid)
    assert (tx.provider, tx.amount, tx.data["invoice"]) == ("bank", Decimal("44.88"), "RE-2026-900001")

    partial = BankStatementLine.objects.get(order=orders["order_2"])
    assert partial.state == BankLineState.MATCHED and "24.88" in partial.match_detail
    assert order_money_summary(Order.objects.get(pk=orders["order_2"].pk)).owed == Decimal("24.88")

    over = Order.objects.get(pk=orders["order_3"].pk)
    assert order_money_summary(over).owed == Decimal("-5.12")  # to pay back
    assert OrderEvent.objects.filter(order=over, data__source="bank", message__contains="Over-payment").exists()

    batch = Order.objects.get(pk=orders["order_4"].pk)
    assert [t.amount for t in _captures(batch)] == [Decimal("44.88")]  # the booked part, not the pending entry

    unmatched = BankStatementLine.objects.filter(state=BankLineState.UNMATCHED).order_by("amount")
    assert [(line.amount, line.counterparty_name) for line in unmatched] == [
        (Decimal("10.00"), "Sammelzahler AG"),
        (Decimal("13.37"), "Unbekannt GmbH"),
    ]
    assert all(line.match_detail for line in unmatched)
    assert BankStatementLine.objects.get(state=BankLineState.DEBIT).amount == Decimal("-100.00")


def test_importing_the_same_statement_again_changes_nothing(orders):
    data = _file("camt053_v02_sample.xml", **_numbers(orders))
    import_bank_statement(data=data)
    payments = PaymentTransaction.objects.count()

    again = import_bank_statement(data=data)
    re_exported = import_bank_statement(data=data.replace(b"06:12:00", b"23:59:00"))  # same statement id

    assert not again.created and not re_exported.created
    assert BankStatement.objects.count() == 1 and BankStatementLine.objects.count() == 7
    assert PaymentTransaction.objects.count() == payments


def test_a_csv_that_overlaps_one_imported_before_books_only_its_new_lines(orders):
    import_bank_statement(data=_file("sparkasse_sample.csv", order_1=orders["order_2"].number))
    assert [t.amount for t in _captures(orders["order_2"])] == [Decimal("44.88")]

    data = _file("sparkasse_sample.csv", order_1=orders["order_2"].number)
    longer = (
        data
        + '"DE02120300000000202051";"08.12.26";"08.12.26";"GUTSCHR.";"{}";"X";"";"";"44,88";"EUR";""\r\n'.format(
            orders["order_4"].number
        ).encode("cp1252")
    )
    result = import_bank_statement(data=longer)

    assert result.created and (result.known, result.matched) == (3, 1)
    assert len(_captures(orders["order_2"])) == 1 and len(_captures(orders["order_4"])) == 1


def test_the_camt053_v08_sample_matches_by_order_number(orders):
    import_bank_statement(data=_file("camt053_v08_sample.xml", order_1=orders["order_3"].number))
    assert Order.objects.get(pk=orders["order_3"].pk).payment_state == PaymentState.PAID


def _credit_csv(amount: str, remittance: str) -> bytes:
    return f"Buchungstag;Betrag;Verwendungszweck;Name\n07.12.2026;{amount};{remittance};Kunde\n".encode()


def test_a_credit_without_reference_is_matched_by_the_one_open_amount_like_it():
    order = placed_order(payment_method="prepayment", price="33.00")  # total 70.90

    result = import_bank_statement(data=_credit_csv("70,90", "Danke"))

    assert result.matched == 1
    line = BankStatementLine.objects.get()
    assert line.order == order and "amount" in line.match_detail


def test_two_open_amounts_alike_are_left_for_support():
    placed_order(payment_method="prepayment", price="33.00")
    placed_order(payment_method="prepayment", price="33.00")

    result = import_bank_statement(data=_credit_csv("70,90", "Danke"))

    assert (result.matched, result.unmatched) == (0, 1)
    assert "several" in BankStatementLine.objects.get().match_detail
    assert not PaymentTransaction.objects.exists()


def test_a_credit_for_a_cancelled_order_waits_for_support():
    order = placed_order(payment_method="prepayment")
    cancel_order(order=order, reason="Kunde storniert")

    result = import_bank_statement(data=_credit_csv("44,88", f"Bestellung {order.number}"))

    assert result.unmatched == 1 and "cancelled" in BankStatementLine.objects.get().match_detail
    assert _captures(order) == []


def test_support_assigns_an_unmatched_credit_to_an_order_once():
    order = placed_order(payment_method="prepayment")
    import_bank_statement(data=_credit_csv("40,00", "Zahlung Weihnachtsgeschenk"))
    line = BankStatementLine.objects.get(state=BankLineState.UNMATCHED)

    with pytest.raises(PaymentInputError):
        assign_bank_line(line_id=line.pk, reference="2099-000001")
    assert BankStatementLine.objects.get(pk=line.pk).state == BankLineState.UNMATCHED

    assign_bank_line(line_id=line.pk, reference=order.number, note="Anruf der Kundin")

    line.refresh_from_db()
    assert line.state == BankLineState.RESOLVED and line.order == order and line.resolution_note == "Anruf der Kundin"
    assert order_money_summary(Order.objects.get(pk=order.pk)).owed == Decimal("4.88")
    with pytest.raises(PaymentInputError):
        assign_bank_line(line_id=line.pk, reference=order.number)
    assert len(_captures(order)) == 1


def test_support_ignores_a_credit_with_a_reason():
    import_bank_statement(data=_credit_csv("13,37", "Spende"))
    line = BankStatementLine.objects.get()

    with pytest.raises(PaymentInputError):
        ignore_bank_line(line_id=line.pk, reason=" ")
    ignore_bank_line(line_id=line.pk, reason="Keine Kundenzahlung")

    line.refresh_from_db()
    assert line.state == BankLineState.IGNORED and line.resolution_note == "Keine Kundenzahlung"


@pytest.mark.parametrize("name", ["billion_laughs.xml", "xxe.xml"])
def test_a_hostile_xml_file_is_refused_and_nothing_is_stored(name):
    with pytest.raises(BankStatementError):
        import_bank_statement(data=(DATA / name).read_bytes())
    assert not BankStatement.objects.exists()
