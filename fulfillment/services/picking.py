"""Picking: scans count units up on the pick list, in walking order; a short pick is corrected
in inventory and re-planned.

``scan_pick`` takes what a keyboard-wedge scanner typed: a bin code (confirms the picker stands at
the right bin), a GTIN or a SKU. The right item counts one unit on the next open line; anything
else raises ``WrongItemError`` / ``UnknownCodeError`` and counts nothing. Lines of shipments that
were cancelled or held meanwhile are skipped; a list whose every shipment went is voided, and a
scan on it says why.

``report_short_pick`` is the picker saying "these units are not there". The bin is counted down
(``inventory.services.stock.count_stock``), then, in this order:

1. another bin of the warehouse holds free units: new lines for them join the same pick list;
2. otherwise the reservations of the missing units in this warehouse go back
   (``release_short_units``) and, where the channel allows split shipments, the shipment ships
   what was picked (a shipment left with nothing is cancelled while the order's other
   warehouses ship theirs) and the rest is backordered (or re-routed) when the last one ships;
3. where it does not, the order's shipments in the warehouse are cancelled (picked units go back
   to their bins: nothing was consumed yet) and the order waits for stock again (backordered).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fulfillment import locks
from fulfillment.exceptions import (
    NothingToPickError,
    PickListClosedError,
    ShortPickError,
    UnknownCodeError,
    WrongItemError,
)
from fulfillment.models import (
    WAREHOUSE_STATES,
    PickLine,
    PickList,
    PickListState,
    Shipment,
    ShipmentLine,
    ShipmentState,
)
from fulfillment.services import timeline
from fulfillment.services.transitions import apply_pick_list_transition, apply_shipment_transition
from inventory.models import BinLocation, BinStock, Product, StockLevel
from inventory.services.stock import count_stock
from oms.texts import text
from orders import locks as order_locks
from orders.services.lifecycle import backorder_from_fulfillment, release_short_units

ACTIVE_SHIPMENT_STATES = (ShipmentState.PLANNED, ShipmentState.PICKING)


@dataclass(frozen=True)
class ScanResult:
    """What a scan did: ``line`` is the line counted (or the bin confirmed), ``counted`` whether a
    unit was counted, ``finished`` whether the whole list is picked now."""

    pick_list: PickList
    line: PickLine | None
    counted: bool
    finished: bool


def open_lines(lines: list[PickLine]) -> list[PickLine]:
    """Lines still to pick, in walking order (shipments cancelled or held meanwhile left out)."""
    return [p for p in lines if p.quantity_open > 0 and p.shipment_line.shipment.state in ACTIVE_SHIPMENT_STATES]


@transaction.atomic
def assign_picker(*, pick_list: PickList, picker: Any) -> PickList:
    pick_list = locks.lock_pick_list(pick_list_id=pick_list.pk)
    _ensure_open(pick_list)
    pick_list.picker = picker
    pick_list.save(update_fields=["picker"])
    return pick_list


@transaction.atomic
def scan_pick(*, pick_list: PickList, code: str, user: Any = None) -> ScanResult:
    """Count one unit of the next open line when ``code`` is its SKU or GTIN; confirm the bin when
    it is the line's bin. Raises ``WrongItemError`` (another item or bin), ``UnknownCodeError``,
    ``PickListClosedError``; nothing is counted then."""
    scanned = (code or "").strip()
    pick_list = locks.lock_pick_list(pick_list_id=pick_list.pk)
    _ensure_open(pick_list)
    lines = list(locks.pick_lines_for_update(pick_list=pick_list))
    todo = open_lines(lines)
    if not todo:
        raise NothingToPickError(_("Everything on pick list %(number)s is picked.") % {"number": pick_list.number})
    line = todo[0]
    if not scanned:
        raise UnknownCodeError(code=scanned)
    if line.bin is not None and scanned.upper() == line.bin.code.upper():
        return ScanResult(pick_list, line, counted=False, finished=False)
    if not _is_item(line.product, scanned):
        _refuse(pick_list, line, scanned)
    _count(pick_list, line, user=user)
    finished = not open_lines(lines)
    if finished:
        _finish(pick_list, lines, user=user)
    return ScanResult(pick_list, line, counted=True, finished=finished)


@transaction.atomic
def report_short_pick(*, pick_line: PickLine, quantity: int, user: Any = None) -> PickLine:
    """``quantity`` units of ``pick_line`` are not in its bin (module docstring for what follows).
    Raises ``ShortPickError`` for a quantity that is not 1..open units; nothing changes then."""
    pick_list = PickList.objects.get(pk=pick_line.pick_list_id)
    # Lock order: the order first (its services lock it too), then the pick list and its lines.
    order_id = Shipment.objects.filter(lines__pick_lines=pick_line).values_list("order_id", flat=True).first()
    order = order_locks.lock_order(order_id=order_id)
    pick_list = locks.lock_pick_list(pick_list_id=pick_list.pk)
    _ensure_open(pick_list)
    lines = list(locks.pick_lines_for_update(pick_list=pick_list))
    line = next(p for p in lines if p.pk == pick_line.pk)
    shipment = locks.lock_shipment(shipment_id=line.shipment_line.shipment_id)
    if shipment.state not in ACTIVE_SHIPMENT_STATES:
        raise PickListClosedError(
            _("Shipment %(reference)s is “%(state)s”: nothing to pick.")
            % {"reference": shipment.reference, "state": shipment.get_state_display()}
        )
    if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= line.quantity_open:
        raise ShortPickError(
            _("Enter 1 to %(open)d missing units.") % {"open": line.quantity_open}, data={"field": "quantity"}
        )
    warehouse = pick_list.warehouse
    level = StockLevel.objects.select_for_update().get(product=line.product, warehouse=warehouse)
    line.quantity_short += quantity
    line.save(update_fields=["quantity_short"])
    _start(pick_list, [line], user=user)
    bin_code = line.bin.code if line.bin else "-"
    reason = _("short pick in bin %(bin)s") % {"bin": bin_code}
    elsewhere = _free_elsewhere(line, level, quantity)
    if elsewhere:
        _count_down(line, quantity, user=user, reason=reason)
        outcome = _replan_from_bins(pick_list, line, elsewhere)
    else:
        release_short_units(
            order=order,
            quantities={line.shipment_line.order_line_id: quantity},
            reason=reason,
            warehouse_id=warehouse.pk,
            user=user,
        )
        _count_down(line, quantity, user=user, reason=reason)
        if order.channel.allows_split_shipments and _picks_anything(shipment, lines):
            outcome = text(gettext_lazy("What was picked ships; the rest waits for stock."))
        elif order.channel.allows_split_shipments and _other_shipments_open(shipment):
            # Nothing of this shipment is left, but the order's other warehouses still ship
            # theirs: only this one goes; the rest waits for stock once they have shipped.
            shipment = locks.lock_shipment(shipment_id=shipment.pk)  # picking started above: read it again
            from_state = apply_shipment_transition(shipment, "cancel", kwargs={"reason": reason})
            timeline.shipment_cancelled(shipment, reason=reason, from_state=from_state, user=user)
            outcome = text(gettext_lazy("The other warehouses ship their part; the rest waits for stock."))
        else:
            _cancel_order_shipments(order_id=order.pk, reason=reason, user=user)
            backorder_from_fulfillment(order=order, reason=reason, user=user)
            outcome = text(gettext_lazy("The order waits for stock again; picked units go back to their bins."))
    timeline.short_picked(shipment, sku=line.sku, bin_code=bin_code, units=quantity, outcome=outcome, user=user)
    lines = list(locks.pick_lines_for_update(pick_list=pick_list))
    _close_if_done(pick_list, lines, user=user)
    return line


# -- scanning -----------------------------------------------------------------------------------------


def _ensure_open(pick_list: PickList) -> None:
    if pick_list.state in (PickListState.OPEN, PickListState.IN_PROGRESS):
        return
    if pick_list.state == PickListState.VOIDED:
        raise PickListClosedError(
            _("Pick list %(number)s was voided (%(reason)s): put the items back.")
            % {"number": pick_list.number, "reason": pick_list.void_reason or "-"}
        )
    raise PickListClosedError(_("Pick list %(number)s is complete.") % {"number": pick_list.number})


def _is_item(product: Product, scanned: str) -> bool:
    return scanned.upper() == product.sku.upper() or (bool(product.gtin) and scanned == product.gtin)


def _refuse(pick_list: PickList, line: PickLine, scanned: str) -> None:
    expected_bin = line.bin.code if line.bin else "-"
    if BinLocation.objects.filter(warehouse=pick_list.warehouse, code__iexact=scanned).exists():
        raise WrongItemError(
            scanned=scanned,
            expected_sku=line.sku,
            expected_bin=expected_bin,
            message=_("Wrong bin: take %(sku)s from bin %(bin)s, not %(scanned)s. Nothing was counted.")
            % {"sku": line.sku, "bin": expected_bin, "scanned": scanned},
        )
    if Product.objects.filter(Q(sku__iexact=scanned) | Q(gtin=scanned)).exists():
        raise WrongItemError(scanned=scanned, expected_sku=line.sku, expected_bin=expected_bin)
    raise UnknownCodeError(code=scanned)


def _start(pick_list: PickList, lines: list[PickLine], *, user: Any) -> None:
    if pick_list.state == PickListState.OPEN:
        apply_pick_list_transition(pick_list, "start")
        if pick_list.picker_id is None and getattr(user, "pk", None):
            pick_list.picker = user
            pick_list.save(update_fields=["picker"])
    for shipment_id in {p.shipment_line.shipment_id for p in lines}:
        shipment = Shipment.objects.get(pk=shipment_id)
        if shipment.state == ShipmentState.PLANNED:
            apply_shipment_transition(shipment, "start_picking")


def _count(pick_list: PickList, line: PickLine, *, user: Any) -> None:
    _start(pick_list, [line], user=user)
    now = timezone.now()
    line.quantity_picked += 1
    line.picked_at = now
    line.picked_by = user if getattr(user, "pk", None) else None
    line.save(update_fields=["quantity_picked", "picked_at", "picked_by"])
    ShipmentLine.objects.filter(pk=line.shipment_line_id).update(quantity_picked=line.shipment_line.quantity_picked + 1)
    line.shipment_line.quantity_picked += 1


def _finish(pick_list: PickList, lines: list[PickLine], *, user: Any) -> None:
    """Every line is picked or short: the list is complete, each shipment records who picked it."""
    apply_pick_list_transition(pick_list, "complete")
    now = timezone.now()
    actor = user if getattr(user, "pk", None) else None
    for shipment in locks.shipments_for_update(ids={p.shipment_line.shipment_id for p in lines}).select_related(
        "order"
    ):
        if shipment.state != ShipmentState.PICKING:
            continue
        shipment.picked_at = now
        shipment.picked_by = actor
        shipment.updated_at = now
        shipment.save(update_fields=["picked_at", "picked_by", "updated_at"])
        timeline.picking_finished(shipment, user=user)


def _close_if_done(pick_list: PickList, lines: list[PickLine], *, user: Any) -> None:
    if open_lines(lines):
        return
    active = Shipment.objects.filter(pick_list=pick_list, state__in=ACTIVE_SHIPMENT_STATES).exists()
    if active:
        _finish(pick_list, lines, user=user)
    else:
        apply_pick_list_transition(pick_list, "void", args=(_("no shipment left to pick"),))


# -- short picks -------------------------------------------------------------------------------------


def _free_elsewhere(line: PickLine, level: StockLevel, quantity: int) -> list[tuple[BinStock, int]]:
    """Other bins of the warehouse with units no open shipment claims, enough for ``quantity``
    (and the level can spare them: the count-down must not go below what is reserved); else []."""
    if level.on_hand - quantity < level.reserved + level.blocked:
        return []
    rows = list(
        BinStock.objects.select_for_update(of=("self",))
        .filter(stock_level=level, quantity__gt=0, bin__active=True)
        .exclude(bin_id=line.bin_id)
        .select_related("bin")
        .order_by("bin__pick_sequence", "bin__code")
    )
    claimed = dict(
        ShipmentLine.objects.filter(
            shipment__state__in=WAREHOUSE_STATES, product=line.product, bin_id__in=[r.bin_id for r in rows]
        )
        .values("bin_id")
        .annotate(units=Sum("quantity"))
        .values_list("bin_id", "units")
    )
    plan, rest = [], quantity
    for row in rows:
        take = min(rest, max(row.quantity - (claimed.get(row.bin_id) or 0), 0))
        if take > 0:
            plan.append((row, take))
            rest -= take
        if rest == 0:
            return plan
    return []


def _count_down(line: PickLine, quantity: int, *, user: Any, reason: str) -> None:
    """The count correction: the bin holds ``quantity`` fewer units than the books say."""
    warehouse = line.pick_list.warehouse
    if line.bin is None:
        expected = StockLevel.objects.get(product=line.product, warehouse=warehouse).on_hand
        count_stock(product=line.product, warehouse=warehouse, counted=expected - quantity, reason=reason, user=user)
        return
    held = BinStock.objects.filter(stock_level__product=line.product, stock_level__warehouse=warehouse, bin=line.bin)
    expected = held.values_list("quantity", flat=True).first() or 0
    count_stock(
        product=line.product,
        warehouse=warehouse,
        bin=line.bin,
        counted=max(expected - quantity, 0),
        reason=reason,
        user=user,
    )


def _replan_from_bins(pick_list: PickList, line: PickLine, plan: list[tuple[BinStock, int]]) -> Any:
    """Move the missing units of the shipment line to lines from the other bins, on the same list.
    The short line stays as it is (done, its missing units recorded)."""
    source = line.shipment_line
    moved = sum(q for _row, q in plan)
    if source.quantity > moved:
        source.quantity -= moved
        source.save(update_fields=["quantity"])
        targets = ShipmentLine.objects.bulk_create(
            [
                ShipmentLine(
                    shipment_id=source.shipment_id,
                    order_line_id=source.order_line_id,
                    product=line.product,
                    bin=row.bin,
                    quantity=q,
                )
                for row, q in plan
            ]
        )
    else:
        # Nothing of the line was found: the line itself moves to the first other bin.
        (first, first_quantity), rest = plan[0], plan[1:]
        source.bin = first.bin
        source.quantity = first_quantity
        source.save(update_fields=["bin", "quantity"])
        targets = [
            source,
            *ShipmentLine.objects.bulk_create(
                [
                    ShipmentLine(
                        shipment_id=source.shipment_id,
                        order_line_id=source.order_line_id,
                        product=line.product,
                        bin=row.bin,
                        quantity=q,
                    )
                    for row, q in rest
                ]
            ),
        ]
    PickLine.objects.bulk_create(
        [
            PickLine(
                pick_list=pick_list,
                shipment_line=target,
                bin=target.bin,
                product=line.product,
                sku=line.sku,
                sequence=target.bin.pick_sequence,
                quantity=q,
            )
            for target, (_row, q) in zip(targets, plan, strict=True)
        ]
    )
    bins = ", ".join(f"{q} x {row.bin.code}" for row, q in plan)
    return text(gettext_lazy("Taken from bin %(bins)s instead."), bins=bins)


def _picks_anything(shipment: Shipment, lines: list[PickLine]) -> bool:
    """Whether the shipment will carry at least one unit once its open lines are picked."""
    mine = [p for p in lines if p.shipment_line.shipment_id == shipment.pk]
    return any(p.quantity_picked > 0 or p.quantity_open > 0 for p in mine)


def _other_shipments_open(shipment: Shipment) -> bool:
    """Whether another shipment of the order is still in a warehouse (or on hold there)."""
    return (
        Shipment.objects.filter(order_id=shipment.order_id, state__in=[*WAREHOUSE_STATES, ShipmentState.ON_HOLD])
        .exclude(pk=shipment.pk)
        .exists()
    )


def _cancel_order_shipments(*, order_id: int, reason: str, user: Any) -> None:
    for shipment in locks.shipments_for_update(
        ids=Shipment.objects.filter(
            order_id=order_id, state__in=[*WAREHOUSE_STATES, ShipmentState.ON_HOLD]
        ).values_list("pk", flat=True)
    ).select_related("order", "warehouse"):
        from_state = apply_shipment_transition(shipment, "cancel", kwargs={"reason": reason})
        timeline.shipment_cancelled(shipment, reason=reason, from_state=from_state, user=user)
