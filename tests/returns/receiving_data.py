"""Delivered, paid orders with an approved return, for the receiving and resolution tests."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import time_machine

from billing.services.issuing import issue_invoice_for_shipment
from fulfillment.models import ShipmentState
from fulfillment.services.tracking import record_tracking_event_by_hand
from inventory.models import BinLocation
from returns.models import ReturnReason, ReturnRequest
from returns.services.requests import create_return
from tests.billing.flows import place, ship
from tests.reliability import ordering

BERLIN = ZoneInfo("Europe/Berlin")
DELIVERED = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=BERLIN)
ASKED = DELIVERED + datetime.timedelta(days=3)


def delivered_order(
    lines=None,
    *,
    payment_method: str = "card",
    shipping: str = "4.90",
    discount: str = "0.00",
    delivered: datetime.datetime = DELIVERED,
):
    """An order placed, shipped in one parcel and delivered on ``delivered`` (card: paid at once)."""
    with time_machine.travel(delivered - datetime.timedelta(days=2), tick=False):
        order = place(
            lines or {"SHIRT": (2, "29.90"), "JEANS": (1, "89.00")},
            payment_method=payment_method,
            shipping=shipping,
            discount=discount,
        )
        shipment = ship(order, {line.sku: line.quantity for line in order.lines.all()})
        # The invoice the shipment.shipped subscriber issues (tests do not run on-commit callbacks).
        issue_invoice_for_shipment(shipment_id=shipment.pk)
    with time_machine.travel(delivered, tick=False):
        record_tracking_event_by_hand(shipment=shipment, state=ShipmentState.DELIVERED, occurred_at=delivered)
    order.refresh_from_db()
    return order


def approved_return(order, units: dict[str, int], *, reason: str = ReturnReason.DOES_NOT_FIT) -> ReturnRequest:
    """A return request for ``units`` ({sku: units}), approved (automatically, under the limit)."""
    lines = {order.lines.get(sku=sku).pk: q for sku, q in units.items()}
    with time_machine.travel(ASKED, tick=False):
        request = create_return(order, lines, reason, by=None, actor_label="portal")
    return request


def returns_bin(code: str = "R-01-01") -> BinLocation:
    bin_, _created = BinLocation.objects.get_or_create(warehouse=ordering.make_warehouse(), code=code)
    return bin_
