"""Intake under real concurrency on PostgreSQL: threads with their own connections place orders
for the last units at once. Nothing is sold twice; every order ends allocated or backordered;
allocations equal reservations; duplicates of one external id make one order."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.db.models import Sum

from inventory.models import StockLevel
from orders.models import Allocation, Order, OrderState
from orders.services.intake import place_order
from tests.orders.factories import ChannelFactory, draft, stocked_product, warehouse

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 12


def _run(work, per_thread: int) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(THREADS)
    lock = threading.Lock()

    def worker(n: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                work(n, i)
        except BaseException as exc:
            with lock:
                errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_many_concurrent_orders_for_the_last_units_never_oversell():
    assert connection.vendor == "postgresql"
    lej, vie = warehouse("LEJ", priority=10), warehouse("VIE", country="AT", priority=20)
    a = stocked_product("C-1", {lej: 20, vie: 10})
    b = stocked_product("C-2", {lej: 15})
    channel = ChannelFactory(code="web")

    def work(n: int, i: int) -> None:
        lines = {"C-1": 2} if (n + i) % 3 else {"C-1": 1, "C-2": 2}
        place_order(channel=channel, draft=draft(lines, external_id=f"t{n}-{i}", email=f"k{n}@example.de"))

    errors = _run(work, per_thread=4)  # 48 orders wanting far more than the 45 units
    assert errors == []
    assert Order.objects.count() == THREADS * 4
    states = set(Order.objects.values_list("state", flat=True))
    assert states <= {OrderState.ALLOCATED, OrderState.BACKORDERED}
    for level in StockLevel.objects.all():
        allocated = Allocation.objects.filter(stock_level=level).aggregate(s=Sum("quantity"))["s"] or 0
        assert 0 <= level.reserved <= level.on_hand
        assert level.reserved == allocated
    # Allocated orders are fully allocated; backordered ones hold nothing.
    for order in Order.objects.prefetch_related("lines"):
        for line in order.lines.all():
            expected = line.quantity if order.state == OrderState.ALLOCATED else 0
            assert line.quantity_allocated == expected
    assert StockLevel.objects.filter(product=a).aggregate(s=Sum("reserved"))["s"] > 0
    assert StockLevel.objects.get(product=b).reserved <= 15


def test_concurrent_deliveries_of_one_external_id_create_one_order():
    lej = warehouse("LEJ")
    stocked_product("C-1", {lej: 100})
    channel = ChannelFactory(code="web")
    results = []
    lock = threading.Lock()

    def work(n: int, i: int) -> None:
        result = place_order(channel=channel, draft=draft({"C-1": 1}, external_id="shopify-42"))
        with lock:
            results.append((result.order.pk, result.created))

    assert _run(work, per_thread=1) == []
    assert Order.objects.count() == 1
    assert len({pk for pk, _c in results}) == 1
    assert sum(created for _pk, created in results) == 1
    assert StockLevel.objects.get().reserved == 1


def test_order_numbers_stay_unique_under_concurrency():
    lej = warehouse("LEJ")
    stocked_product("C-1", {lej: 1000})
    channel = ChannelFactory(code="web")
    assert _run(lambda n, i: place_order(channel=channel, draft=draft({"C-1": 1})), per_thread=3) == []
    numbers = list(Order.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == THREADS * 3
