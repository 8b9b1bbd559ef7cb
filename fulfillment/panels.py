"""Panels fulfillment contributes to pages of lower apps (``oms.panels``)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from fulfillment.tracking_forms import TrackingEntryForm
from fulfillment.tracking_selectors import deliveries_for_order
from oms.roles import Role, has_role


def order_delivery(*, request: Any, order: Any, **_: Any) -> dict[str, Any] | None:
    """The order page's delivery panel: each shipment's carrier, tracking link, expected delivery
    date and newest events; support may enter an event by hand. No shipments: no panel."""
    deliveries = deliveries_for_order(order, today=timezone.localdate())
    if not deliveries:
        return None
    user = getattr(request, "user", None)
    return {
        "deliveries": deliveries,
        "may_record": has_role(user, Role.SUPPORT),
        "entry_form": TrackingEntryForm(initial={"occurred_at": timezone.localtime().replace(second=0, microsecond=0)}),
    }
