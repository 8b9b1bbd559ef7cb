"""Error codes of fulfillment: the ``code`` of its domain errors and JSON answers (a public
contract: add members, never rename a value), as ``orders.error_codes``."""

from __future__ import annotations

from enum import StrEnum


class FulfillmentErrorCode(StrEnum):
    LABEL_REFUSED = "label_refused"
    TRACKING_INVALID = "tracking_invalid"
    UNKNOWN_TRACKING_NUMBER = "unknown_tracking_number"
    INVALID_SIGNATURE = "invalid_signature"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    PARSE_ERROR = "parse_error"
    INVALID_PAYLOAD = "invalid_payload"
    NOTHING_TO_HAND_OVER = "nothing_to_hand_over"
    TRACKING_IMPORT_INVALID = "tracking_import_invalid"
    # Picking, packing and shipping.
    NOTHING_TO_PICK = "nothing_to_pick"
    WRONG_ITEM = "wrong_item"
    UNKNOWN_CODE = "unknown_code"
    PICK_LIST_CLOSED = "pick_list_closed"
    SHORT_PICK_INVALID = "short_pick_invalid"
    PACKING_INCOMPLETE = "packing_incomplete"
    PACKAGE_INVALID = "package_invalid"
    NOT_READY_TO_SHIP = "not_ready_to_ship"
