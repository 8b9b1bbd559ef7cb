"""A return parcel handled from several sides at once, on PostgreSQL with threads that each have
their own connection: two receiving stations scan the same parcel (one by its RMA number, one by
its return label), and the carrier's tracking events for the return label arrive while the
warehouse books the units in. Nothing is booked twice, nobody deadlocks (every path locks the
order first, then the return request or the parcel, then their lines), and every request ends
with a clear answer."""

from __future__ import annotations

import datetime
import json
import threading
from typing import Any

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from fulfillment.carriers.base import TrackingUpdate, sign_webhook
from fulfillment.models import Carrier, ReturnParcel, ReturnParcelEvent, ReturnParcelState, TrackingSource
from fulfillment.services.return_labels import book_return_label
from fulfillment.services.tracking import record_tracking_updates
from inventory.models import MovementKind, StockMovement
from oms import outbox
from oms.roles import Role
from orders import locks
from orders.models import Order, OrderLine
from returns.models import ReturnLine, ReturnRequest, ReturnUnit
from returns.services.receiving import find_return
from tests.conftest import make_user
from tests.returns.receiving_data import ASKED, approved_return, delivered_order, returns_bin

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SECRET = "s3cret"
JOIN_TIMEOUT = 120


def _labelled_return(units: dict[str, int]) -> tuple[ReturnRequest, ReturnParcel]:
    """A delivered order with an approved return of ``units`` whose return label is booked (the
    worker's step run here; nothing is handed to a broker)."""
    with outbox.hand_overs_held():
        order = delivered_order()
        returns_bin()
        rma = approved_return(order, units)
        parcel = ReturnParcel.objects.get(reference=rma.number)
        book_return_label(parcel.pk)
    parcel.refresh_from_db()
    rma.refresh_from_db()
    assert parcel.state == ReturnParcelState.LABELLED and rma.tracking_number == parcel.tracking_number
    return rma, parcel


def _run(*jobs: Any) -> list[BaseException]:
    """Run ``jobs`` in threads released together; the exceptions they did not expect."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job: Any) -> None:
        try:
            barrier.wait()
            job()
        except BaseException as exc:  # deadlocks, constraint violations: the test must see them
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=JOIN_TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a thread is still waiting (deadlock?)"
    return errors


def _scan(client: Client, code: str, sku: str) -> Any:
    """What a station does: find the return by the scanned parcel code, then book ``sku``."""
    found = client.get(reverse("returns:warehouse-returns"), {"code": code})
    assert found.status_code == 302, found.content
    number = find_return(code).number
    return client.post(
        reverse("returns:warehouse-return-scan", kwargs={"number": number}),
        {"code": sku, "condition": "resellable", "bin": "R-01-01"},
        HTTP_HX_REQUEST="true",
    )


def _event(number: str, status: str, at: datetime.datetime, event_id: str) -> dict[str, str]:
    return {"id": event_id, "tracking_number": number, "status": status, "occurred_at": at.isoformat()}


def _webhook(client: Client, events: list[dict[str, str]]) -> Any:
    body = json.dumps({"events": events}).encode()
    return client.post(
        reverse("fulfillment:carrier-tracking-webhook", args=["dhl"]),
        body,
        content_type="application/json",
        headers={"X-Carrier-Signature": sign_webhook(SECRET, body)},
    )


def _login(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def stations(django_user_model):
    """Two logged-in warehouse clients (created before the threads start)."""
    return [_login(make_user(django_user_model, f"station{n}", Role.WAREHOUSE)) for n in (1, 2)]


def test_the_same_parcel_scanned_at_two_stations_at_once_by_rma_and_label_books_the_unit_once(stations):
    rma, parcel = _labelled_return({"SHIRT": 1})
    answers: dict[str, Any] = {}

    errors = _run(
        lambda: answers.__setitem__("by_rma", _scan(stations[0], rma.number, "SHIRT")),
        lambda: answers.__setitem__("by_label", _scan(stations[1], parcel.tracking_number, "SHIRT")),
    )

    assert errors == []
    codes = sorted(answer.status_code for answer in answers.values())
    assert codes == [200, 422]
    booked = next(a for a in answers.values() if a.status_code == 200).content.decode()
    refused = next(a for a in answers.values() if a.status_code == 422).content.decode()
    assert "SHIRT resellable, into bin R-01-01 (1 of 1)." in booked
    # The second station is told the parcel is done: the unit was booked by the first.
    assert "nothing more to book" in refused or "are booked already" in refused
    assert StockMovement.objects.filter(kind=MovementKind.RETURN, reference=rma.number).count() == 1
    assert ReturnLine.objects.get(request=rma).quantity_received == 1
    assert ReturnUnit.objects.filter(request=rma).count() == 1
    assert OrderLine.objects.get(order=rma.order, sku="SHIRT").quantity_returned == 1


def test_carrier_events_for_the_return_label_arriving_while_the_warehouse_receives_it_book_everything_once(stations):
    rma, parcel = _labelled_return({"SHIRT": 1, "JEANS": 1})
    Carrier.objects.filter(code="dhl").update(webhook_secret=SECRET)
    day = ASKED + datetime.timedelta(days=1)
    events = [
        _event(parcel.tracking_number, "in_transit", day, "ret-1"),
        _event(parcel.tracking_number, "delivered", day + datetime.timedelta(hours=20), "ret-2"),
    ]
    answers: dict[str, Any] = {}

    errors = _run(
        lambda: answers.__setitem__("shirt", _scan(stations[0], rma.number, "SHIRT")),
        lambda: answers.__setitem__("jeans", _scan(stations[1], parcel.tracking_number, "JEANS")),
        lambda: answers.__setitem__("carrier", _webhook(Client(), events)),
        lambda: answers.__setitem__("carrier_again", _webhook(Client(), events)),  # a repeated delivery
    )

    assert errors == []
    assert answers["shirt"].status_code == answers["jeans"].status_code == 200
    assert "the return is inspected" in answers["shirt"].content.decode() + answers["jeans"].content.decode()
    tracked = sorted((answers[k].status_code, answers[k].json()["recorded"]) for k in ("carrier", "carrier_again"))
    assert tracked == [(200, 0), (200, 2)]  # stored once, the repeat recognised
    parcel.refresh_from_db()
    assert parcel.state == ReturnParcelState.DELIVERED
    assert ReturnParcelEvent.objects.filter(parcel=parcel).count() == 2
    assert StockMovement.objects.filter(kind=MovementKind.RETURN, reference=rma.number).count() == 2
    assert sorted(ReturnLine.objects.filter(request=rma).values_list("quantity_received", flat=True)) == [1, 1]
    moves = Order.objects.get(pk=rma.order_id).events.filter(data__return_parcel_id=parcel.pk, data__has_key="to")
    assert sorted(moves.values_list("data__to", flat=True)) == ["delivered", "in_transit"]  # each on the timeline once


def test_tracking_batches_naming_return_parcels_and_shipments_of_two_orders_in_opposite_order_do_not_deadlock(
    monkeypatch,
):
    first, first_parcel = _labelled_return({"SHIRT": 1})
    second, second_parcel = _labelled_return({"SHIRT": 1})
    first_shipment = first.order.shipments.get()
    second_shipment = second.order.shipments.get()
    at = ASKED + datetime.timedelta(days=1)

    def update(number: str, event_id: str) -> TrackingUpdate:
        return TrackingUpdate(
            tracking_number=number, status_code="in_transit", state="in_transit", occurred_at=at, event_id=event_id
        )

    # Each batch waits a moment after the first order it locks, so the two overlap: locked in
    # the order they are named, they would wait for each other in a circle.
    real_lock_order = locks.lock_order
    held = threading.local()

    def slow_lock_order(**kwargs: Any) -> Order:
        order = real_lock_order(**kwargs)
        if not getattr(held, "waited", False):
            held.waited = True
            threading.Event().wait(0.5)
        return order

    monkeypatch.setattr(locks, "lock_order", slow_lock_order)
    results: dict[str, Any] = {}

    def batch(name: str, updates: list[TrackingUpdate]) -> Any:
        return lambda: results.__setitem__(
            name, record_tracking_updates(updates=updates, source=TrackingSource.CSV, carrier=None)
        )

    errors = _run(
        batch("a", [update(second_shipment.tracking_number, "s-2"), update(first_parcel.tracking_number, "p-1")]),
        batch("b", [update(first_shipment.tracking_number, "s-1"), update(second_parcel.tracking_number, "p-2")]),
    )

    assert errors == []
    assert results["a"].recorded == results["b"].recorded == 2
    for parcel in (first_parcel, second_parcel):
        parcel.refresh_from_db()
        assert parcel.state == ReturnParcelState.IN_TRANSIT
