"""Inventory models, one module per concept. ``replenishment.py`` (reorder points, forecasts) is added
by the replenishment work; import it here next to the others."""

from inventory.models.catalog import BinLocation, Category, Product, VatRate, Warehouse, WithdrawalExclusion
from inventory.models.purchasing import (
    EDITABLE_PO_STATES,
    OPEN_PO_STATES,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderState,
    Supplier,
)
from inventory.models.replenishment import DailyDemand, DemandForecast, ReplenishmentRule, RuleSource  # noqa: F401
from inventory.models.stock import BinStock, ChannelStockBuffer, MovementKind, StockLevel, StockMovement

__all__ = [
    "EDITABLE_PO_STATES",
    "OPEN_PO_STATES",
    "BinLocation",
    "BinStock",
    "Category",
    "ChannelStockBuffer",
    "MovementKind",
    "Product",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "PurchaseOrderState",
    "StockLevel",
    "StockMovement",
    "Supplier",
    "VatRate",
    "Warehouse",
    "WithdrawalExclusion",
]
