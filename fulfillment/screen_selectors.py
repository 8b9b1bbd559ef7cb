"""What the warehouse screens read: open pick lists, a pick list with its lines in walking order,
the shipment a packer scanned, what the packer has verified so far, the parcels ready to ship."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from fulfillment.models import (
    OPEN_PICK_LIST_STATES,
    LabelState,
    PickLine,
    PickList,
    PickListState,
    Shipment,
    ShipmentLine,
    ShipmentState,
)

# Shipments still being picked (as ``fulfillment.services.picking`` counts them); lines of the
# others (cancelled, held) are void on the screen.
ACTIVE_SHIPMENT_STATES = (ShipmentState.PLANNED, ShipmentState.PICKING)
VOID_SHIPMENT_STATES = (ShipmentState.CANCELLED, ShipmentState.ON_HOLD)
OPEN_LISTS_SHOWN = 100
READY_SHOWN = 100


def open_pick_lists(*, warehouse_id: int | None = None) -> QuerySet[PickList]:
    """Pick lists still to pick, oldest first, with their units and orders counted."""
    lists = PickList.objects.filter(state__in=OPEN_PICK_LIST_STATES)
    if warehouse_id is not None:
        lists = lists.filter(warehouse_id=warehouse_id)
    return (
        lists.select_related("warehouse", "picker")
        .annotate(
            units=Sum("lines__quantity"),
            picked=Sum("lines__quantity_picked"),
            orders=Count("shipments", distinct=True),
        )
        .order_by("created_at", "pk")
    )


def pick_list_by_number(number: str) -> PickList | None:
    return PickList.objects.select_related("warehouse", "picker").filter(number=number).first()


@dataclass(frozen=True)
class PickView:
    """A pick list as the picker sees it: the next line, every line, and the lines whose order
    went (cancelled or held) after units were taken: those units go back."""

    pick_list: PickList
    lines: list[PickLine]
    next_line: PickLine | None
    void_lines: list[PickLine]
    units: int
    done: int

    @property
    def is_open(self) -> bool:
        return self.pick_list.state in OPEN_PICK_LIST_STATES

    @property
    def is_voided(self) -> bool:
        return self.pick_list.state == PickListState.VOIDED


def pick_view(pick_list: PickList) -> PickView:
    lines = list(
        PickLine.objects.filter(pick_list=pick_list)
        .select_related("bin", "product", "shipment_line__shipment__order")
        .order_by("sequence", "sku", "pk")
    )
    active = [p for p in lines if p.shipment_line.shipment.state in ACTIVE_SHIPMENT_STATES]
    for line in lines:
        line.is_void = line.shipment_line.shipment.state in VOID_SHIPMENT_STATES
    todo = [p for p in active if p.quantity_open > 0]
    return PickView(
        pick_list=pick_list,
        lines=lines,
        next_line=todo[0] if todo and pick_list.state in OPEN_PICK_LIST_STATES else None,
        void_lines=[p for p in lines if p.is_void and p.quantity_picked > 0],
        units=sum(p.quantity for p in active),
        done=sum(p.quantity_picked + p.quantity_short for p in active),
    )


# -- packing -------------------------------------------------------------------------------------


def shipment_by_reference(reference: str) -> Shipment | None:
    return (
        Shipment.objects.select_related("order", "warehouse", "carrier_service__carrier", "label_document")
        .filter(reference=reference)
        .first()
    )


def shipments_for_code(code: str) -> list[Shipment]:
    """The shipments a packer's scan names: a shipment reference, an order number (its shipments
    in the warehouse) or a tote, which is the pick list's number (its shipments)."""
    code = (code or "").strip()
    if not code:
        return []
    found = list(
        Shipment.objects.filter(Q(reference__iexact=code) | Q(order__number__iexact=code))
        .select_related("order")
        .order_by("pk")
    )
    if not found:
        found = list(
            Shipment.objects.filter(lines__pick_lines__pick_list__number__iexact=code)
            .select_related("order")
            .distinct()
            .order_by("pk")
        )
    return found


def shipments_to_pack(*, warehouse_id: int | None = None) -> QuerySet[Shipment]:
    """Picked shipments waiting at the packing table: picking is over (every unit picked or short)."""
    qs = Shipment.objects.filter(state=ShipmentState.PICKING, picked_at__isnull=False)
    if warehouse_id is not None:
        qs = qs.filter(warehouse_id=warehouse_id)
    return qs.select_related("order", "warehouse").order_by("picked_at", "pk")[:READY_SHOWN]


def packing_lines(shipment: Shipment) -> list[ShipmentLine]:
    return list(
        ShipmentLine.objects.filter(shipment=shipment, quantity_picked__gt=0)
        .select_related("product", "bin")
        .order_by("pk")
    )


@dataclass(frozen=True)
class PackRow:
    sku: str
    name: str
    gtin: str
    expected: int
    scanned: int

    @property
    def complete(self) -> bool:
        return self.scanned == self.expected


def pack_rows(lines: list[ShipmentLine], scans: list[str]) -> list[PackRow]:
    """Per SKU: units picked for the shipment, and how many of them the packer has scanned."""
    expected: Counter[str] = Counter()
    products: dict[str, Any] = {}
    for line in lines:
        expected[line.product.sku] += line.quantity_picked
        products[line.product.sku] = line.product
    seen = Counter(sku_for_code(lines, code) for code in scans)
    return [
        PackRow(sku, products[sku].name, products[sku].gtin, units, seen.get(sku, 0)) for sku, units in expected.items()
    ]


def sku_for_code(lines: list[ShipmentLine], code: str) -> str | None:
    """The SKU of the shipment that ``code`` (SKU or GTIN) names, or None."""
    code = (code or "").strip()
    for line in lines:
        if code.upper() == line.product.sku.upper() or (line.product.gtin and code == line.product.gtin):
            return line.product.sku
    return None


# -- shipping ------------------------------------------------------------------------------------


def shipments_to_ship(*, warehouse_id: int | None = None) -> QuerySet[Shipment]:
    """Labelled parcels waiting for the carrier's pick-up."""
    qs = Shipment.objects.filter(state=ShipmentState.LABELLED, label_state=LabelState.READY)
    if warehouse_id is not None:
        qs = qs.filter(warehouse_id=warehouse_id)
    return (
        qs.select_related("order", "warehouse", "carrier_service__carrier")
        .prefetch_related(Prefetch("packages"))
        .order_by("labelled_at", "pk")[:READY_SHOWN]
    )


def shipment_for_ship_code(code: str) -> Shipment | None:
    """The shipment a scan at the dock names: its reference or its tracking number (a package's too)."""
    code = (code or "").strip()
    if not code:
        return None
    return (
        Shipment.objects.filter(Q(reference__iexact=code) | Q(tracking_number=code) | Q(packages__tracking_number=code))
        .select_related("order", "warehouse", "carrier_service__carrier")
        .distinct()
        .first()
    )
