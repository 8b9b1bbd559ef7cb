"""Planning: choose which allocated orders a warehouse picks together, release them to the
warehouse and build their shipments and pick list.

``build_wave(warehouse=..., rule=WaveRule(...))`` takes the allocated orders that hold stock in the
warehouse and match the rule (a carrier service's destinations and weight limit, allocated before
a cut-off, single-item orders only, at most ``max_orders``), oldest promise first, plus shipments
that came back into the queue (a released hold). ``build_pick_list_for_order`` does the same for
one order. Both:

1. lock the orders (pk order) and release them through ``orders.services.lifecycle`` (one
   ``release_orders_to_fulfillment`` for the whole wave);
2. write one shipment per order and warehouse its allocations are in (a split order gets
   several; the other warehouses pick theirs with their next wave), with a line per order line
   and bin: units are placed in the bins in pick order, skipping units other open shipments will
   take from the same bin;
3. write the pick list's lines sorted by the bins' pick sequence, so the picker walks once;
4. write the timeline entries (one insert).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any, NamedTuple

from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from fulfillment.cutoffs import cutoff_today, handover_time
from fulfillment.exceptions import NothingToPickError
from fulfillment.models import (
    WAREHOUSE_STATES,
    CarrierService,
    PickLine,
    PickList,
    PickListKind,
    Shipment,
    ShipmentLine,
    ShipmentState,
)
from fulfillment.services import timeline
from inventory.models import BinStock, Warehouse
from oms.inserts import insert_rows
from orders.models import Allocation, Order, OrderState
from orders.services.lifecycle import release_orders_to_fulfillment

# Units without a bin are walked last.
NO_BIN_SEQUENCE = 2**31 - 1
MAX_WAVE_ORDERS = 1000


@dataclass(frozen=True)
class WaveRule:
    """Which orders go together. ``carrier_service_id``: only orders that service can take (its
    destination countries and weight limit); the shipments get that service. ``cutoff``: only orders
    allocated before it. ``carrier_cutoff``: only orders allocated before the service's carrier
    collects today (``fulfillment.cutoffs``), what can still leave with today's pickup.
    ``single_item``: only orders of exactly one unit (picked as one batch, packed without
    sorting). ``max_orders``: at most that many orders."""

    carrier_service_id: int | None = None
    cutoff: datetime | None = None
    carrier_cutoff: bool = False
    single_item: bool = False
    max_orders: int = 50

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["cutoff"] = self.cutoff.isoformat() if self.cutoff else None
        return data


@transaction.atomic
def build_wave(*, warehouse: Warehouse, rule: WaveRule, picker: Any = None, user: Any = None) -> PickList:
    """Build a wave pick list in ``warehouse`` by ``rule``. Raises ``NothingToPickError`` when no
    order and no queued shipment matches; nothing is written then."""
    if not isinstance(rule.max_orders, int) or not 1 <= rule.max_orders <= MAX_WAVE_ORDERS:
        raise NothingToPickError(
            _("A wave takes 1 to %(max)d orders.") % {"max": MAX_WAVE_ORDERS}, data={"field": "max_orders"}
        )
    service = _service(rule.carrier_service_id)
    if rule.carrier_cutoff:
        rule = replace(rule, cutoff=_carrier_cutoff(warehouse=warehouse, rule=rule, service=service))
    order_ids = _candidate_orders(warehouse=warehouse, rule=rule, service=service)
    queued = _queued_shipments(warehouse=warehouse, rule=rule, limit=rule.max_orders - len(order_ids))
    return _build(
        warehouse=warehouse,
        order_ids=order_ids,
        queued_ids=queued,
        kind=PickListKind.WAVE,
        rule=rule.as_json(),
        service=service,
        picker=picker,
        user=user,
    )


@transaction.atomic
def build_pick_list_for_order(*, order: Order, warehouse: Warehouse, picker: Any = None, user: Any = None) -> PickList:
    """A pick list for one allocated order (or its shipment back in the queue) in ``warehouse``."""
    has_stock = Allocation.objects.filter(order_line__order=order, warehouse=warehouse).exists()
    queued = list(
        Shipment.objects.filter(
            order=order, warehouse=warehouse, state=ShipmentState.PLANNED, pick_list__isnull=True
        ).values_list("pk", flat=True)
    )
    if order.state != OrderState.ALLOCATED and not queued:
        raise NothingToPickError(
            _("Order %(number)s is not waiting for the warehouse (it is “%(state)s”).")
            % {"number": order.number, "state": order.get_state_display()}
        )
    if not has_stock and not queued:
        raise NothingToPickError(
            _("Order %(number)s has nothing to pick in %(warehouse)s.")
            % {"number": order.number, "warehouse": warehouse.code}
        )
    return _build(
        warehouse=warehouse,
        order_ids=[order.pk] if order.state == OrderState.ALLOCATED else [],
        queued_ids=queued,
        kind=PickListKind.SINGLE_ORDER,
        rule={"order": order.number},
        service=None,
        picker=picker,
        user=user,
    )


# -- steps --------------------------------------------------------------------------------------------


def _service(service_id: int | None) -> CarrierService | None:
    if service_id is None:
        return None
    service = CarrierService.objects.filter(pk=service_id, active=True).select_related("carrier").first()
    if service is None:
        raise NothingToPickError(_("There is no such active carrier service."), data={"field": "carrier_service"})
    return service


def _carrier_cutoff(*, warehouse: Warehouse, rule: WaveRule, service: CarrierService | None) -> datetime:
    """Today's pickup of the service's carrier at ``warehouse`` (or the rule's own cut-off, when
    earlier). Raises ``NothingToPickError`` without a service or on a day without a pickup."""
    if service is None:
        raise NothingToPickError(
            _("Choose a carrier service to build a wave by its carrier's cut-off."), data={"field": "carrier_service"}
        )
    today = cutoff_today(
        warehouse, now=timezone.now(), at_time=handover_time(warehouse=warehouse, carrier=service.carrier)
    )
    if today.at is None:
        raise NothingToPickError(
            _("%(carrier)s collects nothing at %(warehouse)s today.")
            % {"carrier": service.carrier.name, "warehouse": warehouse.code},
            data={"field": "carrier_cutoff"},
        )
    return min(rule.cutoff, today.at) if rule.cutoff else today.at


def _candidate_orders(*, warehouse: Warehouse, rule: WaveRule, service: CarrierService | None) -> list[int]:
    """Allocated orders with stock in ``warehouse`` matching the rule, oldest promise first."""
    orders = Order.objects.filter(
        state=OrderState.ALLOCATED,
        pk__in=Allocation.objects.filter(warehouse=warehouse).values("order_line__order_id"),
    )
    if rule.cutoff is not None:
        orders = orders.filter(allocated_at__lte=rule.cutoff)
    if service is not None:
        orders = orders.filter(shipping_country__in=service.destinations.values("country"))
    orders = orders.annotate(
        units=Sum("lines__quantity_allocated"),
        grams=Sum(F("lines__quantity_allocated") * F("lines__product__weight_grams")),
    )
    if rule.single_item:
        orders = orders.filter(units=1)
    if service is not None:
        orders = orders.filter(grams__lte=service.max_weight_grams)
    orders = orders.order_by(F("promised_ship_date").asc(nulls_last=True), "allocated_at", "pk")
    return list(orders.values_list("pk", flat=True)[: rule.max_orders])


def _queued_shipments(*, warehouse: Warehouse, rule: WaveRule, limit: int) -> list[int]:
    """Shipments back in the queue (planned, on no pick list): a released hold, a re-plan."""
    if limit <= 0 or rule.single_item:
        return []
    queued = Shipment.objects.filter(warehouse=warehouse, state=ShipmentState.PLANNED, pick_list__isnull=True)
    if rule.carrier_service_id is not None:
        queued = queued.filter(Q(carrier_service_id=rule.carrier_service_id) | Q(carrier_service__isnull=True))
    return list(queued.order_by("created_at", "pk").values_list("pk", flat=True)[:limit])


def _build(
    *,
    warehouse: Warehouse,
    order_ids: list[int],
    queued_ids: list[int],
    kind: str,
    rule: dict[str, Any],
    service: CarrierService | None,
    picker: Any,
    user: Any,
) -> PickList:
    # The release locks the orders in pk order (the same order as every orders service) and
    # reads them once; an order held or cancelled since it was chosen stays out of the wave.
    orders = release_orders_to_fulfillment(order_ids=order_ids, skip_unreleasable=True, user=user)
    if not orders and not queued_ids:
        raise NothingToPickError(_("No order is waiting for this warehouse by that rule."))
    pick_list = PickList.objects.create(
        number=_pick_list_number(warehouse),
        warehouse=warehouse,
        kind=kind,
        rule=rule,
        picker=picker,
        created_by=user if getattr(user, "pk", None) else None,
    )
    allocations = _allocations(orders)
    shipments = _plan_shipments(orders=orders, allocations=allocations, service=service)
    for shipment in shipments:
        if shipment.warehouse_id == warehouse.pk:
            shipment.pick_list = pick_list
    insert_rows(shipments)
    lines = _plan_lines(shipments, allocations)
    queued = list(
        Shipment.objects.select_for_update(of=("self",))
        .filter(pk__in=queued_ids, state=ShipmentState.PLANNED, pick_list__isnull=True)
        .order_by("pk")
    )
    now = timezone.now()
    for shipment in queued:
        shipment.pick_list = pick_list
        shipment.updated_at = now
    Shipment.objects.bulk_update(queued, ["pick_list", "updated_at"])
    to_pick = [planned for planned in lines if planned.line.shipment.warehouse_id == warehouse.pk]
    if queued:
        to_pick += [
            _PlannedLine(line, line.order_line.sku, line.bin.pick_sequence if line.bin else NO_BIN_SEQUENCE)
            for line in ShipmentLine.objects.filter(shipment__in=queued).select_related("bin", "order_line")
        ]
    _write_pick_lines(pick_list, to_pick)
    by_order = {order.pk: order for order in orders}
    timeline.shipments_planned(
        [(by_order[s.order_id], s, pick_list if s.warehouse_id == warehouse.pk else None) for s in shipments],
        user=user,
    )
    return pick_list


@dataclass(frozen=True, slots=True)
class _PlannedLine:
    """A shipment line with what its pick line copies: the SKU and the bin's pick sequence."""

    line: ShipmentLine
    sku: str
    sequence: int


def _pick_list_number(warehouse: Warehouse) -> str:
    today = timezone.localdate()
    count = PickList.objects.filter(warehouse=warehouse, number__startswith=f"{warehouse.code}-{today:%Y%m%d}-").count()
    return f"{warehouse.code}-{today:%Y%m%d}-{count + 1:04d}"


class _Allocation(NamedTuple):
    order_id: int
    warehouse_id: int
    stock_level_id: int
    order_line_id: int
    product_id: int
    sku: str
    quantity: int


def _allocations(orders: list[Order]) -> list[_Allocation]:
    """The orders' allocations in line order, as plain values: a wave has a few thousand, and
    model rows for them would cost more than the rest of the plan."""
    if not orders:
        return []
    rows = (
        Allocation.objects.filter(order_line__order_id__in=[order.pk for order in orders])
        .order_by("order_line__order_id", "order_line__position", "order_line_id", "pk")
        .values_list(
            "order_line__order_id",
            "warehouse_id",
            "stock_level_id",
            "order_line_id",
            "order_line__product_id",
            "order_line__sku",
            "quantity",
        )
    )
    return [_Allocation(*row) for row in rows]


def _plan_shipments(
    *, orders: list[Order], allocations: list[_Allocation], service: CarrierService | None
) -> list[Shipment]:
    """One unsaved shipment per order and warehouse holding its allocations, numbered on from
    the order's earlier shipments."""
    if not orders:
        return []
    by_id = {order.pk: order for order in orders}
    pairs = sorted({(a.order_id, a.warehouse_id) for a in allocations})
    taken: dict[int, int] = defaultdict(int)
    for order_id in Shipment.objects.filter(order_id__in=by_id).values_list("order_id", flat=True):
        taken[order_id] += 1
    warehouses = {w.pk: w for w in Warehouse.objects.filter(pk__in={w for _o, w in pairs})}
    now = timezone.now()
    shipments = []
    for order_id, warehouse_id in pairs:
        order = by_id[order_id]
        taken[order_id] += 1
        shipments.append(
            Shipment(
                reference=f"{order.number}-{taken[order_id]}",
                order=order,
                warehouse=warehouses[warehouse_id],
                carrier_service=service,
                promised_ship_date=order.promised_ship_date,
                created_at=now,
                updated_at=now,
            )
        )
    return shipments


def _plan_lines(shipments: list[Shipment], allocations: list[_Allocation]) -> list[_PlannedLine]:
    """Shipment lines per allocation and bin: units placed into the level's bins in pick order,
    minus what open shipments already take from each bin. Units no bin can hold are planned
    without a bin (they wait at the dock, say)."""
    if not shipments:
        return []
    by_key = {(s.order_id, s.warehouse_id): s for s in shipments}
    level_ids = {a.stock_level_id for a in allocations}
    bins: dict[int, list[BinStock]] = defaultdict(list)
    for row in (
        BinStock.objects.filter(stock_level_id__in=level_ids, quantity__gt=0, bin__active=True)
        .select_related("bin", "stock_level")
        .order_by("bin__pick_sequence", "bin__code")
    ):
        bins[row.stock_level_id].append(row)
    free = _free_in_bins(bins)
    planned = []
    for order_id, warehouse_id, level_id, order_line_id, product_id, sku, quantity in allocations:
        shipment = by_key[(order_id, warehouse_id)]
        rest = quantity
        for row in bins.get(level_id, []):
            take = min(rest, free[row.pk])
            if take <= 0:
                continue
            free[row.pk] -= take
            rest -= take
            line = ShipmentLine(
                shipment=shipment, order_line_id=order_line_id, product_id=product_id, bin_id=row.bin_id, quantity=take
            )
            planned.append(_PlannedLine(line, sku, row.bin.pick_sequence))
            if rest == 0:
                break
        if rest > 0:
            line = ShipmentLine(
                shipment=shipment, order_line_id=order_line_id, product_id=product_id, bin_id=None, quantity=rest
            )
            planned.append(_PlannedLine(line, sku, NO_BIN_SEQUENCE))
    insert_rows([p.line for p in planned])
    return planned


def _free_in_bins(bins: dict[int, list[BinStock]]) -> dict[int, int]:
    """Per bin stock row: units not yet promised to an open shipment line of the same product."""
    rows = [row for level_rows in bins.values() for row in level_rows]
    claimed: dict[tuple[int, int], int] = defaultdict(int)
    if rows:
        for bin_id, product_id, units in (
            ShipmentLine.objects.filter(
                shipment__state__in=WAREHOUSE_STATES,
                bin_id__in={r.bin_id for r in rows},
                product_id__in={r.stock_level.product_id for r in rows},
            )
            .values("bin_id", "product_id")
            .annotate(units=Sum("quantity"))
            .values_list("bin_id", "product_id", "units")
        ):
            claimed[(bin_id, product_id)] = units or 0
    return {row.pk: max(row.quantity - claimed[(row.bin_id, row.stock_level.product_id)], 0) for row in rows}


def _write_pick_lines(pick_list: PickList, planned: list[_PlannedLine]) -> list[PickLine]:
    pick_lines = [
        PickLine(
            pick_list=pick_list,
            shipment_line_id=p.line.pk,
            bin_id=p.line.bin_id,
            product_id=p.line.product_id,
            sku=p.sku,
            sequence=p.sequence,
            quantity=p.line.quantity - p.line.quantity_picked,
        )
        for p in planned
        if p.line.quantity > p.line.quantity_picked
    ]
    return insert_rows(sorted(pick_lines, key=lambda p: (p.sequence, p.sku)))  # type: ignore[return-value]
