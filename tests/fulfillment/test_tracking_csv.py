"""Tracking events from a CSV upload and by hand: bad input is refused row by row and nothing is
recorded; a clean file moves the shipments; a file uploaded twice counts nothing twice."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from fulfillment.exceptions import TrackingError, TrackingImportError
from fulfillment.models import ShipmentState, TrackingEvent
from fulfillment.services.tracking import record_tracking_event_by_hand
from fulfillment.services.tracking_imports import import_tracking_csv
from tests.fulfillment.shipping import refreshed, shipped_shipment

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 12, 9, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def shipment():
    return shipped_shipment(carrier="gls", service_code="business")


def _errors(data: bytes) -> list[tuple[int, str]]:
    with pytest.raises(TrackingImportError) as refused:
        import_tracking_csv(data=data, now=NOW)
    assert TrackingEvent.objects.count() == 0
    return [(e.row, e.field) for e in refused.value.errors]


def test_a_german_excel_file_records_its_events(shipment):
    number = shipment.tracking_number
    data = (
        "Sendungsnummer;Status;Zeitpunkt;Grund;Ort\r\n"
        f"{number};unterwegs;07.12.2026 08:00;;Neuenstein\r\n"
        f"{number};Problem;08.12.2026 09:15;address;Berlin\r\n"
    ).encode("cp1252")
    result = import_tracking_csv(data=data, now=NOW)
    assert (result.recorded, result.duplicates) == (2, 0)
    stuck = refreshed(shipment)
    assert stuck.state == ShipmentState.EXCEPTION
    event = TrackingEvent.objects.get(mapped_state="exception")
    assert event.exception_reason == "address" and event.source == "csv"
    assert timezone.localtime(event.occurred_at).hour == 9  # Berlin time, as the spreadsheet shows it

    again = import_tracking_csv(data=data, now=NOW)
    assert (again.recorded, again.duplicates) == (0, 2)
    assert TrackingEvent.objects.count() == 2


def test_every_bad_row_is_named_and_nothing_is_recorded(shipment):
    number = shipment.tracking_number
    data = (
        "tracking_number,status,occurred_at,reason\n"
        f"{number},delivered,2026-12-08 10:00,\n"  # fine, but the file has errors: not recorded
        f"{number},teleported,2026-12-08 10:00,\n"
        f"{number},delivered,30.02.2026 10:00,\n"
        f"{number},exception,2026-12-08 10:00,\n"
        f"{number},delivered,2027-01-01 10:00,\n"
        "00000000000,delivered,2026-12-08 10:00,\n"
        f"{number},delivered,2026-12-08 10:00,{'x' * 30}\n"
    ).encode()
    assert _errors(data) == [
        (3, "status"),
        (4, "occurred_at"),
        (5, "reason"),
        (6, "occurred_at"),
        (8, "reason"),
        (7, "tracking_number"),
    ]
    assert refreshed(shipment).state == ShipmentState.SHIPPED


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", [(1, "file")]),
        (b"\x00\x01binary", [(0, "file")]),
        (b"tracking_number;status\n1;delivered\n", [(1, "occurred_at")]),
        (b"tracking_number;status;occurred_at\n", [(2, "file")]),
        (b"\xff\xfe\x00\x00", [(0, "file")]),
    ],
    ids=["empty", "binary", "missing-column", "no-rows", "utf-32"],
)
def test_files_that_are_no_tracking_csv_are_refused_with_a_reason(shipment, data, expected):
    assert _errors(data) == expected


def test_an_event_entered_by_hand_moves_the_shipment(shipment, support_user):
    at = timezone.now() - datetime.timedelta(hours=1)
    result = record_tracking_event_by_hand(
        shipment=shipment,
        state=ShipmentState.DELIVERED,
        occurred_at=at,
        description="Kunde bestätigt",
        user=support_user,
    )
    assert result.recorded == 1
    event = TrackingEvent.objects.get()
    assert event.source == "manual" and event.recorded_by == support_user
    assert refreshed(shipment).state == ShipmentState.DELIVERED


@pytest.mark.parametrize(
    ("state", "reason", "delta"),
    [("lost_in_space", "", -1), ("exception", "", -1), ("delivered", "", 24)],
    ids=["unknown-state", "exception-without-reason", "future"],
)
def test_an_event_by_hand_that_makes_no_sense_is_refused(shipment, state, reason, delta):
    with pytest.raises(TrackingError):
        record_tracking_event_by_hand(
            shipment=shipment, state=state, reason=reason, occurred_at=timezone.now() + datetime.timedelta(hours=delta)
        )
    assert TrackingEvent.objects.count() == 0
