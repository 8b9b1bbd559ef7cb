"""Order numbers: ``<year>-<counter>`` (e.g. ``2026-000123``), unique and safe under concurrency.

On PostgreSQL the counter is the sequence ``orders_order_number_seq`` (migration 0001): ``nextval``
never blocks concurrent intakes, and a rolled-back order leaves a gap ("gapless enough": order
numbers, unlike invoice numbers, may have gaps). Elsewhere (SQLite) an ``OrderNumberCounter`` row
per year is incremented inside the caller's transaction; SQLite serialises writers anyway.
"""

from __future__ import annotations

import datetime

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from orders.models import OrderNumberCounter

WIDTH = 6


def format_number(year: int, counter: int) -> str:
    return f"{year}-{counter:0{WIDTH}d}"


def next_order_numbers(count: int = 1, *, on: datetime.date | None = None) -> list[str]:
    """Hand out ``count`` new order numbers for the year of ``on`` (default: today)."""
    if count <= 0:
        return []
    year = (on or timezone.localdate()).year
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            if count == 1:
                cursor.execute("SELECT nextval('orders_order_number_seq')")
            else:
                cursor.execute("SELECT nextval('orders_order_number_seq') FROM generate_series(1, %s)", [count])
            return [format_number(year, row[0]) for row in cursor.fetchall()]
    with transaction.atomic():
        updated = OrderNumberCounter.objects.filter(year=year).update(last=F("last") + count)
        if not updated:
            OrderNumberCounter.objects.get_or_create(year=year, defaults={"last": 0})
            OrderNumberCounter.objects.filter(year=year).update(last=F("last") + count)
        last = OrderNumberCounter.objects.values_list("last", flat=True).get(year=year)
    return [format_number(year, n) for n in range(last - count + 1, last + 1)]


def next_order_number(*, on: datetime.date | None = None) -> str:
    return next_order_numbers(1, on=on)[0]
