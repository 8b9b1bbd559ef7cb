"""Orders placed, shipped and delivered through the real services, for the returns tests."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import time_machine

from fulfillment.models import ShipmentState
from fulfillment.services.tracking import record_tracking_event_by_hand
from orders.models import Order
from tests.billing.flows import place, ship

BERLIN = ZoneInfo("Europe/Berlin")
DELIVERED = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=BERLIN)
WITHIN = DELIVERED + datetime.timedelta(days=3)  # inside the 14-day window
AFTER = DELIVERED + datetime.timedelta(days=20)  # the window has ended


def delivered_order(*, at: datetime.datetime = DELIVERED, lines: dict | None = None) -> Order:
    """An order of 2 SHIRT (29.90) and 1 JEANS (89.00), shipped in full and delivered ``at``."""
    with time_machine.travel(at - datetime.timedelta(days=2), tick=False):
        order = place(lines or {"SHIRT": (2, "29.90"), "JEANS": (1, "89.00")})
        shipment = ship(order, {line.sku: line.quantity for line in order.lines.all()})
    with time_machine.travel(at, tick=False):
        record_tracking_event_by_hand(shipment=shipment, state=ShipmentState.DELIVERED, occurred_at=at)
    order.refresh_from_db()
    return order


def line_of(order: Order, sku: str):
    return order.lines.get(sku=sku)
