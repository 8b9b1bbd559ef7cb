"""RMA numbers ``RMA-<year>-<counter>``: the year's counter row is locked in the creating
transaction (as ``billing.services.numbering``), so concurrent requests never share a number."""

from __future__ import annotations

from django.db import transaction

from returns.models import RmaCounter


def take_rma_number(*, year: int) -> str:
    """The next RMA number of ``year``. Needs the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("take_rma_number needs the creating transaction")
    RmaCounter.objects.bulk_create([RmaCounter(year=year, last=0)], ignore_conflicts=True)
    counter = RmaCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"RMA-{year}-{counter.last:06d}"
