"""Packing chooses the carrier service by the carrier policy, promises a delivery date and asks for
the label in the same transaction; a parcel no service takes is refused with nothing saved."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from fulfillment.exceptions import PackageError
from fulfillment.models import CarrierService, LabelState, Package, Shipment, ShipmentState
from fulfillment.services.packing import PackageSpec, pack_shipment
from fulfillment.services.planning import build_pick_list_for_order
from oms.models import OutboxMessage
from tests.fulfillment.shipping import service
from tests.fulfillment.warehouse_data import (
    allocated_order,
    box,
    channel,
    make_bin,
    make_warehouse,
    pick_all,
    stock_in_bins,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    """Assertions read the English texts."""
    settings.LANGUAGE_CODE = "en"


# A Monday morning before the cut-off: the parcel leaves today.
MONDAY = datetime.datetime(2026, 11, 30, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def picked():
    service()  # the carriers, seeded
    berlin = make_warehouse()
    berlin.postal_code = "12529"
    berlin.save()
    stock_in_bins("MUG-1", {make_bin(berlin, "A-01-01", 10): 5})
    order = allocated_order(channel(), {"MUG-1": 2})
    pick_list = build_pick_list_for_order(order=order, warehouse=berlin)
    pick_all(pick_list)
    return Shipment.objects.get(order=order)


def _pack(shipment, grams=1200, **kwargs):
    return pack_shipment(shipment=shipment, scans=["MUG-1", "MUG-1"], packages=[PackageSpec(box(), grams)], **kwargs)


@time_machine.travel(MONDAY, tick=False)
def test_packing_chooses_the_cheapest_service_promises_its_date_and_asks_for_the_label(
    picked, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        packed = _pack(picked)

    packed = Shipment.objects.select_related("carrier_service__carrier").get(pk=packed.pk)
    assert packed.state == ShipmentState.PACKED
    cheapest = min(
        CarrierService.objects.filter(destinations__country="DE", max_weight_grams__gte=1200),
        key=lambda s: min(r.price for r in s.rates.filter(country__in=["DE", ""], max_weight_grams__gte=1200)),
    )
    assert packed.carrier_service == cheapest
    assert packed.label_state == LabelState.REQUESTED
    assert packed.expected_delivery_date is not None and packed.expected_delivery_date > MONDAY.date()
    assert packed.promised_delivery_date == packed.expected_delivery_date
    [message] = OutboxMessage.objects.filter(kind="label")
    assert message.payload == {"shipment_id": packed.pk}
    assert callbacks  # the label leaves only after the packing commits


@time_machine.travel(MONDAY, tick=False)
def test_with_the_outbox_running_the_packed_shipment_is_labelled_with_one_tracking_number(
    picked, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _pack(picked)

    labelled = Shipment.objects.get(pk=picked.pk)
    assert labelled.state == ShipmentState.LABELLED and labelled.label_state == LabelState.READY
    assert labelled.tracking_number and labelled.label_document_id is not None


@time_machine.travel(MONDAY, tick=False)
def test_a_parcel_no_service_takes_is_refused_and_nothing_is_saved(picked):
    with pytest.raises(PackageError, match="No carrier service can take this parcel"):
        _pack(picked, grams=90_000)

    shipment = Shipment.objects.get(pk=picked.pk)
    assert shipment.state == ShipmentState.PICKING and shipment.carrier_service is None
    assert not Package.objects.exists() and not OutboxMessage.objects.filter(kind="label").exists()


@time_machine.travel(MONDAY, tick=False)
def test_a_service_chosen_before_must_still_take_the_parcel(picked):
    hermes = CarrierService.objects.filter(carrier__code="hermes").first()
    assert hermes is not None

    with pytest.raises(PackageError, match="over"):
        _pack(picked, grams=hermes.max_weight_grams + 1, carrier_service=hermes)

    packed = _pack(picked, carrier_service=hermes)
    assert packed.carrier_service == hermes
