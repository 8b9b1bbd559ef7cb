"""The one way a shipment or pick list changes state: lock held, ``can_proceed``, transition,
save, event after commit (as ``orders.services.transitions`` for orders)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed

from fulfillment.models import PickList, Shipment
from oms.events import publish
from oms.exceptions import IllegalTransitionError

# Action -> (fields the transition body sets, domain event, label shown in errors).
SHIPMENT_TRANSITIONS: dict[str, tuple[tuple[str, ...], str, Any]] = {
    "start_picking": (("picking_started_at",), "shipment.picking_started", _("start picking")),
    "pack": (("packed_at", "packed_by", "weight_grams"), "shipment.packed", _("pack")),
    "label": (
        ("tracking_number", "routing_code", "label_state", "label_error", "labelled_at"),
        "shipment.labelled",
        _("label"),
    ),
    "ship": (("shipped_at", "shipped_by"), "shipment.shipped", _("ship")),
    "hold": (
        (
            "state_before_hold",
            "hold_reason",
            "tracking_number",
            "routing_code",
            "label_state",
            "label_document",
            "labelled_at",
            "pick_list",
        ),
        "shipment.held",
        _("hold"),
    ),
    "unhold": (("state_before_hold", "hold_reason"), "shipment.unheld", _("release the hold")),
    "cancel": (
        ("cancel_reason", "cancelled_at", "tracking_number", "routing_code", "label_state", "pick_list"),
        "shipment.cancelled",
        _("cancel"),
    ),
}


def apply_shipment_transition(
    shipment: Shipment,
    action: str,
    *,
    kwargs: dict[str, Any] | None = None,
    extra_fields: tuple[str, ...] = (),
    payload: dict[str, Any] | None = None,
) -> str:
    """Run ``action`` on a locked shipment and save it; returns the state it left. Publishes
    ``shipment.<verb>`` after commit with ``{"shipment_id", "order_id", "from_state", "state"}``."""
    transition = getattr(shipment, action)
    if not can_proceed(transition):
        raise IllegalTransitionError(
            obj=shipment, action=str(SHIPMENT_TRANSITIONS[action][2]), state=shipment.get_state_display()
        )
    fields, event_name, _label = SHIPMENT_TRANSITIONS[action]
    from_state = shipment.state
    transition(**(kwargs or {}))
    shipment.updated_at = timezone.now()
    shipment.save(update_fields=["state", "updated_at", *fields, *extra_fields])
    publish(
        event_name,
        {
            "shipment_id": shipment.pk,
            "order_id": shipment.order_id,
            "reference": shipment.reference,
            "from_state": from_state,
            "state": shipment.state,
            **(payload or {}),
        },
    )
    return from_state


def apply_pick_list_transition(pick_list: PickList, action: str, *, args: tuple[Any, ...] = ()) -> None:
    transition = getattr(pick_list, action)
    if not can_proceed(transition):
        raise IllegalTransitionError(obj=pick_list, action=action, state=pick_list.get_state_display())
    transition(*args)
    pick_list.save(update_fields=["state", "started_at", "completed_at", "voided_at", "void_reason"])
