"""The expected delivery of a shipment not yet shipped counts from the day its carrier can take it:
a carrier that collects before the warehouse's own cut-off moves a parcel ready after the pickup
to the next working day."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from fulfillment import eta
from fulfillment.models import Shipment
from fulfillment.services.planning import WaveRule, build_wave
from tests.fulfillment import shipping
from tests.fulfillment.warehouse_data import allocated_order, channel, make_bin, make_warehouse, stock_in_bins

pytestmark = pytest.mark.django_db

MONDAY = datetime.datetime(2026, 12, 7, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))


def _shipment_allocated_at(moment: datetime.datetime, service) -> Shipment:
    berlin = make_warehouse()
    stock_in_bins("MUG-1", {make_bin(berlin, "A-01-01", 10): 10})
    with time_machine.travel(moment, tick=False):
        order = allocated_order(channel(), {"MUG-1": 1})
        build_wave(warehouse=berlin, rule=WaveRule(max_orders=10))
    shipment = Shipment.objects.select_related("order", "warehouse").get(order=order)
    shipment.carrier_service = service
    shipment.save(update_fields=["carrier_service"])
    return Shipment.objects.select_related("order", "warehouse", "carrier_service__carrier").get(pk=shipment.pk)


def test_a_parcel_ready_after_the_carriers_pickup_leaves_the_next_working_day():
    service = shipping.service("gls", "business")
    ready = MONDAY.replace(hour=12, minute=30)  # before the warehouse's 14:00, after a 12:00 pickup
    shipment = _shipment_allocated_at(ready, service)
    assert shipment.order.promised_ship_date == datetime.date(2026, 12, 7)

    by_warehouse_cutoff = eta.shipment_estimate(shipment, now=ready)
    service.carrier.pickup_cutoff = datetime.time(12, 0)
    service.carrier.save(update_fields=["pickup_cutoff"])
    shipment = Shipment.objects.select_related("order", "warehouse", "carrier_service__carrier").get(pk=shipment.pk)
    by_carrier_pickup = eta.shipment_estimate(shipment, now=ready)

    assert by_warehouse_cutoff.ship_date == datetime.date(2026, 12, 7)
    assert by_carrier_pickup.ship_date == datetime.date(2026, 12, 8)
    assert by_carrier_pickup.date == by_warehouse_cutoff.date + datetime.timedelta(days=1)


def test_a_parcel_ready_before_the_carriers_pickup_leaves_the_same_day():
    service = shipping.service("gls", "business")
    service.carrier.pickup_cutoff = datetime.time(12, 0)
    service.carrier.save(update_fields=["pickup_cutoff"])
    ready = MONDAY.replace(hour=11, minute=30)
    shipment = _shipment_allocated_at(ready, service)

    assert eta.shipment_estimate(shipment, now=ready).ship_date == datetime.date(2026, 12, 7)
