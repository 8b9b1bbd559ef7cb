"""The one way an order changes state: lock held, ``can_proceed``, transition, save, event after
commit. Used by every lifecycle service, which then writes its timeline entry through
``orders.services.timeline`` (one function per kind of entry)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed

from oms.events import publish
from oms.exceptions import DomainError, IllegalTransitionError
from orders.error_codes import OrderErrorCode
from orders.models import Order

# Action -> (fields the transition body sets, domain event published, label shown in errors).
TRANSITIONS: dict[str, tuple[tuple[str, ...], str, Any]] = {
    "confirm": (("confirmed_at",), "order.confirmed", _("confirm")),
    "allocate": (("allocated_at", "routing"), "order.allocated", _("allocate")),
    "backorder": (("allocated_at", "routing"), "order.backordered", _("backorder")),
    "hold": (("hold_reason", "state_before_hold"), "order.held", _("hold")),
    "unhold": (("hold_reason", "state_before_hold"), "order.unheld", _("release the hold")),
    "release": (("released_at",), "order.released", _("release to the warehouse")),
    "ship_partially": (("shipped_at",), "order.partially_shipped", _("ship partially")),
    "ship": (("shipped_at",), "order.shipped", _("ship")),
    "deliver": (("delivered_at",), "order.delivered", _("deliver")),
    "complete": (("completed_at",), "order.completed", _("complete")),
    "cancel": (("cancel_reason", "cancelled_at", "hold_reason", "state_before_hold"), "order.cancelled", _("cancel")),
}


def require_reason(reason: str) -> str:
    """The reason a hold or cancellation keeps on the timeline: stripped, at most 255 characters.
    Raises ``DomainError`` (``reason_required``) when it is empty."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            gettext("Please give a reason."), code=OrderErrorCode.REASON_REQUIRED, data={"field": "reason"}
        )
    return reason[:255]


def ensure_can(order: Order, action: str) -> None:
    """Raise ``IllegalTransitionError`` unless ``action`` is allowed in the order's current state."""
    if not can_proceed(getattr(order, action)):
        raise IllegalTransitionError(obj=order, action=str(TRANSITIONS[action][2]), state=order.get_state_display())


def apply_transition(
    order: Order,
    action: str,
    *,
    args: tuple[Any, ...] = (),
    extra_fields: tuple[str, ...] = (),
    payload: dict[str, Any] | None = None,
) -> str:
    """Run transition ``action`` on a locked order and save it; returns the state it left.

    Precondition: the caller holds the row lock and the transaction, and writes the timeline
    entry. Publishes ``order.<verb>`` after commit with
    ``{"order_id", "number", "channel_id", "from_state", "state", **payload}``.
    """
    ensure_can(order, action)
    fields, event_name, _label = TRANSITIONS[action]
    from_state = order.state
    getattr(order, action)(*args)
    order.updated_at = timezone.now()
    order.save(update_fields=["state", "updated_at", *fields, *extra_fields])
    publish(
        event_name,
        {
            "order_id": order.pk,
            "number": order.number,
            "channel_id": order.channel_id,
            "from_state": from_state,
            "state": order.state,
            **(payload or {}),
        },
    )
    return from_state
