"""The order page's shipments panel: per shipment its state, carrier, tracking number with the
carrier's link, expected delivery and what delays it, in one table."""

from __future__ import annotations

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from fulfillment.services.tracking import record_tracking_event_by_hand
from tests.fulfillment.shipping import packed_shipment, picked_shipment, shipped_shipment

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


def _page(client, number: str, language: str = "en") -> str:
    response = client.get(reverse("orders:support-order-detail", args=[number]), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def _row(html: str, reference: str) -> list[str]:
    match = re.search(rf'<tr data-shipment="{re.escape(reference)}">(.*?)</tr>', html, re.S)
    assert match, html
    cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", match.group(1), re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells]


def test_one_panel_shows_state_carrier_tracking_link_and_expected_delivery(support_client):
    shipment = shipped_shipment(carrier="dhl")
    html = _page(support_client, shipment.order.number)
    assert html.count('id="order-shipments"') == 1 and "Delivery</h2>" not in html
    reference, state, carrier, tracking, expected, delay = _row(html, shipment.reference)
    assert reference == f"{shipment.reference} {shipment.warehouse.code}"
    assert (state, carrier, tracking, delay) == ("Shipped", "DHL Paket Paket", shipment.tracking_number, "none")
    assert (
        f'href="https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode={shipment.tracking_number}"'
        in html
    )
    assert f'data-eta="{shipment.expected_delivery_date.isoformat()}"' in html
    assert "(estimate)" not in expected


def test_a_shipment_being_picked_shows_its_estimate_and_no_tracking_number_yet_in_german(support_client):
    with time_machine.travel(datetime.datetime(2026, 6, 3, 9, 0, tzinfo=BERLIN), tick=False):
        picked = picked_shipment(carrier="dhl", postcode="80331")
        shipment = picked.shipment
        shipment.carrier_service = picked.carrier_service
        shipment.save(update_fields=["carrier_service"])
        html = _page(support_client, shipment.order.number, language="de")
    _ref, state, _carrier, tracking, expected, _delay = _row(html, shipment.reference)
    assert state == "In Kommissionierung" and tracking == "noch keine"
    assert expected == "Freitag, 5. Juni 2026 (geschätzt)"  # Thursday is Corpus Christi in Bavaria


def test_an_exception_is_shown_as_the_delay_with_its_reason(support_client):
    shipment = shipped_shipment()
    record_tracking_event_by_hand(
        shipment=shipment, state="exception", reason="address", occurred_at=timezone.now() - datetime.timedelta(hours=1)
    )
    html = _page(support_client, shipment.order.number)
    *_rest, delay = _row(html, shipment.reference)
    assert delay == "Stuck with the carrier: Address problem"
    assert 'data-risk="exception"' in html
    assert f"Tracking of {shipment.reference}" in html


def test_an_order_without_shipments_has_no_shipments_panel(support_client):
    shipment = packed_shipment()
    order = shipment.order
    shipment.delete()
    assert 'id="order-shipments"' not in _page(support_client, order.number)
