"""Panels ``orders`` contributes to pages of lower apps (see ``oms.panels``).

``product-stock``: the product stock page in ``inventory`` shows reserved quantities; this panel
names the orders that hold them, so a warehouse lead can see why units are not available.

``support-home``: the search box, open cases, and the orders waiting for someone.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Sum

from oms.roles import Role, has_role
from orders.models import Allocation, Order, OrderState
from orders.support_selectors import case_counts

RESERVATIONS_SHOWN = 50


def product_reservations(*, request: Any, product: Any, **_: Any) -> dict[str, Any]:
    """The newest allocations of ``product`` with their orders, and how many there are in all."""
    allocations = Allocation.objects.filter(stock_level__product=product)
    summary = allocations.aggregate(units=Sum("quantity"))
    rows = list(
        allocations.select_related("order_line__order", "warehouse")
        .only(
            "quantity",
            "created_at",
            "warehouse__code",
            "order_line__order__number",
            "order_line__order__state",
            "order_line__order__created_at",
        )
        .order_by("-created_at", "-pk")[:RESERVATIONS_SHOWN]
    )
    return {
        "reservations": rows,
        "reservations_total": allocations.count() if len(rows) == RESERVATIONS_SHOWN else len(rows),
        "reserved_units": summary["units"] or 0,
        "link_orders": request is not None and has_role(request.user, Role.SUPPORT),
    }


# Order states a support agent acts on, in the order the support home lists them.
ATTENTION_STATES = (OrderState.ON_HOLD, OrderState.BACKORDERED, OrderState.PENDING)


def support_home(**_: Any) -> dict[str, Any]:
    """Open cases, and how many orders are held, backordered or awaiting payment (one query on
    the state index), each linking to the order list filtered by that state."""
    counts = dict(
        Order.objects.filter(state__in=ATTENTION_STATES)
        .values("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    attention = [{"state": state, "label": state.label, "count": counts.get(state, 0)} for state in ATTENTION_STATES]
    return {**case_counts(), "attention": attention}
