"""Handover cut-offs: the time of day by which a warehouse's parcels for a carrier must be ready.

A carrier that collects at its own time (``Carrier.pickup_cutoff``) has that cut-off in every
warehouse; otherwise the warehouse's ``shipping_cutoff`` holds (the rule ``orders.services.promising``
promised the ship dates with). A day that is no working day in the warehouse's country has none.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from fulfillment.models import Carrier
from inventory.models import Warehouse
from orders.services.promising import DEFAULT_CUTOFF, is_working_day


@dataclass(frozen=True)
class Cutoff:
    """Today's handover cut-off as of ``now``: ``at`` is None on a day without one (weekend,
    public holiday); ``left`` is None once it has passed."""

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


def handover_time(*, warehouse: Warehouse, carrier: Carrier | None = None) -> datetime.time:
    """The time of day ``warehouse`` hands ``carrier``'s parcels over (the carrier's own pickup
    time, else the warehouse's cut-off)."""
    if carrier is not None and carrier.pickup_cutoff is not None:
        return carrier.pickup_cutoff
    return warehouse.shipping_cutoff or DEFAULT_CUTOFF


def cutoff_today(warehouse: Warehouse, *, now: datetime.datetime, at_time: datetime.time | None = None) -> Cutoff:
    """Today's cut-off of ``warehouse`` (in the business's time zone; ``at_time`` in place of the
    warehouse's own, a carrier's say) and the time left to it."""
    today = timezone.localdate(now)
    if not is_working_day(today, country=warehouse.country):
        return Cutoff(at=None, left=None)
    at = timezone.make_aware(datetime.datetime.combine(today, at_time or warehouse.shipping_cutoff or DEFAULT_CUTOFF))
    left = at - now
    return Cutoff(at=at, left=left if left > datetime.timedelta(0) else None)
