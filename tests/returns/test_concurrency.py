"""Return requests under real concurrency on PostgreSQL: threads, each with its own connection."""

from __future__ import annotations

import datetime
import threading

import pytest
import time_machine
from django.db import connections

from returns.exceptions import ReturnError
from returns.models import ReturnLine, ReturnReason, ReturnRequest
from returns.services.requests import create_return
from tests.returns.test_requests import DELIVERED, _delivered_order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 6


def test_requests_racing_for_the_last_shipped_units_get_them_once_with_distinct_numbers(admin_user):
    order = _delivered_order(at=DELIVERED, lines={"SHIRT": (3, "19.90")})
    line_id = order.lines.get().pk
    barrier = threading.Barrier(THREADS)
    refused: list[ReturnError] = []
    errors: list[BaseException] = []

    def worker():
        try:
            barrier.wait()
            create_return(order, {line_id: 1}, ReturnReason.DOES_NOT_FIT, by=None, actor_label="portal")
        except ReturnError as exc:
            refused.append(exc)
        except BaseException as exc:  # deadlocks, constraint violations: the test must see them
            errors.append(exc)
        finally:
            connections.close_all()

    # One frozen clock for the whole process (time-machine patches it globally, not per thread).
    with time_machine.travel(DELIVERED + datetime.timedelta(days=1), tick=False):
        threads = [threading.Thread(target=worker) for _ in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)

    assert errors == []
    assert len(refused) == THREADS - 3
    assert sum(ReturnLine.objects.values_list("quantity", flat=True)) == 3
    numbers = sorted(ReturnRequest.objects.values_list("number", flat=True))
    assert numbers == ["RMA-2026-000001", "RMA-2026-000002", "RMA-2026-000003"]
