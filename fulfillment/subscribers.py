"""Fulfillment's reactions to orders' events (registered in ``FulfillmentConfig.ready()``)."""

from __future__ import annotations

from typing import Any

from fulfillment.services.cancellation import void_order_shipments
from fulfillment.services.holds import hold_order_shipments, release_order_shipments
from orders.models import OrderState


def void_picks_on_cancel(payload: dict[str, Any]) -> None:
    """A cancellation while picking: its open picks are void."""
    void_order_shipments(order_id=payload["order_id"], reason=payload.get("reason", ""))


def hold_shipments_on_hold(payload: dict[str, Any]) -> None:
    """Support held an order that is in the warehouse: its shipments stop too."""
    if payload.get("from_state") == OrderState.IN_FULFILLMENT:
        hold_order_shipments(order_id=payload["order_id"], reason=payload.get("reason", ""))


def requeue_shipments_on_unhold(payload: dict[str, Any]) -> None:
    """The hold is released: held shipments go back into the warehouse queue."""
    if payload.get("state") == OrderState.IN_FULFILLMENT:
        release_order_shipments(order_id=payload["order_id"])
