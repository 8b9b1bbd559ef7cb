"""A cancelled order leaves the warehouse: its shipments still there are cancelled, and a pick
list left with nothing to pick is voided, with the cancellation's reason, so the pick screen
says why and the picker puts the items back. Runs on ``order.cancelled``
(``fulfillment.subscribers``); idempotent."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fulfillment import locks
from fulfillment.models import WAREHOUSE_STATES, PickList, PickListState, Shipment, ShipmentState
from fulfillment.services import timeline
from fulfillment.services.transitions import apply_pick_list_transition, apply_shipment_transition


@transaction.atomic
def void_order_shipments(*, order_id: int, reason: str, user: Any = None) -> int:
    """Cancel the order's shipments that have not left; returns how many."""
    reason = (reason or "").strip() or _("order cancelled")
    ids = Shipment.objects.filter(order_id=order_id, state__in=[*WAREHOUSE_STATES, ShipmentState.ON_HOLD]).values_list(
        "pk", flat=True
    )
    pick_list_ids = set()
    voided = 0
    for shipment in locks.shipments_for_update(ids=ids).select_related("order", "warehouse"):
        if shipment.pick_list_id:
            pick_list_ids.add(shipment.pick_list_id)
        from_state = apply_shipment_transition(shipment, "cancel", kwargs={"reason": reason})
        timeline.shipment_cancelled(shipment, reason=reason, from_state=from_state, user=user)
        voided += 1
    for pick_list_id in sorted(pick_list_ids):
        pick_list = locks.lock_pick_list(pick_list_id=pick_list_id)
        if pick_list.state not in (PickListState.OPEN, PickListState.IN_PROGRESS):
            continue
        left = Shipment.objects.filter(
            pick_list=pick_list, state__in=[ShipmentState.PLANNED, ShipmentState.PICKING]
        ).exists()
        if not left:
            apply_pick_list_transition(pick_list, "void", args=(reason,))
    return voided


def cancelled_pick_lines(pick_list: PickList) -> list[int]:
    """Ids of the list's lines whose shipment was cancelled (the screen marks them)."""
    return list(
        pick_list.lines.filter(shipment_line__shipment__state=ShipmentState.CANCELLED).values_list("pk", flat=True)
    )
