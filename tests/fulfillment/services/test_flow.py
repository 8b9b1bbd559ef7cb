"""Pick, pack, label and ship one order: the ledger shows the units leaving the picked bins."""

from __future__ import annotations

import pytest

from fulfillment.exceptions import NotReadyToShipError
from fulfillment.models import PickListState, Shipment, ShipmentState
from fulfillment.services.planning import build_pick_list_for_order
from fulfillment.services.shipping import ship_shipment
from inventory.models import BinStock, MovementKind, StockMovement
from oms.models import CustomerMail, OutboxMessage
from orders.models import OrderEvent, OrderState
from tests.fulfillment.warehouse_data import (
    allocated_order,
    channel,
    label,
    make_bin,
    make_warehouse,
    pack,
    pick_all,
    stock_in_bins,
)

pytestmark = pytest.mark.django_db


def test_an_order_is_picked_packed_labelled_and_shipped_from_the_bins_it_was_picked_from(
    django_capture_on_commit_callbacks, warehouse_user
):
    berlin = make_warehouse()
    front, back = make_bin(berlin, "A-01-01", 10), make_bin(berlin, "B-09-01", 90)
    mug = stock_in_bins("MUG-1", {back: 3})
    tee = stock_in_bins("TEE-1", {front: 5})
    order = allocated_order(channel(), {"MUG-1": 2, "TEE-1": 1})

    pick_list = build_pick_list_for_order(order=order, warehouse=berlin, picker=warehouse_user)
    order.refresh_from_db()
    assert order.state == OrderState.IN_FULFILLMENT
    assert [line.sku for line in pick_list.lines.all()] == ["TEE-1", "MUG-1"]  # walking order: bin A before B

    pick_all(pick_list, user=warehouse_user)
    pick_list.refresh_from_db()
    shipment = Shipment.objects.get(order=order)
    assert pick_list.state == PickListState.COMPLETED
    assert shipment.state == ShipmentState.PICKING and shipment.picked_by == warehouse_user

    pack(shipment, user=warehouse_user)
    with pytest.raises(NotReadyToShipError):
        ship_shipment(shipment=shipment, user=warehouse_user)
    label(shipment)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ship_shipment(shipment=shipment, user=warehouse_user)

    shipment.refresh_from_db()
    order.refresh_from_db()
    assert shipment.state == ShipmentState.SHIPPED and shipment.shipped_by == warehouse_user
    assert order.state == OrderState.SHIPPED
    outgoing = StockMovement.objects.filter(kind=MovementKind.SHIP, reference=shipment.reference)
    assert sorted((m.product.sku, m.bin.code, m.quantity) for m in outgoing) == [
        ("MUG-1", "B-09-01", -2),
        ("TEE-1", "A-01-01", -1),
    ]
    assert BinStock.objects.get(bin=back, stock_level__product=mug).quantity == 1
    assert BinStock.objects.get(bin=front, stock_level__product=tee).quantity == 4
    mail = CustomerMail.objects.get(kind="shipping_confirmation")
    assert mail.subject_id == str(shipment.pk) and mail.to == order.email
    assert OutboxMessage.objects.filter(payload__mail_id=mail.pk).exists()
    assert callbacks  # shipment.shipped and order.shipped go out after commit
    entries = [e.data for e in OrderEvent.objects.filter(order=order, kind="shipment")]
    assert any(e.get("reference") == shipment.reference and e.get("to") == "shipped" for e in entries)
