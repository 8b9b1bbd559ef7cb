"""Allocation: route an order's open units to warehouses and reserve them, or backorder it.

The caller holds the order's row lock (``orders.locks``), or the order is not yet visible to
others (intake), and owns the transaction. Every stock level of the order's products is locked and
read once, in pk order (``inventory.locks.stock_of_products_for_update``), routing decides on
those numbers, and ``inventory.services.reservations.reserve_stock`` reserves the picks on the same
locked rows with one UPDATE: no other order can take the units in between, so nothing is read twice.

Two halves, so intake can insert an order in its final state: ``plan_allocation`` decides and
applies the outcome to the order and its lines in memory; ``carry_out`` writes it once they are
saved, and ``announce`` publishes it. ``allocate_lines`` does all three for an order that exists.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from inventory import availability
from inventory.locks import stock_of_products_for_update
from inventory.models import StockLevel
from inventory.services.replenishment import record_demands
from inventory.services.reservations import StockRequest, release_stock, reserve_stock
from oms.events import publish
from oms.exceptions import IllegalTransitionError
from orders import locks
from orders.models import Allocation, Order, OrderEvent, OrderLine, OrderState, reservation_reference
from orders.routing import RoutingDecision, WarehouseOption, route
from orders.selectors.backorders import backordered_orders_with_products, backorders_with_stock_now
from orders.services import timeline
from orders.services.promising import promised_ship_date
from orders.services.timeline import Actor

logger = logging.getLogger(__name__)

# How many backordered orders one reaction to arriving stock (or one sweep) tries, oldest first.
BACKORDER_BATCH = 1000
# The line fields ``allocate_lines`` changes (and saves).
LINE_FIELDS = ["quantity_allocated", "quantity_demand_recorded"]
# The order fields ``plan_allocation`` changes (``allocate_lines`` saves them).
ORDER_FIELDS = ["state", "state_before_hold", "allocated_at", "routing", "promised_ship_date", "updated_at"]


@dataclass
class AllocationOutcome:
    """What ``allocate_lines`` decided and wrote (``event``: None when nothing new was said)."""

    decision: RoutingDecision
    allocations: list[Allocation]
    event: OrderEvent | None

    @property
    def allocated(self) -> bool:
        return self.decision.allocates


@dataclass
class AllocationPlan:
    """A routing decision taken on locked stock and applied to the order and lines in memory."""

    order: Order
    decision: RoutingDecision
    levels: dict[tuple[int, int], StockLevel]
    warehouses: list[WarehouseOption]
    allocations: list[Allocation]
    from_state: str
    previous_code: str | None
    demand: dict[tuple[int, int], int] = field(default_factory=dict)

    @property
    def news(self) -> bool:
        """Whether the timeline hears of it: an allocation, a new state or a new reason to wait
        (an order that stays backordered for the same reason gets no new entry on every receipt)."""
        return (
            self.decision.allocates or self.from_state != self.order.state or self.previous_code != self.decision.code
        )


def _routing_input(
    levels: dict[tuple[int, int], StockLevel],
) -> tuple[dict[int, dict[int, int]], list[WarehouseOption]]:
    """Availability ``{product: {warehouse: available}}`` (inventory's rule) and the warehouses
    holding the levels, as routing takes them."""
    stock: dict[int, dict[int, int]] = {}
    warehouses: dict[int, WarehouseOption] = {}
    for (product_id, warehouse_id), level in levels.items():
        stock.setdefault(product_id, {})[warehouse_id] = availability.available(level)
        if warehouse_id not in warehouses:
            w = level.warehouse
            warehouses[warehouse_id] = WarehouseOption(
                id=warehouse_id, code=w.code, country=w.country, priority=w.priority, cutoff=w.shipping_cutoff
            )
    return stock, list(warehouses.values())


def plan_allocation(*, order: Order, lines: Sequence[OrderLine]) -> AllocationPlan:
    """Lock and read the stock of the open units of ``lines`` (one statement), route them, and
    apply the outcome in memory: the lines' allocated units and recorded demand, the order's state
    (allocated or backordered; a held order stays held and resumes there), routing and promised
    ship date, and unsaved allocation rows. Nothing is written; ``carry_out`` does that.

    Precondition: inside the transaction, the order in ``confirmed``/``backordered``,
    ``allocated`` (an edit added units) or ``on_hold``.
    """
    needs: dict[int, int] = {}
    for line in lines:
        if line.quantity_to_allocate > 0:
            needs[line.product_id] = needs.get(line.product_id, 0) + line.quantity_to_allocate
    from_state = order.state
    previous_code = (order.routing or {}).get("code")
    levels = stock_of_products_for_update(product_ids=needs)
    stock, warehouses = _routing_input(levels)
    decision = route(
        needs=needs,
        availability=stock,
        warehouses=warehouses,
        ship_country=order.shipping_country,
        allow_split=order.channel.allows_split_shipments,
        channel_name=order.channel.name,
    )
    if decision.code == "backorder_no_stock":
        decision = _naming_short_skus(decision, lines)
    plan = AllocationPlan(order, decision, levels, warehouses, [], from_state, previous_code)
    if decision.allocates:
        plan.allocations = _allocation_rows(lines, decision, {pair: level.pk for pair, level in levels.items()})
        used = [w for w in warehouses if w.id in decision.warehouse_ids]
        order.promised_ship_date = promised_ship_date([(w.cutoff, w.country) for w in used], at=timezone.now())
        plan.demand = _new_demand(plan.allocations)
    else:
        order.promised_ship_date = None  # waits for stock: no date to promise yet
    _move(order, decision)
    order.routing = decision.as_json()
    order.updated_at = timezone.now()
    return plan


def carry_out(plan: AllocationPlan, *, actor: Actor) -> OrderEvent | None:
    """Write ``plan`` for its order and lines, which are saved now: reserve the picks on the
    levels the plan locked and record the new demand (one statement), and insert the allocation
    rows not inserted yet (intake inserts them with the lines).
    Returns the routing entry for the timeline, unsaved (None when there is nothing new to say);
    ``announce`` publishes the outcome."""
    order, decision = plan.order, plan.decision
    requests = [StockRequest(p, w, q) for p, picks in sorted(decision.picks.items()) for w, q in picks]
    today = timezone.localdate()
    if decision.allocates and requests:
        # The new demand goes with the reservation, in its statement.
        reserve_stock(
            requests=requests,
            reference=reservation_reference(order.pk),
            locked=plan.levels,
            demand=plan.demand,
            demand_on=today,
        )
    else:
        record_demands(on=today, quantities=plan.demand)
    if unsaved := [a for a in plan.allocations if a.pk is None]:  # intake inserts them with the lines
        Allocation.objects.bulk_create(unsaved)
    if not plan.news:
        return None
    codes = {w.id: w.code for w in plan.warehouses}
    return timeline.routing_entry(
        order,
        message=decision.message,
        allocated=decision.allocates,
        from_state=plan.from_state,
        data={
            **decision.as_json(),
            "allocations": [
                {"sku": a.order_line.sku, "warehouse": codes.get(a.warehouse_id, ""), "quantity": a.quantity}
                for a in plan.allocations
            ],
        },
        actor=actor,
    )


def allocate_lines(
    *, order: Order, lines: Sequence[OrderLine], actor_label: str = "system", user: Any = None
) -> AllocationOutcome:
    """Route and reserve the open units of ``lines`` and write the outcome: the allocation rows,
    the lines' allocated units, the order's state (allocated or backordered), routing and promised
    ship date, and the routing entry on the timeline. An order that stays backordered for the
    same reason gets no new entry (no spam on every receipt of stock).

    Precondition: the order and its lines saved, the order locked (or not yet visible to others)
    in ``confirmed``/``backordered``, ``allocated`` (an edit added units) or ``on_hold`` (an edit
    of a held order: it stays held and resumes in the state routing decided).
    """
    plan = plan_allocation(order=order, lines=lines)
    if plan.allocations:
        OrderLine.objects.bulk_update(
            list({a.order_line.pk: a.order_line for a in plan.allocations}.values()), LINE_FIELDS
        )
    order.save(update_fields=ORDER_FIELDS)
    event = carry_out(plan, actor=Actor(actor_label, user))
    if event is not None:
        event.save()
    announce(plan)
    return AllocationOutcome(plan.decision, plan.allocations, event)


def _move(order: Order, decision: RoutingDecision) -> None:
    """The state routing leads to: allocated or backordered (an order on hold stays held and
    resumes there)."""
    target = OrderState.ALLOCATED if decision.allocates else OrderState.BACKORDERED
    if order.state == OrderState.ON_HOLD:
        order.state_before_hold = target
        return
    if decision.allocates:
        if order.state != OrderState.ALLOCATED:
            order.allocate()
    elif order.state != OrderState.BACKORDERED:
        order.backorder()


def announce(plan: AllocationPlan) -> None:
    """``order.allocated`` or ``order.backordered`` after commit (not for a held order)."""
    order = plan.order
    if plan.from_state == OrderState.ON_HOLD and order.state == OrderState.ON_HOLD:
        return
    if plan.decision.allocates:
        publish(
            "order.allocated",
            {"order_id": order.pk, "number": order.number, "warehouse_ids": list(plan.decision.warehouse_ids)},
        )
    elif plan.from_state != OrderState.BACKORDERED:
        publish("order.backordered", {"order_id": order.pk, "number": order.number})


def _naming_short_skus(decision: RoutingDecision, lines: Sequence[OrderLine]) -> RoutingDecision:
    """The backorder decision with the SKUs that are short (all of them when routing named none)."""
    sku_of = {line.product_id: line.sku for line in lines}
    short = decision.params.get("short", {})
    return dataclasses.replace(
        decision,
        params={**decision.params, "skus": [sku_of.get(int(p), p) for p in short] or sorted(sku_of.values())},
    )


def _allocation_rows(
    lines: Sequence[OrderLine], decision: RoutingDecision, level_ids: dict[tuple[int, int], int]
) -> list[Allocation]:
    """Hand the decision's picks (per product) to the lines that need them, in line order; unsaved
    rows. Raises each line's ``quantity_allocated`` in memory."""
    allocations: list[Allocation] = []
    remaining = {p: list(picks) for p, picks in decision.picks.items()}
    for line in lines:
        want = line.quantity_to_allocate
        picks = remaining.get(line.product_id, [])
        while want > 0 and picks:
            warehouse_id, quantity = picks[0]
            take = min(want, quantity)
            allocations.append(
                Allocation(
                    order_line=line,
                    stock_level_id=level_ids[(line.product_id, warehouse_id)],
                    warehouse_id=warehouse_id,
                    quantity=take,
                )
            )
            line.quantity_allocated += take
            want -= take
            if take == quantity:
                picks.pop(0)
            else:
                picks[0] = (warehouse_id, quantity - take)
    return allocations


def _new_demand(allocations: Iterable[Allocation]) -> dict[tuple[int, int], int]:
    """The units the customer newly asked for, per (product, warehouse), for inventory's forecast.
    Units a line had already counted (allocated before an edit released them, or before it went
    back to backordered) are not counted again; the line instances remember it."""
    units: dict[tuple[int, int], int] = {}
    for a in allocations:
        line = a.order_line
        new = min(a.quantity, max(line.quantity - line.quantity_demand_recorded, 0))
        if new > 0:
            line.quantity_demand_recorded += new
            key = (line.product_id, a.warehouse_id)
            units[key] = units.get(key, 0) + new
    return units


def release_allocations(
    *,
    order: Order,
    lines: Sequence[OrderLine],
    quantities: dict[int, int] | None = None,
    warehouse_id: int | None = None,
) -> int:
    """Give back reserved units of ``lines`` (all of them, or ``quantities`` per line id), of
    ``warehouse_id`` only when given (a line split over warehouses keeps the others' units).

    Lowers/deletes the Allocation rows and ``quantity_allocated`` (in memory: the caller saves
    the lines) and releases exactly those units in inventory. Returns the number of units.
    """
    by_line = {line.pk: line for line in lines}
    rows = Allocation.objects.select_for_update(of=("self",)).filter(order_line_id__in=list(by_line))
    if warehouse_id is not None:
        rows = rows.filter(warehouse_id=warehouse_id)
    rows = list(rows.select_related("stock_level").order_by("order_line_id", "-pk"))
    requests: list[StockRequest] = []
    to_delete: list[int] = []
    to_update: list[Allocation] = []
    for row in rows:
        line = by_line[row.order_line_id]
        want = row.quantity if quantities is None else min(row.quantity, quantities.get(line.pk, 0))
        if want <= 0:
            continue
        if quantities is not None:
            quantities[line.pk] -= want
        requests.append(StockRequest(row.stock_level.product_id, row.warehouse_id, want))
        line.quantity_allocated -= want
        if want == row.quantity:
            to_delete.append(row.pk)
        else:
            row.quantity -= want
            to_update.append(row)
    if not requests:
        return 0
    release_stock(requests=requests, reference=reservation_reference(order.pk))
    if to_delete:
        Allocation.objects.filter(pk__in=to_delete).delete()
    if to_update:
        Allocation.objects.bulk_update(to_update, ["quantity"])
    return sum(r.quantity for r in requests)


@transaction.atomic
def allocate_order(*, order: Order, actor_label: str = "system", user: Any = None) -> AllocationOutcome:
    """Try to allocate a confirmed or backordered order now (e.g. stock arrived).

    Locks the order; refuses other states with ``IllegalTransitionError``; then as
    ``allocate_locked_order``.
    """
    order = locks.lock_order(order_id=order.pk)
    if order.state not in (OrderState.CONFIRMED, OrderState.BACKORDERED):
        raise IllegalTransitionError(obj=order, action=_("allocate"), state=order.get_state_display())
    return allocate_locked_order(order=order, actor_label=actor_label, user=user)


def allocate_locked_order(*, order: Order, actor_label: str = "system", user: Any = None) -> AllocationOutcome:
    """Route and reserve a confirmed or backordered order with its lines (``allocate_lines``).

    Precondition: the caller holds the order's row lock and the transaction.
    """
    lines = list(locks.lines_for_update(order=order))
    return allocate_lines(order=order, lines=lines, actor_label=actor_label, user=user)


def allocate_backorders(*, product_ids: Iterable[int], limit: int = BACKORDER_BATCH) -> int:
    """Stock arrived for ``product_ids``: try to allocate the backordered orders containing them,
    oldest first, each in its own transaction (one failure does not undo the others).
    Returns how many became allocated. Orders past ``limit`` are left to the sweep."""
    order_ids = list(backordered_orders_with_products(product_ids=product_ids).values_list("pk", flat=True)[:limit])
    return _allocate_each(order_ids)


def sweep_backorders(*, limit: int = BACKORDER_BATCH) -> int:
    """The safety net behind the ``stock.received`` reaction: try every backordered order whose
    missing units are available now, oldest first. Catches a reaction that could not be queued
    (broker away) or was lost with its worker, and orders beyond one reaction's ``limit``."""
    return _allocate_each(backorders_with_stock_now(limit=limit))


def _allocate_each(order_ids: Iterable[int]) -> int:
    allocated = 0
    for order_id in order_ids:
        try:
            outcome = allocate_order(order=Order(pk=order_id), actor_label="system:stock-received")
        except (IllegalTransitionError, Order.DoesNotExist):
            continue  # changed meanwhile (cancelled, held, allocated by someone else)
        allocated += int(outcome.allocated)
    return allocated
