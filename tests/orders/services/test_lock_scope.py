"""Row locks of one order must not reach other orders: locking an order (hold, cancel, edit,
allocate) takes that order's row, not its channel's, or every order of a busy channel would
wait for every other (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from orders import locks
from tests.orders.factories import ChannelFactory, order_for, stocked_product, warehouse

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_locking_one_order_does_not_block_another_order_of_the_same_channel():
    lej = warehouse("LEJ")
    stocked_product("L-1", {lej: 10})
    channel = ChannelFactory(code="web")
    first = order_for(channel, {"L-1": 1}, payment_method="invoice")
    second = order_for(channel, {"L-1": 1}, payment_method="invoice")
    locked, release = threading.Event(), threading.Event()

    def hold_first() -> None:
        try:
            with transaction.atomic():
                locks.lock_order(order_id=first.pk)
                locked.set()
                release.wait(10)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_first)
    holder.start()
    try:
        assert locked.wait(10)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '1s'")
            assert locks.lock_order(order_id=second.pk).pk == second.pk
    finally:
        release.set()
        holder.join()
