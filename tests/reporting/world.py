"""Orders with a known history for the report tests: each step taken through the real services at
a moment the test names (the clock is moved there with time-machine)."""

from __future__ import annotations

import dataclasses
import datetime
import itertools
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import time_machine

from fulfillment.models import PackageType, Shipment
from fulfillment.services.labels import book_label
from fulfillment.services.packing import PackageSpec, pack_shipment
from fulfillment.services.picking import scan_pick
from fulfillment.services.planning import build_pick_list_for_order
from fulfillment.services.shipping import ship_shipment
from fulfillment.services.tracking import record_tracking_event_by_hand
from inventory.models import BinLocation, Warehouse
from inventory.services.stock import receive_stock
from orders.models import Channel, Order
from orders.services.drafts import AddressDraft
from orders.services.intake import place_order
from orders.services.lifecycle import confirm_order
from tests.fulfillment.shipping import service
from tests.reliability import ordering

BERLIN = ZoneInfo("Europe/Berlin")
_numbers = itertools.count(1)
STEPS = ("placed", "confirmed", "released", "picked", "shipped", "delivered")


def at(text: str) -> datetime.datetime:
    """A moment in Berlin: ``"2026-03-02 09:00"`` (or with seconds)."""
    fmt = "%Y-%m-%d %H:%M:%S" if text.count(":") == 2 else "%Y-%m-%d %H:%M"
    return datetime.datetime.strptime(text, fmt).replace(tzinfo=BERLIN)


def warehouse(code: str = "BER") -> Warehouse:
    found = ordering.make_warehouse(code)
    if not found.street:
        found.street, found.postal_code, found.city = "Lagerweg 1", "12529", "Schönefeld"
        found.save()
    return found


def channel(code: str = "web") -> Channel:
    return ordering.make_channel(code)


def order_with_history(
    times: Mapping[str, str],
    *,
    shop: Channel | None = None,
    site: Warehouse | None = None,
    quantity: int = 1,
    price: str = "19.99",
    country: str = "DE",
    postcode: str = "",
) -> Order:
    """An order of ``quantity`` units of a SKU of its own at ``price`` (gross), taken as far as
    ``times`` says: {"placed": "2026-03-02 09:00", "confirmed": ..., "released": ..., "picked":
    ..., "shipped": ..., "delivered": ...}. Without "confirmed" it is placed on invoice terms
    (confirmed when placed); with it, paid by prepayment and confirmed then."""
    shop = shop or channel()
    site = site or warehouse()
    n = next(_numbers)
    sku = f"REP-{n}"
    product = ordering.make_product(sku, price=price)
    shelf, _created = BinLocation.objects.get_or_create(warehouse=site, code="A-01-01", defaults={"pick_sequence": 10})
    receive_stock(product=product, warehouse=site, quantity=quantity, bin=shelf, reference="TEST")
    address = AddressDraft(
        name="Erika Mustermann",
        street="Hauptstraße 1",
        postcode=postcode or {"DE": "10115", "AT": "1010", "FR": "75001"}.get(country, "10115"),
        city="Berlin",
        country=country,
    )
    draft = dataclasses.replace(
        ordering.order_draft(
            {sku: quantity}, payment_method="prepayment" if "confirmed" in times else "invoice", price=price
        ),
        shipping_address=address,
        billing_address=address,
    )
    with time_machine.travel(at(times["placed"]), tick=False):
        order = place_order(channel=shop, draft=draft).order
    if "confirmed" in times:
        with time_machine.travel(at(times["confirmed"]), tick=False):
            order = confirm_order(order=Order.objects.get(pk=order.pk))
    if "released" not in times:
        return Order.objects.get(pk=order.pk)
    with time_machine.travel(at(times["released"]), tick=False):
        pick_list = build_pick_list_for_order(order=Order.objects.get(pk=order.pk), warehouse=site)
    if "picked" not in times:
        return Order.objects.get(pk=order.pk)
    with time_machine.travel(at(times["picked"]), tick=False):
        for _unit in range(quantity):
            scan_pick(pick_list=pick_list, code=sku)
    if "shipped" not in times:
        return Order.objects.get(pk=order.pk)
    shipment = Shipment.objects.get(order=order)
    with time_machine.travel(at(times["shipped"]), tick=False):
        _ship(shipment, sku=sku, quantity=quantity)
    if "delivered" in times:
        moment = at(times["delivered"])
        with time_machine.travel(moment, tick=False):
            record_tracking_event_by_hand(
                shipment=Shipment.objects.get(pk=shipment.pk), state="delivered", occurred_at=moment
            )
    return Order.objects.get(pk=order.pk)


def _ship(shipment: Shipment, *, sku: str, quantity: int) -> None:
    box, _created = PackageType.objects.get_or_create(
        code="karton-m",
        defaults={"name": "Karton M", "length_mm": 300, "width_mm": 200, "height_mm": 150, "tare_grams": 150},
    )
    (line,) = shipment.lines.all()
    pack_shipment(
        shipment=shipment,
        scans=[sku] * quantity,
        packages=[PackageSpec(box, 1200, items={line.pk: quantity})],
        carrier_service=service(),
    )
    book_label(shipment.pk)
    ship_shipment(shipment=Shipment.objects.get(pk=shipment.pk))


def money(text: str) -> Decimal:
    return Decimal(text)


def snapshot() -> dict[str, Any]:
    """Every rollup row as plain values (no primary keys of derived rows), for comparisons."""
    from reporting.models import DailyProductSales, DailySales, LineFact, OrderFact, ReturnFact, StateSpan

    def rows(qs: Any, exclude: tuple[str, ...] = ("id",)) -> list[tuple]:
        fields = [f.attname for f in qs.model._meta.concrete_fields if f.attname not in exclude]
        return sorted(tuple(str(v) for v in row) for row in qs.values_list(*fields))

    return {
        "facts": rows(OrderFact.objects.all(), exclude=()),
        "spans": rows(StateSpan.objects.all()),
        "daily": rows(DailySales.objects.all()),
        "lines": rows(LineFact.objects.all(), exclude=()),
        "returns": rows(ReturnFact.objects.all(), exclude=()),
        "product_sales": rows(DailyProductSales.objects.all()),
    }
