"""Panels fulfillment contributes to pages of lower apps (``oms.panels``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Min, Q
from django.utils import timezone

from fulfillment.models import Shipment, ShipmentState
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


def warehouse_board(**_: Any) -> dict[str, Any]:
    """The warehouse home's board: per warehouse, the shipments to pick, to pack, to ship and in
    exception (on hold or reported by the carrier), each with its count and its oldest one's age."""
    s = ShipmentState
    columns = {
        "pick": Q(state=s.PLANNED) | Q(state=s.PICKING, picked_at__isnull=True),
        "pack": Q(state=s.PICKING, picked_at__isnull=False),
        "ship": Q(state__in=[s.PACKED, s.LABELLED]),
        "exceptions": Q(state__in=[s.ON_HOLD, s.EXCEPTION]),
    }
    aggregates: dict[str, Any] = {}
    for key, condition in columns.items():
        aggregates[f"{key}_count"] = Count("pk", filter=condition)
        aggregates[f"{key}_oldest"] = Min("created_at", filter=condition)
    open_states = [s.PLANNED, s.PICKING, s.PACKED, s.LABELLED, s.ON_HOLD, s.EXCEPTION]
    rows = (
        Shipment.objects.filter(state__in=open_states)
        .values("warehouse__code")
        .annotate(**aggregates)
        .order_by("warehouse__code")
    )
    now = timezone.now()
    board = []
    for row in rows:
        cells = []
        for key in columns:
            oldest = row[f"{key}_oldest"]
            cells.append({"key": key, "count": row[f"{key}_count"], "oldest": oldest})
        board.append({"warehouse": row["warehouse__code"], "cells": cells})
    return {"board": board, "now": now}
