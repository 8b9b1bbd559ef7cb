"""The accounting export: a period's invoices, credit notes and payments as a DATEV booking batch
(EXTF 700, category 21), read back as DATEV would read it, and the OSS totals per country."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command

from billing.accounting import oss_totals
from billing.datev import COLUMNS, DatevExportError, datev_batch
from billing.models import CreditNote, CreditNoteReason, Invoice
from billing.sellers import seller_profile
from billing.services.crediting import issue_credit_note
from billing.services.issuing import issue_invoice_for_shipment
from billing.services.payments import record_manual_payment
from billing.services.refunds import refund_payment
from orders.models import PaymentTransaction
from tests.billing.flows import place, ship

pytestmark = pytest.mark.django_db

DECEMBER = (datetime.date(2026, 12, 1), datetime.date(2026, 12, 31))
CREATED = datetime.datetime(2026, 12, 31, 18, 30, 5, 123000, tzinfo=datetime.UTC)


def at(day: int, month: int = 12):
    return time_machine.travel(datetime.datetime(2026, month, day, 10, 0, tzinfo=datetime.UTC), tick=False)


def _invoice(lines, **order):
    placed = place(lines, **order)
    return issue_invoice_for_shipment(shipment_id=ship(placed, {sku: spec[0] for sku, spec in lines.items()}).pk)


@pytest.fixture
def period():
    """November: one invoice to Austria (outside the period). December: a domestic invoice with 19 % and 7 %
    paid by bank transfer, part of it refunded after a credit note; an OSS sale to Austria; a
    buyer whose name Windows-1252 cannot spell."""
    with at(20, 11):
        # (a consumer abroad: the year's cross-border sales then pass the OSS threshold set below)
        november = _invoice({"OLD-1": (1, "10.00")}, country="AT")
    with at(3):
        mixed = _invoice(
            {"MUG-1": (2, "19.99"), "BOOK-1": (1, "12.00")},
            vat_rates={"BOOK-1": "7.00"},
            company='Łukasz "Best" Müller GmbH',
        )
        record_manual_payment(
            order=mixed.order,
            amount=mixed.total,
            method="bank_transfer",
            paid_on=datetime.date(2026, 12, 3),
            reason="Kontoauszug",
        )
    with at(9):
        profile = seller_profile()
        profile.oss_threshold = Decimal("1.00")
        profile.save()
        oss = _invoice({"LAMP-1": (1, "120.00")}, country="AT", shipping="0.00")
    with at(10):
        note = issue_credit_note(
            invoice=mixed, reason=CreditNoteReason.PRICE_CORRECTION, reason_text="Kratzer", amount=Decimal("5.00")
        )
        refund_payment(order=mixed.order, amount=Decimal("5.00"), reason="Gutschrift", credit_note_id=note.pk)
    return {"november": november, "mixed": mixed, "oss": oss, "note": note}


def _read(content: bytes) -> tuple[list[str], list[str], list[list[str]]]:
    """The file as DATEV reads it: Windows-1252, CRLF lines, semicolons, quoted text."""
    text = content.decode("cp1252")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    lines = text.split("\r\n")[:-1]

    def fields(line: str) -> list[str]:
        out, field, quoted, i = [], "", False, 0
        while i < len(line):
            char = line[i]
            if quoted and char == '"' and line[i + 1 : i + 2] == '"':
                field += '"'
                i += 1
            elif char == '"':
                quoted = not quoted
            elif char == ";" and not quoted:
                out.append(field)
                field = ""
            else:
                field += char
            i += 1
        return [*out, field]

    return fields(lines[0]), fields(lines[1]), [fields(line) for line in lines[2:]]


def _amount(value: str) -> Decimal:
    assert "." not in value  # decimal comma, no thousands dot
    return Decimal(value.replace(",", "."))


def _batch(**kwargs) -> bytes:
    return datev_batch(date_from=DECEMBER[0], date_to=DECEMBER[1], created_at=CREATED, exported_by="buchhaltung")


def test_the_header_names_the_consultant_client_fiscal_year_and_period(period, settings):
    settings.BILLING_DATEV = {**settings.BILLING_DATEV, "consultant_number": 29098, "client_number": 55003}
    header, columns, _rows = _read(_batch())

    assert header[:6] == ["EXTF", "700", "21", "Buchungsstapel", "13", "20261231183005123"]
    assert header[8] == "buchhaltung"
    assert header[10:16] == ["29098", "55003", "20260101", "4", "20261201", "20261231"]
    assert header[21] == "EUR" and header[26] == "03"
    assert len(header) == 31
    assert columns == COLUMNS and columns[13] == "Buchungstext"


def test_every_invoice_credit_note_and_payment_of_the_period_is_booked_and_adds_up(period):
    _header, columns, rows = _read(_batch())
    mixed, oss, note = period["mixed"], period["oss"], period["note"]
    assert all(len(row) == len(columns) for row in rows)
    by_number: dict[str, list[list[str]]] = {}
    for row in rows:
        by_number.setdefault(row[10], []).append(row)

    # November's invoice is not in December's batch.
    assert period["november"].number not in by_number
    # One line per VAT rate of each document, one per invoice a payment was applied to.
    invoices = Invoice.objects.filter(invoice_date__range=DECEMBER)
    notes = CreditNote.objects.filter(credit_date__range=DECEMBER)
    payments = PaymentTransaction.objects.filter(kind__in=["capture", "refund"])
    expected = sum(d.vat_rows.count() for d in [*invoices, *notes]) + payments.count()
    assert len(rows) == expected == 2 + 1 + 2 + 2

    debtor = "10000"
    invoiced = sum(_amount(r[0]) for r in rows if r[6] == debtor and r[1] == "S")
    credited = sum(_amount(r[0]) for r in rows if r[6] == debtor and r[1] == "H")
    paid = sum(_amount(r[0]) * (1 if r[1] == "S" else -1) for r in rows if r[6] == "1200")
    assert invoiced == sum(i.total for i in invoices) == mixed.total + oss.total
    assert credited == note.total == Decimal("5.00")
    assert paid == mixed.total - Decimal("5.00")

    # Revenue per VAT rate on SKR03's automatic accounts; dates as DDMM.
    mixed_rows = {r[7]: r for r in by_number[mixed.number] if r[6] == debtor and r[1] == "S"}
    assert set(mixed_rows) == {"8400", "8300"}
    assert _amount(mixed_rows["8300"][0]) == mixed.vat_rows.get(vat_rate=Decimal("7.00")).gross
    assert {r[9] for r in mixed_rows.values()} == {"0312"}
    # The payment books bank against the debtor with the invoice's number (open-item matching).
    bank = [r for r in by_number[mixed.number] if r[6] == "1200"]
    assert [(r[1], r[7], _amount(r[0]), r[9]) for r in bank] == [
        ("S", debtor, mixed.total, "0312"),
        ("H", debtor, Decimal("5.00"), "1012"),
    ]
    assert bank[0][13] == f"Payment {mixed.number}"
    # The credit note (an amount, shared over the invoice's rates), on the debtor's credit side.
    assert sorted((r[1], r[7], r[9]) for r in by_number[note.number]) == [("H", "8300", "1012"), ("H", "8400", "1012")]


def test_an_oss_sale_goes_to_its_countrys_account_with_the_destination_and_its_rate(period, settings):
    settings.BILLING_DATEV = {**settings.BILLING_DATEV, "oss_accounts": {"AT": "8321"}}
    _header, _columns, rows = _read(_batch())
    (row,) = [r for r in rows if r[10] == period["oss"].number]
    assert (row[1], row[6], row[7], row[39], row[40]) == ("S", "10000", "8321", "AT", "20,00")
    assert _amount(row[0]) == Decimal("120.00")
    # Domestic lines leave the OSS columns empty.
    assert all(r[39] == "" and r[40] == "" for r in rows if r[10] == period["mixed"].number)


def test_text_is_windows_1252_quoted_with_quotes_doubled_and_cut_to_60_characters(period):
    content = _batch()
    number = period["mixed"].number
    # "Ł" is not in Windows-1252: written as "L"; "ü" is the byte 0xFC; quotes inside are doubled.
    assert f'"Invoice {number} Lukasz ""Best"" Müller GmbH"'.encode("cp1252") in content
    _header, _columns, rows = _read(content)
    assert all(len(r[13]) <= 60 for r in rows)
    # Numbers are bare, text is quoted.
    line = next(line for line in content.split(b"\r\n") if number.encode() in line and b";8400;" in line)
    assert b';"S";"EUR";;;;10000;8400;;0312;"' + number.encode() + b'";' in line


def test_a_period_across_the_fiscal_year_start_or_backwards_is_refused(period, settings):
    with pytest.raises(DatevExportError, match="fiscal year"):
        datev_batch(
            date_from=datetime.date(2026, 12, 1),
            date_to=datetime.date(2027, 1, 31),
            created_at=CREATED,
            exported_by="x",
        )
    with pytest.raises(DatevExportError, match="ends before it starts"):
        datev_batch(date_from=DECEMBER[1], date_to=DECEMBER[0], created_at=CREATED, exported_by="x")
    # A fiscal year from July: July to June is one batch, with its start in the header.
    settings.BILLING_DATEV = {**settings.BILLING_DATEV, "fiscal_year_start": "07-01"}
    header, _c, _r = _read(
        datev_batch(
            date_from=datetime.date(2026, 7, 1), date_to=datetime.date(2027, 6, 30), created_at=CREATED, exported_by="x"
        )
    )
    assert header[12] == "20260701"


def test_a_rate_without_a_revenue_account_is_refused_naming_the_document(period, settings):
    settings.BILLING_DATEV = {**settings.BILLING_DATEV, "revenue_accounts": {"19.00": "8400"}}
    with pytest.raises(DatevExportError, match=period["mixed"].number):
        _batch()


def test_the_oss_totals_per_country_are_the_oss_invoices_less_their_credit_notes(period):
    (austria,) = oss_totals(*DECEMBER)
    oss = period["oss"]
    assert (austria.country, austria.vat_rate, austria.net, austria.vat) == (
        "AT",
        Decimal("20.00"),
        oss.net_total,
        oss.vat_total,
    )
    assert oss_totals(datetime.date(2026, 11, 1), datetime.date(2026, 11, 30)) == []


def test_the_management_command_writes_the_same_batch(period, tmp_path):
    output, oss = tmp_path / "batch.csv", tmp_path / "oss.csv"
    call_command(
        "export_datev", "--from", "2026-12-01", "--to", "2026-12-31", "--output", str(output), "--oss", str(oss)
    )
    _header, _columns, rows = _read(output.read_bytes())
    _h, _c, expected = _read(_batch())
    assert rows == expected
    assert "AT;20,00;100,00;20,00" in oss.read_text(encoding="utf-8-sig")
