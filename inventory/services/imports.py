"""CSV import and export of products and stock levels.

Imports are all or nothing: every row is checked first and any problem raises
``ImportValidationError`` with one ``RowError(row, field, message)`` per problem (row numbers as a
spreadsheet shows them: the header is row 1); only a clean file is written, in one transaction.
Files may be UTF-8 with or without BOM, separated by ``;``, ``,`` or tabs (detected from the header).
Numbers may use a decimal comma (``12,50``) and thousands separators when decimals follow
(``1.299,00``, ``1,299.00``); ``1.299`` could be either and is refused rather than guessed.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from inventory.exceptions import ImportValidationError, RowError
from inventory.models import BinLocation, Category, Product, StockLevel, Supplier, VatRate, Warehouse
from inventory.models.catalog import is_valid_gtin, sku_validator
from inventory.services.stock import count_stock
from oms import parsing, spreadsheets
from oms.exceptions import DomainError
from oms.money import gross_from_net, net_from_gross, quantize
from oms.parsing import ParseError
from oms.spreadsheets import NotTextError, decode_text

MAX_ROWS = 200_000
MAX_INTEGER = 2_000_000_000  # the integer columns (grams, millimetres, units) end at 2,147,483,647

PRODUCT_COLUMNS = [
    "sku",
    "name",
    "gtin",
    "category",
    "weight_grams",
    "length_mm",
    "width_mm",
    "height_mm",
    "net_price",
    "gross_price",
    "vat_rate",
    "active",
    "is_preorder",
    "release_date",
    "supplier",
]
STOCK_COLUMNS = ["sku", "warehouse", "on_hand", "bin"]
STOCK_EXPORT_COLUMNS = ["sku", "name", "warehouse", "on_hand", "reserved", "blocked", "available"]

_TRUE = {"1", "true", "yes", "y", "ja", "j", "wahr", "x"}
_FALSE = {"0", "false", "no", "n", "nein", "falsch", ""}


@dataclass(frozen=True)
class ImportResult:
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0


# --- Reading ------------------------------------------------------------------------------------


def _text(data: str | bytes) -> str:
    if isinstance(data, bytes):
        try:
            return decode_text(data)
        except NotTextError as exc:
            raise ImportValidationError([RowError(0, "file", str(exc))]) from exc
    return data.removeprefix("\ufeff")


def read_rows(data: str | bytes, *, required: list[str]) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header (lower-cased) and ``(row_number, {column: stripped value})`` for each non-empty row."""
    text = _text(data)
    header_line = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=header_line.count) if header_line else ";"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lower().removeprefix("\ufeff") for h in next(reader)]
    except StopIteration:
        raise ImportValidationError([RowError(1, "file", _("The file is empty."))]) from None
    except csv.Error as exc:
        raise ImportValidationError([RowError(1, "file", str(exc))]) from exc
    missing = [c for c in required if c not in header]
    if missing:
        raise ImportValidationError(
            [RowError(1, c, _("The header has no column “%(column)s”.") % {"column": c}) for c in missing]
        )
    rows = []
    bad_cells: list[RowError] = []
    try:
        for number, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue
            if len(rows) >= MAX_ROWS:
                raise ImportValidationError(
                    [RowError(number, "file", _("At most %(max)d rows per file.") % {"max": MAX_ROWS})]
                )
            if len(values) > len(header):
                extra = [v for v in values[len(header) :] if v.strip()]
                if extra:
                    raise ImportValidationError(
                        [RowError(number, "file", _("The row has more columns than the header."))]
                    )
            cells = {}
            for i, column in enumerate(header):
                try:
                    cells[column] = _cell(values[i]) if i < len(values) else ""
                except ParseError as exc:
                    bad_cells.append(RowError(number, column, str(exc)))
                    cells[column] = ""
            rows.append((number, cells))
    except csv.Error as exc:
        raise ImportValidationError([RowError(reader.line_num, "file", str(exc))]) from exc
    if bad_cells:  # NUL cannot be stored, control and bidi characters spoof names: fix these first
        raise ImportValidationError(bad_cells)
    return header, rows


def _cell(value: str) -> str:
    """A cell as ``oms.parsing`` cleans one-line text (NFC, no NUL, control or bidi-override
    characters, zero-width ones removed), with a formula escape of our own exports undone."""
    return spreadsheets.unescape_cell(parsing.text(value))


class _RowChecker:
    """Collects errors of one row while parsing its cells."""

    def __init__(self, number: int, values: dict[str, str], errors: list[RowError]):
        self.number, self.values, self.errors = number, values, errors

    def error(self, field: str, message: str) -> None:
        self.errors.append(RowError(self.number, field, message))

    def required(self, field: str) -> str:
        value = self.values.get(field, "")
        if not value:
            self.error(field, _("This field is required."))
        return value

    def integer(self, field: str, *, default: int = 0, minimum: int = 0, maximum: int = MAX_INTEGER) -> int:
        raw = self.values.get(field, "")
        if raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            self.error(field, _("“%(value)s” is not a whole number.") % {"value": raw})
            return default
        if value < minimum:
            self.error(field, _("Must be %(min)d or more (got %(value)d).") % {"min": minimum, "value": value})
        elif value > maximum:
            self.error(field, _("Must be %(max)d or less (got %(value)d).") % {"max": maximum, "value": value})
            return default
        return value

    def decimal(self, field: str) -> Decimal | None:
        raw = self.values.get(field, "")
        if raw.replace("€", "").strip() == "":
            return None
        try:
            return parsing.amount(raw, localized=True)
        except ParseError as exc:
            self.error(field, str(exc))
            return None

    def boolean(self, field: str, *, default: bool) -> bool:
        raw = self.values.get(field)
        if raw is None:
            return default
        if raw.lower() in _TRUE:
            return True
        if raw.lower() in _FALSE:
            return False if raw else default
        self.error(field, _("“%(value)s” is not yes/no (use 1 or 0).") % {"value": raw})
        return default

    def date(self, field: str) -> datetime.date | None:
        raw = self.values.get(field, "")
        if not raw:
            return None
        for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
            try:
                return datetime.datetime.strptime(raw, fmt).date()  # noqa: DTZ007 (a plain date)
            except ValueError:
                continue
        self.error(field, _("“%(value)s” is not a date (YYYY-MM-DD or DD.MM.YYYY).") % {"value": raw})
        return None


# --- Products -----------------------------------------------------------------------------------


def _vat(check: _RowChecker) -> Decimal:
    raw = check.values.get("vat_rate", "").replace("%", "").strip()
    if not raw:
        return VatRate.STANDARD
    try:
        value = Decimal(raw.replace(",", "."))
    except InvalidOperation:
        value = None
    if value is None or value not in VatRate.values:
        check.error("vat_rate", _("“%(value)s” is not a VAT rate (19, 7 or 0).") % {"value": raw})
        return VatRate.STANDARD
    return quantize(value)


@transaction.atomic
def import_products_csv(*, data: str | bytes, user: Any = None) -> ImportResult:
    """Create or update products by SKU. Columns: ``PRODUCT_COLUMNS`` (``sku`` and ``name`` required).

    Columns missing from the header keep the product's current values; a category that does not
    exist yet is created; the supplier must exist. Either price may be left out: it follows from
    the other and the VAT rate.
    """
    header, rows = read_rows(data, required=["sku", "name"])
    errors: list[RowError] = []
    existing = {p.sku: p for p in Product.objects.filter(sku__in=[v.get("sku", "") for _n, v in rows])}
    gtins_in_file: dict[str, int] = {}
    skus_in_file: dict[str, int] = {}
    suppliers = {s.name.lower(): s for s in Supplier.objects.all()}
    parsed: list[tuple[_RowChecker, dict[str, Any]]] = []
    for number, values in rows:
        check = _RowChecker(number, values, errors)
        sku = check.required("sku")
        if sku:
            try:
                sku_validator(sku)
            except ValidationError as exc:
                check.error("sku", exc.messages[0])
            if len(sku) > 64:
                check.error("sku", _("At most 64 characters."))
            if sku in skus_in_file:
                check.error(
                    "sku", _("SKU %(sku)s already appears in row %(row)d.") % {"sku": sku, "row": skus_in_file[sku]}
                )
            skus_in_file.setdefault(sku, number)
        name = check.required("name")
        if len(name) > 200:
            check.error("name", _("At most 200 characters."))
        fields: dict[str, Any] = {"sku": sku, "name": name}
        if "gtin" in header:
            gtin = values.get("gtin", "")
            if gtin and not is_valid_gtin(gtin):
                check.error("gtin", _("“%(value)s” is not a valid GTIN/EAN (check digit).") % {"value": gtin})
            elif gtin in gtins_in_file:
                check.error("gtin", _("GTIN already appears in row %(row)d.") % {"row": gtins_in_file[gtin]})
            elif gtin:
                gtins_in_file[gtin] = number
            fields["gtin"] = gtin
        for col in ("weight_grams", "length_mm", "width_mm", "height_mm"):
            if col in header:
                fields[col] = check.integer(col)
        if "vat_rate" in header:
            fields["vat_rate"] = _vat(check)
        net = check.decimal("net_price") if "net_price" in header else None
        gross = check.decimal("gross_price") if "gross_price" in header else None
        fields["_net"], fields["_gross"] = net, gross
        if "active" in header:
            fields["active"] = check.boolean("active", default=True)
        if "is_preorder" in header:
            fields["is_preorder"] = check.boolean("is_preorder", default=False)
        if "release_date" in header:
            fields["release_date"] = check.date("release_date")
        if fields.get("is_preorder") and not fields.get("release_date"):
            check.error("release_date", _("A pre-order product needs a release date."))
        if "category" in header:
            fields["category"] = values.get("category", "")[:100]
        if "supplier" in header:
            supplier_name = values.get("supplier", "")
            fields["default_supplier"] = suppliers.get(supplier_name.lower()) if supplier_name else None
            if supplier_name and fields["default_supplier"] is None:
                check.error("supplier", _("Unknown supplier “%(name)s”.") % {"name": supplier_name})
        parsed.append((check, fields))
    # GTINs must not belong to another product already.
    if gtins_in_file:
        taken = Product.objects.filter(gtin__in=gtins_in_file).exclude(sku__in=skus_in_file).values_list("gtin", "sku")
        for gtin, other_sku in taken:
            errors.append(
                RowError(gtins_in_file[gtin], "gtin", _("GTIN is used by product %(sku)s.") % {"sku": other_sku})
            )
    if errors:
        raise ImportValidationError(sorted(errors, key=lambda e: e.row))

    categories = {c.name.lower(): c for c in Category.objects.all()}
    created = updated = 0
    to_create, to_update, update_fields = [], [], set()
    for _check, fields in parsed:
        net, gross = fields.pop("_net"), fields.pop("_gross")
        category_name = fields.pop("category", None)
        if category_name is not None:
            fields["category"] = _category(category_name, categories) if category_name else None
        product = existing.get(fields["sku"])
        if product is None:
            product = Product()
            to_create.append(product)
        else:
            to_update.append(product)
            update_fields.update(k for k in fields if k != "sku")
        for key, value in fields.items():
            setattr(product, key, value)
        rate = Decimal(product.vat_rate)
        if net is not None:
            product.net_price = quantize(net)
            product.gross_price = quantize(gross) if gross is not None else gross_from_net(net, rate)
        elif gross is not None:
            product.gross_price = quantize(gross)
            product.net_price = net_from_gross(gross, rate)
        if net is not None or gross is not None:
            update_fields.update({"net_price", "gross_price"})
    Product.objects.bulk_create(to_create, batch_size=1000)
    created = len(to_create)
    if to_update and update_fields:
        Product.objects.bulk_update(to_update, sorted(update_fields | {"updated_at"}), batch_size=1000)
        updated = len(to_update)
    return ImportResult(rows=len(parsed), created=created, updated=updated)


def _category(name: str, cache: dict[str, Category]) -> Category:
    key = name.lower()
    if key not in cache:
        base = slugify(name)[:90] or "category"
        slug, n = base, 1
        while Category.objects.filter(slug=slug).exists():
            n += 1
            slug = f"{base}-{n}"
        cache[key] = Category.objects.create(name=name, slug=slug)
    return cache[key]


# --- Stock levels -------------------------------------------------------------------------------


@transaction.atomic
def import_stock_levels_csv(*, data: str | bytes, user: Any = None) -> ImportResult:
    """Set counted stock per SKU and warehouse (or bin): each differing row becomes a ``count``
    movement, so the ledger stays equal to ``on_hand``. Columns: ``sku``, ``warehouse`` (code),
    ``on_hand``, optional ``bin``. Counting below the reserved units is refused for that row."""
    _header, rows = read_rows(data, required=["sku", "warehouse", "on_hand"])
    errors: list[RowError] = []
    products = {p.sku: p for p in Product.objects.filter(sku__in={v["sku"] for _n, v in rows})}
    warehouses = {w.code.lower(): w for w in Warehouse.objects.all()}
    bins = {
        (b.warehouse_id, b.code.upper()): b
        for b in BinLocation.objects.filter(code__in={v.get("bin", "").upper() for _n, v in rows if v.get("bin")})
    }
    seen: dict[tuple[str, str, str], int] = {}
    parsed = []
    for number, values in rows:
        check = _RowChecker(number, values, errors)
        sku, code, bin_code = check.required("sku"), check.required("warehouse"), values.get("bin", "").upper()
        product = products.get(sku)
        if sku and product is None:
            check.error("sku", _("Unknown SKU “%(sku)s”.") % {"sku": sku})
        warehouse = warehouses.get(code.lower())
        if code and warehouse is None:
            check.error("warehouse", _("Unknown warehouse “%(code)s”.") % {"code": code})
        bin = None
        if bin_code and warehouse is not None:
            bin = bins.get((warehouse.pk, bin_code))
            if bin is None:
                check.error(
                    "bin", _("Warehouse %(wh)s has no bin “%(bin)s”.") % {"wh": warehouse.code, "bin": bin_code}
                )
        if check.values.get("on_hand", "") == "":
            check.error("on_hand", _("This field is required."))
        counted = check.integer("on_hand")
        key = (sku, code.lower(), bin_code)
        if key in seen:
            check.error("sku", _("The same SKU and location already appear in row %(row)d.") % {"row": seen[key]})
        seen.setdefault(key, number)
        parsed.append((number, product, warehouse, bin, counted))
    if not errors:
        # Counting below what orders hold is refused per row, before anything is written.
        levels = {
            (s.product_id, s.warehouse_id): s
            for s in StockLevel.objects.filter(product__in=[p for _n, p, _w, _b, _c in parsed if p])
        }
        for number, product, warehouse, bin, counted in parsed:
            level = levels.get((product.pk, warehouse.pk))
            if bin is None and level is not None and counted < level.reserved:
                errors.append(
                    RowError(
                        number,
                        "on_hand",
                        _("%(reserved)d units are reserved for orders; the count cannot be lower.")
                        % {"reserved": level.reserved},
                    )
                )
    if errors:
        raise ImportValidationError(sorted(errors, key=lambda e: e.row))
    changed = 0
    for number, product, warehouse, bin, counted in parsed:
        try:
            movement = count_stock(
                product=product, warehouse=warehouse, counted=counted, bin=bin, reason=_("CSV import"), user=user
            )
        except DomainError as exc:  # e.g. a bin count that would cut into reserved units
            raise ImportValidationError([RowError(number, "on_hand", exc.message)]) from exc
        changed += movement is not None
    return ImportResult(rows=len(parsed), updated=changed, unchanged=len(parsed) - changed)


# --- Export -------------------------------------------------------------------------------------


def _bool(value: bool) -> str:
    return "1" if value else "0"


def export_products_csv() -> Iterator[str]:
    """All products as CSV lines (``;``-separated, decimal comma, same columns the import reads),
    streamed: the file a German spreadsheet opens as it is and saves back for the import."""

    def rows() -> Iterator[list[Any]]:
        qs = Product.objects.select_related("category", "default_supplier").order_by("sku")
        for p in qs.iterator(chunk_size=2000):
            yield [
                p.sku,
                p.name,
                p.gtin,
                p.category.name if p.category else "",
                p.weight_grams,
                p.length_mm,
                p.width_mm,
                p.height_mm,
                spreadsheets.decimal_comma(p.net_price),
                spreadsheets.decimal_comma(p.gross_price),
                spreadsheets.decimal_comma(f"{Decimal(p.vat_rate):.2f}"),
                _bool(p.active),
                _bool(p.is_preorder),
                p.release_date.isoformat() if p.release_date else "",
                p.default_supplier.name if p.default_supplier else "",
            ]

    return spreadsheets.csv_lines(PRODUCT_COLUMNS, rows())


def export_stock_levels_csv(*, warehouse_id: int | None = None) -> Iterator[str]:
    """Stock per SKU and warehouse as CSV lines, streamed; re-importable (extra columns are ignored)."""

    def rows() -> Iterator[list[Any]]:
        qs = StockLevel.objects.select_related("product", "warehouse").order_by("product__sku", "warehouse__code")
        if warehouse_id:
            qs = qs.filter(warehouse_id=warehouse_id)
        for s in qs.iterator(chunk_size=2000):
            yield [s.product.sku, s.product.name, s.warehouse.code, s.on_hand, s.reserved, s.blocked, s.available]

    return spreadsheets.csv_lines(STOCK_EXPORT_COLUMNS, rows())


def csv_text(lines: Iterator[str]) -> str:
    """Join an export stream into one string (tests, small files)."""
    return "".join(lines)
