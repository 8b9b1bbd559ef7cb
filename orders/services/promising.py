"""Promised ship dates: the day the warehouse hands an allocated order to the carrier.

An order allocated before its warehouse's daily cut-off (``Warehouse.shipping_cutoff``, in the
business's time zone ``TIME_ZONE``) ships the same working day; later, the next working day.
Working days are Monday to Friday except the nation-wide public holidays of the warehouse's
country (the ``holidays`` package; regional holidays such as a German state's are not known
here). An order split across warehouses is promised for the day its last part ships.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from functools import lru_cache

import holidays
from django.utils import timezone

DEFAULT_CUTOFF = datetime.time(14, 0)


@lru_cache(maxsize=128)
def _public_holidays(country: str, year: int) -> frozenset[datetime.date]:
    try:
        return frozenset(holidays.country_holidays(country, years=year))
    except NotImplementedError:  # a country the package does not know: weekends only
        return frozenset()


def is_working_day(day: datetime.date, *, country: str) -> bool:
    return day.weekday() < 5 and day not in _public_holidays(country, day.year)


def ship_date(*, cutoff: datetime.time | None, country: str, at: datetime.datetime) -> datetime.date:
    """The day a warehouse in ``country`` with ``cutoff`` ships an order allocated ``at``."""
    local = timezone.localtime(at)
    day = local.date()
    if local.time() >= (cutoff or DEFAULT_CUTOFF) or not is_working_day(day, country=country):
        day += datetime.timedelta(days=1)
        while not is_working_day(day, country=country):
            day += datetime.timedelta(days=1)
    return day


def promised_ship_date(
    warehouses: Iterable[tuple[datetime.time | None, str]], *, at: datetime.datetime
) -> datetime.date | None:
    """The day the last shipment leaves, for ``(cutoff, country)`` of each warehouse used."""
    days = [ship_date(cutoff=cutoff, country=country, at=at) for cutoff, country in warehouses]
    return max(days) if days else None
