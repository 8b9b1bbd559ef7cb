"""Domain errors of fulfillment (subclasses of ``oms.exceptions.DomainError``)."""

from __future__ import annotations

from dataclasses import asdict

from django.utils.translation import gettext as _

from fulfillment.error_codes import FulfillmentErrorCode
from inventory.exceptions import RowError
from oms.exceptions import DomainError


class LabelError(DomainError):
    """A label cannot be asked for or booked (nothing packed, no service, a carrier's refusal)."""

    code = FulfillmentErrorCode.LABEL_REFUSED


class TrackingError(DomainError):
    """A tracking event that cannot be recorded (unknown number, bad values)."""

    code = FulfillmentErrorCode.TRACKING_INVALID


class ManifestError(DomainError):
    """Nothing to hand over."""

    code = FulfillmentErrorCode.NOTHING_TO_HAND_OVER


class TrackingImportError(DomainError):
    """A tracking CSV with problems; ``errors`` lists each (row, column, message). Nothing was recorded."""

    code = FulfillmentErrorCode.TRACKING_IMPORT_INVALID
    http_status = 400

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__(
            _("The file has %(count)d error(s); nothing was recorded.") % {"count": len(errors)},
            data={"errors": [asdict(e) for e in errors]},
        )


class NothingToPickError(DomainError):
    """No allocated order matches the wave rule, or an order cannot be picked (not allocated)."""

    code = FulfillmentErrorCode.NOTHING_TO_PICK


class PickListClosedError(DomainError):
    """The pick list is completed or voided (e.g. its order was cancelled): nothing is counted."""

    code = FulfillmentErrorCode.PICK_LIST_CLOSED
    http_status = 409


class UnknownCodeError(DomainError):
    """A scan that is no bin, GTIN or SKU this warehouse knows."""

    code = FulfillmentErrorCode.UNKNOWN_CODE

    def __init__(self, *, code: str):
        super().__init__(_("“%(code)s” is no bin, GTIN or SKU we know.") % {"code": code}, data={"scanned": code})


class WrongItemError(DomainError):
    """A scan of an item (or bin) that is not the one to take now: refused, nothing counted."""

    code = FulfillmentErrorCode.WRONG_ITEM

    def __init__(self, *, scanned: str, expected_sku: str, expected_bin: str, message: str = ""):
        super().__init__(
            message
            or _("Wrong item: “%(scanned)s” is not %(sku)s from bin %(bin)s. Nothing was counted.")
            % {"scanned": scanned, "sku": expected_sku, "bin": expected_bin},
            data={"scanned": scanned, "expected_sku": expected_sku, "expected_bin": expected_bin},
        )


class ShortPickError(DomainError):
    code = FulfillmentErrorCode.SHORT_PICK_INVALID


class PackingError(DomainError):
    """Packing cannot close: items missing or extra, or no package given. Nothing is saved."""

    code = FulfillmentErrorCode.PACKING_INCOMPLETE


class PackageError(DomainError):
    code = FulfillmentErrorCode.PACKAGE_INVALID
    http_status = 400


class NotReadyToShipError(DomainError):
    """Shipping a shipment that is not labelled (not packed, no label yet, held, cancelled)."""

    code = FulfillmentErrorCode.NOT_READY_TO_SHIP
    http_status = 409
