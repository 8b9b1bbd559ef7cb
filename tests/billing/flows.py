"""Orders placed through intake and shipped in parts through fulfillment's real shipping service,
for billing's tests."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from fulfillment.carriers.catalogue import seed_carriers
from fulfillment.models import CarrierService, Shipment, ShipmentLine
from fulfillment.services.shipping import ship_shipment
from orders.models import Order, OrderState
from orders.services.drafts import AddressDraft, CustomerDraft, LineDraft, OrderDraft
from orders.services.intake import place_order
from orders.services.lifecycle import release_to_fulfillment
from tests.reliability import ordering

_seq = itertools.count(1)


def place(
    lines: dict[str, tuple[int, str] | tuple[int, str, str]],
    *,
    shipping: str = "4.90",
    discount: str = "0.00",
    country: str = "DE",
    company: str = "",
    vat_id: str = "",
    price_mode: str = "gross",
    payment_method: str = "invoice",
    vat_rates: dict[str, str] | None = None,
    channel_code: str = "web",
) -> Order:
    """An allocated order: ``lines`` {sku: (quantity, unit price[, line discount])}, stock enough."""
    channel = ordering.make_channel(channel_code)
    ordering.make_warehouse()
    drafts = []
    for sku, spec in lines.items():
        product = ordering.make_product(sku, units=spec[0] + 5, price=spec[1])
        if vat_rates and sku in vat_rates:
            product.vat_rate = Decimal(vat_rates[sku])
            product.save(update_fields=["vat_rate"])
        drafts.append(
            LineDraft(
                sku=sku,
                quantity=spec[0],
                unit_price=Decimal(spec[1]),
                discount=Decimal(spec[2]) if len(spec) > 2 else Decimal(0),
            )
        )
    postcode = {"DE": "10115", "AT": "1010", "FR": "75001", "CH": "8001", "NL": "1011 AB"}.get(country, "10115")
    address = AddressDraft(
        name="Erika Mustermann",
        company=company,
        street="Hauptstraße 1",
        postcode=postcode,
        city="Berlin" if country == "DE" else "Stadt",
        country=country,
    )
    draft = OrderDraft(
        customer=CustomerDraft(
            email=f"kunde{next(_seq)}@example.de", name="Erika Mustermann", company=company, vat_id=vat_id
        ),
        billing_address=address,
        shipping_address=address,
        lines=drafts,
        price_mode=price_mode,
        shipping_total=Decimal(shipping),
        discount_total=Decimal(discount),
        payment_method=payment_method,
        payment_captured=payment_method in ("card", "paypal"),
        external_id=f"bill-{next(_seq)}",
    )
    order = place_order(channel=channel, draft=draft).order
    assert order.state == OrderState.ALLOCATED, (order.state, order.hold_reason)
    return order


def _service() -> CarrierService:
    seed_carriers()
    return CarrierService.objects.get(carrier__code="dhl", code="paket")


def ship(order: Order, units: dict[str, int], *, user: Any = None) -> Shipment:
    """Ship ``units`` ({sku: units}) of the order in one new shipment, through ``ship_shipment``."""
    order.refresh_from_db()
    if order.state == OrderState.ALLOCATED:
        order = release_to_fulfillment(order=order)
    n = next(_seq)
    shipment = Shipment.objects.create(
        reference=f"{order.number}-{n}", order=order, warehouse=ordering.make_warehouse(), carrier_service=_service()
    )
    for line in order.lines.all():
        if units.get(line.sku):
            q = units[line.sku]
            ShipmentLine.objects.create(
                shipment=shipment,
                order_line=line,
                product=line.product,
                quantity=q,
                quantity_picked=q,
                quantity_packed=q,
            )
    shipment.start_picking()
    shipment.save()
    shipment.pack(weight_grams=1000)
    shipment.save()
    shipment.label(tracking_number=f"BILL{n:010d}")
    shipment.save()
    return ship_shipment(shipment=shipment, user=user)
