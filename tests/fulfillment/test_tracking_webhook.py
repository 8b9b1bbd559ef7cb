"""The carriers' tracking webhook: signature first, JSON answers, unknown numbers and repeats."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from fulfillment.carriers.base import sign_webhook
from fulfillment.models import Carrier, ShipmentState, TrackingEvent
from orders.models import OrderState
from tests.fulfillment.shipping import refreshed, shipped_shipment

pytestmark = pytest.mark.django_db

SECRET = "dhl-test-secret"


@pytest.fixture
def shipment():
    shipment = shipped_shipment(carrier="dhl")
    Carrier.objects.filter(code="dhl").update(webhook_secret=SECRET)
    return shipment


def _post(body: dict | bytes, *, secret: str = SECRET, carrier: str = "dhl", signature: str | None = None):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {}
    if signature is None and secret:
        signature = sign_webhook(secret, raw)
    if signature is not None:
        headers["HTTP_X_CARRIER_SIGNATURE"] = signature
    return Client().post(f"/webhooks/carriers/{carrier}/tracking/", raw, content_type="application/json", **headers)


def _event(number: str, status: str, at: str, event_id: str = "", **extra) -> dict:
    return {"id": event_id, "tracking_number": number, "status": status, "occurred_at": at, **extra}


def test_a_signed_delivery_moves_the_shipment_and_delivers_the_order(shipment):
    number = shipment.tracking_number
    response = _post(
        {
            "events": [
                _event(number, "in_transit", "2026-12-07T08:00:00+01:00", "e1", location="Paketzentrum Aschheim"),
                _event(number, "out_for_delivery", "2026-12-08T07:30:00+01:00", "e2"),
                _event(number, "delivered", "2026-12-08T11:42:00+01:00", "e3", description="Zugestellt an Nachbar"),
            ]
        }
    )
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "recorded": 3, "duplicates": 0, "unknown": []}
    delivered = refreshed(shipment)
    assert delivered.state == ShipmentState.DELIVERED
    assert delivered.expected_delivery_date.isoformat() == "2026-12-08"
    assert delivered.order.state == OrderState.DELIVERED
    assert delivered.order.events.filter(
        kind="shipment", data__to="delivered", message__contains=shipment.reference
    ).exists()


def test_a_repeated_delivery_is_counted_once(shipment):
    body = {"events": [_event(shipment.tracking_number, "in_transit", "2026-12-07T08:00:00+01:00", "e1")]}
    assert _post(body).json()["recorded"] == 1
    again = _post(body)
    assert again.status_code == 200 and again.json()["duplicates"] == 1 and again.json()["recorded"] == 0
    assert TrackingEvent.objects.count() == 1


@pytest.mark.parametrize(
    "case",
    ["wrong-secret", "no-signature", "garbage-signature", "unknown-carrier", "no-secret-set"],
)
def test_every_bad_signature_gets_the_same_401_and_stores_nothing(shipment, case):
    body = {"events": [_event(shipment.tracking_number, "delivered", "2026-12-08T11:42:00+01:00", "e9")]}
    if case == "no-secret-set":
        Carrier.objects.filter(code="dhl").update(webhook_secret="")
    response = {
        "wrong-secret": lambda: _post(body, secret="not-the-secret"),
        "no-signature": lambda: _post(body, secret=""),
        "garbage-signature": lambda: _post(body, signature="sha256=zz"),
        "unknown-carrier": lambda: _post(body, carrier="nope"),
        "no-secret-set": lambda: _post(body, signature=sign_webhook("", json.dumps(body).encode())),
    }[case]()
    assert response.status_code == 401 and response.json()["code"] == "invalid_signature"
    # Byte for byte the same answer as a wrong secret: nothing tells which carriers exist.
    assert response.content == _post(body, secret="not-the-secret").content
    assert TrackingEvent.objects.count() == 0
    assert refreshed(shipment).state == ShipmentState.SHIPPED


def test_an_unknown_tracking_number_is_a_clear_404_and_nothing_is_stored(shipment):
    response = _post({"events": [_event("00340434999999999990", "delivered", "2026-12-08T11:42:00+01:00")]})
    assert response.status_code == 404
    assert response.json()["code"] == "unknown_tracking_number"
    assert response.json()["unknown"] == ["00340434999999999990"]
    assert TrackingEvent.objects.count() == 0


def test_another_carriers_number_is_unknown_to_this_carrier(shipment):
    Carrier.objects.filter(code="dpd").update(webhook_secret="dpd-secret")
    body = {"events": [_event(shipment.tracking_number, "delivered", "2026-12-08T11:42:00+01:00")]}
    assert _post(body, carrier="dpd", secret="dpd-secret").status_code == 404


def test_known_and_unknown_numbers_in_one_delivery_record_the_known_ones(shipment):
    response = _post(
        {
            "events": [
                _event(shipment.tracking_number, "exception", "2026-12-07T09:00:00+01:00", "x1", reason="address"),
                _event("00340434999999999990", "delivered", "2026-12-08T11:42:00+01:00"),
            ]
        }
    )
    assert response.status_code == 200 and response.json()["unknown"] == ["00340434999999999990"]
    stuck = refreshed(shipment)
    assert stuck.state == ShipmentState.EXCEPTION and stuck.exception_reason == "address"


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"[]",
        b'{"events": []}',
        b'{"events": [{"status": "delivered"}]}',
        b'{"events": [{"tracking_number": "1", "status": "delivered", "occurred_at": "2026-02-30T10:00:00+01:00"}]}',
        b'{"events": [{"tracking_number": "1", "status": "delivered", "occurred_at": "2026-12-08T10:00:00"}]}',
    ],
    ids=["not-json", "not-an-object", "no-events", "no-number", "impossible-date", "no-offset"],
)
def test_a_signed_body_that_cannot_be_read_is_a_400_in_json(shipment, raw):
    response = _post(raw)
    assert response.status_code == 400 and response.json()["code"] == "parse_error"
    assert TrackingEvent.objects.count() == 0


def test_anything_but_post_is_a_405_in_json(shipment):
    response = Client().get("/webhooks/carriers/dhl/tracking/")
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert response.json()["code"] == "method_not_allowed"


def test_an_older_event_arriving_late_does_not_move_a_delivered_parcel_back(shipment):
    number = shipment.tracking_number
    _post({"events": [_event(number, "delivered", "2026-12-08T11:42:00+01:00", "d")]})
    late = _post({"events": [_event(number, "in_transit", "2026-12-07T08:00:00+01:00", "t")]})
    assert late.json()["recorded"] == 1
    assert refreshed(shipment).state == ShipmentState.DELIVERED
