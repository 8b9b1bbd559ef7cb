"""Panels ``inventory`` contributes to pages composed in ``oms`` (see ``oms.panels``).

``warehouse-home``: the purchase orders due for receiving (expected today or overdue) and the
stock lists a shift starts with (out of stock, low stock).
"""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.utils import timezone

from inventory.models import OPEN_PO_STATES, PurchaseOrder

DELIVERIES_SHOWN = 8


def warehouse_home(**_: Any) -> dict[str, Any]:
    """Open purchase orders expected today or earlier, soonest first (two queries)."""
    today = timezone.localdate()
    due = PurchaseOrder.objects.filter(state__in=OPEN_PO_STATES, expected_date__lte=today)
    rows = list(
        due.select_related("supplier", "warehouse").order_by(F("expected_date").asc(), "number")[:DELIVERIES_SHOWN]
    )
    return {
        "today": today,
        "deliveries": rows,
        "deliveries_total": due.count() if len(rows) == DELIVERIES_SHOWN else len(rows),
    }
