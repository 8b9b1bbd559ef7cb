"""The warehouse board (read side): per warehouse the shipments to pick, to pack, to ship and in
exception, with each column's count and its oldest shipment, and the time left to today's
handover cut-off, per warehouse and per carrier of the shipments due to leave today.

The cut-off is the warehouse's ``shipping_cutoff`` (``orders.services.promising``, the same rule
that promised the ship dates): a warehouse hands every carrier's parcels over by then. A day that
is no working day in the warehouse's country has no cut-off.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Min, Q
from django.utils import timezone

from fulfillment.models import WAREHOUSE_STATES, Shipment, ShipmentState
from inventory.models import Warehouse
from orders.services.promising import DEFAULT_CUTOFF, is_working_day

S = ShipmentState
COLUMNS: dict[str, Q] = {
    "pick": Q(state=S.PLANNED) | Q(state=S.PICKING, picked_at__isnull=True),
    "pack": Q(state=S.PICKING, picked_at__isnull=False),
    "ship": Q(state__in=[S.PACKED, S.LABELLED]),
    "exceptions": Q(state__in=[S.ON_HOLD, S.EXCEPTION]),
}
OPEN_STATES = [*WAREHOUSE_STATES, S.ON_HOLD, S.EXCEPTION]


@dataclass(frozen=True)
class Cutoff:
    """Today's handover cut-off of a warehouse as of ``now``: ``at`` is None on a day without
    one (weekend, public holiday); ``left`` is None once it has passed."""

    at: datetime.datetime | None
    left: datetime.timedelta | None

    @property
    def passed(self) -> bool:
        return self.at is not None and self.left is None

    @property
    def hours(self) -> int:
        return int(self.left.total_seconds()) // 3600 if self.left else 0

    @property
    def minutes(self) -> int:
        return int(self.left.total_seconds()) % 3600 // 60 if self.left else 0

    @property
    def urgent(self) -> bool:
        """Less than an hour left."""
        return self.left is not None and self.left < datetime.timedelta(hours=1)


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


@dataclass(frozen=True)
class BoardRow:
    warehouse: str
    cutoff: Cutoff
    cells: list[BoardCell]
    carriers: list[CarrierDue]


def cutoff_today(warehouse: Warehouse, *, now: datetime.datetime) -> Cutoff:
    """Today's cut-off of ``warehouse`` (in the business's time zone) and the time left to it."""
    today = timezone.localdate(now)
    if not is_working_day(today, country=warehouse.country):
        return Cutoff(at=None, left=None)
    at = timezone.make_aware(datetime.datetime.combine(today, warehouse.shipping_cutoff or DEFAULT_CUTOFF))
    left = at - now
    return Cutoff(at=at, left=left if left > datetime.timedelta(0) else None)


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
        .values("warehouse_id", "carrier_service__carrier__name")
        .annotate(due=Count("pk"), ready=Count("pk", filter=Q(state__in=[S.PACKED, S.LABELLED])))
        .order_by("warehouse_id", "carrier_service__carrier__name")
    )
    carriers: dict[int, list[CarrierDue]] = {}
    for row in due_rows:
        carriers.setdefault(row["warehouse_id"], []).append(
            CarrierDue(carrier=row["carrier_service__carrier__name"] or "", due=row["due"], ready=row["ready"])
        )
    board = []
    for warehouse in Warehouse.objects.filter(pk__in=counts).order_by("code"):
        row = counts[warehouse.pk]
        cells = [BoardCell(key, row[f"{key}_count"], row[f"{key}_oldest"]) for key in COLUMNS]
        board.append(
            BoardRow(
                warehouse=warehouse.code,
                cutoff=cutoff_today(warehouse, now=now),
                cells=cells,
                carriers=carriers.get(warehouse.pk, []),
            )
        )
    return board
