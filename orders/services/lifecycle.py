"""Lifecycle services: confirm, hold/unhold, release to the warehouse, shipping progress.

Each one locks the order (``orders.locks``), checks the transition, applies it, writes the
timeline and publishes ``order.<verb>`` after commit. Cancellation lives in
``orders.services.cancellation`` and is re-exported here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import can_proceed

from inventory.services.reservations import StockRequest, consume_stock
from oms.events import publish
from oms.exceptions import DomainError, IllegalTransitionError
from oms.texts import Spec, text
from orders import locks
from orders.error_codes import OrderErrorCode
from orders.exceptions import OrderEditError
from orders.models import (
    Allocation,
    Note,
    Order,
    OrderLine,
    OrderState,
    PaymentState,
    reservation_reference,
)
from orders.services import timeline
from orders.services.allocation import allocate_locked_order, release_allocations
from orders.services.cancellation import cancel_order, cancel_order_lines
from orders.services.timeline import Actor
from orders.services.transitions import apply_transition, ensure_can, require_reason

__all__ = [
    "add_note",
    "backorder_from_fulfillment",
    "cancel_order",
    "cancel_order_lines",
    "complete_order",
    "confirm_order",
    "deliver_order",
    "hold_order",
    "release_short_units",
    "release_to_fulfillment",
    "ship_order_lines",
    "unhold_order",
]


@transaction.atomic
def confirm_order(*, order: Order, reason: str | Spec = "", actor_label: str = "system", user: Any = None) -> Order:
    """pending -> confirmed (payment captured or terms accepted), then route and allocate."""
    order = locks.lock_order(order_id=order.pk)
    from_state = apply_transition(order, "confirm")
    timeline.order_confirmed(order, reason=reason, from_state=from_state, actor=Actor(actor_label, user))
    allocate_locked_order(order=order, actor_label=actor_label, user=user)
    return order


@transaction.atomic
def hold_order(*, order: Order, reason: str, actor_label: str = "system", user: Any = None) -> Order:
    """Put an order on hold (fraud review, address problem, failed payment); reservations stay."""
    reason = require_reason(reason)
    order = locks.lock_order(order_id=order.pk)
    from_state = apply_transition(order, "hold", args=(reason,), payload={"reason": reason})
    timeline.order_held(order, reason=reason, from_state=from_state, actor=Actor(actor_label, user))
    return order


@transaction.atomic
def unhold_order(*, order: Order, reason: str = "", actor_label: str = "system", user: Any = None) -> Order:
    """Release the hold: the order returns to the state it had before. A confirmed order is
    routed and allocated right away; so is a pending one that was paid in full during the hold
    (``record_payment`` leaves a held order alone), and a backordered one tries again (stock that
    arrived during the hold passed it by)."""
    order = locks.lock_order(order_id=order.pk)
    previous_reason = order.hold_reason
    actor = Actor(actor_label, user)
    from_state = apply_transition(order, "unhold")
    timeline.hold_released(order, note=reason, hold_reason=previous_reason, from_state=from_state, actor=actor)
    if order.state == OrderState.PENDING and order.payment_state == PaymentState.PAID:
        from_state = apply_transition(order, "confirm")
        timeline.order_confirmed(
            order, reason=text(gettext_lazy("Payment captured.")), from_state=from_state, actor=actor
        )
    if order.state in (OrderState.CONFIRMED, OrderState.BACKORDERED):
        allocate_locked_order(order=order, actor_label=actor_label, user=user)
    return order


@transaction.atomic
def release_to_fulfillment(*, order: Order, actor_label: str = "system", user: Any = None) -> Order:
    """allocated -> in_fulfillment: the warehouse may pick it. Edits are closed from here on.
    Publishes ``order.released`` (fulfillment creates pick lists from it)."""
    order = locks.lock_order(order_id=order.pk)
    from_state = apply_transition(
        order, "release", payload={"warehouse_ids": (order.routing or {}).get("warehouse_ids", [])}
    )
    timeline.order_released(order, from_state=from_state, actor=Actor(actor_label, user))
    return order


@transaction.atomic
def release_orders_to_fulfillment(
    *,
    orders: Sequence[Order] = (),
    order_ids: Sequence[int] = (),
    skip_unreleasable: bool = False,
    actor_label: str = "system",
    user: Any = None,
) -> list[Order]:
    """``release_to_fulfillment`` for many orders at once (a wave of a thousand), given as rows
    or ids, in a fixed number of statements: the orders locked and read once in pk order, each
    checked and moved by its transition, saved together, their timeline entries in one insert,
    ``order.released`` published for each; returns the released orders in pk order. Raises
    ``IllegalTransitionError`` for an order that is not allocated; nothing is released then.
    With ``skip_unreleasable`` such orders are left out instead (a wave chose them unlocked, and
    one may have been held or cancelled since)."""
    ids = sorted({order.pk for order in orders} | set(order_ids))
    if not ids:
        return []
    locked = list(Order.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk"))
    if skip_unreleasable:
        locked = [order for order in locked if can_proceed(order.release)]
        if not locked:
            return []
    now = timezone.now()
    released: list[tuple[Order, str]] = []
    for order in locked:
        ensure_can(order, "release")
        from_state = order.state
        order.release()
        order.released_at = order.updated_at = now
        released.append((order, from_state))
    # Every order took the same transition to the same state at the same moment: one UPDATE
    # writes what the machine decided above (guarded by the state it checked, under the locks),
    # instead of Django's bulk_update, whose CASE per row costs seconds for a thousand orders.
    moved = Order.objects.filter(pk__in=[order.pk for order in locked], state=OrderState.ALLOCATED).update(
        state=OrderState.IN_FULFILLMENT, released_at=now, updated_at=now
    )
    if moved != len(locked):  # cannot happen under the row locks; never release half a wave
        raise IllegalTransitionError(obj=locked[0], action=_("release to the warehouse"), state="?")
    timeline.orders_released(released, actor=Actor(actor_label, user))
    for order, from_state in released:
        publish(
            "order.released",
            {
                "order_id": order.pk,
                "number": order.number,
                "channel_id": order.channel_id,
                "from_state": from_state,
                "state": order.state,
                "warehouse_ids": (order.routing or {}).get("warehouse_ids", []),
            },
        )
    return locked


@transaction.atomic
def release_short_units(
    *,
    order: Order,
    quantities: dict[int, int],
    reason: str,
    warehouse_id: int | None = None,
    actor_label: str = "system",
    user: Any = None,
) -> Order:
    """The warehouse did not find ``quantities`` ({order line id: units}) of an order it is
    working on: give their reservations back, so inventory's count correction can lower the stock
    and the units can be allocated again. For ``fulfillment``'s short pick, which names its
    warehouse: a line split over warehouses keeps what the others hold. The order keeps its
    state (``backorder_from_fulfillment`` moves it when nothing else can ship)."""
    reason = require_reason(reason)
    order = locks.lock_order(order_id=order.pk)
    if order.state not in (OrderState.IN_FULFILLMENT, OrderState.PARTIALLY_SHIPPED):
        raise IllegalTransitionError(obj=order, action=_("release short units"), state=order.get_state_display())
    lines = list(locks.lines_for_update(order=order))
    by_id = {line.pk: line for line in lines}
    held = _allocated_units(lines, warehouse_id=warehouse_id)
    for line_id, units in quantities.items():
        line = by_id.get(line_id)
        if line is None or units <= 0 or units > held.get(line_id, 0):
            raise OrderEditError(_("Line %(line)s is not part of this order.") % {"line": line_id}, field="quantities")
    units = release_allocations(order=order, lines=lines, quantities=dict(quantities), warehouse_id=warehouse_id)
    OrderLine.objects.bulk_update(lines, ["quantity_allocated"])
    items = ", ".join(f"{q} x {by_id[lid].sku}" for lid, q in quantities.items())
    timeline.short_units_released(
        order, items=items, units=units, reason=reason, quantities=quantities, actor=Actor(actor_label, user)
    )
    return order


def _allocated_units(lines: list[OrderLine], *, warehouse_id: int | None) -> dict[int, int]:
    """Reserved units per line id (of ``warehouse_id`` only, when given)."""
    if warehouse_id is None:
        return {line.pk: line.quantity_allocated for line in lines}
    rows = (
        Allocation.objects.filter(order_line__in=lines, warehouse_id=warehouse_id)
        .values("order_line_id")
        .annotate(units=Sum("quantity"))
    )
    return {row["order_line_id"]: row["units"] for row in rows}


@transaction.atomic
def backorder_from_fulfillment(*, order: Order, reason: str, actor_label: str = "system", user: Any = None) -> Order:
    """in_fulfillment / partially_shipped -> backordered: units the warehouse could not pick wait
    for stock. Tries to allocate them right away (another warehouse may hold them: re-routed);
    otherwise the order waits, and stock arriving allocates it as for any backorder."""
    reason = require_reason(reason)
    order = locks.lock_order(order_id=order.pk)
    from_state = apply_transition(order, "backorder", payload={"reason": reason})
    timeline.order_backordered_from_fulfillment(
        order, reason=reason, from_state=from_state, actor=Actor(actor_label, user)
    )
    allocate_locked_order(order=order, actor_label=actor_label, user=user)
    return order


@transaction.atomic
def ship_order_lines(
    *,
    order: Order,
    quantities: dict[int, int] | None = None,
    warehouse_id: int | None = None,
    reference: str = "",
    from_bins: dict[int, dict[int, int]] | None = None,
    actor_label: str = "system",
    user: Any = None,
) -> Order:
    """Units left a warehouse: consume their reservations, count them shipped, and move the order
    to partially_shipped or shipped. For ``fulfillment``.

    ``quantities``: {order line id: units}; None ships every allocated unit (of ``warehouse_id``
    only, when given). ``from_bins``: {order line id: {bin id: units}}, the bins the units were
    picked from, so the ledger takes them from there (needs ``warehouse_id``; a line's bins add up
    to its units). Raises ``OrderEditError`` when a line ships more than it has allocated.
    """
    if from_bins and warehouse_id is None:
        raise OrderEditError(_("Shipping from bins needs the warehouse."), field="warehouse_id")
    order = locks.lock_order(order_id=order.pk)
    ensure_can(order, "ship")
    lines = {line.pk: line for line in locks.lines_for_update(order=order)}
    allocations = list(
        # Only the allocation rows: consume_stock locks the stock levels, in pk order (joined
        # rows locked here would be taken in line order and could deadlock with a reservation).
        Allocation.objects.select_for_update(of=("self",))
        .filter(order_line_id__in=list(lines))
        .select_related("stock_level")
        .order_by("order_line_id", "pk")
    )
    if warehouse_id is not None:
        allocations = [a for a in allocations if a.warehouse_id == warehouse_id]
    wanted = dict(quantities) if quantities is not None else {}
    if quantities is None:
        for a in allocations:
            wanted[a.order_line_id] = wanted.get(a.order_line_id, 0) + a.quantity
    requests: list[StockRequest] = []
    shipped: dict[int, int] = {}
    for line_id, units in wanted.items():
        if line_id not in lines or units <= 0:
            raise OrderEditError(_("Line %(line)s is not part of this order.") % {"line": line_id}, field="quantities")
        rest = units
        for a in allocations:
            if a.order_line_id != line_id or rest <= 0 or a.quantity <= 0:
                continue
            take = min(rest, a.quantity)
            bins = (from_bins or {}).get(line_id)
            if bins:
                if sum(bins.values()) != units or any(q <= 0 for q in bins.values()):
                    raise OrderEditError(
                        _("%(sku)s: the bins do not add up to the units shipped.") % {"sku": lines[line_id].sku},
                        field="from_bins",
                    )
                requests += [StockRequest(a.stock_level.product_id, a.warehouse_id, q, b) for b, q in bins.items()]
            else:
                requests.append(StockRequest(a.stock_level.product_id, a.warehouse_id, take))
            a.quantity -= take
            rest -= take
        if rest > 0:
            raise OrderEditError(
                _("%(sku)s: %(units)d units to ship, only %(allocated)d allocated.")
                % {"sku": lines[line_id].sku, "units": units, "allocated": units - rest},
                field="quantities",
            )
        lines[line_id].quantity_allocated -= units
        lines[line_id].quantity_shipped += units
        shipped[line_id] = units
    if not requests:
        raise OrderEditError(_("Nothing to ship."), field="quantities")
    consume_stock(requests=requests, reference=reference or reservation_reference(order.pk), user=user)
    Allocation.objects.filter(pk__in=[a.pk for a in allocations if a.quantity == 0]).delete()
    Allocation.objects.bulk_update([a for a in allocations if a.quantity > 0], ["quantity"])
    OrderLine.objects.bulk_update(list(lines.values()), ["quantity_allocated", "quantity_shipped"])
    complete = all(line.quantity_open <= 0 for line in lines.values())
    summary = ", ".join(f"{units} x {lines[lid].sku}" for lid, units in shipped.items())
    from_state = apply_transition(
        order, "ship" if complete else "ship_partially", payload={"lines": {str(k): v for k, v in shipped.items()}}
    )
    timeline.lines_shipped(
        order,
        items=summary,
        shipped=shipped,
        reference=reference,
        from_state=from_state,
        actor=Actor(actor_label, user),
    )
    return order


@transaction.atomic
def deliver_order(*, order: Order, actor_label: str = "system", user: Any = None) -> Order:
    order = locks.lock_order(order_id=order.pk)
    from_state = apply_transition(order, "deliver")
    timeline.order_delivered(order, from_state=from_state, actor=Actor(actor_label, user))
    return order


@transaction.atomic
def complete_order(*, order: Order, actor_label: str = "system", user: Any = None) -> Order:
    order = locks.lock_order(order_id=order.pk)
    from_state = apply_transition(order, "complete")
    timeline.order_completed(order, from_state=from_state, actor=Actor(actor_label, user))
    return order


@transaction.atomic
def add_note(*, order: Order, text: str, user: Any = None, actor_label: str = "system") -> Note:
    """An internal note, also shown on the timeline."""
    text = (text or "").strip()
    if not text:
        raise DomainError(_("The note is empty."), code=OrderErrorCode.NOTE_EMPTY, data={"field": "text"})
    note = Note.objects.create(
        order=order,
        author=user if getattr(user, "is_authenticated", False) else None,
        author_label=actor_label if not getattr(user, "is_authenticated", False) else user.get_username(),
        text=text[:5000],
    )
    timeline.note_added(order, note_id=note.pk, body=note.text, actor=Actor(actor_label, user))
    Order.objects.filter(pk=order.pk).update(updated_at=timezone.now())
    return note
