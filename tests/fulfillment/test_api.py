"""The order API's detail answer carries the order's shipments (``oms.api_extras``): carrier,
tracking number and link, state, expected delivery and what delays it, as the schema says."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from fulfillment.services.tracking import record_tracking_event_by_hand
from oms.api_keys import create_api_key
from tests.fulfillment.shipping import packed_shipment, picked_shipment, shipped_shipment

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def api(client):
    """The API key of the channel the shipping helpers place their orders in."""
    client.defaults["HTTP_AUTHORIZATION"] = f"Api-Key {create_api_key(channel_code='web', name='shop')[1]}"
    return client


def _detail(api, number: str) -> dict:
    response = api.get(f"/api/v1/orders/{number}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, response.content
    return response.json()


def test_the_order_detail_carries_each_shipment_with_tracking_link_and_expected_delivery(api):
    shipment = shipped_shipment(carrier="dhl")
    (answer,) = _detail(api, shipment.order.number)["shipments"]
    assert answer["reference"] == shipment.reference
    assert answer["state"] == "shipped"
    assert answer["warehouse"] == shipment.warehouse.code
    assert answer["carrier"] == {"code": "dhl", "name": "DHL Paket", "service": "paket", "service_name": "Paket"}
    assert answer["tracking_number"] == shipment.tracking_number
    assert answer["tracking_url"].endswith(f"piececode={shipment.tracking_number}")
    assert answer["expected_delivery_date"] == shipment.expected_delivery_date.isoformat()
    assert answer["expected_delivery_is_estimate"] is False
    assert answer["delay"] is None and answer["exception_reason"] is None
    assert answer["shipped_at"] is not None and answer["events"] == []


def test_before_packing_the_date_is_estimated_and_skips_a_regional_holiday_at_the_destination(api):
    # Wednesday 3 June 2026, before the cut-off: it ships today; Thursday is Corpus Christi in
    # Bavaria, so DHL's one transit day to Munich ends on Friday.
    with time_machine.travel(datetime.datetime(2026, 6, 3, 9, 0, tzinfo=BERLIN), tick=False):
        picked = picked_shipment(carrier="dhl", postcode="80331", city="München")
        shipment = picked.shipment
        shipment.carrier_service = picked.carrier_service  # chosen by the wave rule
        shipment.save(update_fields=["carrier_service"])
        (answer,) = _detail(api, shipment.order.number)["shipments"]
        assert shipment.promised_ship_date == datetime.date(2026, 6, 3)
        assert answer["state"] == "picking" and answer["tracking_number"] is None and answer["tracking_url"] is None
        assert answer["expected_delivery_date"] == "2026-06-05"
        assert answer["expected_delivery_is_estimate"] is True

        picked.pack()  # packing stores the estimate (and the promise)
        (answer,) = _detail(api, shipment.order.number)["shipments"]
    assert answer["expected_delivery_date"] == "2026-06-05" and answer["expected_delivery_is_estimate"] is False
    assert answer["promised_delivery_date"] == "2026-06-05"


def test_a_carrier_that_does_not_deliver_on_saturday_brings_a_friday_parcel_on_monday(api):
    with time_machine.travel(datetime.datetime(2026, 12, 4, 9, 0, tzinfo=BERLIN), tick=False):
        shipment = packed_shipment(carrier="dpd", service_code="classic", postcode="10115", city="Berlin")
        (answer,) = _detail(api, shipment.order.number)["shipments"]
    assert answer["expected_delivery_date"] == "2026-12-07"


def test_a_customs_exception_is_the_delay_with_its_reason(api):
    shipment = shipped_shipment()
    record_tracking_event_by_hand(
        shipment=shipment,
        state="exception",
        reason="customs",
        occurred_at=timezone.now() - datetime.timedelta(minutes=5),
        location="Leipzig",
    )
    (answer,) = _detail(api, shipment.order.number)["shipments"]
    assert answer["state"] == "exception" and answer["exception_reason"] == "customs"
    assert answer["delay"]["code"] == "exception"
    assert "Customs" in answer["delay"]["message"]
    assert [(e["state"], e["exception_reason"], e["location"]) for e in answer["events"]] == [
        ("exception", "customs", "Leipzig")
    ]


def test_the_list_and_an_order_without_shipments_answer_as_before(api):
    shipment = packed_shipment()
    listed = api.get("/api/v1/orders/").json()["results"]
    assert listed and all("shipments" not in order for order in listed)
    other = shipped_shipment().order
    assert _detail(api, other.number)["shipments"]  # the shipped one has its shipment
    shipment.delete()
    assert _detail(api, shipment.order.number)["shipments"] == []


def test_the_detail_with_shipments_reads_a_bounded_number_of_queries(api, django_assert_max_num_queries):
    number = shipped_shipment().order.number
    with django_assert_max_num_queries(12):
        _detail(api, number)
