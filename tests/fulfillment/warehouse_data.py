"""Test data for fulfillment: a warehouse with bins in walking order, products stocked in bins
through inventory's services, allocated orders placed through orders' intake, and the steps of
the flow run through the real services (build, scan, pack, label, ship)."""

from __future__ import annotations

from typing import Any

from fulfillment.carriers.catalogue import seed_carriers
from fulfillment.models import PackageType, PickList, Shipment
from fulfillment.services.labels import book_label
from fulfillment.services.packing import PackageSpec, pack_shipment
from fulfillment.services.picking import open_lines, scan_pick
from inventory.models import BinLocation, Product, Warehouse
from inventory.services.stock import receive_stock
from orders.models import Channel, Order, OrderState
from tests.orders.factories import ChannelFactory, order_for


def make_warehouse(code: str = "BER", *, priority: int = 10) -> Warehouse:
    return Warehouse.objects.create(code=code, name=f"Lager {code}", priority=priority)


def make_bin(warehouse: Warehouse, code: str, seq: int) -> BinLocation:
    return BinLocation.objects.create(warehouse=warehouse, code=code, pick_sequence=seq)


def stock_in_bins(sku: str, bins: dict[BinLocation, int], *, gtin: str = "", weight_grams: int = 300) -> Product:
    product = Product.objects.filter(sku=sku).first() or Product.objects.create(
        sku=sku, name=f"Artikel {sku}", gtin=gtin, weight_grams=weight_grams
    )
    for bin, units in bins.items():
        receive_stock(product=product, warehouse=bin.warehouse, quantity=units, bin=bin, reference="TEST")
    return product


def channel(*, split: bool = True) -> Channel:
    return ChannelFactory(allows_split_shipments=split)


def allocated_order(shop: Channel, lines: dict[str, int], **kwargs: Any) -> Order:
    order = order_for(shop, lines, **kwargs)
    assert order.state == OrderState.ALLOCATED, order.state
    return order


def box() -> PackageType:
    return PackageType.objects.get_or_create(
        code="box-m",
        defaults={"name": "Karton M", "length_mm": 300, "width_mm": 200, "height_mm": 150, "tare_grams": 150},
    )[0]


def pick_all(pick_list: PickList, *, user: Any = None) -> None:
    """Scan every open line's SKU until the list is done (the picker's happy path)."""
    while True:
        lines = open_lines(list(pick_list.lines.select_related("shipment_line__shipment", "product", "bin")))
        if not lines:
            return
        scan_pick(pick_list=pick_list, code=lines[0].sku, user=user)


def pack(shipment: Shipment, *, user: Any = None) -> Shipment:
    """Pack every picked unit into one box; packing chooses a carrier service (the carriers are
    seeded) and asks for the label."""
    seed_carriers()
    scans = [line.product.sku for line in shipment.lines.select_related("product") for _ in range(line.quantity_picked)]
    return pack_shipment(shipment=shipment, scans=scans, packages=[PackageSpec(box(), 1200)], user=user)


def label(shipment: Shipment) -> Shipment:
    """Book the label packing asked for, as the outbox's worker does (the PDF is not rendered)."""
    book_label(shipment.pk)
    return Shipment.objects.get(pk=shipment.pk)
