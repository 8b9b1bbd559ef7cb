"""Error codes of the returns app (``DomainError.code``): add members, never rename a value."""

from __future__ import annotations

from enum import StrEnum


class ReturnErrorCode(StrEnum):
    ALREADY_RECEIVED = "already_received"
    AMOUNT_REQUIRED = "amount_required"
    BIN_REQUIRED = "bin_required"
    CLAIM_NOT_INVOICED = "claim_not_invoiced"
    CLAIM_RESOLVED = "claim_resolved"
    EXCLUDED_PRODUCT = "excluded_product"
    ITEM_NOT_ON_RETURN = "item_not_on_return"
    NAME_REQUIRED = "name_required"
    NOT_WITHDRAWABLE = "not_withdrawable"
    ORDER_MISMATCH = "order_mismatch"
    PHOTO_NOT_AN_IMAGE = "photo_not_an_image"
    PHOTO_TOO_LARGE = "photo_too_large"
    PHOTOS_CLOSED = "photos_closed"
    TOO_MANY_PHOTOS = "too_many_photos"
    NO_LINES = "no_lines"
    NOT_RECEIVABLE = "not_receivable"
    NOTHING_TO_SCRAP = "nothing_to_scrap"
    QUANTITY_EXCEEDS_RETURNABLE = "quantity_exceeds_returnable"
    REASON_REQUIRED = "reason_required"
    REASON_TEXT_REQUIRED = "reason_text_required"
    REFERENCE_REQUIRED = "reference_required"
    SHIPMENT_NOT_DELIVERED = "shipment_not_delivered"
    SHIPMENT_NOT_SHIPPED = "shipment_not_shipped"
    UNKNOWN_CLAIM_KIND = "unknown_claim_kind"
    UNKNOWN_CODE = "unknown_code"
    UNKNOWN_CONDITION = "unknown_condition"
    UNKNOWN_LINE = "unknown_line"
    UNKNOWN_REASON = "unknown_reason"
    UNKNOWN_SKU = "unknown_sku"
    WINDOW_CLOSED = "window_closed"
    WITHDRAWAL_CLOSED = "withdrawal_closed"
