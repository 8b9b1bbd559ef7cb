"""Reading bank statement files: CAMT.053 (.02 and .08) and a German bank's CSV; hostile XML
(billion laughs, external entities) refused before anything is expanded or fetched."""

from __future__ import annotations

import datetime
import time
from decimal import Decimal
from pathlib import Path

import pytest

from billing.bank_formats import StatementParseError, parse_statement

DATA = Path(__file__).parent / "data"


def _read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def test_camt053_v02_gives_booked_entries_and_each_batch_transaction_as_a_line():
    statement = parse_statement(_read("camt053_v02_sample.xml"))

    assert (statement.format, statement.account_iban, statement.statement_id) == (
        "camt053",
        "DE02120300000000202051",
        "2026-12-07-00001",
    )
    amounts = [line.amount for line in statement.lines]
    assert amounts == [Decimal(a) for a in ("44.88", "20.00", "50.00", "13.37", "-100.00", "44.88", "10.00")]
    first = statement.lines[0]
    assert first.counterparty_name == "Erika Mustermann" and first.counterparty_iban == "DE89370400440532013000"
    assert first.booking_date == datetime.date(2026, 12, 7) and first.bank_reference == "2026120700001"
    assert "Rechnung ${invoice_1}" in first.remittance
    assert statement.lines[1].remittance == "Bestellung ${order_2} Teilzahlung, Rest folgt"
    assert statement.lines[4].counterparty_name == "Vermieter KG"  # the creditor of a debit
    batch = statement.lines[5:]
    assert [b.bank_reference for b in batch] == ["2026120700006#0", "2026120700006#1"]
    assert batch[0].remittance == "${order_4}"  # structured creditor reference


def test_camt053_v08_reads_status_codes_and_nested_party_names():
    statement = parse_statement(_read("camt053_v08_sample.xml"))
    (line,) = statement.lines
    assert statement.account_iban == "DE02120300000000202051"
    assert line.counterparty_name == "Erika Mustermann" and line.booking_date == datetime.date(2026, 12, 7)
    assert line.end_to_end_id == "SHOP-${order_1}"


@pytest.mark.parametrize("name", ["billion_laughs.xml", "xxe.xml"])
def test_xml_with_a_dtd_is_refused_before_anything_is_expanded_or_fetched(name):
    started = time.monotonic()
    with pytest.raises(StatementParseError) as refused:
        parse_statement(_read(name))
    assert "DTD" in str(refused.value)
    assert time.monotonic() - started < 1


@pytest.mark.parametrize(
    "data",
    [b"<Document><Nope/></Document>", b"<not xml", b"<?xml version='1.0'?><Document xmlns='x'></Document>"],
)
def test_xml_that_is_not_a_statement_is_refused_with_a_message(data):
    with pytest.raises(StatementParseError):
        parse_statement(data)


def test_a_german_bank_csv_in_windows_1252_with_a_preamble_and_decimal_commas():
    statement = parse_statement(_read("sparkasse_sample.csv"))

    assert (statement.format, statement.account_iban) == ("csv", "DE02120300000000202051")
    assert [line.amount for line in statement.lines] == [Decimal("44.88"), Decimal("1234.56"), Decimal("-89.90")]
    first = statement.lines[0]
    assert first.counterparty_name == "Müller, Jörg" and first.booking_date == datetime.date(2026, 12, 7)
    assert first.remittance == "Bestellung ${order_1} Danke" and first.currency == "EUR"


def test_a_csv_with_separate_credit_and_debit_columns_and_utf8_bom():
    data = (
        "\ufeffBuchungsdatum;Wertstellung;Name;Verwendungszweck;Soll;Haben\n"
        "07.12.2026;07.12.2026;A;x;;12,50\n"
        "07.12.2026;;B;y;3,00;\n"
    )
    statement = parse_statement(data.encode())
    assert [line.amount for line in statement.lines] == [Decimal("12.50"), Decimal("-3.00")]


@pytest.mark.parametrize(
    "data",
    [
        b"Datum;Text\n07.12.2026;x\n",  # no amount column
        b"Buchungstag;Betrag\n31.02.2026;1,00\n",  # no such day
        "Buchungstag;Betrag\n07.12.2026;zwölf\n".encode(),
        b"Buchungstag;Betrag\n07.12.2026;1.299\n",  # thousands group or decimals? never guessed
        b"Buchungstag;Betrag\n07.12.2026;1,001\n",
        b"Buchungstag;Betrag\x00\n",
    ],
)
def test_a_csv_that_cannot_be_read_is_refused_with_a_message(data):
    with pytest.raises(StatementParseError) as refused:
        parse_statement(data)
    assert str(refused.value)
