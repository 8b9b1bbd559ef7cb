"""Domain errors of the billing app. Each carries the data a page or a webhook answer needs."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from billing.error_codes import BillingErrorCode
from oms.exceptions import DomainError


class PaymentInputError(DomainError):
    """A payment or refund asked for something that cannot be booked (nothing was written)."""

    code = BillingErrorCode.PAYMENT_INVALID
    http_status = 422

    def __init__(self, message: str, *, field: str = "", code: str | None = None, **data: object):
        super().__init__(message, code=code, data={"field": field, **data} if field else dict(data))


class PaymentExceedsOpenAmountError(PaymentInputError):
    """A payment entered by hand larger than what the customer still owes."""

    def __init__(self, *, amount: Decimal, open_amount: Decimal, currency: str):
        super().__init__(
            _("A payment of %(amount)s %(currency)s is more than the %(open)s %(currency)s still open.")
            % {"amount": amount, "currency": currency, "open": open_amount},
            field="amount",
            code=BillingErrorCode.PAYMENT_EXCEEDS_OPEN_AMOUNT,
            open_amount=str(open_amount),
        )


class IssuedDocumentError(DomainError):
    """An issued invoice or credit note was to be changed or deleted: corrections are credit notes."""

    code = BillingErrorCode.DOCUMENT_ISSUED
    http_status = 409

    def __init__(self, number: str):
        super().__init__(
            _("%(number)s is issued and cannot be changed; correct it with a credit note.") % {"number": number},
            data={"number": number},
        )


class CreditNoteError(DomainError):
    """A credit note that cannot be issued as asked (nothing was written)."""

    code = BillingErrorCode.CREDIT_INVALID
    http_status = 422

    def __init__(self, message: str, *, field: str = "", code: str | None = None, **data: object):
        super().__init__(message, code=code, data={"field": field, **data} if field else dict(data))


class CreditExceedsInvoiceError(CreditNoteError):
    """More credited than is left of the invoice (in total or for a line)."""

    def __init__(self, *, number: str, asked: Decimal, left: Decimal, currency: str):
        super().__init__(
            _("A credit of %(asked)s %(currency)s is more than the %(left)s %(currency)s left of invoice %(number)s.")
            % {"asked": asked, "left": left, "currency": currency, "number": number},
            field="amount",
            code=BillingErrorCode.CREDIT_EXCEEDS_INVOICE,
            left=str(left),
        )


class DunningError(DomainError):
    """A dunning action that cannot be done as asked (nothing was written)."""

    code = BillingErrorCode.DUNNING_INVALID
    http_status = 422

    def __init__(self, message: str, *, field: str = "", code: str | None = None, **data: object):
        super().__init__(message, code=code, data={"field": field, **data} if field else dict(data))
