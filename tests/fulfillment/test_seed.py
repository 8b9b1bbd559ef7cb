"""The fulfillment demo seeder: orders in every stage of the warehouse and the carriers, reached
through the services, with stock and reservations consistent, idempotent."""

from __future__ import annotations

import datetime

import pytest
from django.db.models import Sum

from fulfillment.carriers.catalogue import seed_carriers
from fulfillment.models import LabelState, PickLine, Shipment, ShipmentState
from fulfillment.seed import seed_fulfillment
from inventory.models import StockLevel
from inventory.seed import seed_inventory
from oms.models import OutboxMessage, OutboxStatus
from orders.models import Allocation, OrderState
from orders.seed import seed_orders

pytestmark = [
    pytest.mark.django_db,
    # Monday morning before the cut-off: the same promises and dates on every run.
    pytest.mark.time_machine(datetime.datetime(2026, 11, 23, 8, 0, tzinfo=datetime.UTC)),
]


def test_the_demo_leaves_shipments_in_every_stage_and_is_idempotent():
    seed_inventory(scale=0.1)
    seed_orders(scale=0.1)
    seed_carriers()

    seed_fulfillment(scale=0.1)

    states = set(Shipment.objects.values_list("state", flat=True))
    S = ShipmentState
    assert {
        S.PLANNED,
        S.PICKING,
        S.PACKED,
        S.LABELLED,
        S.SHIPPED,
        S.IN_TRANSIT,
        S.OUT_FOR_DELIVERY,
        S.DELIVERED,
        S.EXCEPTION,
        S.ON_HOLD,
        S.CANCELLED,
    } <= states
    picking = Shipment.objects.filter(state=S.PICKING)
    assert picking.filter(picked_at__isnull=True).exists() and picking.filter(picked_at__isnull=False).exists()
    packed = Shipment.objects.get(state=S.PACKED)
    assert packed.label_state == LabelState.REQUESTED  # its label waits for a worker
    assert OutboxMessage.objects.filter(kind="label", status=OutboxStatus.PENDING, payload__shipment_id=packed.pk)
    assert Shipment.objects.get(state=S.EXCEPTION).exception_reason == "address"
    # Short picks: one taken from another bin, one shipped in part, one backordered.
    assert PickLine.objects.filter(quantity_short__gt=0).count() == 3
    orders = {s.order.state for s in Shipment.objects.select_related("order")}
    assert {OrderState.IN_FULFILLMENT, OrderState.SHIPPED, OrderState.DELIVERED, OrderState.ON_HOLD} <= orders
    assert OrderState.BACKORDERED in orders  # both short picks without another bin
    delivered = Shipment.objects.get(state=S.DELIVERED)
    assert delivered.order.state == OrderState.DELIVERED
    # Reservations are exactly the open orders' allocations, as the stock rule wants.
    reserved = StockLevel.objects.aggregate(s=Sum("reserved"))["s"]
    assert reserved == Allocation.objects.aggregate(s=Sum("quantity"))["s"]

    count = Shipment.objects.count()
    seed_fulfillment(scale=0.1)
    assert Shipment.objects.count() == count


def test_the_demo_seeder_runs_after_the_orders_and_the_carriers():
    from oms import seeding

    names = [s.name for s in seeding.seeders()]
    assert names.index("orders") < names.index("carriers") < names.index("fulfillment")
