"""Tracking events from a CSV file (a carrier's status export, or a list typed up in a spreadsheet).

All or nothing, as the other CSV imports: every row is checked first, and a file with any problem
raises ``TrackingImportError`` with one ``RowError(row, column, message)`` per problem (rows
numbered as a spreadsheet shows them, the header is row 1); only a clean file is recorded, in one
transaction, through ``record_tracking_updates`` (so a file uploaded twice counts nothing twice).

Columns (header names in English or German, any order; ``;``, ``,`` or tab separated; UTF-8 or
Windows-1252 as German Excel saves it):

- ``tracking_number`` (``sendungsnummer``), required: a number of one of our shipments or packages;
- ``status``, required: ``in_transit``, ``out_for_delivery``, ``delivered``, ``exception``,
  ``returned_to_sender`` (or in German: ``unterwegs``, ``in zustellung``, ``zugestellt``,
  ``problem``, ``rücksendung``);
- ``occurred_at`` (``zeitpunkt``), required: ``2026-06-05 10:12`` or ``05.06.2026 10:12``
  (Europe/Berlin), or ISO 8601 with its offset;
- ``reason`` (``grund``), for exceptions: ``customs``, ``address``, ``damaged``, ``not_home``,
  ``refused``, ``delay``, ``other``;
- ``location`` (``ort``), ``description`` (``beschreibung``), ``event_id``: optional text.
"""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from fulfillment.carriers.base import TrackingUpdate
from fulfillment.carriers.numbers import normalise
from fulfillment.exceptions import TrackingImportError
from fulfillment.models import TRACKED_STATES, ExceptionReason, ShipmentState, TrackingSource
from fulfillment.services.return_labels import return_parcels_by_tracking_number
from fulfillment.services.tracking import TrackingResult, record_tracking_updates, shipments_by_tracking_number
from inventory.exceptions import RowError
from oms import parsing
from oms.parsing import ParseError
from oms.spreadsheets import NotTextError, decode_text

MAX_ROWS = 20_000
MAX_BYTES = 5 * 1024 * 1024

COLUMNS = {
    "tracking_number": "tracking_number",
    "sendungsnummer": "tracking_number",
    "status": "status",
    "occurred_at": "occurred_at",
    "zeitpunkt": "occurred_at",
    "reason": "reason",
    "grund": "reason",
    "location": "location",
    "ort": "location",
    "description": "description",
    "beschreibung": "description",
    "event_id": "event_id",
}
REQUIRED = ("tracking_number", "status", "occurred_at")
STATUS_WORDS = {
    **{state: state for state in TRACKED_STATES},
    "unterwegs": ShipmentState.IN_TRANSIT,
    "in zustellung": ShipmentState.OUT_FOR_DELIVERY,
    "zugestellt": ShipmentState.DELIVERED,
    "problem": ShipmentState.EXCEPTION,
    "rücksendung": ShipmentState.RETURNED_TO_SENDER,
}
LOCAL_FORMATS = ("%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%d.%m.%Y")


def import_tracking_csv(*, data: bytes, user: Any = None, now: datetime.datetime | None = None) -> TrackingResult:
    """Record the file's events (module docstring). Raises ``TrackingImportError``."""
    now = now or timezone.now()
    rows = _rows(data)
    parsed: list[tuple[int, TrackingUpdate]] = []
    errors: list[RowError] = []
    for number, row in rows:
        update = _update(number, row, errors, now=now)
        if update is not None:
            parsed.append((number, update))
    numbers = [update.tracking_number for _number, update in parsed]
    # A shipment's numbers, and return labels' (their return parcels are tracked the same way).
    known = {**return_parcels_by_tracking_number(numbers), **shipments_by_tracking_number(numbers)}
    for number, update in parsed:
        if update.tracking_number not in known:
            errors.append(
                RowError(
                    number,
                    "tracking_number",
                    _("No shipment has the tracking number %(number)s.") % {"number": update.tracking_number},
                )
            )
    if errors:
        raise TrackingImportError(errors)
    updates = [update for _number, update in parsed]
    return record_tracking_updates(updates=updates, source=TrackingSource.CSV, user=user)


def _rows(data: bytes) -> list[tuple[int, dict[str, str]]]:
    if len(data) > MAX_BYTES:
        raise TrackingImportError([RowError(0, "file", _("The file is larger than 5 MB."))])
    try:
        content = decode_text(data)
    except NotTextError as exc:
        raise TrackingImportError([RowError(0, "file", str(exc))]) from None
    lines = content.splitlines()
    header_line = lines[0] if lines else ""
    delimiter = max(";,\t", key=header_line.count) if header_line else ";"
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    try:
        header = [COLUMNS.get(h.strip().lower().removeprefix("\ufeff"), "") for h in next(reader)]
    except StopIteration:
        raise TrackingImportError([RowError(1, "file", _("The file is empty."))]) from None
    except csv.Error as exc:
        raise TrackingImportError([RowError(1, "file", _("Not a CSV file: %(error)s") % {"error": exc})]) from None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise TrackingImportError(
            [RowError(1, c, _("The column “%(column)s” is missing.") % {"column": c}) for c in missing]
        )
    rows = []
    try:
        for index, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise TrackingImportError(
                    [RowError(index, "file", _("At most %(count)d rows per file.") % {"count": MAX_ROWS})]
                )
            rows.append((index, {name: cell for name, cell in zip(header, cells, strict=False) if name}))
    except csv.Error as exc:
        raise TrackingImportError([RowError(reader.line_num, "file", str(exc))]) from None
    if not rows:
        raise TrackingImportError([RowError(2, "file", _("The file has no events."))])
    return rows


def _update(
    number: int, row: dict[str, str], errors: list[RowError], *, now: datetime.datetime
) -> TrackingUpdate | None:
    before = len(errors)

    def cell(name: str, limit: int, *, required: bool = False) -> str:
        try:
            return parsing.text(row.get(name, ""), max_length=limit, required=required)
        except ParseError as exc:
            errors.append(RowError(number, name, " ".join(exc.messages)))
            return ""

    tracking_number = normalise(cell("tracking_number", 60, required=True))
    status = STATUS_WORDS.get(cell("status", 30, required=True).lower(), "")
    if not status and len(errors) == before:
        errors.append(
            RowError(
                number, "status", _("Unknown status; use one of: %(states)s.") % {"states": ", ".join(TRACKED_STATES)}
            )
        )
    occurred = _datetime(cell("occurred_at", 40, required=True))
    if occurred is None:
        if not any(e.row == number and e.field == "occurred_at" for e in errors):
            errors.append(RowError(number, "occurred_at", _("Not a date and time (e.g. 05.06.2026 10:12).")))
    elif occurred > now + datetime.timedelta(minutes=15):
        errors.append(RowError(number, "occurred_at", _("The event cannot lie in the future.")))
    reason = cell("reason", 20).lower()
    if status == ShipmentState.EXCEPTION and reason not in ExceptionReason.values:
        errors.append(
            RowError(
                number,
                "reason",
                _("An exception needs its reason: %(reasons)s.") % {"reasons": ", ".join(ExceptionReason.values)},
            )
        )
    location = cell("location", 100)
    description = cell("description", 255)
    event_id = cell("event_id", 100)
    if len(errors) > before or occurred is None:
        return None
    return TrackingUpdate(
        tracking_number=tracking_number,
        status_code=status,
        state=status,
        occurred_at=occurred,
        event_id=event_id,
        exception_reason=reason if status == ShipmentState.EXCEPTION else "",
        location=location,
        description=description,
    )


def _datetime(value: str) -> datetime.datetime | None:
    if not value:
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        return None
    if parsed is not None:
        return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)
    for fmt in LOCAL_FORMATS:
        try:
            return timezone.make_aware(datetime.datetime.strptime(value, fmt))  # noqa: DTZ007  (made aware here)
        except ValueError:
            continue
    return None
