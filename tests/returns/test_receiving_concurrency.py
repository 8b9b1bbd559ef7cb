"""The same return parcel scanned at two stations at once: each unit is booked once (PostgreSQL,
threads with their own connections)."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from inventory.models import MovementKind, StockMovement
from orders.models import OrderLine
from returns.exceptions import ReturnError
from returns.models import Condition, ReturnLine, ReturnUnit
from returns.services.receiving import receive_unit
from tests.returns.receiving_data import approved_return, delivered_order, returns_bin

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 4


def test_the_same_parcel_scanned_twice_at_once_books_each_unit_once(warehouse_user):
    order = delivered_order({"SHIRT": (2, "19.90")})
    request = approved_return(order, {"SHIRT": 1})
    bin_ = returns_bin()
    barrier = threading.Barrier(THREADS)
    booked: list[object] = []
    refused: list[ReturnError] = []
    errors: list[BaseException] = []

    def station():
        try:
            barrier.wait()
            booked.append(receive_unit(request, code="SHIRT", condition=Condition.RESELLABLE, bin=bin_))
        except ReturnError as exc:
            refused.append(exc)
        except BaseException as exc:  # deadlocks, constraint violations: the test must see them
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=station) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert errors == []
    assert (len(booked), len(refused)) == (1, THREADS - 1)
    assert StockMovement.objects.filter(kind=MovementKind.RETURN, reference=request.number).count() == 1
    assert ReturnLine.objects.get(request=request).quantity_received == 1
    assert ReturnUnit.objects.filter(request=request).count() == 1
    assert OrderLine.objects.get(order=order).quantity_returned == 1
