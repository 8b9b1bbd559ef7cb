"""Expected delivery dates: when a parcel handed to a carrier on a ship date reaches the customer.

The rule, for a carrier service with ``transit_days`` and the weekdays it delivers on (DHL and
UPS deliver on Saturdays, DPD, GLS and Hermes do not):

1. The parcel leaves on the ship date: the order's promised ship date while it is in the
   warehouse (``orders.services.promising``, which skips weekends and the warehouse country's
   holidays), the day it was handed over once shipped.
2. Each following day counts as a transit day when the carrier works (one of its delivery
   weekdays) and it is no public holiday: on the first day none at the origin (the parcel
   leaves the origin's hub overnight), on every day none at the destination (its depot
   delivers). Regional holidays count: the German federal state comes from the postcode
   (``fulfillment.regions``), so Corpus Christi delays a parcel to Munich and not one to Berlin.
3. The day the count reaches ``transit_days`` is the expected delivery date.

Tracking events move the estimate (``after_event``): out for delivery means today, delivered is
final, an exception pushes the date back by a working day, a carrier's own estimate wins.
Every function takes its dates as arguments, so no answer depends on the clock.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from fulfillment import cutoffs
from fulfillment.regions import Region, holiday_name, is_public_holiday, region_of
from orders.services import promising

WEEKDAYS = frozenset(range(5))  # Monday to Friday
WEEKDAYS_AND_SATURDAY = frozenset(range(6))
# Transit days are bounded: a carrier that promises more than a month is a data error.
MAX_TRANSIT_DAYS = 30


@dataclass(frozen=True)
class SkippedDay:
    day: datetime.date
    why: str  # "weekday" (the carrier does not work), or the holiday's name


@dataclass(frozen=True)
class Estimate:
    """An expected delivery date and how it came about (for the order page's "why")."""

    date: datetime.date
    ship_date: datetime.date
    transit_days: int
    skipped: tuple[SkippedDay, ...] = field(default_factory=tuple)


def delivery_date(
    *,
    ship_date: datetime.date,
    transit_days: int,
    delivery_weekdays: Collection[int],
    origin: Region,
    destination: Region,
) -> Estimate:
    """The expected delivery date of a parcel handed over on ``ship_date`` (rule in the module
    docstring). ``delivery_weekdays``: 0 = Monday ... 6 = Sunday."""
    if not 0 <= transit_days <= MAX_TRANSIT_DAYS:
        raise ValueError(f"transit days must be between 0 and {MAX_TRANSIT_DAYS}, not {transit_days}")
    weekdays = frozenset(delivery_weekdays) or WEEKDAYS
    day = ship_date
    counted = 0
    skipped: list[SkippedDay] = []
    while counted < transit_days:
        day += datetime.timedelta(days=1)
        why = _closed(day, weekdays=weekdays, origin=origin if counted == 0 else None, destination=destination)
        if why:
            skipped.append(SkippedDay(day, why))
            continue
        counted += 1
    return Estimate(day, ship_date, transit_days, tuple(skipped))


def _closed(day: datetime.date, *, weekdays: frozenset[int], origin: Region | None, destination: Region) -> str:
    """Why ``day`` is no transit day ("" when it is one)."""
    if day.weekday() not in weekdays:
        return "weekday"
    for region in (destination, origin):
        if region is not None and is_public_holiday(day, region):
            return f"{holiday_name(day, region)} ({region})"
    return ""


def next_delivery_day(day: datetime.date, *, delivery_weekdays: Collection[int], destination: Region) -> datetime.date:
    """``day`` itself when the carrier delivers at the destination that day, else the next such day."""
    weekdays = frozenset(delivery_weekdays) or WEEKDAYS
    while _closed(day, weekdays=weekdays, origin=None, destination=destination):
        day += datetime.timedelta(days=1)
    return day


def after_event(
    current: datetime.date | None,
    *,
    status: str,
    on: datetime.date,
    delivery_weekdays: Collection[int],
    destination: Region,
    carrier_estimate: datetime.date | None = None,
) -> datetime.date | None:
    """The estimate after a tracking event of ``status`` on day ``on``.

    - a carrier's own estimate is taken as given (it knows its network today);
    - out for delivery: delivered today; delivered: the day it happened;
    - an exception (customs, address, damage): one delivery day later than the estimate, and
      never before the day after the event;
    - in transit: unchanged, unless the estimate has already passed (then the next delivery day);
    - returned to sender: no delivery is expected any more (None).
    """
    if status == "returned_to_sender":
        return None
    if carrier_estimate is not None:
        return carrier_estimate
    if status in ("out_for_delivery", "delivered"):
        return on
    weekdays = frozenset(delivery_weekdays) or WEEKDAYS
    if status == "exception":
        base = max(current or on, on) + datetime.timedelta(days=1)
        return next_delivery_day(base, delivery_weekdays=weekdays, destination=destination)
    if current is None or current < on:
        return next_delivery_day(on + datetime.timedelta(days=1), delivery_weekdays=weekdays, destination=destination)
    return current


def shipment_estimate(shipment: Any, *, now: datetime.datetime) -> Estimate | None:
    """The expected delivery of ``shipment`` (with its carrier service chosen) as of ``now``.

    The ship date is the day it was handed over once shipped; before that the promised ship date
    (the shipment's, else the order's), or, when that has passed or none was promised, the day
    ``orders.services.promising`` gives for a shipment ready ``now`` by the time its carrier
    collects (``Carrier.pickup_cutoff``, else the warehouse's cut-off). None without a service."""
    service = shipment.carrier_service
    if service is None:
        return None
    order = shipment.order
    warehouse = shipment.warehouse
    origin = region_of(country=warehouse.country, postcode=warehouse.postal_code)
    destination = region_of(country=order.shipping_country, postcode=order.shipping_postcode)
    if shipment.shipped_at is not None:
        ship_day = timezone.localdate(shipment.shipped_at)
    else:
        handover = cutoffs.handover_time(warehouse=warehouse, carrier=service.carrier)
        earliest = promising.ship_date(cutoff=handover, country=warehouse.country, at=now)
        promised = shipment.promised_ship_date or order.promised_ship_date
        ship_day = max(promised, earliest) if promised else earliest
    # ``.all()``: a caller that prefetched the destinations (the order's shipments) reads no more.
    days = {d.country: d.transit_days for d in service.destinations.all()}.get(destination.country)
    if days is None:
        return None
    return delivery_date(
        ship_date=ship_day,
        transit_days=min(days, MAX_TRANSIT_DAYS),
        delivery_weekdays=service.delivery_weekdays,
        origin=origin,
        destination=destination,
    )
