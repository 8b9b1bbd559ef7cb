"""Holds in the warehouse: an address problem found while picking, packing or labelling puts the
order and its shipments on hold; releasing the hold puts the shipments back into the queue.

The warehouse holds with ``hold_shipment`` (one transaction for order and shipments). Support
may hold or release the order itself; ``fulfillment.subscribers`` then follows with its shipments
(``hold_order_shipments`` / ``release_order_shipments``, both idempotent).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from fulfillment import locks
from fulfillment.models import WAREHOUSE_STATES, PickList, PickListState, Shipment, ShipmentState
from fulfillment.services import timeline
from fulfillment.services.transitions import apply_pick_list_transition, apply_shipment_transition
from orders import locks as order_locks
from orders.models import OrderState
from orders.services.lifecycle import hold_order, unhold_order
from orders.services.transitions import require_reason


@transaction.atomic
def hold_shipment(*, shipment: Shipment, reason: str, user: Any = None) -> Shipment:
    """Hold the shipment's order and every shipment of it still in a warehouse (their labels are
    void, their picks leave the pick lists). Raises ``IllegalTransitionError`` when the shipment
    has left the warehouse; nothing changes then."""
    reason = require_reason(reason)
    order_locks.lock_order(order_id=shipment.order_id)
    shipment = locks.lock_shipment(shipment_id=shipment.pk)
    from_state = apply_shipment_transition(shipment, "hold", kwargs={"reason": reason})
    timeline.shipment_held(shipment, reason=reason, from_state=from_state, user=user)
    hold_order_shipments(order_id=shipment.order_id, reason=reason, user=user)
    hold_order(order=shipment.order, reason=reason, user=user)
    _void_empty_pick_lists(reason=reason)
    shipment.refresh_from_db()
    return shipment


@transaction.atomic
def release_shipment_hold(*, shipment: Shipment, note: str = "", user: Any = None) -> Shipment:
    """Release the order's hold; its held shipments go back into the queue (planned, or packed
    when they were packed already: they need a new label)."""
    order = order_locks.lock_order(order_id=shipment.order_id)
    if order.state == OrderState.ON_HOLD:
        unhold_order(order=order, reason=note, user=user)
    release_order_shipments(order_id=order.pk, user=user)
    shipment.refresh_from_db()
    return shipment


@transaction.atomic
def hold_order_shipments(*, order_id: int, reason: str, user: Any = None) -> int:
    """Hold every shipment of the order still in the warehouse; returns how many."""
    held = 0
    ids = Shipment.objects.filter(order_id=order_id, state__in=WAREHOUSE_STATES).values_list("pk", flat=True)
    for shipment in locks.shipments_for_update(ids=ids).select_related("order", "warehouse"):
        from_state = apply_shipment_transition(shipment, "hold", kwargs={"reason": reason})
        timeline.shipment_held(shipment, reason=reason, from_state=from_state, user=user)
        held += 1
    return held


@transaction.atomic
def release_order_shipments(*, order_id: int, user: Any = None) -> int:
    released = 0
    ids = Shipment.objects.filter(order_id=order_id, state=ShipmentState.ON_HOLD).values_list("pk", flat=True)
    for shipment in locks.shipments_for_update(ids=ids).select_related("order", "warehouse"):
        from_state = apply_shipment_transition(shipment, "unhold")
        timeline.shipment_unheld(shipment, from_state=from_state, user=user)
        released += 1
    return released


def _void_empty_pick_lists(*, reason: str) -> None:
    """Open pick lists left without a shipment to pick (their last one was held or cancelled)."""
    ids = (
        PickList.objects.filter(state__in=[PickListState.OPEN, PickListState.IN_PROGRESS], lines__isnull=False)
        .exclude(shipments__state__in=[ShipmentState.PLANNED, ShipmentState.PICKING])
        .values_list("pk", flat=True)
        .distinct()
    )
    for pick_list_id in sorted(set(ids)):
        apply_pick_list_transition(locks.lock_pick_list(pick_list_id=pick_list_id), "void", args=(reason,))
