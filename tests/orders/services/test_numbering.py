"""Order numbers from the process's block: unique across processes, also across a fork."""

from __future__ import annotations

import datetime
import os

import pytest
from django.db import connection

from orders.services.numbering import clear_number_block, next_order_number, next_order_numbers

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ON = datetime.date(2026, 5, 1)


def _counter(number: str) -> int:
    year, counter = number.split("-")
    assert year == "2026"
    return int(counter)


def test_numbers_come_from_a_block_and_never_repeat_what_the_sequence_hands_out_elsewhere(settings):
    settings.ORDER_NUMBER_BLOCK = 5
    clear_number_block()

    mine = [_counter(next_order_number(on=ON)) for _ in range(12)]
    elsewhere = [_counter(n) for n in next_order_numbers(3, on=ON)]  # another process, say

    assert len(set(mine)) == 12
    assert not set(mine) & set(elsewhere)
    assert mine[:5] == list(range(mine[0], mine[0] + 5))  # one block: consecutive values


def test_a_forked_child_does_not_reuse_its_parents_block(settings):
    settings.ORDER_NUMBER_BLOCK = 50
    clear_number_block()
    parent_first = _counter(next_order_number(on=ON))  # the parent holds 49 more
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child, as a gunicorn worker forked from a master that had drawn a block
        try:
            connection.connection = None  # its own connection, not the parent's socket
            os.write(write, next_order_number(on=ON).encode())
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    child = _counter(os.read(read, 100).decode())
    os.close(read)
    parent_rest = [_counter(next_order_number(on=ON)) for _ in range(49)]

    assert child not in [parent_first, *parent_rest]
