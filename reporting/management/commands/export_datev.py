"""``manage.py export_datev --from 2026-12-01 --to 2026-12-31 [--output FILE] [--oss FILE]``: the
period's DATEV booking batch (as ``/reports/accounting/datev/`` gives it), and optionally its OSS
totals per destination country as CSV."""

from __future__ import annotations

import datetime
import getpass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from billing.datev import DatevExportError, datev_batch, filename
from oms.spreadsheets import csv_lines
from reporting.accounting_views import oss_rows


def _day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"Not a day (YYYY-MM-DD): {value!r}") from exc


class Command(BaseCommand):
    help = "Write the DATEV booking batch (EXTF Buchungsstapel) of a period's invoices, credit notes and payments."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="date_from", required=True, help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", required=True, help="last day (included), YYYY-MM-DD")
        parser.add_argument("--output", help="file to write (default: EXTF_Buchungsstapel_<from>_<to>.csv)")
        parser.add_argument("--oss", help="also write the OSS totals per country to this CSV file")
        parser.add_argument("--exported-by", default="", help="name in the header (default: the system user)")

    def handle(self, *args: Any, **options: Any) -> None:
        start, end = _day(options["date_from"]), _day(options["date_to"])
        try:
            content = datev_batch(
                date_from=start,
                date_to=end,
                created_at=timezone.localtime(),
                exported_by=options["exported_by"] or getpass.getuser(),
            )
        except DatevExportError as exc:
            raise CommandError(str(exc)) from exc
        output = Path(options["output"] or filename(start, end))
        output.write_bytes(content)
        lines = content.count(b"\r\n") - 2
        self.stdout.write(f"{output}: {lines} bookings")
        if options["oss"]:
            rows = oss_rows(start, end)
            header = ["Country", "VAT rate (%)", "Net", "VAT"]
            Path(options["oss"]).write_bytes("".join(csv_lines(header, rows)).encode("utf-8"))
            self.stdout.write(f"{options['oss']}: {len(rows)} countries and rates")
