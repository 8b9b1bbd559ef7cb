"""Order numbers: ``<year>-<counter>`` (e.g. ``2026-000123``), unique and safe under concurrency.

On PostgreSQL the counter is the sequence ``orders_order_number_seq`` (migration 0001): ``nextval``
never blocks concurrent intakes, and a rolled-back order leaves a gap ("gapless enough": order
numbers, unlike invoice numbers, may have gaps). Intake takes its numbers from a block of
``ORDER_NUMBER_BLOCK`` values that each process draws from the sequence in one statement
(``next_order_number``), so most orders send no statement for their number; the price is that
numbers of orders taken in by different processes interleave a little out of time order, and a
process that stops leaves the rest of its block as a gap. Elsewhere (SQLite) an
``OrderNumberCounter`` row per year is incremented inside the caller's transaction; SQLite
serialises writers anyway.
"""

from __future__ import annotations

import datetime
import os
import threading
from collections import deque

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from orders.models import OrderNumberCounter

WIDTH = 6


def format_number(year: int, counter: int) -> str:
    return f"{year}-{counter:0{WIDTH}d}"


def _counters(count: int) -> list[int]:
    """``count`` new values of the PostgreSQL sequence, in one statement."""
    with connection.cursor() as cursor:
        if count == 1:
            cursor.execute("SELECT nextval('orders_order_number_seq')")
        else:
            cursor.execute("SELECT nextval('orders_order_number_seq') FROM generate_series(1, %s)", [count])
        return [row[0] for row in cursor.fetchall()]


def next_order_numbers(count: int = 1, *, on: datetime.date | None = None) -> list[str]:
    """Hand out ``count`` new order numbers for the year of ``on`` (default: today)."""
    if count <= 0:
        return []
    year = (on or timezone.localdate()).year
    if connection.vendor == "postgresql":
        return [format_number(year, n) for n in _counters(count)]
    with transaction.atomic():
        updated = OrderNumberCounter.objects.filter(year=year).update(last=F("last") + count)
        if not updated:
            OrderNumberCounter.objects.get_or_create(year=year, defaults={"last": 0})
            OrderNumberCounter.objects.filter(year=year).update(last=F("last") + count)
        last = OrderNumberCounter.objects.values_list("last", flat=True).get(year=year)
    return [format_number(year, n) for n in range(last - count + 1, last + 1)]


class _Block:
    """The sequence values this process has drawn and not handed out yet. Keyed by the process
    id, so a child forked with a half-used block (gunicorn) draws its own and never repeats one."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pid = 0
        self.values: deque[int] = deque()


_block = _Block()


def next_order_number(*, on: datetime.date | None = None) -> str:
    """One new order number for the year of ``on`` (default: today); from this process's block on
    PostgreSQL (a statement only when the block is used up, see the module docstring)."""
    size = settings.ORDER_NUMBER_BLOCK
    if connection.vendor != "postgresql" or size <= 1:
        return next_order_numbers(1, on=on)[0]
    year = (on or timezone.localdate()).year
    with _block.lock:
        if _block.pid != os.getpid():
            _block.pid, _block.values = os.getpid(), deque()
        if not _block.values:
            _block.values.extend(_counters(size))
        return format_number(year, _block.values.popleft())


def clear_number_block() -> None:
    """Forget the values this process has drawn (they become a gap); the next number draws anew."""
    with _block.lock:
        _block.values.clear()
