"""Panels returns contributes to the order page (``oms.panels``).

``order-detail``: the RMA panel: each return request with its state, reason, lines and returned
quantities, the decisions support may take, and the form to create a return for the units that
were shipped and are not returned or requested yet.

``order-detail``: the claims panel (``order_claims``): claims against the order's shipments
without a return, their resolution and the claim against the carrier."""

from __future__ import annotations

from typing import Any

from oms.roles import Role, has_role
from orders.models import CANCELLABLE_STATES, Order, OrderState
from returns.claim_forms import OpenClaimForm
from returns.claim_selectors import claim_replaced_by, claimable_shipments, claims_for_order
from returns.forms import ApproveForm, CreateReturnForm, ExchangeForm, ReasonForm
from returns.selectors import returnable_quantities, returns_for_order

SUPPORT_ROLES = (Role.SUPPORT,)
# Order states in which no unit has left a warehouse yet (an order is cancelled only before that).
NOTHING_SHIPPED = frozenset({*CANCELLABLE_STATES, OrderState.CANCELLED})


def returnable_lines(order: Order, lines: list[Any] | None = None) -> list[tuple[Any, int]]:
    """(order line, units that may still be returned) for every line with any."""
    lines = list(order.lines.order_by("pk")) if lines is None else lines
    left = returnable_quantities(order, lines=lines)
    return [(line, left[line.pk]) for line in lines if left.get(line.pk, 0) > 0]


def order_returns(*, request: Any, order: Order, create_form: CreateReturnForm | None = None, **_: Any) -> Any:
    """The RMA panel, for support; no returns and nothing returnable: no panel."""
    if not has_role(getattr(request, "user", None), *SUPPORT_ROLES):
        return None
    if order.state in NOTHING_SHIPPED:
        return None  # nothing to return, and no return requests either (no query)
    order_lines = list(order.lines.all())  # read once by the order page (its prefetch)
    cards = returns_for_order(order)
    lines = returnable_lines(order, order_lines)
    return {
        "returns": cards,
        "create_form": create_form or (CreateReturnForm(lines=lines, prefix="return") if lines else None),
        "approve_form": ApproveForm(prefix="approve"),
        "reject_form": ReasonForm(prefix="reject"),
        "cancel_form": ReasonForm(prefix="cancel"),
        "exchange_form": ExchangeForm(prefix="exchange"),
    }


def order_claims(*, request: Any, order: Order, **_: Any) -> Any:
    """The claims panel, for support: the order's claims, the claim it is the free replacement
    for, and a form per parcel that has left with units not claimed yet."""
    if not has_role(getattr(request, "user", None), *SUPPORT_ROLES):
        return None
    replaces = claim_replaced_by(order)
    if order.state in NOTHING_SHIPPED:
        return {"claims": [], "replaces": replaces, "claimable": []} if replaces is not None else None
    claims = claims_for_order(order)
    claimable = claimable_shipments(order)
    for item in claimable:
        item.form = OpenClaimForm(lines=item.lines, prefix=f"claim-{item.shipment.pk}")
    if not claims and replaces is None and not claimable:
        return None
    return {"claims": claims, "replaces": replaces, "claimable": claimable}
