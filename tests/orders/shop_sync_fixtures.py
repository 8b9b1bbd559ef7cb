"""Shop sync tests' helpers: a warehouse with the shop's products in stock, and a pulled order
picked, packed, labelled and shipped through the real services."""

from __future__ import annotations

from inventory.models import BinLocation, Warehouse
from inventory.services.stock import receive_stock
from orders.models import Order
from tests.reliability import ordering


def stock_the_warehouse(skus: tuple[str, ...] = ("SHIRT-BLK-M", "MUG-WHT"), quantity: int = 5) -> Warehouse:
    from inventory.models import Product

    warehouse = ordering.make_warehouse()
    warehouse.street, warehouse.postal_code, warehouse.city = "Lagerweg 1", "12529", "Schönefeld"
    warehouse.save()
    shelf, _ = BinLocation.objects.get_or_create(warehouse=warehouse, code="A-01-01", defaults={"pick_sequence": 10})
    for product in Product.objects.filter(sku__in=skus):
        receive_stock(product=product, warehouse=warehouse, quantity=quantity, bin=shelf, reference="TEST")
    return warehouse


def ship_whole_order(order: Order):
    """Pick, pack, label and ship ``order`` in one shipment; returns the order and the shipment."""
    # fulfillment sits above orders: imported where it is used, as the tests of orders do.
    from fulfillment.exceptions import WrongItemError
    from fulfillment.models import PackageType, Shipment
    from fulfillment.services.labels import book_label
    from fulfillment.services.packing import PackageSpec, pack_shipment
    from fulfillment.services.picking import scan_pick
    from fulfillment.services.planning import build_pick_list_for_order
    from fulfillment.services.shipping import ship_shipment
    from tests.fulfillment.shipping import service

    warehouse = Warehouse.objects.order_by("pk").first()
    pick_list = build_pick_list_for_order(order=order, warehouse=warehouse)
    left = [line.sku for line in order.lines.all() for _unit in range(line.quantity)]
    scans = []
    while left:  # in the pick list's walking order, whichever that is
        for sku in dict.fromkeys(left):
            try:
                scan_pick(pick_list=pick_list, code=sku)
            except WrongItemError:
                continue
            left.remove(sku)
            scans.append(sku)
            break
    shipment = Shipment.objects.get(order=order)
    box, _ = PackageType.objects.get_or_create(
        code="karton-m",
        defaults={"name": "Karton M", "length_mm": 300, "width_mm": 200, "height_mm": 150, "tare_grams": 150},
    )
    items = {line.pk: line.quantity_picked for line in shipment.lines.all()}
    pack_shipment(
        shipment=shipment, scans=scans, packages=[PackageSpec(box, 1500, items=items)], carrier_service=service()
    )
    book_label(shipment.pk)
    shipment = ship_shipment(shipment=Shipment.objects.get(pk=shipment.pk))
    return order, Shipment.objects.select_related("carrier_service__carrier").get(pk=shipment.pk)
