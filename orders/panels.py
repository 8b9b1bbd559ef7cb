"""Panels ``orders`` contributes to pages of lower apps (see ``oms.panels``).

``product-stock``: the product stock page in ``inventory`` shows reserved quantities; this panel
names the orders that hold them, so a warehouse lead can see why units are not available.

``support-home``: the search box, open cases, and the orders waiting for someone.

``order-detail``: the customer mails about the order (status, failures), each a link to the mail
page where support sends it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Min, Sum

from oms import mail
from oms.choices import choice_label
from oms.models import CustomerMail
from oms.roles import Role, has_role
from orders.models import Allocation, Order, OrderState
from orders.selectors.cases import case_counts

RESERVATIONS_SHOWN = 50
MAILS_SHOWN = 20


@dataclass(frozen=True)
class Reservation:
    """A row of the reservations panel: units of the product allocated to an order."""

    number: str  # the order's
    state: str  # the order's
    warehouse: str  # code
    quantity: int
    created_at: datetime

    @property
    def state_label(self) -> str:
        return choice_label(OrderState, self.state)


def product_reservations(*, request: Any, product: Any, **_: Any) -> dict[str, Any]:
    """The newest allocations of ``product`` with their orders, and how many there are in all.
    The rows are plain values: no allocation, line, order and warehouse objects per row."""
    allocations = Allocation.objects.filter(stock_level__product=product)
    summary = allocations.aggregate(units=Sum("quantity"))
    rows = [
        Reservation(*values)
        for values in allocations.order_by("-created_at", "-pk").values_list(
            "order_line__order__number", "order_line__order__state", "warehouse__code", "quantity", "created_at"
        )[:RESERVATIONS_SHOWN]
    ]
    return {
        "reservations": rows,
        "reservations_total": allocations.count() if len(rows) == RESERVATIONS_SHOWN else len(rows),
        "reserved_units": summary["units"] or 0,
        "link_orders": request is not None and has_role(request.user, Role.SUPPORT),
    }


# Order states a support agent acts on, in the order the support home lists them.
ATTENTION_STATES = (OrderState.ON_HOLD, OrderState.BACKORDERED, OrderState.PENDING)


def support_home(**_: Any) -> dict[str, Any]:
    """Open cases, and how many orders are held, backordered or awaiting payment with the oldest
    of each (one query on the state index), each linking to the order list filtered by that
    state, oldest first."""
    rows = {
        state: (n, oldest)
        for state, n, oldest in Order.objects.filter(state__in=ATTENTION_STATES)
        .values("state")
        .annotate(n=Count("pk"), oldest=Min("created_at"))
        .values_list("state", "n", "oldest")
    }
    attention = [
        {
            "state": state,
            "label": state.label,
            "count": rows.get(state, (0, None))[0],
            "oldest": rows.get(state, (0, None))[1],
        }
        for state in ATTENTION_STATES
    ]
    return {**case_counts(), "attention": attention}


def order_mails(*, request: Any, order: Order, **_: Any) -> dict[str, Any] | None:
    """The newest mails about ``order`` (none yet: no panel)."""
    mails = list(
        CustomerMail.objects.filter(subject_type="order", subject_id=str(order.pk)).order_by("-created_at", "-pk")[
            :MAILS_SHOWN
        ]
    )
    if not mails:
        return None
    for row in mails:
        row.kind_label = mail.kind_label(row.kind)
    return {"mails": mails}
