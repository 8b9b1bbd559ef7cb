"""Test data for the replenishment tests: master data, stock with its ledger row, demand history."""

from __future__ import annotations

import datetime

import numpy as np

from inventory.models import (
    MovementKind,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    StockLevel,
    StockMovement,
    Supplier,
    Warehouse,
)
from inventory.services.replenishment import insert_demand_history

AS_OF = datetime.date(2026, 11, 23)


def make_warehouse(code: str = "BER", *, priority: int = 10) -> Warehouse:
    return Warehouse.objects.create(code=code, name=f"Lager {code}", priority=priority)


def make_product(sku: str, *, lead_time_days: int | None = 14) -> Product:
    supplier = None
    if lead_time_days is not None:
        supplier, _ = Supplier.objects.get_or_create(
            name=f"Supplier {lead_time_days}d", defaults={"lead_time_days": lead_time_days}
        )
    return Product.objects.create(sku=sku, name=f"Product {sku}", default_supplier=supplier)


def put_stock(product: Product, warehouse: Warehouse, on_hand: int, *, reserved: int = 0) -> StockLevel:
    """A stock level with the receipt that explains it, so the ledger still sums to on hand."""
    level = StockLevel.objects.create(product=product, warehouse=warehouse, on_hand=on_hand, reserved=reserved)
    if on_hand:
        StockMovement.objects.create(
            product=product, warehouse=warehouse, kind=MovementKind.RECEIPT, quantity=on_hand, on_hand_after=on_hand
        )
    return level


def open_po(product: Product, warehouse: Warehouse, quantity: int, *, number: str = "PO-1") -> PurchaseOrder:
    supplier, _ = Supplier.objects.get_or_create(name="PO Supplier")
    po = PurchaseOrder.objects.create(number=number, supplier=supplier, warehouse=warehouse)
    PurchaseOrderLine.objects.create(purchase_order=po, product=product, quantity_ordered=quantity)
    return po


def seasonal_history(days: int, *, base: float = 20, trend: float = 0.0, seed: int = 1) -> np.ndarray:
    """Daily demand around ``base`` (+ ``trend`` per day), busier weekends, a yearly wave, noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(days)
    values = (
        base
        + trend * t
        + 5 * np.where(t % 7 >= 5, 1, -0.4)
        + 6 * np.cos(2 * np.pi * t / 365.25)
        + rng.normal(0, 2, days)
    )
    return np.clip(np.rint(values), 0, None)


def add_history(product: Product, warehouse: Warehouse, values, *, end: datetime.date = AS_OF) -> None:
    """Daily demand ending the day before ``end``."""
    start = end - datetime.timedelta(days=len(values))
    insert_demand_history(
        rows=((product.pk, warehouse.pk, start + datetime.timedelta(days=i), int(q)) for i, q in enumerate(values))
    )
