"""Support's tracking pages, the order page's delivery panel and the warehouse's manifests."""

from __future__ import annotations

import csv as csv_module
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from fulfillment.models import Carrier, Manifest, ShipmentState, TrackingEvent
from fulfillment.services.completion import complete_delivered_orders
from fulfillment.services.tracking import record_tracking_event_by_hand
from orders.models import OrderState
from tests.fulfillment.shipping import refreshed, shipped_shipment

pytestmark = pytest.mark.django_db


def test_the_order_page_shows_the_tracking_link_and_the_expected_delivery(support_client):
    shipment = shipped_shipment(carrier="dhl")
    page = support_client.get(reverse("orders:support-order-detail", args=[shipment.order.number]))
    html = page.content.decode()
    assert page.status_code == 200
    assert f"piececode={shipment.tracking_number}" in html
    assert shipment.expected_delivery_date is not None
    assert "Erwartete Zustellung" in html or "Expected delivery" in html


def test_support_enters_an_event_by_hand_from_the_order_page(support_client):
    shipment = shipped_shipment()
    at = timezone.localtime() - datetime.timedelta(hours=2)
    response = support_client.post(
        reverse("fulfillment:support-tracking-entry", args=[shipment.reference]),
        {
            "state": "exception",
            "reason": "customs",
            "occurred_at": at.strftime("%Y-%m-%dT%H:%M"),
            "description": "Zoll",
        },
    )
    assert response.status_code == 302
    assert refreshed(shipment).state == ShipmentState.EXCEPTION
    queue = support_client.get(reverse("fulfillment:support-tracking")).content.decode()
    assert shipment.reference in queue and shipment.order.number in queue
    # The state badge has the colour of its group, as on every other page (oms.badges).
    assert 'class="badge badge-bad" data-state="exception" data-group="problem"' in queue
    order_page = support_client.get(reverse("orders:support-order-detail", args=[shipment.order.number]))
    assert 'class="badge badge-bad" data-state="exception" data-group="problem"' in order_page.content.decode()


def test_an_event_by_hand_without_its_reason_is_refused_and_records_nothing(support_client):
    shipment = shipped_shipment()
    response = support_client.post(
        reverse("fulfillment:support-tracking-entry", args=[shipment.reference]),
        {"state": "exception", "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")},
    )
    assert response.status_code == 422
    assert TrackingEvent.objects.count() == 0


def test_a_bad_tracking_csv_shows_each_bad_row_and_records_nothing(support_client):
    shipment = shipped_shipment()
    upload = SimpleUploadedFile(
        "t.csv", f"tracking_number;status;occurred_at\n{shipment.tracking_number};flying;x\n".encode()
    )
    response = support_client.post(reverse("fulfillment:support-tracking-upload"), {"file": upload})
    assert response.status_code == 422
    html = response.content.decode()
    assert 'role="alert"' in html and "status" in html and "occurred_at" in html
    assert TrackingEvent.objects.count() == 0


def test_a_good_tracking_csv_is_recorded_and_summarised(support_client):
    shipment = shipped_shipment()
    at = (timezone.localtime() - datetime.timedelta(hours=1)).strftime("%d.%m.%Y %H:%M")
    upload = SimpleUploadedFile(
        "t.csv", f"tracking_number;status;occurred_at\n{shipment.tracking_number};delivered;{at}\n".encode()
    )
    response = support_client.post(reverse("fulfillment:support-tracking-upload"), {"file": upload}, follow=True)
    assert response.status_code == 200
    assert refreshed(shipment).state == ShipmentState.DELIVERED


def test_the_day_is_closed_per_carrier_and_the_manifest_csv_opens_in_german_excel(warehouse_client):
    shipment = shipped_shipment(carrier="dhl", packages=2, grams=1250)
    response = warehouse_client.post(
        reverse("fulfillment:warehouse-manifest-close"),
        {"carrier": shipment.carrier_service.carrier_id, "warehouse": shipment.warehouse_id},
    )
    assert response.status_code == 302
    manifest = Manifest.objects.get()
    assert list(manifest.shipments.all()) == [refreshed(shipment)]
    csv = warehouse_client.get(reverse("fulfillment:warehouse-manifest-csv", args=[manifest.pk]))
    body = b"".join(csv.streaming_content).decode()
    assert body.startswith("\ufeff") and ";" in body.splitlines()[0]
    _header, *rows = list(csv_module.reader(io.StringIO(body.removeprefix("\ufeff")), delimiter=";"))
    assert len(rows) == 2  # one per parcel
    # Excel keeps a 20-digit number as text only as a formula; weights with a decimal comma.
    assert rows[0][0] == f'="{shipment.tracking_number}"' and rows[0][8] == "1,250"
    # Nothing shipped since: closing again changes nothing; another carrier has nothing to hand over.
    again = warehouse_client.post(
        reverse("fulfillment:warehouse-manifest-close"),
        {"carrier": shipment.carrier_service.carrier_id, "warehouse": shipment.warehouse_id},
    )
    assert again.status_code == 302 and Manifest.objects.count() == 1
    none = warehouse_client.post(
        reverse("fulfillment:warehouse-manifest-close"),
        {"carrier": Carrier.objects.get(code="gls").pk, "warehouse": shipment.warehouse_id},
    )
    assert none.status_code == 422 and Manifest.objects.count() == 1


def test_a_delivered_order_is_completed_after_its_return_window():
    shipment = shipped_shipment()
    record_tracking_event_by_hand(
        shipment=shipment, state="delivered", occurred_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    order = refreshed(shipment).order
    assert order.state == OrderState.DELIVERED
    assert complete_delivered_orders(now=timezone.now() + datetime.timedelta(days=29)) == 0
    assert complete_delivered_orders(now=timezone.now() + datetime.timedelta(days=31)) == 1
    order.refresh_from_db()
    assert order.state == OrderState.COMPLETED
