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
