"""Panels fulfillment contributes to pages of lower apps (``oms.panels``)."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone

from fulfillment import board
from fulfillment.tracking_forms import TrackingEntryForm
from fulfillment.tracking_selectors import shipments_for_order
from oms.roles import Role, has_role


def order_shipments(*, request: Any, order: Any, **_: Any) -> dict[str, Any] | None:
    """The order page's shipments panel: each shipment's state, carrier, tracking link, expected
    delivery and what delays it, with its newest tracking events; support may enter an event by
    hand. No shipments: no panel."""
    shipments = shipments_for_order(order, now=timezone.now())
    if not shipments:
        return None
    user = getattr(request, "user", None)
    return {
        "shipments": shipments,
        "may_record": has_role(user, Role.SUPPORT),
        "entry_form": TrackingEntryForm(initial={"occurred_at": timezone.localtime().replace(second=0, microsecond=0)}),
    }


def warehouse_board(**_: Any) -> dict[str, Any]:
    """The warehouse home's board (``fulfillment.board``), refreshing itself every
    ``WAREHOUSE_BOARD_REFRESH_SECONDS`` through ``fulfillment:warehouse-board``."""
    return board_context(now=timezone.now())


def board_context(*, now: datetime.datetime) -> dict[str, Any]:
    rows = board.warehouse_board(now=now)
    return {
        "board": rows,
        "due": [row for row in rows if row.carriers],
        "now": now,
        "refresh_seconds": settings.WAREHOUSE_BOARD_REFRESH_SECONDS,
    }
