"""Error codes of the returns app (``DomainError.code``): add members, never rename a value."""

from __future__ import annotations

from enum import StrEnum


class ReturnErrorCode(StrEnum):
    EXCLUDED_PRODUCT = "excluded_product"
    NO_LINES = "no_lines"
    QUANTITY_EXCEEDS_RETURNABLE = "quantity_exceeds_returnable"
    REASON_TEXT_REQUIRED = "reason_text_required"
    UNKNOWN_LINE = "unknown_line"
    UNKNOWN_REASON = "unknown_reason"
    WINDOW_CLOSED = "window_closed"
