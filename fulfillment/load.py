"""The benchmark data set's shipments (load step ``shipments``, order 50, ``manage.py generate_load``).

After the orders step: the carriers of the catalogue (``seed_carriers``), and one shipment per
order that has left the warehouse (partially shipped, shipped, delivered, completed), written by
one ``INSERT ... SELECT`` over the loaded orders, so a million-order history gets its shipments in
seconds. Each has a carrier service (spread over the catalogue's), a tracking number of its own
(``LOAD`` and the order id: unique, findable), its hand-over time (the order's shipped time) and
expected delivery two days later, delivered ones their delivery time. Shipment lines and packages
of the history are not written (no screen reads them for a finished shipment)."""

from __future__ import annotations

from fulfillment.carriers.catalogue import seed_carriers
from fulfillment.models import CarrierService, Shipment
from oms import seeding
from oms.seeding import LoadContext

MODELS = (
    "fulfillment.Carrier",
    "fulfillment.CarrierService",
    "fulfillment.ServiceDestination",
    "fulfillment.ServiceRate",
    "fulfillment.Shipment",
)

_INSERT = """
INSERT INTO fulfillment_shipment (
    reference, order_id, warehouse_id, carrier_service_id, state, tracking_number, routing_code,
    label_state, label_error, weight_grams, hold_reason, state_before_hold, exception_reason,
    cancel_reason, promised_ship_date, expected_delivery_date, picking_started_at, picked_at,
    packed_at, labelled_at, shipped_at, delivered_at, created_at, updated_at
)
SELECT
    o.number || '-1',
    o.id,
    %(warehouse)s,
    (%(services)s::bigint[])[1 + o.id %% %(service_count)s],
    CASE WHEN o.state IN ('delivered', 'completed') THEN 'delivered' ELSE 'shipped' END,
    'LOAD' || lpad(o.id::text, 12, '0'),
    '',
    'ready', '', 1200, '', '', '', '',
    o.promised_ship_date,
    (COALESCE(o.shipped_at, o.placed_at) + interval '2 days')::date,
    o.released_at, o.released_at, o.released_at, o.released_at,
    COALESCE(o.shipped_at, o.placed_at),
    CASE WHEN o.state IN ('delivered', 'completed') THEN o.delivered_at END,
    COALESCE(o.released_at, o.placed_at),
    COALESCE(o.delivered_at, o.shipped_at, o.placed_at)
FROM orders_order o
WHERE o.state IN ('partially_shipped', 'shipped', 'delivered', 'completed')
"""


def load_shipments(ctx: LoadContext) -> None:
    seed_carriers()
    services = list(CarrierService.objects.filter(active=True).order_by("pk").values_list("pk", flat=True))
    from inventory.models import Warehouse

    warehouse = Warehouse.objects.filter(active=True).order_by("priority", "pk").values_list("pk", flat=True).first()
    if warehouse is None or not services:
        return
    ctx.execute(
        _INSERT,
        {"warehouse": warehouse, "services": services, "service_count": len(services)},
        label="shipments",
        model=Shipment,
    )


def register() -> None:
    seeding.register_load("shipments", load_shipments, order=50, models=MODELS)
