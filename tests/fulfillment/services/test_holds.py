"""An address problem found in the warehouse holds the order and its shipment; releasing the
hold puts the shipment back into the queue."""

from __future__ import annotations

import pytest

from fulfillment.exceptions import NotReadyToShipError
from fulfillment.models import PickListState, ShipmentState
from fulfillment.services.holds import hold_shipment, release_shipment_hold
from fulfillment.services.planning import WaveRule, build_pick_list_for_order, build_wave
from fulfillment.services.shipping import ship_shipment
from orders.models import OrderState
from tests.fulfillment.warehouse_data import allocated_order, channel, make_bin, make_warehouse, stock_in_bins

pytestmark = pytest.mark.django_db


def test_a_hold_in_the_warehouse_stops_order_and_shipment_and_the_release_requeues_it():
    berlin = make_warehouse()
    stock_in_bins("MUG-1", {make_bin(berlin, "A-01-01", 10): 3})
    order = allocated_order(channel(), {"MUG-1": 1})
    pick_list = build_pick_list_for_order(order=order, warehouse=berlin)
    shipment = pick_list.shipments.get()

    shipment = hold_shipment(shipment=shipment, reason="Hausnummer fehlt")

    order.refresh_from_db()
    pick_list.refresh_from_db()
    assert shipment.state == ShipmentState.ON_HOLD and order.state == OrderState.ON_HOLD
    assert pick_list.state == PickListState.VOIDED
    with pytest.raises(NotReadyToShipError):
        ship_shipment(shipment=shipment)

    shipment = release_shipment_hold(shipment=shipment, note="Adresse korrigiert")
    order.refresh_from_db()
    assert shipment.state == ShipmentState.PLANNED and order.state == OrderState.IN_FULFILLMENT
    wave = build_wave(warehouse=berlin, rule=WaveRule())
    assert list(wave.shipments.all()) == [shipment]
