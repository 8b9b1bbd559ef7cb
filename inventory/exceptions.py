"""Domain errors of the inventory. Each carries the data a page or the API needs for a good message."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from django.utils.translation import gettext as _

from inventory.error_codes import InventoryErrorCode
from oms.exceptions import ConflictError, DomainError, NotFoundError


class InvalidQuantityError(DomainError):
    """A quantity was zero, negative or not a whole number."""

    code = InventoryErrorCode.INVALID_QUANTITY
    http_status = 400

    def __init__(self, *, field: str = "quantity", value: Any = None, message: str | None = None):
        super().__init__(
            message or _("The quantity must be a whole number greater than zero (got %(value)s).") % {"value": value},
            data={"field": field, "value": value if isinstance(value, int | str | None) else str(value)},
        )


@dataclass(frozen=True)
class ShortLine:
    """One line of a stock request that cannot be served."""

    product_id: int
    warehouse_id: int
    sku: str
    warehouse: str
    requested: int
    available: int


class InsufficientStockError(ConflictError):
    """Not enough available units for one or more lines; nothing was reserved or taken."""

    code = InventoryErrorCode.INSUFFICIENT_STOCK

    def __init__(self, lines: list[ShortLine], *, message: str | None = None):
        self.lines = lines
        summary = "; ".join(
            _("%(sku)s in %(warehouse)s: requested %(requested)d, available %(available)d")
            % {"sku": ln.sku, "warehouse": ln.warehouse, "requested": ln.requested, "available": ln.available}
            for ln in lines
        )
        super().__init__(
            message or _("Not enough stock: %(lines)s.") % {"lines": summary},
            data={"lines": [asdict(ln) for ln in lines]},
        )


class InsufficientReservationError(InsufficientStockError):
    """Releasing or consuming more than is reserved; nothing was changed."""

    code = InventoryErrorCode.INSUFFICIENT_RESERVATION

    def __init__(self, lines: list[ShortLine]):
        summary = "; ".join(
            _("%(sku)s in %(warehouse)s: requested %(requested)d, reserved %(available)d")
            % {"sku": ln.sku, "warehouse": ln.warehouse, "requested": ln.requested, "available": ln.available}
            for ln in lines
        )
        super().__init__(lines, message=_("Not enough reserved stock: %(lines)s.") % {"lines": summary})


class InsufficientBlockedStockError(InsufficientStockError):
    """Unblocking or scrapping more blocked units than there are; nothing was changed."""

    code = InventoryErrorCode.INSUFFICIENT_BLOCKED_STOCK

    def __init__(self, lines: list[ShortLine]):
        summary = "; ".join(
            _("%(sku)s in %(warehouse)s: requested %(requested)d, blocked %(available)d")
            % {"sku": ln.sku, "warehouse": ln.warehouse, "requested": ln.requested, "available": ln.available}
            for ln in lines
        )
        super().__init__(lines, message=_("Not enough blocked stock: %(lines)s.") % {"lines": summary})


class InsufficientBinStockError(ConflictError):
    code = InventoryErrorCode.INSUFFICIENT_BIN_STOCK

    def __init__(self, *, bin_code: str, sku: str, requested: int, available: int):
        super().__init__(
            _("Bin %(bin)s holds only %(available)d of %(sku)s (requested %(requested)d).")
            % {"bin": bin_code, "available": available, "sku": sku, "requested": requested},
            data={"bin": bin_code, "sku": sku, "requested": requested, "available": available},
        )


class SameLocationError(DomainError):
    code = InventoryErrorCode.SAME_LOCATION
    http_status = 400

    def __init__(self) -> None:
        super().__init__(_("Source and destination are the same location; choose another bin or warehouse."))


class ReasonRequiredError(DomainError):
    code = InventoryErrorCode.REASON_REQUIRED
    http_status = 400

    def __init__(self) -> None:
        super().__init__(_("Please give a reason for this stock change."), data={"field": "reason"})


class BinWarehouseMismatchError(DomainError):
    code = InventoryErrorCode.BIN_NOT_IN_WAREHOUSE
    http_status = 400

    def __init__(self, *, bin_code: str, warehouse_code: str, field: str = "bin"):
        super().__init__(
            _("Bin %(bin)s does not belong to warehouse %(warehouse)s.")
            % {"bin": bin_code, "warehouse": warehouse_code},
            data={"field": field, "bin": bin_code, "warehouse": warehouse_code},
        )


class UnknownProductCodeError(NotFoundError):
    code = InventoryErrorCode.UNKNOWN_PRODUCT

    def __init__(self, code: str):
        super().__init__(
            _("No product has the SKU or GTIN “%(code)s”.") % {"code": code}, data={"field": "code", "code": code}
        )


class OverReceiptError(DomainError):
    """Receiving more than ordered needs an explicit confirmation (``allow_over_receipt=True``)."""

    code = InventoryErrorCode.OVER_RECEIPT

    def __init__(self, *, sku: str, ordered: int, received: int, requested: int):
        super().__init__(
            _(
                "%(sku)s: %(ordered)d ordered, %(received)d already received; receiving %(requested)d more "
                "exceeds the order. Confirm to receive anyway."
            )
            % {"sku": sku, "ordered": ordered, "received": received, "requested": requested},
            data={"sku": sku, "ordered": ordered, "received": received, "requested": requested},
        )


class CountBelowReservedError(ConflictError):
    code = InventoryErrorCode.COUNT_BELOW_RESERVED

    def __init__(self, *, sku: str, counted: int, reserved: int, blocked: int = 0):
        values = {"sku": sku, "counted": counted, "reserved": reserved, "blocked": blocked}
        if blocked:
            message = _(
                "%(sku)s: counted %(counted)d but %(reserved)d units are reserved for orders and %(blocked)d "
                "are blocked. Release those reservations or scrap the blocked units first."
            )
        else:
            message = _(
                "%(sku)s: counted %(counted)d but %(reserved)d units are reserved for orders. "
                "Release or reallocate those reservations first."
            )
        super().__init__(message % values, data=values)


@dataclass(frozen=True)
class RowError:
    """One problem in an imported file: 1-based data row (the header is row 1), column, message."""

    row: int
    field: str
    message: str


class ImportValidationError(DomainError):
    code = InventoryErrorCode.IMPORT_INVALID
    http_status = 400

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__(
            _("The file has %(count)d error(s); nothing was imported.") % {"count": len(errors)},
            data={"errors": [asdict(e) for e in errors]},
        )
