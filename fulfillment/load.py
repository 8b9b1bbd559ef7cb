"""The benchmark data set's shipments (load step ``shipments``, order 50, ``manage.py generate_load``).

After the orders step: the carriers of the catalogue (``seed_carriers``), and one shipment per
order that has left the warehouse (partially shipped, shipped, delivered, completed), written by
``INSERT ... SELECT`` statements over the loaded orders, so a million-order history gets its
shipments in seconds. Each has a carrier service (spread over the catalogue's), a tracking number
of its own (``LOAD`` and the order id: unique, findable), its weight (its units plus the box),
its stage times between the order's release and hand-over (picking, picked, packed, labelled),
expected delivery two days after hand-over, delivered ones their delivery time. Its lines are
the order lines' shipped units (picked and packed in full), packed into one parcel (the
smallest of the load's boxes that carries the weight), and the carrier's tracking events tell
the story: in transit a few hours after hand-over, out for delivery on the morning of delivery,
delivered. A shipment handed over less than three hours ago is still ``shipped``."""

from __future__ import annotations

import datetime

from fulfillment.carriers.catalogue import seed_carriers
from fulfillment.models import (
    CarrierService,
    Package,
    PackageItem,
    PackageType,
    Shipment,
    ShipmentLine,
    TrackingEvent,
)
from oms import seeding
from oms.seeding import LoadContext

MODELS = (
    "fulfillment.Carrier",
    "fulfillment.CarrierService",
    "fulfillment.ServiceDestination",
    "fulfillment.ServiceRate",
    "fulfillment.PackageType",
    "fulfillment.Shipment",
    "fulfillment.ShipmentLine",
    "fulfillment.Package",
    "fulfillment.PackageItem",
    "fulfillment.TrackingEvent",
)

# The boxes the load packs into: (code, name, length, width, height, tare, maximum weight).
BOXES = (
    ("load-mailer", "Versandtasche", 350, 250, 50, 60, 1000),
    ("load-box-s", "Karton S", 250, 175, 100, 150, 5000),
    ("load-box-m", "Karton M", 400, 300, 200, 300, 15000),
    ("load-box-l", "Karton L", 600, 400, 400, 700, 31500),
)
# Hand-over to the carrier's first scan: shipments younger than this are still "shipped".
IN_TRANSIT_AFTER = datetime.timedelta(hours=3)

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
    CASE WHEN o.state IN ('delivered', 'completed') THEN 'delivered'
         WHEN COALESCE(o.shipped_at, o.placed_at) <= %(in_transit_before)s THEN 'in_transit'
         ELSE 'shipped' END,
    'LOAD' || lpad(o.id::text, 12, '0'),
    '',
    'ready', '', w.grams + %(tare)s, '', '', '', '',
    o.promised_ship_date,
    (COALESCE(o.shipped_at, o.placed_at) + interval '2 days')::date,
    t.released + t.span * 0.15, t.released + t.span * 0.5, t.released + t.span * 0.7,
    t.released + t.span * 0.8,
    t.shipped,
    CASE WHEN o.state IN ('delivered', 'completed') THEN o.delivered_at END,
    t.released,
    COALESCE(o.delivered_at, o.shipped_at, o.placed_at)
FROM orders_order o
CROSS JOIN LATERAL (
    SELECT COALESCE(o.released_at, o.placed_at) AS released,
           COALESCE(o.shipped_at, o.placed_at) AS shipped,
           COALESCE(o.shipped_at, o.placed_at) - COALESCE(o.released_at, o.placed_at) AS span
) t
CROSS JOIN LATERAL (
    SELECT COALESCE(sum(p.weight_grams * l.quantity_shipped), 0)::int AS grams
    FROM orders_orderline l JOIN inventory_product p ON p.id = l.product_id
    WHERE l.order_id = o.id AND l.quantity_shipped > 0
) w
WHERE o.state IN ('partially_shipped', 'shipped', 'delivered', 'completed')
"""

_LINES = """
INSERT INTO fulfillment_shipmentline (shipment_id, order_line_id, product_id, bin_id, quantity, quantity_picked,
                                      quantity_packed)
SELECT s.id, l.id, l.product_id, NULL, l.quantity_shipped, l.quantity_shipped, l.quantity_shipped
FROM fulfillment_shipment s JOIN orders_orderline l ON l.order_id = s.order_id AND l.quantity_shipped > 0
"""

# One parcel per shipment, in the smallest box that carries its weight (the largest otherwise).
_PACKAGES = """
INSERT INTO fulfillment_package (shipment_id, number, package_type_id, weight_grams, tracking_number, created_at)
SELECT s.id, 1,
       COALESCE((SELECT b.id FROM fulfillment_packagetype b
                 WHERE b.id = ANY(%(boxes)s) AND b.max_weight_grams >= s.weight_grams
                 ORDER BY b.max_weight_grams LIMIT 1), %(largest)s),
       GREATEST(s.weight_grams, 1), '', s.packed_at
FROM fulfillment_shipment s
"""

_ITEMS = """
INSERT INTO fulfillment_packageitem (package_id, shipment_line_id, quantity)
SELECT p.id, sl.id, sl.quantity_packed
FROM fulfillment_shipmentline sl JOIN fulfillment_package p ON p.shipment_id = sl.shipment_id AND p.number = 1
"""

# What the carrier reported: the first scan at its hub, the delivery round, the delivery.
_TRACKING = """
INSERT INTO fulfillment_trackingevent (
    shipment_id, carrier_id, carrier_event_id, status_code, mapped_state, exception_reason, description, location,
    occurred_at, expected_delivery_date, source, raw_payload, created_at
)
SELECT s.id, cs.carrier_id, 'LOAD-' || s.id || '-' || e.step, e.code, e.state, '', e.description, e.location,
       e.at, s.expected_delivery_date, 'webhook', '{}'::jsonb, e.at
FROM fulfillment_shipment s
JOIN fulfillment_carrierservice cs ON cs.id = s.carrier_service_id
JOIN orders_order o ON o.id = s.order_id
JOIN inventory_warehouse w ON w.id = s.warehouse_id
CROSS JOIN LATERAL (VALUES
    (1, 'IN_TRANSIT', 'in_transit', 'Sendung im Paketzentrum bearbeitet', w.city,
     LEAST(s.shipped_at + %(in_transit_after)s, COALESCE(s.delivered_at, 'infinity'))),
    (2, 'OUT_FOR_DELIVERY', 'out_for_delivery', 'Sendung in Zustellung', o.shipping_city,
     LEAST(GREATEST(s.delivered_at - interval '4 hours', s.shipped_at + %(in_transit_after)s), s.delivered_at)),
    (3, 'DELIVERED', 'delivered', 'Sendung zugestellt', o.shipping_city, s.delivered_at)
) AS e(step, code, state, description, location, at)
WHERE s.state IN ('in_transit', 'delivered') AND (e.step = 1 OR s.state = 'delivered')
"""


def _boxes() -> list[PackageType]:
    boxes = []
    for code, name, length, width, height, tare, most in BOXES:
        box, _created = PackageType.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "length_mm": length,
                "width_mm": width,
                "height_mm": height,
                "tare_grams": tare,
                "max_weight_grams": most,
            },
        )
        boxes.append(box)
    return boxes


def load_shipments(ctx: LoadContext) -> None:
    seed_carriers()
    services = list(CarrierService.objects.filter(active=True).order_by("pk").values_list("pk", flat=True))
    from inventory.models import Warehouse

    warehouse = Warehouse.objects.filter(active=True).order_by("priority", "pk").values_list("pk", flat=True).first()
    if warehouse is None or not services:
        return
    boxes = _boxes()
    ctx.execute(
        _INSERT,
        {
            "warehouse": warehouse,
            "services": services,
            "service_count": len(services),
            "tare": boxes[1].tare_grams,
            "in_transit_before": ctx.now - IN_TRANSIT_AFTER,
        },
        label="shipments",
        model=Shipment,
    )
    ctx.execute(_LINES, label="shipment lines", model=ShipmentLine)
    ctx.execute(_PACKAGES, {"boxes": [b.pk for b in boxes], "largest": boxes[-1].pk}, label="packages", model=Package)
    ctx.execute(_ITEMS, label="package items", model=PackageItem)
    ctx.execute(_TRACKING, {"in_transit_after": IN_TRANSIT_AFTER}, label="tracking events", model=TrackingEvent)


def register() -> None:
    # version 2: lines, parcels, tracking events, weights and stage times.
    seeding.register_load("shipments", load_shipments, order=50, models=MODELS, version=2)
