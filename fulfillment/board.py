"""The warehouse board (read side): per warehouse the shipments to pick, to pack, to ship and in
exception, with each column's count and its oldest shipment, and the time left to today's
handover cut-off, per warehouse and per carrier of the shipments due to leave today.

The warehouse's cut-off is its ``shipping_cutoff`` (``orders.services.promising``, the same rule
that promised the ship dates); a carrier that collects at its own time (``Carrier.pickup_cutoff``)
has that cut-off for its parcels instead (``fulfillment.cutoffs``). A day that is no working day
in the warehouse's country has no cut-off.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace

from django.db.models import Count, Min, Q
from django.utils import timezone

from fulfillment.cutoffs import Cutoff, cutoff_today
from fulfillment.models import WAREHOUSE_STATES, Shipment, ShipmentState
from inventory.models import Warehouse

S = ShipmentState
COLUMNS: dict[str, Q] = {
    "pick": Q(state=S.PLANNED) | Q(state=S.PICKING, picked_at__isnull=True),
    "pack": Q(state=S.PICKING, picked_at__isnull=False),
    "ship": Q(state__in=[S.PACKED, S.LABELLED]),
    "exceptions": Q(state__in=[S.ON_HOLD, S.EXCEPTION]),
}
OPEN_STATES = [*WAREHOUSE_STATES, S.ON_HOLD, S.EXCEPTION]


@dataclass(frozen=True)
class BoardCell:
    key: str
    count: int
    oldest: datetime.datetime | None


@dataclass(frozen=True)
class CarrierDue:
    """The shipments of one carrier at a warehouse that must leave by today's cut-off."""

    carrier: str  # "" while no carrier service is chosen
    due: int
    ready: int  # packed or labelled: waiting only for the handover
    pickup: datetime.time | None  # the carrier's own pickup time; None: the warehouse's cut-off
    cutoff: Cutoff | None = None


@dataclass(frozen=True)
class BoardRow:
    warehouse: str
    cutoff: Cutoff
    cells: list[BoardCell]
    carriers: list[CarrierDue]


def warehouse_board(*, now: datetime.datetime) -> list[BoardRow]:
    """One row per warehouse with a shipment still in the warehouse or in exception (three queries,
    whatever the number of shipments). Shipments due today are those promised for today or
    earlier (or without a promise) and not on hold."""
    aggregates = {}
    for key, condition in COLUMNS.items():
        aggregates[f"{key}_count"] = Count("pk", filter=condition)
        aggregates[f"{key}_oldest"] = Min("created_at", filter=condition)
    open_shipments = Shipment.objects.filter(state__in=OPEN_STATES)
    counts = {
        row["warehouse_id"]: row
        for row in open_shipments.values("warehouse_id").annotate(**aggregates).order_by("warehouse_id")
    }
    if not counts:
        return []
    today = timezone.localdate(now)
    due_rows = (
        Shipment.objects.filter(state__in=WAREHOUSE_STATES)
        .filter(Q(promised_ship_date__lte=today) | Q(promised_ship_date__isnull=True))
        .values("warehouse_id", "carrier_service__carrier__name", "carrier_service__carrier__pickup_cutoff")
        .annotate(due=Count("pk"), ready=Count("pk", filter=Q(state__in=[S.PACKED, S.LABELLED])))
        .order_by("warehouse_id", "carrier_service__carrier__name")
    )
    carriers: dict[int, list[CarrierDue]] = {}
    for row in due_rows:
        carriers.setdefault(row["warehouse_id"], []).append(
            CarrierDue(
                carrier=row["carrier_service__carrier__name"] or "",
                due=row["due"],
                ready=row["ready"],
                pickup=row["carrier_service__carrier__pickup_cutoff"],
            )
        )
    board = []
    for warehouse in Warehouse.objects.filter(pk__in=counts).order_by("code"):
        row = counts[warehouse.pk]
        cells = [BoardCell(key, row[f"{key}_count"], row[f"{key}_oldest"]) for key in COLUMNS]
        due = [
            replace(carrier, cutoff=cutoff_today(warehouse, now=now, at_time=carrier.pickup))
            for carrier in carriers.get(warehouse.pk, [])
        ]
        # The carrier that collects first comes first.
        due.sort(key=lambda c: (c.cutoff.at is None, c.cutoff.at or now, c.carrier))
        board.append(
            BoardRow(
                warehouse=warehouse.code,
                cutoff=cutoff_today(warehouse, now=now),
                cells=cells,
                carriers=due,
            )
        )
    return board
