"""The accounting export for a period in DATEV's booking-batch format (EXTF "Buchungsstapel",
version 700, data category 21, format version 13), which a German accountant imports into DATEV
Rechnungswesen as it is.

The file:
- line 1, the EXTF header: consultant and client number, start of the fiscal year, the length of
  general ledger accounts (``settings.BILLING_DATEV``), the period, created at and by whom;
- line 2, the column headings (bare, as DATEV writes them): the first 41 columns of the format,
  up to the OSS destination fields (DATEV reads the columns by position; later columns are
  optional and left out);
- then one line per booking (``billing.accounting``): amount with a decimal comma and no
  thousands separator, S/H, currency, account, contra account, date as DDMM (the year is the
  header's), Belegfeld 1 = document number, Buchungstext (at most 60 characters), and for OSS
  sales the destination country and its VAT rate.
Windows-1252, semicolons, CRLF line ends; text in double quotes (a quote inside doubled), numbers
and dates bare. A character Windows-1252 lacks is written without its accent (Ł as L), else as "?".

A batch covers days of one fiscal year (DATEV refuses others), and every booking needs its
accounts: both are checked before anything is written (``DatevExportError``).
"""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from billing.accounting import Booking, bookings_for_period

VERSION = 700
CATEGORY = 21
FORMAT_NAME = "Buchungsstapel"
FORMAT_VERSION = 13
ENCODING = "cp1252"
TEXT_LENGTH = 60
DOCUMENT_NUMBER_LENGTH = 36

COLUMNS = [
    "Umsatz (ohne Soll/Haben-Kz)",
    "Soll/Haben-Kennzeichen",
    "WKZ Umsatz",
    "Kurs",
    "Basis-Umsatz",
    "WKZ Basis-Umsatz",
    "Konto",
    "Gegenkonto (ohne BU-Schlüssel)",
    "BU-Schlüssel",
    "Belegdatum",
    "Belegfeld 1",
    "Belegfeld 2",
    "Skonto",
    "Buchungstext",
    "Postensperre",
    "Diverse Adressnummer",
    "Geschäftspartnerbank",
    "Sachverhalt",
    "Zinssperre",
    "Beleglink",
    *[f"Beleginfo - {part} {n}" for n in range(1, 9) for part in ("Art", "Inhalt")],
    "KOST1 - Kostenstelle",
    "KOST2 - Kostenstelle",
    "Kost-Menge",
    "EU-Land u. UStID (Bestimmung)",
    "EU-Steuersatz (Bestimmung)",
]


class DatevExportError(ValueError):
    """The period or the settings do not allow a batch DATEV would import (the message says why)."""


def fiscal_year_start(day: datetime.date) -> datetime.date:
    """The first day of the fiscal year ``day`` is in (``BILLING_DATEV["fiscal_year_start"]``, MM-DD)."""
    month, first = (int(part) for part in settings.BILLING_DATEV["fiscal_year_start"].split("-"))
    start = datetime.date(day.year, month, first)
    return start if day >= start else datetime.date(day.year - 1, month, first)


def check_period(date_from: datetime.date, date_to: datetime.date) -> None:
    """Refuse a period DATEV would not import as one batch."""
    if date_from > date_to:
        raise DatevExportError(_("The period ends before it starts."))
    if fiscal_year_start(date_from) != fiscal_year_start(date_to):
        raise DatevExportError(
            _("A DATEV batch covers one fiscal year: the period crosses the start of the fiscal year on %(day)s.")
            % {"day": fiscal_year_start(date_to).strftime("%d.%m.%Y")}
        )


# Letters that do not decompose into a base letter and an accent.
_BASE_LETTERS = str.maketrans({"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "\u0131": "i"})


def _windows_1252(text: str) -> str:
    out = []
    for char in text.translate(_BASE_LETTERS):
        try:
            char.encode(ENCODING)
        except UnicodeEncodeError:
            bare = unicodedata.normalize("NFKD", char).encode(ENCODING, "ignore").decode(ENCODING)
            char = "".join(c for c in bare if not unicodedata.combining(c)) or "?"
        out.append(char)
    return "".join(out)


def text(value: str, length: int | None = None) -> str:
    """A text field: one line, at most ``length`` characters, in quotes (quotes inside doubled)."""
    value = " ".join(_windows_1252(str(value)).split())
    if length is not None:
        value = value[:length]
    return '"' + value.replace('"', '""') + '"'


def amount(value: Decimal) -> str:
    """``1234,56``: decimal comma, no thousands separator, two decimals."""
    return f"{value:.2f}".replace(".", ",")


def header_line(
    *, date_from: datetime.date, date_to: datetime.date, created_at: datetime.datetime, exported_by: str
) -> list[str]:
    config = settings.BILLING_DATEV
    return [
        text("EXTF"),
        str(VERSION),
        str(CATEGORY),
        text(FORMAT_NAME),
        str(FORMAT_VERSION),
        created_at.strftime("%Y%m%d%H%M%S") + f"{created_at.microsecond // 1000:03d}",
        "",  # imported (DATEV fills it)
        text("RE"),  # origin
        text(exported_by, 25),
        text(""),  # imported by
        str(config["consultant_number"]),
        str(config["client_number"]),
        fiscal_year_start(date_from).strftime("%Y%m%d"),
        str(config["account_length"]),
        date_from.strftime("%Y%m%d"),
        date_to.strftime("%Y%m%d"),
        text(f"OMS {date_from:%d.%m.%Y}-{date_to:%d.%m.%Y}", 30),
        text(""),  # dictation code
        "1",  # booking type: financial accounting
        "0",  # accounting purpose: independent of the law
        "0",  # not fixed: the accountant checks and fixes the batch
        text("EUR"),
        "",
        text(""),
        "",
        "",
        text(config["chart_of_accounts"]),
        "",
        "",
        text(""),
        text(""),
    ]


def booking_line(booking: Booking) -> list[str]:
    fields = [""] * len(COLUMNS)
    fields[0] = amount(booking.amount)
    fields[1] = text(booking.side)
    fields[2] = text(booking.currency)
    fields[6] = booking.account
    fields[7] = booking.contra_account
    fields[9] = booking.date.strftime("%d%m")
    fields[10] = text(booking.document_number.upper(), DOCUMENT_NUMBER_LENGTH)
    fields[13] = text(booking.text, TEXT_LENGTH)
    if booking.eu_country:
        fields[39] = text(booking.eu_country)
        fields[40] = amount(booking.eu_rate or Decimal(0))
    return fields


def _check_accounts(bookings: Iterable[Booking]) -> None:
    missing = sorted({b.document_number for b in bookings if not (b.account and b.contra_account)})
    if missing:
        raise DatevExportError(
            _("No account is set in BILLING_DATEV for the bookings of %(numbers)s.") % {"numbers": ", ".join(missing)}
        )


def datev_batch(
    *, date_from: datetime.date, date_to: datetime.date, created_at: datetime.datetime, exported_by: str
) -> bytes:
    """The batch of the period's invoices, credit notes and payments as the file's bytes."""
    check_period(date_from, date_to)
    bookings = bookings_for_period(date_from, date_to)
    _check_accounts(bookings)
    rows: list[list[Any]] = [
        header_line(date_from=date_from, date_to=date_to, created_at=created_at, exported_by=exported_by),
        [_windows_1252(column) for column in COLUMNS],
        *(booking_line(b) for b in bookings),
    ]
    return "".join(";".join(row) + "\r\n" for row in rows).encode(ENCODING)


def filename(date_from: datetime.date, date_to: datetime.date) -> str:
    return f"EXTF_Buchungsstapel_{date_from:%Y%m%d}_{date_to:%Y%m%d}.csv"
