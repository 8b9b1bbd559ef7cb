"""Invoice and credit-note numbers: ``<series>-<year>-<counter>``, e.g. ``RE-2026-000001``.

The counter row of the series and year is locked (``SELECT ... FOR UPDATE``) and incremented in
the caller's issuing transaction, so concurrent issues wait for each other, never share a
number, and a rolled-back issue gives its number back (no gaps: GoBD). The row is created on
first use with ``INSERT ... ON CONFLICT DO NOTHING``, so two first issues of a year do not race.
"""

from __future__ import annotations

from django.db import transaction

from billing.models import NumberCounter

WIDTH = 6


def format_number(series: str, year: int, counter: int) -> str:
    return f"{series}-{year}-{counter:0{WIDTH}d}"


def take_number(*, series: str, year: int) -> str:
    """The next number of ``series`` in ``year``. Needs the caller's transaction (the lock is
    held until it ends; the number is used only if it commits)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("take_number needs the issuing transaction")
    NumberCounter.objects.bulk_create([NumberCounter(series=series, year=year, last=0)], ignore_conflicts=True)
    counter = NumberCounter.objects.select_for_update().get(series=series, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return format_number(series, year, counter.last)
