"""Error codes of the billing app (``DomainError.code`` and the webhooks' JSON errors), as in
saleor/saleor ``saleor/order/error_codes.py``.

Clients and pages switch on them: add members, never rename a value."""

from __future__ import annotations

from enum import StrEnum


class BillingErrorCode(StrEnum):
    INVALID_SIGNATURE = "invalid_signature"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    NOTHING_TO_REFUND = "nothing_to_refund"
    PARSE_ERROR = "parse_error"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    PAYMENT_EXCEEDS_OPEN_AMOUNT = "payment_exceeds_open_amount"
    PAYMENT_INVALID = "payment_invalid"
    REASON_REQUIRED = "reason_required"
    CURRENCY_MISMATCH = "currency_mismatch"
    UNKNOWN_ORDER = "unknown_order"
    UNKNOWN_PROVIDER = "unknown_provider"
    DOCUMENT_ISSUED = "document_issued"
    CREDIT_EXCEEDS_INVOICE = "credit_exceeds_invoice"
    CREDIT_INVALID = "credit_invalid"
    DUNNING_INVALID = "dunning_invalid"
