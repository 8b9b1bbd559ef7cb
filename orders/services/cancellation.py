"""Cancelling whole orders or single lines/quantities. Releases exactly the reservations of the
cancelled units; later apps add the refund in reaction to ``order.cancelled`` /
``order.lines_cancelled``.

Money: a cancelled order keeps its totals as placed (what was ordered); its money summary owes
nothing. A partial cancellation re-totals the order from the remaining units.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from oms import parsing
from oms.events import publish
from oms.exceptions import IllegalTransitionError
from orders import locks
from orders.exceptions import OrderEditError
from orders.models import Order, OrderLine, OrderState
from orders.services import timeline
from orders.services.allocation import allocate_locked_order, release_allocations
from orders.services.timeline import Actor
from orders.services.totals import PricedLine, compute_totals, line_total
from orders.services.transitions import apply_transition, ensure_can, require_reason

# Lines may lose units while nothing (or not everything) has shipped.
LINE_CANCELLABLE_STATES = {
    OrderState.PENDING,
    OrderState.CONFIRMED,
    OrderState.BACKORDERED,
    OrderState.ALLOCATED,
    OrderState.ON_HOLD,
    OrderState.IN_FULFILLMENT,
    OrderState.PARTIALLY_SHIPPED,
}


@transaction.atomic
def cancel_order(*, order: Order, reason: str, actor_label: str = "system", user: Any = None) -> Order:
    """Cancel the whole order (any state before shipped) and release all its reservations.

    Publishes ``order.cancelled`` with the released units per line id.
    """
    reason = require_reason(reason)
    order = locks.lock_order(order_id=order.pk)
    ensure_can(order, "cancel")
    lines = list(locks.lines_for_update(order=order))
    released_before = {line.pk: line.quantity_allocated for line in lines}
    units = release_allocations(order=order, lines=lines)
    for line in lines:
        line.quantity_cancelled = line.quantity - line.quantity_shipped
    OrderLine.objects.bulk_update(lines, ["quantity_allocated", "quantity_cancelled"])
    released = {str(line.pk): released_before[line.pk] - line.quantity_allocated for line in lines}
    from_state = apply_transition(order, "cancel", args=(reason,), payload={"reason": reason, "released": released})
    timeline.order_cancelled(
        order, reason=reason, released=released, units=units, from_state=from_state, actor=Actor(actor_label, user)
    )
    return order


def retotal(order: Order, lines: list[OrderLine]) -> None:
    """Recompute line totals (remaining units) and the order totals in memory."""
    for line in lines:
        remaining = line.quantity - line.quantity_cancelled
        discount = line.discount
        if line.quantity_cancelled:
            # The line discount shrinks with the line.
            discount = (line.discount * remaining / line.quantity) if line.quantity else discount
        line.line_total = line_total(quantity=remaining, unit_price=line.unit_price, discount=discount)
    totals = compute_totals(
        lines=[PricedLine(line.line_total, line.vat_rate) for line in lines],
        price_mode=order.price_mode,
        shipping_total=order.shipping_total,
        discount_total=min(order.discount_total, sum((ln.line_total for ln in lines), order.shipping_total)),
        tip_total=order.tip_total,
        gift_card_total=order.gift_card_total,
    )
    order.subtotal = totals.subtotal
    order.discount_total = totals.discount_total
    order.vat_breakdown = totals.vat_breakdown
    order.vat_total = totals.vat_total
    order.total = totals.total


TOTAL_FIELDS = ["subtotal", "discount_total", "vat_breakdown", "vat_total", "total", "updated_at"]


@transaction.atomic
def cancel_order_lines(
    *, order: Order, quantities: dict[int, int], reason: str, actor_label: str = "system", user: Any = None
) -> Order:
    """Cancel ``quantities`` ({order line id: units}) of unshipped units, releasing exactly the
    reservations those units held; re-totals the order. Cancelling every open unit of an order
    that has shipped nothing cancels the order. Publishes ``order.lines_cancelled``."""
    reason = require_reason(reason)
    order = locks.lock_order(order_id=order.pk)
    if order.state not in LINE_CANCELLABLE_STATES:
        raise IllegalTransitionError(obj=order, action=_("cancel lines"), state=order.get_state_display())
    lines = list(locks.lines_for_update(order=order))
    by_id = {line.pk: line for line in lines}
    if not quantities:
        raise OrderEditError(_("Choose at least one line to cancel."), field="quantities")
    release: dict[int, int] = {}
    for line_id, units in quantities.items():
        line = by_id.get(line_id)
        if line is None:
            raise OrderEditError(_("Line %(line)s is not part of this order.") % {"line": line_id}, field="quantities")
        if not parsing.is_quantity(units):
            raise OrderEditError(
                _("%(sku)s: the quantity to cancel must be a whole number above 0.") % {"sku": line.sku},
                field=f"quantities.{line_id}",
            )
        if units > line.quantity_open:
            raise OrderEditError(
                _("%(sku)s: only %(open)d units can still be cancelled.")
                % {"sku": line.sku, "open": line.quantity_open},
                field=f"quantities.{line_id}",
                sku=line.sku,
                open=line.quantity_open,
            )
        # Unreserved units go first; reservations are released only for what remains.
        unreserved = line.quantity_open - line.quantity_allocated
        if units > unreserved:
            release[line_id] = units - unreserved
    if release:
        release_allocations(order=order, lines=lines, quantities=dict(release))
    for line_id, units in quantities.items():
        by_id[line_id].quantity_cancelled += units
    retotal(order, lines)
    OrderLine.objects.bulk_update(lines, ["quantity_allocated", "quantity_cancelled", "line_total"])
    order.updated_at = timezone.now()
    order.save(update_fields=TOTAL_FIELDS)
    summary = ", ".join(f"{units} x {by_id[lid].sku}" for lid, units in quantities.items())
    data = {
        "reason": reason,
        "lines": {str(k): v for k, v in quantities.items()},
        "released": {str(k): v for k, v in release.items()},
        "total": str(order.total),
    }
    actor = Actor(actor_label, user)
    timeline.lines_cancelled(order, items=summary, reason=reason, data=data, actor=actor)
    publish("order.lines_cancelled", {"order_id": order.pk, "number": order.number, **data})
    nothing_left = all(line.quantity_open == 0 for line in lines)
    if nothing_left and order.state == OrderState.PARTIALLY_SHIPPED:
        # What was not cancelled has left the warehouse: the order is shipped.
        from_state = apply_transition(order, "ship")
        timeline.rest_shipped(order, from_state=from_state, actor=actor)
    elif nothing_left and not any(line.quantity_shipped for line in lines):
        from_state = apply_transition(order, "cancel", args=(reason,), payload={"reason": reason, "released": {}})
        timeline.order_emptied(order, reason=reason, from_state=from_state, actor=actor)
    elif order.state == OrderState.BACKORDERED:
        # The cancelled units may have been what the order was waiting for: route it again.
        allocate_locked_order(order=order, actor_label=actor_label, user=user)
    return order
