"""Error codes of the inventory (``DomainError.code``), as in saleor/saleor ``saleor/order/error_codes.py``.

The API answers with them and clients switch on them: add members, never rename a value."""

from __future__ import annotations

from enum import StrEnum


class InventoryErrorCode(StrEnum):
    ALREADY_SENT = "already_sent"
    BIN_NOT_IN_WAREHOUSE = "bin_not_in_warehouse"
    COUNT_BELOW_RESERVED = "count_below_reserved"
    DUPLICATE_LINE = "duplicate_line"
    EMPTY_PURCHASE_ORDER = "empty_purchase_order"
    EMPTY_RECEIPT = "empty_receipt"
    EMPTY_REQUEST = "empty_request"
    IMPORT_INVALID = "import_invalid"
    INSUFFICIENT_BIN_STOCK = "insufficient_bin_stock"
    INSUFFICIENT_BLOCKED_STOCK = "insufficient_blocked_stock"
    INSUFFICIENT_RESERVATION = "insufficient_reservation"
    INSUFFICIENT_STOCK = "insufficient_stock"
    INVALID_BIN_CODE = "invalid_bin_code"
    INVALID_DEMAND = "invalid_demand"
    INVALID_GTIN = "invalid_gtin"
    INVALID_QUANTITY = "invalid_quantity"
    INVALID_RULE = "invalid_rule"
    INVALID_SKU = "invalid_sku"
    INVALID_UNIT_COST = "invalid_unit_cost"
    MISSING_SUPPLIER_EMAIL = "missing_supplier_email"
    NO_SUPPLIER = "no_supplier"
    NOTHING_TO_ORDER = "nothing_to_order"
    PURCHASE_ORDER_NOT_EDITABLE = "purchase_order_not_editable"
    OPENING_STOCK_EXISTS = "opening_stock_exists"
    OVER_RECEIPT = "over_receipt"
    PRODUCT_NOT_ON_ORDER = "product_not_on_order"
    REASON_REQUIRED = "reason_required"
    REFERENCE_REQUIRED = "reference_required"
    SAME_LOCATION = "same_location"
    UNKNOWN_BIN = "unknown_bin"
    UNKNOWN_LINE = "unknown_line"
    UNKNOWN_PRODUCT = "unknown_product"
