"""The benchmark data set's rollups (load step ``rollups``, order 80, ``manage.py generate_load``).

Last of the steps: the reports read rollups, not the stored rows. ``manage.py rebuild_rollups``
(``reporting.services.rollups``) computes them order by order in Python, which takes hours for a
million orders on a small machine; this step computes the same rows with ``INSERT ... SELECT``
statements over the loaded tables, in the business time zone, and sets the watermark, so the
first periodic refresh after the load reads only what changed since. ``tests/bench`` checks that
these rows equal what ``rebuild_rollups`` computes from the same data: a change to the rollup
rules must be made in both places (the test fails until it is).
"""

from __future__ import annotations

from django.conf import settings

from oms import seeding
from oms.seeding import LoadContext
from orders.models import OrderState
from reporting.models import (
    DailyFinance,
    DailyProductSales,
    DailySales,
    LineFact,
    OrderFact,
    ReturnFact,
    StateSpan,
)
from reporting.services.rollups import WATERMARK

MODELS = (
    "reporting.Watermark", "reporting.OrderFact", "reporting.StateSpan", "reporting.LineFact", "reporting.ReturnFact",
    "reporting.DailySales", "reporting.DailyProductSales", "reporting.DailyFinance",
)  # fmt: skip


def _secs(start: str, end: str) -> str:
    """Whole seconds from ``start`` to ``end`` (never negative; NULL when one is missing)."""
    # GREATEST ignores NULLs: the CASE keeps a missing moment NULL.
    return (
        f"CASE WHEN {start} IS NOT NULL AND {end} IS NOT NULL"
        f" THEN GREATEST(0, trunc(extract(epoch FROM ({end} - {start}))))::bigint END"
    )


_ORDER_FACTS = f"""
INSERT INTO reporting_orderfact (
    order_id, day, channel_id, warehouse_id, country, currency, state, cancelled, units, gross, net, placed_at,
    confirmed_at, allocated_at, released_at, picked_at, shipped_at, delivered_at, promised_ship_date,
    shipped_on_time, shipped_before_cutoff, short_units, to_confirm, to_allocate, to_release, to_pick, to_ship,
    to_deliver, placed_to_shipped, placed_to_delivered, rating, rated_at
)
SELECT o.id, (o.placed_at AT TIME ZONE %(tz)s)::date, o.channel_id, f.warehouse_id, o.shipping_country, o.currency,
       o.state, o.state = 'cancelled',
       CASE WHEN o.state = 'cancelled' THEN 0 ELSE COALESCE(u.units, 0) END,
       CASE WHEN o.state = 'cancelled' THEN 0 ELSE o.total - o.gift_card_total END,
       CASE WHEN o.state = 'cancelled' THEN 0 ELSE o.total - o.gift_card_total - o.vat_total END,
       o.placed_at, o.confirmed_at, o.allocated_at, o.released_at, sh.picked_at, o.shipped_at, o.delivered_at,
       o.promised_ship_date,
       CASE WHEN o.shipped_at IS NOT NULL AND o.promised_ship_date IS NOT NULL
            THEN (o.shipped_at AT TIME ZONE %(tz)s)::date <= o.promised_ship_date END,
       CASE WHEN o.shipped_at IS NOT NULL AND o.promised_ship_date IS NOT NULL
            THEN o.shipped_at <= ((o.promised_ship_date + COALESCE(w.shipping_cutoff, time '14:00'))
                                  AT TIME ZONE %(tz)s) END,
       COALESCE(pk.short, 0),
       {_secs("o.placed_at", "o.confirmed_at")}, {_secs("o.confirmed_at", "o.allocated_at")},
       {_secs("o.allocated_at", "o.released_at")}, {_secs("o.released_at", "sh.picked_at")},
       {_secs("sh.picked_at", "o.shipped_at")}, {_secs("o.shipped_at", "o.delivered_at")},
       {_secs("o.placed_at", "o.shipped_at")}, {_secs("o.placed_at", "o.delivered_at")},
       r.stars, r.created_at
FROM orders_order o
LEFT JOIN (
    SELECT order_id, sum(quantity - quantity_cancelled) AS units FROM orders_orderline GROUP BY order_id
) u ON u.order_id = o.id
LEFT JOIN (
    SELECT s.order_id,
           (array_agg(s.warehouse_id ORDER BY s.id))[1] AS warehouse_id,
           max(s.picked_at) FILTER (WHERE s.state <> 'cancelled') AS picked_at
    FROM fulfillment_shipment s GROUP BY s.order_id
) sh ON sh.order_id = o.id
LEFT JOIN (
    SELECT s.order_id, sum(p.quantity_short)::int AS short
    FROM fulfillment_pickline p JOIN fulfillment_shipmentline l ON l.id = p.shipment_line_id
    JOIN fulfillment_shipment s ON s.id = l.shipment_id
    WHERE p.quantity_short > 0 GROUP BY s.order_id
) pk ON pk.order_id = o.id
LEFT JOIN (
    SELECT l.order_id, (array_agg(a.warehouse_id ORDER BY a.id))[1] AS warehouse_id
    FROM orders_allocation a JOIN orders_orderline l ON l.id = a.order_line_id GROUP BY l.order_id
) al ON al.order_id = o.id
CROSS JOIN LATERAL (
    SELECT COALESCE(
        sh.warehouse_id,
        CASE WHEN jsonb_typeof(o.routing -> 'warehouse_ids' -> 0) = 'number'
             THEN (o.routing -> 'warehouse_ids' ->> 0)::bigint END,
        al.warehouse_id
    ) AS warehouse_id
) f
LEFT JOIN inventory_warehouse w ON w.id = f.warehouse_id
LEFT JOIN orders_orderrating r ON r.order_id = o.id
WHERE o.created_at <= %(now)s
"""

# Each transition event closes the state the order was in and opens the next (repeats collapse).
_STATE_SPANS = f"""
INSERT INTO reporting_statespan (order_id, state, entered_at, left_at, seconds, day, channel_id, warehouse_id,
                                 country)
SELECT k.order_id, k.state, k.entered, k.left_at, {_secs("k.entered", "k.left_at")},
       (k.entered AT TIME ZONE %(tz)s)::date, f.channel_id, f.warehouse_id, f.country
FROM (
    SELECT d.order_id, d.state, d.entered, lead(d.entered) OVER (PARTITION BY d.order_id ORDER BY d.n) AS left_at
    FROM (
        SELECT m.order_id, m.state, m.n,
               max(m.at) OVER (PARTITION BY m.order_id ORDER BY m.n) AS entered,
               lag(m.state) OVER (PARTITION BY m.order_id ORDER BY m.n) AS prev
        FROM (
            SELECT order_id, state, at, row_number() OVER (PARTITION BY order_id ORDER BY seq, at, pk) AS n
            FROM (
                SELECT f.order_id, 'pending' AS state, f.placed_at AS at, 0 AS seq, 0::bigint AS pk
                FROM reporting_orderfact f
                UNION ALL
                SELECT e.order_id, e.to_state, e.created_at, 1, e.id
                FROM orders_orderevent e JOIN reporting_orderfact f ON f.order_id = e.order_id
                WHERE e.to_state = ANY(%(states)s)
            ) raw
        ) m
    ) d
    WHERE d.prev IS DISTINCT FROM d.state
) k
JOIN reporting_orderfact f ON f.order_id = k.order_id
"""

_LINE_FACTS = """
INSERT INTO reporting_linefact (order_line_id, order_id, day, channel_id, warehouse_id, country, sku, name,
                                category_id, units, units_shipped, units_returned)
SELECT l.id, l.order_id, f.day, f.channel_id, f.warehouse_id, f.country, l.sku, l.name, p.category_id,
       CASE WHEN f.cancelled THEN 0 ELSE l.quantity - l.quantity_cancelled END, l.quantity_shipped,
       l.quantity_returned
FROM orders_orderline l
JOIN reporting_orderfact f ON f.order_id = l.order_id
LEFT JOIN inventory_product p ON p.id = l.product_id
"""

_RETURN_FACTS = f"""
INSERT INTO reporting_returnfact (return_request_id, order_id, day, channel_id, warehouse_id, country, reason, state,
                                  currency, units, units_received, credited, refunded, declared_at, refunded_at,
                                  refund_seconds)
SELECT r.id, r.order_id, f.day, f.channel_id, f.warehouse_id, f.country, r.reason, r.state, r.currency,
       COALESCE(u.units, 0), COALESCE(u.received, 0), COALESCE(c.credited, 0), COALESCE(m.refunded, 0),
       COALESCE(wd.declared_at, r.created_at), m.first_at,
       {_secs("COALESCE(wd.declared_at, r.created_at)", "m.first_at")}
FROM returns_returnrequest r
JOIN reporting_orderfact f ON f.order_id = r.order_id
LEFT JOIN (
    SELECT request_id, sum(quantity)::int AS units, sum(quantity_received)::int AS received
    FROM returns_returnline GROUP BY request_id
) u ON u.request_id = r.id
LEFT JOIN (
    SELECT return_request_id, min(declared_at) AS declared_at FROM returns_withdrawal GROUP BY return_request_id
) wd ON wd.return_request_id = r.id
LEFT JOIN (
    SELECT split_part(source, '#', 1) AS token, sum(total) AS credited
    FROM billing_creditnote WHERE source LIKE 'return:%%' GROUP BY 1
) c ON c.token = 'return:' || r.id
LEFT JOIN (
    SELECT order_id, data ->> 'token' AS token, sum(amount) AS refunded, min(created_at) AS first_at
    FROM orders_paymenttransaction WHERE kind = 'refund' AND data ->> 'token' LIKE 'return:%%' GROUP BY 1, 2
) m ON m.order_id = r.order_id AND m.token = 'return:' || r.id
"""

_DAILY_SALES = """
INSERT INTO reporting_dailysales (day, channel_id, warehouse_id, country, currency, orders, cancelled_orders, units,
                                  gross, net, shipped_orders, shipped_on_time, shipped_before_cutoff, short_units)
SELECT day, channel_id, warehouse_id, country, currency,
       count(*) FILTER (WHERE NOT cancelled), count(*) FILTER (WHERE cancelled), sum(units), sum(gross), sum(net),
       count(*) FILTER (WHERE NOT cancelled AND shipped_at IS NOT NULL),
       count(*) FILTER (WHERE NOT cancelled AND shipped_on_time),
       count(*) FILTER (WHERE NOT cancelled AND shipped_before_cutoff), sum(short_units)
FROM reporting_orderfact GROUP BY day, channel_id, warehouse_id, country, currency
"""

_DAILY_PRODUCTS = """
INSERT INTO reporting_dailyproductsales (day, channel_id, warehouse_id, country, sku, units, units_shipped)
SELECT day, channel_id, warehouse_id, country, sku, sum(units), sum(units_shipped)
FROM reporting_linefact GROUP BY day, channel_id, warehouse_id, country, sku
HAVING sum(units) > 0 OR sum(units_shipped) > 0
"""

_DAILY_FINANCE = """
INSERT INTO reporting_dailyfinance (day, channel_id, warehouse_id, country, currency, invoices, invoiced,
                                    credit_notes, credited, paid)
SELECT day, channel_id, warehouse_id, country, currency, sum(invoices)::int, sum(invoiced), sum(credit_notes)::int,
       sum(credited), sum(paid)
FROM (
    SELECT i.invoice_date AS day, o.channel_id, s.warehouse_id, o.shipping_country AS country, i.currency,
           1 AS invoices, i.total AS invoiced, 0 AS credit_notes, 0 AS credited, 0 AS paid
    FROM billing_invoice i JOIN orders_order o ON o.id = i.order_id
    LEFT JOIN fulfillment_shipment s ON s.id = i.shipment_id
    WHERE i.state = ANY(%(issued)s)
    UNION ALL
    SELECT n.credit_date, o.channel_id, s.warehouse_id, o.shipping_country, n.currency, 0, 0, 1, n.total, 0
    FROM billing_creditnote n JOIN billing_invoice i ON i.id = n.invoice_id JOIN orders_order o ON o.id = i.order_id
    LEFT JOIN fulfillment_shipment s ON s.id = i.shipment_id
    WHERE n.issued_at IS NOT NULL
    UNION ALL
    SELECT (p.created_at AT TIME ZONE %(tz)s)::date, o.channel_id, s.warehouse_id, o.shipping_country, i.currency,
           0, 0, 0, 0, p.amount
    FROM billing_invoicepayment p JOIN billing_invoice i ON i.id = p.invoice_id
    JOIN orders_order o ON o.id = i.order_id LEFT JOIN fulfillment_shipment s ON s.id = i.shipment_id
) x
GROUP BY day, channel_id, warehouse_id, country, currency
"""


def load_rollups(ctx: LoadContext) -> None:
    from billing.models import ISSUED_STATES

    params = {"tz": settings.TIME_ZONE, "now": ctx.now, "states": list(OrderState.values),
              "issued": [str(s) for s in ISSUED_STATES]}  # fmt: skip
    ctx.execute(_ORDER_FACTS, params, label="order facts", model=OrderFact)
    ctx.execute("ANALYZE reporting_orderfact")
    ctx.execute(_STATE_SPANS, params, label="state spans", model=StateSpan)
    ctx.execute(_LINE_FACTS, params, label="line facts", model=LineFact)
    ctx.execute(_RETURN_FACTS, params, label="return facts", model=ReturnFact)
    ctx.execute(_DAILY_SALES, params, label="daily sales rows", model=DailySales)
    ctx.execute(_DAILY_PRODUCTS, params, label="daily product rows", model=DailyProductSales)
    ctx.execute(_DAILY_FINANCE, params, label="daily finance rows", model=DailyFinance)
    ctx.execute(
        "INSERT INTO reporting_watermark (name, position, updated_at) VALUES (%s, %s, %s)"
        " ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = EXCLUDED.updated_at",
        [WATERMARK, ctx.now, ctx.now],
    )


def register() -> None:
    seeding.register_load("rollups", load_rollups, order=80, models=MODELS)
