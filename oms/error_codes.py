"""Error codes of the project package: the ``code`` of every JSON error and domain error that is not
an app's own, as in saleor/saleor ``saleor/order/error_codes.py``.

The values are a public contract (API clients switch on them): add members, never rename a value.
Each app keeps its own catalogue (``inventory.error_codes``, ``orders.error_codes``)."""

from __future__ import annotations

from enum import StrEnum


class CommonErrorCode(StrEnum):
    """Domain errors every app raises (``oms.exceptions``) and the API's own answers."""

    DOMAIN_ERROR = "domain_error"
    ILLEGAL_TRANSITION = "illegal_transition"
    CONFLICT = "conflict"
    NOT_FOUND = "not_found"
    INVALID = "invalid"
    INVALID_API_KEY = "invalid_api_key"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    UNSUPPORTED_CHARSET = "unsupported_charset"
    DUPLICATE_KEY = "duplicate_key"
    SERVICE_UNAVAILABLE = "service_unavailable"
    SERVER_ERROR = "server_error"
    SECOND_FACTOR_REQUIRED = "second_factor_required"
    SECOND_FACTOR_INVALID = "second_factor_invalid"
    SECOND_FACTOR_THROTTLED = "second_factor_throttled"
    SAVED_VIEW_REFUSED = "saved_view_refused"
    ERASURE_REFUSED = "erasure_refused"


class ParseErrorCode(StrEnum):
    """Why ``oms.parsing`` refused a value (forms, CSV cells, API fields and webhooks say the same)."""

    NULL_CHARACTER = "null_character"
    BIDI_CONTROL = "bidi_control"
    CONTROL_CHARACTER = "control_character"
    REQUIRED = "required"
    MAX_LENGTH = "max_length"
    INVALID_AMOUNT = "invalid_amount"
    AMBIGUOUS_AMOUNT = "ambiguous_amount"
    NEGATIVE_AMOUNT = "negative_amount"
    AMOUNT_TOO_SMALL = "amount_too_small"
    AMOUNT_TOO_LARGE = "amount_too_large"
    TOO_MANY_DECIMALS = "too_many_decimals"
    INVALID_QUANTITY = "invalid_quantity"
    QUANTITY_TOO_SMALL = "quantity_too_small"
    QUANTITY_TOO_LARGE = "quantity_too_large"
    INVALID_EMAIL = "invalid_email"
    INVALID_DATETIME = "invalid_datetime"
    DATETIME_OUT_OF_RANGE = "datetime_out_of_range"
    PLACED_IN_FUTURE = "placed_in_future"
    PLACED_TOO_LONG_AGO = "placed_too_long_ago"
