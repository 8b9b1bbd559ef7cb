"""CSV import of orders: one row per order line, rows grouped into orders by ``external_id``.

The whole file is validated before anything is written: field checks per row, unknown SKUs
(one query), rows of one order that disagree about the order's header, and finally the intake
service's own validation of each assembled order. A file with any error imports nothing and
reports every error with its row number (row 1 is the header, data starts at row 2). A clean
file is placed order by order through ``intake.place_order``, the same path as the API and the
webhooks, so a re-upload of the same file finds the existing orders and creates nothing twice.

A run survives the death of its worker. It claims the import (``attempts`` + 1), renews
``heartbeat_at`` at least every ``ORDER_IMPORT_HEARTBEAT_SECONDS`` and commits each order together
with the import's counters, so ``processed`` always says exactly which orders are in. An import
whose heartbeat is older than ``ORDER_IMPORT_STALE_SECONDS`` has lost its worker: the sweep
(``sweep_order_imports``, beat every minute) queues it again and the next run resumes after the
last committed order. A run that finds another one has taken over (its heartbeat went stale
while it was only slow) stops and rolls back its current order, so no order is counted twice.
After ``ORDER_IMPORT_MAX_ATTEMPTS`` such interrupted runs the import is marked failed, saying so.

A long file is placed in slices: a run that has worked ``ORDER_IMPORT_SLICE_SECONDS`` (or reaches
the task's soft time limit) hands the import over to a new task after the order it is placing,
which continues where it stopped; a handover is not an interruption. Once an order is placed the
whole file has been checked, so a run that continues does not check the rest again up front
(placing each order checks it).
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import io
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as KombuOperationalError

from inventory.models import Product
from oms import parsing
from oms.money import is_supported_currency, parse_amount_text
from oms.parsing import ParseError
from oms.spreadsheets import NotTextError, csv_lines, decimal_comma, decode_text
from orders.exceptions import OrderValidationError
from orders.models.imports import OrderImport, OrderImportStatus
from orders.services import intake
from orders.services.drafts import AddressDraft, CustomerDraft, LineDraft, OrderDraft
from orders.services.intake import IntakeResult

logger = logging.getLogger(__name__)

MAX_ROWS = 20_000

REQUIRED_COLUMNS = (
    "external_id",
    "customer_email",
    "customer_name",
    "ship_name",
    "ship_street",
    "ship_postcode",
    "ship_city",
    "ship_country",
    "sku",
    "quantity",
    "unit_price",
)
OPTIONAL_COLUMNS = (
    "currency",
    "customer_phone",
    "ship_company",
    "payment_method",
    "shipping_amount",
    "discount",
    "order_total",
    "placed_at",
)
# The lengths the order stores; longer values would fail in the database, so they are row errors.
MAX_LENGTHS = {
    "external_id": 100,
    "customer_email": 254,
    "customer_name": 200,
    "customer_phone": 50,
    "ship_name": 200,
    "ship_company": 200,
    "ship_street": 200,
    "ship_postcode": 20,
    "ship_city": 100,
    "payment_method": 30,
    "sku": 64,
}
# Columns that describe the order, not the line: every row of one order must agree on them.
HEADER_COLUMNS = (
    "currency",
    "customer_email",
    "customer_name",
    "customer_phone",
    "ship_name",
    "ship_company",
    "ship_street",
    "ship_postcode",
    "ship_city",
    "ship_country",
    "payment_method",
    "shipping_amount",
    "order_total",
    "placed_at",
)


@dataclass
class RowError:
    row: int
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "message": str(self.message)}


@dataclass
class ImportLine:
    row: int
    sku: str
    quantity: int
    unit_price: Decimal
    discount: Decimal


@dataclass
class ImportOrder:
    """One order assembled from its rows (``rows`` are the CSV row numbers, for the report)."""

    external_id: str
    header: dict[str, str]
    lines: list[ImportLine] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)


@dataclass
class ParsedFile:
    orders: list[ImportOrder]
    errors: list[RowError]
    total_rows: int


def _decimal(value: str) -> Decimal:
    # As spreadsheets write amounts: "12,50", "1.043,00" (German Excel), "1,043.00"; "1.043" is
    # ambiguous and refused (``AmbiguousAmountError``), never guessed.
    return parse_amount_text(value)


def parse_orders_csv(content: bytes) -> ParsedFile:
    """Read and check the file; returns the assembled orders and every error found (no writes)."""
    errors: list[RowError] = []
    try:
        text = decode_text(content)
    except NotTextError as exc:
        return ParsedFile([], [RowError(0, "file", str(exc))], 0)
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample else csv.excel
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    columns = [c.strip() for c in (reader.fieldnames or [])]
    reader.fieldnames = columns
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        return ParsedFile(
            [], [RowError(1, "header", _("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)})], 0
        )

    orders: OrderedDict[str, ImportOrder] = OrderedDict()
    total = 0
    try:
        for index, raw in enumerate(reader, start=2):
            if not any((v or "").strip() for k, v in raw.items() if k) and not any(raw.get(None) or []):
                continue  # a row of separators only, as spreadsheets leave after cleared cells
            total += 1
            if total > MAX_ROWS:
                errors.append(RowError(index, "file", _("More than %(max)d rows; split the file.") % {"max": MAX_ROWS}))
                break
            row = _cells(index, raw, errors)
            if None in raw:
                errors.append(RowError(index, "row", _("The row has more values than the header has columns.")))
                continue
            line = _check_row(index, row, errors)
            external_id = row.get("external_id", "")
            if not external_id:
                continue
            order = orders.get(external_id)
            header = {c: row.get(c, "") for c in HEADER_COLUMNS}
            header["currency"] = (header["currency"] or "EUR").upper()
            header["ship_country"] = header["ship_country"].upper()
            header["customer_email"] = header["customer_email"].lower()
            if order is None:
                order = orders[external_id] = ImportOrder(external_id=external_id, header=header)
            else:
                for column in HEADER_COLUMNS:
                    if header[column] != order.header[column]:
                        errors.append(
                            RowError(
                                index,
                                column,
                                _("Differs from row %(first)d of the same order (%(value)s).")
                                % {"first": order.rows[0], "value": order.header[column] or "-"},
                            )
                        )
            order.rows.append(index)
            if line is not None:
                order.lines.append(line)
    except csv.Error as exc:
        errors.append(RowError(total + 1, "file", _("The CSV file is malformed: %(error)s") % {"error": exc}))

    if total == 0 and not errors:
        errors.append(RowError(2, "file", _("The file has no data rows.")))
    _check_skus(list(orders.values()), errors)
    return ParsedFile(list(orders.values()), errors, total)


# Cells compared as codes: a line break or an invisible character in them is an error, not a space.
IDENTIFIER_COLUMNS = {"external_id", "sku", "currency", "payment_method", "ship_country", "customer_email"}


def _cells(index: int, raw: dict[str | None, Any], errors: list[RowError]) -> dict[str, str]:
    """The row's cells as ``oms.parsing`` cleans text: NFC, zero-width characters removed; a cell
    with NUL, control or bidi-override characters is a row error (and reads as empty)."""
    row = {}
    for column, value in raw.items():
        if not column:
            continue
        kind = parsing.IDENTIFIER if column in IDENTIFIER_COLUMNS else parsing.LINE
        try:
            row[column] = parsing.text(value, kind=kind)
        except ParseError as exc:
            errors.append(RowError(index, column, str(exc)))
            row[column] = ""
    return row


def _check_row(index: int, row: dict[str, str], errors: list[RowError]) -> ImportLine | None:
    """Field checks of one row; appends errors and returns the line when its own fields are fine."""
    before = len(errors)
    for column in REQUIRED_COLUMNS:
        if not row.get(column) and not any(e.row == index and e.field == column for e in errors[before:]):
            errors.append(RowError(index, column, _("This field is required.")))
    for column, limit in MAX_LENGTHS.items():
        if len(row.get(column, "")) > limit:
            errors.append(RowError(index, column, _("At most %(max)d characters.") % {"max": limit}))
    if row.get("customer_email"):
        try:
            parsing.email(row["customer_email"])
        except ParseError as exc:
            errors.append(RowError(index, "customer_email", str(exc)))
    country = row.get("ship_country", "")
    if country and not (len(country) == 2 and country.isalpha()):
        errors.append(RowError(index, "ship_country", _("Use a two-letter country code such as DE.")))
    currency = (row.get("currency") or "EUR").upper()
    if not is_supported_currency(currency):
        errors.append(RowError(index, "currency", _("Currency %(code)s is not supported.") % {"code": currency}))
    quantity = None
    if row.get("quantity"):
        try:
            quantity = parsing.quantity(row["quantity"])
        except ParseError as exc:
            errors.append(RowError(index, "quantity", str(exc)))
    amounts: dict[str, Decimal] = {}
    for column in ("unit_price", "discount", "shipping_amount", "order_total"):
        if not row.get(column):
            continue
        try:
            amounts[column] = parsing.amount(row[column], localized=True)
        except ParseError as exc:
            errors.append(RowError(index, column, str(exc)))
    if row.get("placed_at") and _placed_at(row["placed_at"]) is None:
        errors.append(
            RowError(index, "placed_at", _("Enter a date and time such as 2026-11-20 14:30 (Berlin time) or ISO 8601."))
        )
    if len(errors) > before or quantity is None:
        return None
    return ImportLine(
        row=index,
        sku=row["sku"],
        quantity=quantity,
        unit_price=amounts["unit_price"],
        discount=amounts.get("discount", Decimal("0.00")),
    )


def _placed_at(value: str) -> datetime.datetime | None:
    """``2026-11-20 14:30``, ``2026-11-20T14:30:00+01:00`` or ``20.11.2026 14:30``; without an offset
    in the business time zone (Europe/Berlin). None when it is not a date and time."""
    try:
        moment = parse_datetime(value)
    except ValueError:
        moment = None
    if moment is None:
        try:
            moment = datetime.datetime.strptime(value, "%d.%m.%Y %H:%M")  # noqa: DTZ007 (made aware below)
        except ValueError:
            return None
    if timezone.is_naive(moment):
        try:
            moment = timezone.make_aware(moment)
        except (OverflowError, ValueError):
            return None
    return moment


def _check_skus(orders: list[ImportOrder], errors: list[RowError]) -> None:
    skus = {line.sku for order in orders for line in order.lines}
    known = set(Product.objects.filter(sku__in=skus, active=True).values_list("sku", flat=True))
    for order in orders:
        for line in order.lines:
            if line.sku not in known:
                errors.append(RowError(line.row, "sku", _("Unknown SKU %(sku)s.") % {"sku": line.sku}))


def build_draft(order: ImportOrder, *, channel: Any, check: bool = True) -> tuple[OrderDraft, list[RowError]]:
    """The intake draft of one assembled order, and the errors intake's own checks find in it
    (reported on the order's first row, or on the line's row when the error names a line).
    ``check=False`` skips those checks (placing the order runs them again anyway)."""
    h = order.header
    address = AddressDraft(
        name=h["ship_name"],
        company=h["ship_company"],
        street=h["ship_street"],
        line2="",
        postcode=h["ship_postcode"],
        city=h["ship_city"],
        country=h["ship_country"],
        phone=h["customer_phone"],
    )
    draft = OrderDraft(
        customer=CustomerDraft(
            email=h["customer_email"],
            name=h["customer_name"],
            phone=h["customer_phone"],
            language="de",
            company="",
            vat_id="",
        ),
        billing_address=address,
        shipping_address=address,
        lines=[
            LineDraft(sku=line.sku, quantity=line.quantity, unit_price=line.unit_price, discount=line.discount)
            for line in order.lines
        ],
        currency=h["currency"],
        price_mode="gross",
        shipping_total=_decimal(h["shipping_amount"]) if h["shipping_amount"] else Decimal("0.00"),
        discount_total=Decimal("0.00"),
        stated_total=_decimal(h["order_total"]) if h["order_total"] else None,
        payment_method=h["payment_method"] or "invoice",
        payment_captured=False,
        external_id=order.external_id,
        placed_at=_placed_at(h["placed_at"]) if h.get("placed_at") else None,
        notes="",
    )
    errors: list[RowError] = []
    if not check:
        return draft, errors
    try:
        intake.validate_draft(channel=channel, draft=draft)
    except OrderValidationError as exc:
        errors = _row_errors(order, exc)
    return draft, errors


_LINE_KEY = re.compile(r"^lines\[(\d+)\]\.?(\w*)$")
# Intake's field paths as the CSV's column names, so the report names a column the user can find.
_COLUMN_FOR = {
    "customer.email": "customer_email",
    "customer.name": "customer_name",
    "customer.phone": "customer_phone",
    "shipping_total": "shipping_amount",
    "stated_total": "order_total",
}


def _column(path: str) -> str:
    if path in _COLUMN_FOR:
        return _COLUMN_FOR[path]
    for prefix in ("shipping_address.", "billing_address."):
        if path.startswith(prefix):
            return "ship_" + path.removeprefix(prefix)
    return path or "order"


def _row_errors(order: ImportOrder, exc: OrderValidationError) -> list[RowError]:
    """Intake's errors (``{"lines[1].sku": [...], "currency": [...]}``) on the rows they concern:
    a line's error on that line's row, an order's error on the order's first row."""
    found: list[RowError] = []
    for path, messages in (exc.data.get("errors") or {}).items():
        row, column = order.rows[0], _column(path)
        match = _LINE_KEY.match(path)
        if match:
            index = int(match.group(1))
            if 0 <= index < len(order.lines):
                row = order.lines[index].row
            column = match.group(2) or "sku"
        for message in messages if isinstance(messages, list | tuple) else [messages]:
            found.append(RowError(row, column, str(message)))
    if not found:
        found.append(RowError(order.rows[0], "order", exc.message))
    return found


def place_import_order(*, channel: Any, draft: OrderDraft, user: Any) -> IntakeResult:
    return intake.place_order(channel=channel, draft=draft, actor_label=_("CSV import"), user=user)


# --- the import run --------------------------------------------------------------------------------


def create_order_import(*, upload: Any, channel: Any, user: Any) -> OrderImport:
    """Store the uploaded file as a new pending import (the task runs it)."""
    order_import = OrderImport(channel=channel, created_by=user, original_name=getattr(upload, "name", "")[:255])
    order_import.file.save(getattr(upload, "name", "orders.csv"), upload, save=False)
    order_import.save()
    return order_import


def _save_progress(order_import: OrderImport, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(order_import, name, value)
    # Outside any transaction: the page polling the import sees each step at once.
    OrderImport.objects.filter(pk=order_import.pk).update(**fields)


class LeaseLost(Exception):
    """Another run has taken the import over (this one's heartbeat went stale): stop, write nothing."""


class _SliceUsed(Exception):
    """The run has worked its time slice: hand the import over to a new task."""


class _Lease:
    """The claim of one run on its import: every write is conditional on still holding it."""

    def __init__(self, order_import: OrderImport) -> None:
        self.order_import = order_import
        self.attempt = order_import.attempts
        self.started = self._renewed = time.monotonic()
        self.placed = 0  # orders this run committed

    def save(self, **fields: Any) -> None:
        """Write ``fields`` and renew the heartbeat, or raise ``LeaseLost``."""
        held = OrderImport.objects.filter(
            pk=self.order_import.pk, attempts=self.attempt, status=OrderImportStatus.RUNNING
        ).update(heartbeat_at=timezone.now(), **fields)
        if not held:
            raise LeaseLost(self.order_import.pk)
        for name, value in fields.items():
            setattr(self.order_import, name, value)
        self._renewed = time.monotonic()

    def renew(self) -> None:
        """Renew the heartbeat if it is due (cheap to call in every loop)."""
        if time.monotonic() - self._renewed >= settings.ORDER_IMPORT_HEARTBEAT_SECONDS:
            self.save()


def _stale_before() -> Any:
    return timezone.now() - timedelta(seconds=settings.ORDER_IMPORT_STALE_SECONDS)


def _interrupted_error(order_import: OrderImport) -> RowError:
    return RowError(
        0,
        "file",
        _(
            "The import was interrupted %(count)d times: the worker running it stopped (for example out of "
            "memory). %(created)d orders were placed before that and are kept. Upload the file again to import "
            "the rest: orders already placed are not created twice."
        )
        % {"count": order_import.attempts, "created": order_import.created},
    )


def _claim(import_id: int) -> OrderImport | None:
    """Start a run: take a waiting import, or one whose run died (stale heartbeat). None when it
    is finished or another run is alive on it; an import out of attempts is marked failed."""
    with transaction.atomic():
        order_import = OrderImport.objects.select_for_update(of=("self",)).select_related("channel").get(pk=import_id)
        waiting = order_import.status == OrderImportStatus.PENDING
        abandoned = order_import.status == OrderImportStatus.RUNNING and order_import.heartbeat_at < _stale_before()
        if not (waiting or abandoned):
            return None
        if order_import.attempts >= settings.ORDER_IMPORT_MAX_ATTEMPTS:
            _finish(order_import, status=OrderImportStatus.FAILED, errors=[_interrupted_error(order_import)])
            return None
        if order_import.processed:
            logger.warning("order import %s resumes after row %s", order_import.pk, order_import.processed)
        _save_progress(
            order_import,
            status=OrderImportStatus.RUNNING,
            attempts=order_import.attempts + 1,
            heartbeat_at=timezone.now(),
        )
    return order_import


def sweep_order_imports(*, task: Any) -> int:
    """Queue ``task`` again for every unfinished import whose heartbeat is stale (beat runs this
    every minute): a run whose worker died, or a waiting import whose task was lost. Returns how
    many were queued. Each is set waiting with a fresh heartbeat first, so the next sweeps leave
    it to the task just sent; the next run resumes it (or marks it failed when out of attempts).
    A duplicate task (the dead worker's message, delivered again later) finds it taken or done."""
    with transaction.atomic():
        stale = list(
            OrderImport.objects.select_for_update(skip_locked=True)
            .filter(status__in=[OrderImportStatus.PENDING, OrderImportStatus.RUNNING], heartbeat_at__lt=_stale_before())
            .values_list("pk", flat=True)
        )
        OrderImport.objects.filter(pk__in=stale).update(status=OrderImportStatus.PENDING, heartbeat_at=timezone.now())
    for pk in stale:
        logger.warning("order import %s lost its worker; queued again", pk)
        try:
            task.delay(pk)
        except KombuOperationalError as exc:  # the next sweep after the stale period tries again
            logger.warning("order import %s could not be queued again: %s", pk, exc)
    return len(stale)


def column_help() -> str:
    return ", ".join([*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS])


def template_csv_lines() -> Iterator[str]:
    """A file to fill in: every column the import reads and one example order line, as German Excel
    opens it (semicolons, BOM, decimal commas). The example names a SKU of the catalogue, so the
    file as downloaded imports."""
    sku = Product.objects.filter(active=True).order_by("sku").values_list("sku", flat=True).first() or "SKU-1"
    example = {
        "external_id": "EXAMPLE-1001",
        "customer_email": "erika.mustermann@example.com",
        "customer_name": "Erika Mustermann",
        "ship_name": "Erika Mustermann",
        "ship_street": "Musterstraße 1",
        "ship_postcode": "10115",
        "ship_city": "Berlin",
        "ship_country": "DE",
        "sku": sku,
        "quantity": "1",
        "unit_price": decimal_comma(Decimal("19.90")),
        "currency": "EUR",
        "customer_phone": "030 1234567",
        "ship_company": "",
        "payment_method": "invoice",
        "shipping_amount": decimal_comma(Decimal("4.90")),
        "discount": decimal_comma(Decimal("0.00")),
        "order_total": decimal_comma(Decimal("24.80")),
        "placed_at": "",
    }
    columns = [*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS]
    return csv_lines(columns, [[example[column] for column in columns]])


def start_order_import(*, order_import: OrderImport, task: Any) -> None:
    """Queue the import task once the upload row is committed (eager mode runs it right away).

    With the broker (Redis) unreachable the task cannot be queued: the import is marked failed
    with a message to upload the file again, instead of a server error and an import that waits
    for ever."""

    def queue() -> None:
        try:
            task.delay(order_import.pk)
        except KombuOperationalError as exc:
            logger.warning("order import %s could not be queued: %s", order_import.pk, exc)
            message = _(
                "The import could not be started: the task queue is unavailable. "
                "Please upload the file again in a moment."
            )
            _finish(order_import, status=OrderImportStatus.FAILED, errors=[RowError(0, "file", message)])

    transaction.on_commit(queue)


def run_order_import(*, import_id: int, continue_with: Any = None) -> OrderImport:
    """Run an import (see ``_run``) if it is waiting or its last run died; an unexpected failure
    marks it failed, so the page stops polling and says so, instead of showing "running" for ever.
    A run that used its time slice hands over to ``continue_with`` (the import task), or, without
    one, leaves the import waiting for the sweep."""
    order_import = _claim(import_id)
    if order_import is None:  # finished, or another run is alive on it
        return OrderImport.objects.get(pk=import_id)
    lease = _Lease(order_import)
    try:
        _run(order_import, lease)
    except LeaseLost:
        logger.warning("order import %s was taken over by another run; this one stops", import_id)
    except (_SliceUsed, SoftTimeLimitExceeded):
        if order_import.processed:
            _hand_over(order_import, lease, continue_with)
        else:  # the time limit passed before the first order was placed: a next run would do no better
            logger.warning("order import %s reached the time limit while checking the file", import_id)
            error = RowError(
                0, "file", _("Checking the file took longer than an import may run. Split it into smaller files.")
            )
            with contextlib.suppress(LeaseLost):
                _finish(order_import, status=OrderImportStatus.FAILED, errors=[error], lease=lease)
    except Exception:
        logger.exception("order import %s failed", import_id)
        error = RowError(0, "file", _("The import stopped on an unexpected error; the log has the details."))
        with contextlib.suppress(LeaseLost):
            _finish(order_import, status=OrderImportStatus.FAILED, errors=[error], lease=lease)
    return order_import


def _hand_over(order_import: OrderImport, lease: _Lease, continue_with: Any) -> None:
    """Leave the import waiting for the next run and queue that run. A run that placed orders
    gives its attempt back (it ended in order); one that placed none keeps it counted, so a file
    that never gets on ends failed. If this fails, the heartbeat goes stale and the sweep resumes it."""
    try:
        lease.save(status=OrderImportStatus.PENDING, attempts=lease.attempt - (1 if lease.placed else 0))
    except Exception:
        logger.exception("order import %s could not hand over; the sweep will resume it", order_import.pk)
        return
    logger.info("order import %s continues in a new task after row %s", order_import.pk, order_import.processed)
    if continue_with is None:
        return
    try:
        continue_with.delay(order_import.pk)
    except KombuOperationalError as exc:
        logger.warning("order import %s waits for the sweep: %s", order_import.pk, exc)


def _run(order_import: OrderImport, lease: _Lease) -> None:
    """Validate the file, then place its orders, each in one transaction with the import's
    counters; a resumed run skips the orders already counted. Placed
    orders are found again by channel and external id, so even a file uploaded twice creates
    nothing twice.

    Progress is committed as it goes, so the page polling the import sees each order. Validation
    before the first write is what keeps a broken file from importing anything.
    """
    with order_import.file.open("rb") as handle:
        parsed = parse_orders_csv(handle.read())
    lease.save(total=parsed.total_rows)
    errors = list(parsed.errors)
    done = order_import.processed  # rows of the orders committed by earlier runs
    todo: list[tuple[ImportOrder, int]] = []  # each order still to place, with the rows up to its end
    rows = 0
    for order in parsed.orders:
        rows += len(order.rows)
        if rows > done:
            todo.append((order, rows))
    drafts: list[tuple[ImportOrder, int, Any]] = []
    if not errors:
        for order, rows in todo:
            draft, draft_errors = build_draft(order, channel=order_import.channel, check=not done)
            errors.extend(draft_errors)
            drafts.append((order, rows, draft))
            lease.renew()
    if errors:
        _finish(order_import, status=OrderImportStatus.FAILED, errors=errors, lease=lease)
        return

    created, existing = order_import.created, order_import.existing
    for position, (order, processed, draft) in enumerate(drafts, start=1):
        try:
            with transaction.atomic():
                result = place_import_order(channel=order_import.channel, draft=draft, user=order_import.created_by)
                created += int(result.created)
                existing += int(not result.created)
                lease.save(processed=processed, created=created, existing=existing)
                lease.placed += 1
        except OrderValidationError as exc:
            # Only a change between validation and placement gets here (e.g. a product deactivated
            # meanwhile). Orders placed so far stay; the report says where it stopped.
            _finish(order_import, status=OrderImportStatus.FAILED, errors=_row_errors(order, exc), lease=lease)
            return
        if position < len(drafts) and time.monotonic() - lease.started >= settings.ORDER_IMPORT_SLICE_SECONDS:
            raise _SliceUsed
    _finish(order_import, status=OrderImportStatus.DONE, errors=[], lease=lease)


def _finish(order_import: OrderImport, *, status: str, errors: list[RowError], lease: _Lease | None = None) -> None:
    """Mark the import done or failed (through the run's lease when a run finishes it)."""
    errors.sort(key=lambda e: (e.row, e.field))
    fields = {
        "status": status,
        "errors": [e.as_dict() for e in errors],
        "processed": order_import.total if status == OrderImportStatus.FAILED else order_import.processed,
        "finished_at": timezone.now(),
    }
    if lease is None:
        _save_progress(order_import, **fields)
    else:
        lease.save(**fields)
