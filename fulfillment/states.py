"""What each shipment state asks of the reader (``oms.badges``): amber waits for the warehouse,
blue is on its way, green arrived, red needs someone."""

from __future__ import annotations

from fulfillment.models import ShipmentState
from oms import badges
from oms.badges import StateGroup

G = StateGroup

SHIPMENT_STATE_GROUPS = {
    ShipmentState.PLANNED: G.WAITING,
    ShipmentState.ON_HOLD: G.WAITING,
    ShipmentState.PICKING: G.PROGRESS,
    ShipmentState.PACKED: G.PROGRESS,
    ShipmentState.LABELLED: G.PROGRESS,
    ShipmentState.SHIPPED: G.PROGRESS,
    ShipmentState.IN_TRANSIT: G.PROGRESS,
    ShipmentState.OUT_FOR_DELIVERY: G.PROGRESS,
    ShipmentState.DELIVERED: G.DONE,
    ShipmentState.EXCEPTION: G.PROBLEM,
    ShipmentState.RETURNED_TO_SENDER: G.PROBLEM,
    ShipmentState.CANCELLED: G.CLOSED,
}


def register() -> None:
    """Called from ``FulfillmentConfig.ready()``."""
    badges.register("shipment", SHIPMENT_STATE_GROUPS)
