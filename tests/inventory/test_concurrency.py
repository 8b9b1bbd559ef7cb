"""Reservations under real concurrency on PostgreSQL: threads, each with its own connection."""

from __future__ import annotations

import random
import threading

import pytest
from django.db import connection, connections

from inventory.exceptions import InsufficientStockError
from inventory.models import StockLevel
from inventory.services.reservations import StockRequest, reserve_stock
from inventory.services.stock import receive_stock
from tests.inventory.conftest import assert_ledger_balances
from tests.inventory.factories import ProductFactory, WarehouseFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 16


def _run_threads(work, attempts_per_thread: int) -> tuple[int, int, list[BaseException]]:
    """Run ``work()`` ``attempts_per_thread`` times in each of 16 threads started together."""
    ok = short = 0
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS)

    def worker():
        nonlocal ok, short
        try:
            barrier.wait()
            for _ in range(attempts_per_thread):
                try:
                    work()
                except InsufficientStockError:
                    with lock:
                        short += 1
                else:
                    with lock:
                        ok += 1
        except BaseException as exc:  # deadlocks, constraint violations: the test must see them
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return ok, short, errors


def _watch_level(product_id: int, warehouse_id: int, stop: threading.Event, seen: list[tuple[int, int]]) -> None:
    """From a 17th connection, sample (on_hand, reserved) while the workers run."""
    try:
        while not stop.is_set():
            seen.append(
                StockLevel.objects.filter(product_id=product_id, warehouse_id=warehouse_id)
                .values_list("on_hand", "reserved")
                .get()
            )
    finally:
        connections.close_all()


@pytest.mark.parametrize("round_", range(5))
def test_sixteen_connections_reserve_the_last_fifty_units_exactly_once(round_):
    product, warehouse = ProductFactory(), WarehouseFactory()
    receive_stock(product=product, warehouse=warehouse, quantity=130)
    reserve_stock(requests=[StockRequest(product.pk, warehouse.pk, 80)], reference="order:earlier")  # 50 left
    stop, seen = threading.Event(), []
    watcher = threading.Thread(target=_watch_level, args=(product.pk, warehouse.pk, stop, seen))
    watcher.start()

    try:
        ok, short, errors = _run_threads(
            lambda: reserve_stock(requests=[StockRequest(product.pk, warehouse.pk, 1)], reference="order:x"),
            attempts_per_thread=5,  # 80 attempts for the last 50 units
        )
    finally:
        stop.set()
        watcher.join(timeout=30)

    assert errors == []
    assert (ok, short) == (50, 30)
    level = StockLevel.objects.get(product=product, warehouse=warehouse)
    assert (level.on_hand, level.reserved) == (130, 130)
    assert seen and all(reserved <= on_hand == 130 for on_hand, reserved in seen)
    assert_ledger_balances()
    assert connection.vendor == "postgresql"


@pytest.mark.parametrize("round_", range(3))
def test_orders_spanning_three_skus_take_the_last_fifty_sets_exactly_once(round_):
    """Every order wants 1 unit of each of 3 SKUs (lines in random order, across 2 warehouses):
    exactly 50 orders get their set, the other 30 get nothing at all."""
    lej, vie = WarehouseFactory(), WarehouseFactory()
    places = [(ProductFactory(), lej), (ProductFactory(), vie), (ProductFactory(), lej)]
    for product, warehouse in places:
        receive_stock(product=product, warehouse=warehouse, quantity=50)
    rng = random.Random(100 + round_)
    lock = threading.Lock()

    def work():
        with lock:
            lines = rng.sample(places, k=len(places))
        reserve_stock(requests=[StockRequest(p.pk, w.pk, 1) for p, w in lines], reference="order:set")

    ok, short, errors = _run_threads(work, attempts_per_thread=5)

    assert errors == [], errors[:1]
    assert (ok, short) == (50, 30)
    for product, warehouse in places:
        level = StockLevel.objects.get(product=product, warehouse=warehouse)
        assert (level.on_hand, level.reserved) == (50, 50)
    assert_ledger_balances()


@pytest.mark.parametrize("round_", range(3))
def test_multi_sku_requests_in_random_order_never_deadlock_or_oversell(round_):
    warehouses = [WarehouseFactory(), WarehouseFactory()]
    products = [ProductFactory() for _ in range(4)]
    for p in products:
        for w in warehouses:
            receive_stock(product=p, warehouse=w, quantity=20)
    rng = random.Random(round_)
    lock = threading.Lock()
    granted: dict[tuple[int, int], int] = {}  # units of the requests that succeeded, per level

    def work():
        with lock:
            lines = rng.sample([(p.pk, w.pk) for p in products for w in warehouses], k=rng.randint(2, 5))
            quantities = [rng.randint(1, 3) for _ in lines]
        reserve_stock(
            requests=[StockRequest(p, w, q) for (p, w), q in zip(lines, quantities, strict=True)], reference="o"
        )
        with lock:
            for pair, quantity in zip(lines, quantities, strict=True):
                granted[pair] = granted.get(pair, 0) + quantity

    ok, short, errors = _run_threads(work, attempts_per_thread=8)

    assert errors == [], errors[:1]
    assert ok > 0 and short > 0 and ok + short == THREADS * 8
    levels = {(s.product_id, s.warehouse_id): s for s in StockLevel.objects.all()}
    for pair, level in levels.items():
        assert 0 <= level.reserved <= level.on_hand == 20
        assert level.reserved == granted.get(pair, 0)  # all or nothing per request, no lost update
    assert_ledger_balances()
    assert connection.vendor == "postgresql"


def test_reserve_consume_receive_and_transfer_together_never_deadlock():
    from inventory.services.reservations import consume_stock, release_stock
    from inventory.services.stock import transfer_stock

    warehouses = [WarehouseFactory(), WarehouseFactory()]
    products = [ProductFactory() for _ in range(3)]
    for p in products:
        for w in warehouses:
            receive_stock(product=p, warehouse=w, quantity=30)
    rng = random.Random(7)
    lock = threading.Lock()

    def work():
        with lock:
            op = rng.choice(["order", "order", "receive", "transfer"])
            picks = rng.sample([(p, w) for p in products for w in warehouses], k=rng.randint(1, 4))
            src, dst = rng.sample(warehouses, k=2)
            product = rng.choice(products)
        if op == "order":
            requests = [StockRequest(p.pk, w.pk, 1) for p, w in picks]
            reserve_stock(requests=requests, reference="o")
            if rng.random() < 0.5:
                consume_stock(requests=requests, reference="o")
            else:
                release_stock(requests=requests, reference="o")
        elif op == "receive":
            receive_stock(product=product, warehouse=src, quantity=2)
        else:
            transfer_stock(product=product, from_warehouse=src, to_warehouse=dst, quantity=1)

    ok, _short, errors = _run_threads(work, attempts_per_thread=6)

    assert errors == [], errors[:1]
    assert ok > 0
    for level in StockLevel.objects.all():
        assert level.reserved == 0 and level.on_hand >= 0
    assert_ledger_balances()


def test_blocking_and_reserving_at_once_never_promise_a_unit_twice():
    """Half the threads reserve single units, half block single units (quarantine), all at once,
    for 20 units: every unit ends reserved, blocked or free, never two of these."""
    from inventory.services.stock import block_stock

    assert connection.vendor == "postgresql"
    warehouse = WarehouseFactory(code="LEJ")
    product = ProductFactory(sku="BLK-1")
    receive_stock(product=product, warehouse=warehouse, quantity=20)
    turn = iter(range(10_000))
    lock = threading.Lock()

    def work():
        with lock:
            n = next(turn)
        if n % 2:
            block_stock(product=product, warehouse=warehouse, quantity=1, reason="Quarantäne")
        else:
            reserve_stock(requests=[StockRequest(product.pk, warehouse.pk, 1)], reference=f"order:{n}")

    ok, short, errors = _run_threads(work, attempts_per_thread=3)  # 48 attempts for 20 units
    assert errors == []
    assert (ok, short) == (20, 28)
    level = StockLevel.objects.get(product=product, warehouse=warehouse)
    assert level.reserved + level.blocked == 20 == level.on_hand
    assert level.available == 0
    assert_ledger_balances()
