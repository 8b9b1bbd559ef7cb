"""The CSV exports of German banks (Sparkasse, Volksbank, Deutsche Bank, DKB, Commerzbank ...):
semicolons, decimal commas (``1.234,56``), dates as ``07.12.2026``, UTF-8 or Windows-1252, and
often a few lines about the account before the header row.

The header row is the first one with a booking-date column and an amount column (or a credit
column); the other columns are found by the names these banks use. The account's IBAN comes from
an account column (``Auftragskonto``) or a preamble line that holds an IBAN.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from billing.bank_formats.base import ParsedLine, ParsedStatement, StatementParseError
from oms.money import AmbiguousAmountError, parse_amount_text

FORMAT = "csv"
MAX_ROWS = 20_000

COLUMNS = {
    "booking_date": ("buchungstag", "buchungsdatum", "buchung", "datum"),
    "value_date": ("valutadatum", "valuta", "wertstellung", "wertstellungsdatum"),
    "amount": ("betrag", "betrag (eur)", "betrag (€)", "umsatz", "betrag in eur"),
    "credit": ("haben", "gutschrift"),
    "debit": ("soll", "lastschrift / belastung"),
    "currency": ("waehrung", "währung", "wahrung"),
    "remittance": ("verwendungszweck", "buchungstext / verwendungszweck", "vorgang/verwendungszweck"),
    "name": (
        "name zahlungsbeteiligter",
        "beguenstigter/zahlungspflichtiger",
        "begünstigter/zahlungspflichtiger",
        "auftraggeber / begünstigter",
        "auftraggeber/begünstigter",
        "zahlungspflichtige*r",
        "name",
    ),
    "iban": (
        "iban zahlungsbeteiligter",
        "kontonummer/iban",
        "iban",
        "iban auftraggeber",
    ),
    "account": ("auftragskonto", "iban auftragskonto"),
    "reference": ("kundenreferenz", "kundenreferenz (end-to-end)", "end-to-end-referenz", "mandatsreferenz"),
}
IBAN = re.compile(r"\b([A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){3,7}(?:\s?[A-Z0-9]{1,4})?)\b")


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _normalised(name: str) -> str:
    return " ".join(name.strip().strip('"').lower().split())


def _header_index(rows: list[list[str]]) -> int:
    for i, row in enumerate(rows[:30]):
        names = {_normalised(c) for c in row}
        if names & set(COLUMNS["booking_date"]) and names & set(COLUMNS["amount"] + COLUMNS["credit"]):
            return i
    raise StatementParseError(
        _("No header row with a booking date (Buchungstag) and an amount (Betrag) in the first 30 rows.")
    )


def _date(value: str, row: int) -> datetime.date:
    value = value.strip()
    for fmt in ("%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(value, fmt).date()  # noqa: DTZ007 (a date, no time)
        except ValueError:
            continue
    raise StatementParseError(_("Row %(row)d: “%(value)s” is not a date.") % {"row": row, "value": value[:20]})


def _amount(value: str, row: int) -> Decimal:
    try:
        amount = parse_amount_text(value.strip().replace("+", "")) if value.strip() else Decimal(0)
    except AmbiguousAmountError as exc:
        raise StatementParseError(f"{_('Row %(row)d:') % {'row': row}} {exc.message}") from None
    except (InvalidOperation, ValueError):
        raise StatementParseError(
            _("Row %(row)d: “%(value)s” is not an amount.") % {"row": row, "value": value[:20]}
        ) from None
    if not amount.is_finite() or abs(amount) > Decimal("1e10") or amount != amount.quantize(Decimal("0.01")):
        raise StatementParseError(_("Row %(row)d: “%(value)s” is not an amount.") % {"row": row, "value": value[:20]})
    return amount


def parse_german_csv(data: bytes) -> ParsedStatement:
    text = _decode(data)
    if "\x00" in text:
        raise StatementParseError(_("The file is not a text file."))
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    except csv.Error as exc:
        raise StatementParseError(_("The CSV file cannot be read: %(error)s") % {"error": str(exc)[:200]}) from None
    if len(rows) > MAX_ROWS:
        raise StatementParseError(_("The file has more than %(max)d rows.") % {"max": MAX_ROWS})
    start = _header_index(rows)
    header = [_normalised(c) for c in rows[start]]
    where = {key: next((header.index(n) for n in names if n in header), None) for key, names in COLUMNS.items()}
    preamble_iban = next((m.group(1) for row in rows[:start] for m in [IBAN.search(" ".join(row).upper())] if m), "")
    account = preamble_iban.replace(" ", "")
    lines: list[ParsedLine] = []
    for number, row in enumerate(rows[start + 1 :], start=start + 2):
        if not any(cell.strip() for cell in row):
            continue

        def cell(key: str, row: list[str] = row) -> str:
            i = where[key]
            return row[i].strip() if i is not None and i < len(row) else ""

        if not cell("booking_date"):
            continue  # a closing balance or a note below the bookings
        if where["amount"] is not None:
            amount = _amount(cell("amount"), number)
        else:
            amount = _amount(cell("credit"), number) - abs(_amount(cell("debit"), number))
        if not account and cell("account"):
            account = cell("account").replace(" ", "").upper()
        lines.append(
            ParsedLine(
                booking_date=_date(cell("booking_date"), number),
                value_date=_date(cell("value_date"), number) if cell("value_date") else None,
                amount=amount,
                currency=(cell("currency") or "EUR").upper()[:3],
                remittance=cell("remittance")[:2000],
                counterparty_name=cell("name")[:140],
                counterparty_iban=cell("iban").replace(" ", "").upper()[:34],
                end_to_end_id=cell("reference")[:100],
            )
        )
    return ParsedStatement(FORMAT, account[:34], "", lines)
