"""The benchmark data set's invoices (load step ``invoices``, order 60, ``manage.py generate_load``).

After the shipments: one final invoice per order that was shipped in full (shipped, delivered,
completed), issued when its shipment left, as ``issue_invoice_for_shipment`` would have issued it:
the order's lines as shipped, its shipping and discount, the VAT rows of the order's breakdown
(``orders.services.totals``, written by the orders step), the seller's snapshot, payment terms by
method (invoice: the seller's terms; prepaid methods: due at once) and gapless numbers per year
(``RE-2026-000001``, the counters advanced to the last one). Paid orders settle their invoice with
their capture (an ``InvoicePayment`` row); an unpaid invoice past its due date is overdue.

Plain ``INSERT ... SELECT`` statements over the loaded orders, so a million-order history gets its
invoices in seconds. The invoices are written as drafts with their lines and VAT rows and then
moved to their state in one ``UPDATE``: the database refuses lines on an issued invoice (migration
``0003``), as it would for the application. Orders shipped only in part are not invoiced here.
"""

from __future__ import annotations

import json

from django.conf import settings

from billing.models import Invoice, InvoiceLine, InvoicePayment, InvoiceVatRow, NumberCounter
from billing.sellers import seller_profile, seller_snapshot
from oms import seeding
from oms.seeding import LoadContext

MODELS = ("billing.Invoice", "billing.InvoiceLine", "billing.InvoiceVatRow", "billing.InvoicePayment",
          "billing.NumberCounter")  # fmt: skip

INVOICED_STATES = ("shipped", "delivered", "completed")

_INVOICES = """
INSERT INTO billing_invoice (
    number, language, buyer_name, buyer_company, buyer_street, buyer_line2, buyer_postcode, buyer_city,
    buyer_country, buyer_vat_id, buyer_email, delivery_name, delivery_company, delivery_street,
    delivery_line2, delivery_postcode, delivery_city, delivery_country, seller, tax_treatment, vat_country,
    legal_note, currency, price_mode, subtotal, shipping_total, discount_total, net_total, vat_total, total,
    issued_at, created_at, order_id, customer_id, shipment_id, trigger, is_final, invoice_date, delivery_date,
    payment_method, payment_terms_days, due_date, state, amount_paid, amount_credited, amount_due, paid_at,
    document_id, mailed_at, updated_at
)
SELECT
    'RE-' || i.year || '-' || lpad(
        (row_number() OVER (PARTITION BY i.year ORDER BY i.issued_at, i.order_id))::text, 6, '0'),
    COALESCE(NULLIF(c.language, ''), 'de'),
    o.billing_name, o.billing_company, o.billing_street, o.billing_line2, o.billing_postcode, o.billing_city,
    o.billing_country, c.vat_id, o.email, o.shipping_name, o.shipping_company, o.shipping_street,
    o.shipping_line2, o.shipping_postcode, o.shipping_city, o.shipping_country,
    %(seller)s::jsonb, 'domestic', %(seller_country)s, '',
    o.currency, o.price_mode, o.subtotal, o.shipping_total, o.discount_total, o.total - o.vat_total, o.vat_total,
    o.total,
    i.issued_at, i.issued_at, o.id, o.customer_id, s.id, 'shipment', true, i.invoice_date, i.invoice_date,
    o.payment_method, i.terms, i.invoice_date + i.terms, 'draft', 0, 0, 0, NULL,
    NULL, i.issued_at, i.issued_at
FROM (
    SELECT
        o.id AS order_id,
        o.shipped_at AS issued_at,
        extract(year FROM o.shipped_at AT TIME ZONE %(tz)s)::int AS year,
        (o.shipped_at AT TIME ZONE %(tz)s)::date AS invoice_date,
        CASE WHEN o.payment_method = 'invoice' THEN %(terms)s ELSE 0 END AS terms
    FROM orders_order o
    WHERE o.state = ANY(%(states)s) AND o.shipped_at IS NOT NULL
) i
JOIN orders_order o ON o.id = i.order_id
JOIN orders_customer c ON c.id = o.customer_id
LEFT JOIN fulfillment_shipment s ON s.order_id = o.id
"""

_LINES = """
INSERT INTO billing_invoiceline (
    position, kind, sku, name, quantity, unit_price, discount, vat_rate, line_total, invoice_id, order_line_id
)
SELECT l.position, 'product', l.sku, l.name, l.quantity_shipped, l.unit_price, l.discount, l.vat_rate,
       l.line_total, inv.id, l.id
FROM billing_invoice inv
JOIN orders_orderline l ON l.order_id = inv.order_id
WHERE inv.state = 'draft' AND l.quantity_shipped > 0
"""

_VAT_ROWS = """
INSERT INTO billing_invoicevatrow (vat_rate, net, vat, gross, invoice_id)
SELECT row.key::numeric, (row.value ->> 'net')::numeric, (row.value ->> 'vat')::numeric,
       (row.value ->> 'gross')::numeric, inv.id
FROM billing_invoice inv
JOIN orders_order o ON o.id = inv.order_id
CROSS JOIN LATERAL jsonb_each(o.vat_breakdown) AS row
WHERE inv.state = 'draft'
"""

_SETTLEMENTS = """
INSERT INTO billing_invoicepayment (invoice_id, transaction_id, amount, created_at)
SELECT inv.id, p.id, p.amount, p.created_at
FROM billing_invoice inv
JOIN orders_paymenttransaction p ON p.order_id = inv.order_id AND p.kind = 'capture'
WHERE inv.state = 'draft'
"""

# Drafts to their state: paid by their capture, overdue past the due date, issued otherwise.
_ISSUE = """
UPDATE billing_invoice inv SET
    state = CASE
        WHEN paid.amount >= inv.total THEN 'paid'
        WHEN inv.due_date < %(today)s THEN 'overdue'
        ELSE 'issued' END,
    amount_paid = paid.amount,
    amount_due = inv.total - paid.amount,
    paid_at = paid.at,
    updated_at = COALESCE(paid.at, inv.issued_at)
FROM (
    SELECT d.id, COALESCE(sum(p.amount), 0) AS amount, max(p.created_at) AS at
    FROM billing_invoice d LEFT JOIN billing_invoicepayment p ON p.invoice_id = d.id
    WHERE d.state = 'draft'
    GROUP BY d.id
) paid
WHERE paid.id = inv.id
"""

_COUNTERS = """
INSERT INTO billing_numbercounter (series, year, last)
SELECT 'RE', split_part(number, '-', 2)::int, max(split_part(number, '-', 3)::int)
FROM billing_invoice GROUP BY 2
ON CONFLICT (series, year) DO UPDATE SET last = GREATEST(billing_numbercounter.last, EXCLUDED.last)
"""


def load_invoices(ctx: LoadContext) -> None:
    profile = seller_profile()
    params = {
        "seller": json.dumps(seller_snapshot(profile)),
        "seller_country": profile.country or "DE",
        "tz": settings.TIME_ZONE,
        "terms": profile.payment_terms_days,
        "states": list(INVOICED_STATES),
        "today": ctx.now.date(),
    }
    ctx.execute(_INVOICES, params, label="invoices", model=Invoice)
    ctx.execute(_LINES, label="invoice lines", model=InvoiceLine)
    ctx.execute(_VAT_ROWS, label="invoice VAT rows", model=InvoiceVatRow)
    ctx.execute(_SETTLEMENTS, label="invoice payments", model=InvoicePayment)
    ctx.execute(_ISSUE, params)
    ctx.execute(_COUNTERS, model=NumberCounter)


def register() -> None:
    seeding.register_load("invoices", load_invoices, order=60, models=MODELS)
