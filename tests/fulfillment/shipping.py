"""Shipments ready for a label, for the tests of labels, tracking and delivery dates: an order
placed and allocated through the orders services, its shipment packed into packages."""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

from fulfillment.carriers.catalogue import seed_carriers
from fulfillment.models import CarrierService, Package, PackageType, Shipment, ShipmentLine
from orders.services.drafts import AddressDraft
from orders.services.intake import place_order
from orders.services.lifecycle import release_to_fulfillment
from tests.reliability import ordering

_numbers = itertools.count(1)


def service(carrier: str = "dhl", code: str = "paket") -> CarrierService:
    seed_carriers()
    return CarrierService.objects.select_related("carrier").get(carrier__code=carrier, code=code)


def packed_shipment(
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
) -> Shipment:
    """A packed shipment of one order (one unit of each package's SKU) going to the address given."""
    chosen = service(carrier, service_code)
    channel = ordering.make_channel("web")
    warehouse = ordering.make_warehouse()
    if not warehouse.street:
        warehouse.street, warehouse.postal_code, warehouse.city = "Lagerweg 1", "12529", "Schönefeld"
        warehouse.save()
    n = next(_numbers)
    sku = f"SHIP-{n}"
    ordering.make_product(sku, units=packages)
    address = AddressDraft(name="Erika Mustermann", street=street, postcode=postcode, city=city, country=country)
    draft = dataclasses.replace(
        ordering.order_draft({sku: packages}, payment_method=payment_method),
        shipping_address=address,
        billing_address=address,
    )
    order = place_order(channel=channel, draft=draft).order
    order = release_to_fulfillment(order=order)
    line = order.lines.get()
    shipment = Shipment.objects.create(
        reference=f"{order.number}-1",
        order=order,
        warehouse=warehouse,
        carrier_service=chosen,
        promised_ship_date=order.promised_ship_date,
    )
    shipment_line = ShipmentLine.objects.create(
        shipment=shipment, order_line=line, product=line.product, quantity=packages, quantity_picked=packages
    )
    box, _created = PackageType.objects.get_or_create(
        code="karton-m",
        defaults={"name": "Karton M", "length_mm": 300, "width_mm": 200, "height_mm": 150, "tare_grams": 150},
    )
    shipment.start_picking()
    shipment.save()
    shipment.pack(weight_grams=grams * packages)
    shipment.save()
    for number in range(1, packages + 1):
        package = Package.objects.create(shipment=shipment, number=number, package_type=box, weight_grams=grams)
        package.items.create(shipment_line=shipment_line, quantity=1)
    return Shipment.objects.get(pk=shipment.pk)


def refreshed(shipment: Any) -> Shipment:
    return Shipment.objects.select_related("carrier_service__carrier", "order", "label_document").get(pk=shipment.pk)


def labelled_shipment(**kwargs: Any) -> Shipment:
    """A packed shipment with its label booked (the label's PDF is not rendered)."""
    from fulfillment.services.labels import book_label, request_label

    shipment = request_label(packed_shipment(**kwargs))
    book_label(shipment.pk)
    return refreshed(shipment)


def shipped_shipment(**kwargs: Any) -> Shipment:
    """A labelled shipment handed to its carrier, its order shipped through the orders service."""
    from django.utils import timezone

    from orders.services.lifecycle import ship_order_lines

    shipment = labelled_shipment(**kwargs)
    ship_order_lines(order=shipment.order, warehouse_id=shipment.warehouse_id, reference=shipment.reference)
    shipment.ship()
    shipment.shipped_at = timezone.now()
    shipment.save()
    return refreshed(shipment)
