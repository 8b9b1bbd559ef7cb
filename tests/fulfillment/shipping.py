"""Shipments ready for a label, for the tests of labels, tracking and delivery dates: an order
placed and allocated through the orders services, picked and packed through fulfillment's."""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

from fulfillment.carriers.catalogue import seed_carriers
from fulfillment.models import CarrierService, PackageType, Shipment
from fulfillment.services.packing import PackageSpec, pack_shipment
from fulfillment.services.picking import scan_pick
from fulfillment.services.planning import build_pick_list_for_order
from inventory.models import BinLocation
from inventory.services.stock import receive_stock
from orders.services.drafts import AddressDraft
from orders.services.intake import place_order
from tests.reliability import ordering

_numbers = itertools.count(1)


def service(carrier: str = "dhl", code: str = "paket") -> CarrierService:
    seed_carriers()
    return CarrierService.objects.select_related("carrier").get(carrier__code=carrier, code=code)


@dataclasses.dataclass(frozen=True)
class Picked:
    """A picked shipment and what its packer would enter: the scans and the parcels."""

    shipment: Shipment
    scans: list[str]
    packages: list[PackageSpec]
    carrier_service: CarrierService

    def pack(self) -> Shipment:
        """Close the packing (``pack_shipment``): packed, with its label requested."""
        pack_shipment(
            shipment=self.shipment, scans=self.scans, packages=self.packages, carrier_service=self.carrier_service
        )
        return Shipment.objects.get(pk=self.shipment.pk)


def picked_shipment(
    *,
    carrier: str = "dhl",
    service_code: str = "paket",
    postcode: str = "80331",
    city: str = "München",
    street: str = "Marienplatz 8",
    country: str = "DE",
    packages: int = 1,
    grams: int = 1200,
    payment_method: str = "invoice",
) -> Picked:
    """A picked shipment of one order (one unit of a SKU of its own per package) going to the
    address given, reached through the real services: placed and allocated, a pick list built
    (which releases it), picked by scanning; ready to pack into ``packages`` parcels."""
    chosen = service(carrier, service_code)
    channel = ordering.make_channel("web")
    warehouse = ordering.make_warehouse()
    if not warehouse.street:
        warehouse.street, warehouse.postal_code, warehouse.city = "Lagerweg 1", "12529", "Schönefeld"
        warehouse.save()
    shelf, _created = BinLocation.objects.get_or_create(
        warehouse=warehouse, code="A-01-01", defaults={"pick_sequence": 10}
    )
    n = next(_numbers)
    sku = f"SHIP-{n}"
    product = ordering.make_product(sku)
    receive_stock(product=product, warehouse=warehouse, quantity=packages, bin=shelf, reference="TEST")
    address = AddressDraft(name="Erika Mustermann", street=street, postcode=postcode, city=city, country=country)
    draft = dataclasses.replace(
        ordering.order_draft({sku: packages}, payment_method=payment_method),
        shipping_address=address,
        billing_address=address,
    )
    order = place_order(channel=channel, draft=draft).order
    pick_list = build_pick_list_for_order(order=order, warehouse=warehouse)
    for _unit in range(packages):
        scan_pick(pick_list=pick_list, code=sku)
    shipment = Shipment.objects.get(order=order)
    (line,) = shipment.lines.all()
    box, _created = PackageType.objects.get_or_create(
        code="karton-m",
        defaults={"name": "Karton M", "length_mm": 300, "width_mm": 200, "height_mm": 150, "tare_grams": 150},
    )
    return Picked(
        shipment=shipment,
        scans=[sku] * packages,
        packages=[PackageSpec(box, grams, items={line.pk: 1}) for _unit in range(packages)],
        carrier_service=chosen,
    )


def packed_shipment(**kwargs: Any) -> Shipment:
    """``picked_shipment`` packed: its label is requested (in the outbox), not booked yet."""
    return picked_shipment(**kwargs).pack()


def refreshed(shipment: Any) -> Shipment:
    return Shipment.objects.select_related("carrier_service__carrier", "order", "label_document").get(pk=shipment.pk)


def labelled_shipment(**kwargs: Any) -> Shipment:
    """A packed shipment with its label booked, as the outbox's label task does (the label's PDF
    is not rendered)."""
    from fulfillment.services.labels import book_label

    shipment = packed_shipment(**kwargs)
    book_label(shipment.pk)
    return refreshed(shipment)


def shipped_shipment(**kwargs: Any) -> Shipment:
    """A labelled shipment handed to its carrier through ``ship_shipment`` (the order shipped)."""
    from fulfillment.services.shipping import ship_shipment

    return refreshed(ship_shipment(shipment=labelled_shipment(**kwargs)))
