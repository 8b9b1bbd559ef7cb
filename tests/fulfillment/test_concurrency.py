"""Fulfillment under real concurrency on PostgreSQL: threads with their own connections.

Two pickers scan the last unit of a pick list at the same moment: it is counted once and the
other scan is told the list is done. Two label tasks run for one shipment at once (a retried
message beside the first): one tracking number, one label, one booking on the timeline."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from fulfillment.exceptions import NothingToPickError, PickListClosedError
from fulfillment.models import LabelState, Package, PickLine, Shipment, ShipmentLine, ShipmentState
from fulfillment.services.labels import LABEL_DOCUMENT, book_label
from fulfillment.services.picking import scan_pick
from fulfillment.services.planning import build_pick_list_for_order
from oms import outbox
from oms.models import Document
from orders.models import OrderEvent
from tests.fulfillment.shipping import packed_shipment
from tests.fulfillment.warehouse_data import allocated_order, channel, make_bin, make_warehouse, stock_in_bins

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(*jobs):
    """Run each job in its own thread and connection, released together; (results, errors)."""
    barrier = threading.Barrier(len(jobs))
    results: list[object] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(job):
        try:
            barrier.wait()
            outcome = job()
            with lock:
                results.append(outcome)
        except BaseException as exc:
            with lock:
                errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


def test_two_pickers_scanning_the_last_unit_at_once_count_it_once(django_user_model):
    assert connection.vendor == "postgresql"
    berlin = make_warehouse()
    stock_in_bins("MUG-1", {make_bin(berlin, "A-01-01", 10): 5})
    order = allocated_order(channel(), {"MUG-1": 2})
    pick_list = build_pick_list_for_order(order=order, warehouse=berlin)
    scan_pick(pick_list=pick_list, code="MUG-1")  # one of two units picked: one left
    anna = django_user_model.objects.create_user("anna")
    ben = django_user_model.objects.create_user("ben")

    results, errors = _race(
        lambda: scan_pick(pick_list=pick_list, code="MUG-1", user=anna),
        lambda: scan_pick(pick_list=pick_list, code="MUG-1", user=ben),
    )

    assert len(results) == 1 and results[0].counted and results[0].finished
    assert len(errors) == 1 and isinstance(errors[0], NothingToPickError | PickListClosedError), errors
    assert PickLine.objects.get(pick_list=pick_list).quantity_picked == 2
    assert ShipmentLine.objects.get(shipment__order=order).quantity_picked == 2
    shipment = Shipment.objects.get(order=order)
    assert shipment.picked_by in (anna, ben)
    assert OrderEvent.objects.filter(order=order, data__text__source="Shipment %(reference)s picked.").count() == 1


def test_two_label_tasks_for_one_shipment_at_once_book_one_tracking_number(monkeypatch):
    # The broker is down when packing commits: the label message stays pending in the outbox
    # (the sweep would send it again), so the two tasks below are the only ones to run.
    monkeypatch.setattr(outbox, "send_delivery_task_rollback_unsafe", lambda *args, **kwargs: False)
    shipment = packed_shipment(carrier="dhl", packages=2)
    assert shipment.label_state == LabelState.REQUESTED

    def task():
        with transaction.atomic():  # as the outbox delivers a message
            return book_label(shipment.pk)

    results, errors = _race(task, task)

    assert errors == []
    booked = [r for r in results if r is not None]
    assert len(booked) == 1 and results.count(None) == 1  # the second found it labelled already
    after = Shipment.objects.get(pk=shipment.pk)
    assert after.state == ShipmentState.LABELLED and after.tracking_number == booked[0].tracking_number
    assert Shipment.objects.exclude(tracking_number="").count() == 1
    numbers = list(
        Package.objects.filter(shipment=shipment).order_by("number").values_list("tracking_number", flat=True)
    )
    assert numbers[0] == after.tracking_number and len(set(numbers)) == 2
    assert Document.objects.filter(kind=LABEL_DOCUMENT).count() == 1
    assert OrderEvent.objects.filter(order=after.order, data__has_key="tracking_number").count() == 1
