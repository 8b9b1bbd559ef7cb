"""Error codes of the orders app (``DomainError.code`` and the API's and webhooks' JSON errors), as in
saleor/saleor ``saleor/order/error_codes.py``.

The API answers with them and clients switch on them: add members, never rename a value."""

from __future__ import annotations

from enum import StrEnum


class OrderErrorCode(StrEnum):
    CHANNEL_REQUIRED = "channel_required"
    EMPTY_MESSAGE = "empty_message"
    FOREIGN_CHANNEL = "foreign_channel"
    IDEMPOTENCY_KEY_IN_FLIGHT = "idempotency_key_in_flight"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    INVALID_IDEMPOTENCY_KEY = "invalid_idempotency_key"
    INVALID_PAYLOAD = "invalid_payload"
    INVALID_SIGNATURE = "invalid_signature"
    ALREADY_RATED = "already_rated"
    NOT_DELIVERED = "not_delivered"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    NOTE_EMPTY = "note_empty"
    ORDER_EDIT_INVALID = "order_edit_invalid"
    ORDER_INVALID = "order_invalid"
    ORDER_NOT_EDITABLE = "order_not_editable"
    PARSE_ERROR = "parse_error"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    REASON_REQUIRED = "reason_required"
    REFUND_EXCEEDS_CAPTURE = "refund_exceeds_capture"
    UNKNOWN_CHANNEL = "unknown_channel"
    WEBHOOK_ERROR = "webhook_error"
