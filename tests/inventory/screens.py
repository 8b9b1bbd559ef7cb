"""Test data for the inventory screen tests: master data rows, and stock that arrives through the
real ``receive_stock`` service (so levels and ledger agree, as the services keep them)."""

from __future__ import annotations

import datetime

from inventory.models import BinLocation, Product, PurchaseOrder, PurchaseOrderLine, Supplier, Warehouse
from inventory.services.stock import receive_stock


def make_warehouse(code: str = "BER", *, priority: int = 10) -> Warehouse:
    return Warehouse.objects.create(code=code, name=f"Lager {code}", priority=priority)


def make_bin(warehouse: Warehouse, code: str, *, seq: int = 0) -> BinLocation:
    return BinLocation.objects.create(warehouse=warehouse, code=code, pick_sequence=seq)


def make_product(sku: str, name: str | None = None, *, gtin: str = "") -> Product:
    return Product.objects.create(sku=sku, name=name or f"Product {sku}", gtin=gtin)


def put_stock(product: Product, warehouse: Warehouse, quantity: int, *, bin: BinLocation | None = None) -> None:
    receive_stock(product=product, warehouse=warehouse, quantity=quantity, bin=bin, reference="TEST")


def make_po(number: str, warehouse: Warehouse, lines: list[tuple[Product, int]]) -> PurchaseOrder:
    supplier, _ = Supplier.objects.get_or_create(name="Acme Supplies")
    po = PurchaseOrder.objects.create(
        number=number, supplier=supplier, warehouse=warehouse, expected_date=datetime.date(2026, 12, 1)
    )
    for product, quantity in lines:
        PurchaseOrderLine.objects.create(purchase_order=po, product=product, quantity_ordered=quantity)
    return po
