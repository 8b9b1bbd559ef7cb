"""Domain errors of the orders app. Each carries the data a page or the API needs for a good message."""

from __future__ import annotations

from django.utils.translation import gettext as _

from oms.exceptions import ConflictError, DomainError
from orders.error_codes import OrderErrorCode


class OrderValidationError(DomainError):
    """The order draft is invalid; nothing was stored.

    ``errors`` maps a field path (``"lines[0].sku"``, ``"shipping_address.country"``, ``"currency"``,
    ``"stated_total"``) to its messages, the shape DRF uses for 400 bodies.
    """

    code = OrderErrorCode.ORDER_INVALID
    http_status = 400

    def __init__(self, errors: dict[str, list[str]], *, message: str | None = None):
        self.errors = errors
        count = sum(len(v) for v in errors.values())
        super().__init__(
            message or _("The order has %(count)d error(s); nothing was stored.") % {"count": count},
            data={"errors": errors},
        )


class OrderEditError(DomainError):
    """An edit or a line cancellation asked for something the order cannot do."""

    code = OrderErrorCode.ORDER_EDIT_INVALID
    http_status = 400

    def __init__(self, message: str, *, field: str = "", **data: object):
        super().__init__(message, data={"field": field, **data} if field else dict(data))


class RefundExceedsCaptureError(OrderEditError):
    """A refund larger than what was captured and not yet refunded."""

    code = OrderErrorCode.REFUND_EXCEEDS_CAPTURE

    def __init__(self, *, amount: object, refundable: object, currency: str):
        super().__init__(
            _("A refund of %(amount)s %(currency)s is more than the %(refundable)s %(currency)s still refundable.")
            % {"amount": amount, "currency": currency, "refundable": refundable},
            field="amount",
            refundable=str(refundable),
        )


class OrderNotEditableError(ConflictError):
    code = OrderErrorCode.ORDER_NOT_EDITABLE

    def __init__(self, *, number: str, state: str):
        super().__init__(
            _("Order %(number)s can no longer be edited: it is “%(state)s”.") % {"number": number, "state": state},
            data={"number": number, "state": state},
        )
