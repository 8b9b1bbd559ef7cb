"""Days grouped into weeks (Monday to Sunday) or calendar months."""

from __future__ import annotations

import calendar
import datetime


def period_start(day: datetime.date, grain: str) -> datetime.date:
    if grain == "week":
        return day - datetime.timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    return day


def period_end(start: datetime.date, grain: str) -> datetime.date:
    if grain == "week":
        return start + datetime.timedelta(days=6)
    if grain == "month":
        return start.replace(day=calendar.monthrange(start.year, start.month)[1])
    return start


def periods(first: datetime.date, last: datetime.date, grain: str) -> list[tuple[datetime.date, datetime.date]]:
    """Every period touching ``first``..``last``, each clipped to that range."""
    out = []
    start = period_start(first, grain)
    while start <= last:
        end = period_end(start, grain)
        out.append((max(start, first), min(end, last)))
        start = end + datetime.timedelta(days=1)
    return out


def label(start: datetime.date, grain: str) -> str:
    if grain == "week":
        year, week, _weekday = start.isocalendar()
        return f"{year}-W{week:02d}"
    if grain == "month":
        return start.strftime("%m/%Y")
    return start.strftime("%d.%m.")
