"""The benchmark data set's returns (load step ``returns``, order 70, ``manage.py generate_load``).

After the invoices: about a quarter of the delivered orders (a fashion-like share) have a return
request (RMA) of one, some or all of their units, with a reason from ``ReturnReason``, the
timeline the services would have written (``ReturnEvent`` rows and the order's return entries)
and a state that follows from its times: requests of finished (completed) orders are closed
(refunded mostly, some exchanged, rejected or cancelled), those of recently delivered orders
may still be requested, approved, received (units still expected) or inspected.

What the warehouse received is booked as the receiving service books it: one ``ReturnUnit`` row
per line and condition, each with its ``return`` stock movement (damaged units blocked), the
stock levels raised by them, and the order lines' ``quantity_returned`` raised by every unit
received. A refunded request has what billing's ``credit_and_refund_return`` writes for it: a
credit note (``GS-<year>-<n>``, gapless, counters advanced) for the accepted units (the whole
invoice, shipping included, when everything came back), sourced ``return:<id>#1``, its lines and
VAT rows; a refund of the credited amount (token ``return:<id>``) when the order was paid, taken
back from the invoice (a negative ``InvoicePayment``); the invoice's credited, paid and due
amounts and state; the order's payment state.

Rows are built in Python (one pass over the chosen orders' invoice lines) and written with COPY;
credit notes are written unissued, their lines and VAT rows added, and then issued in one
``UPDATE``, as the immutability triggers of ``billing`` migration ``0003`` require.
"""

from __future__ import annotations

import datetime
import itertools
import json
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone

from billing.models import CreditNote, CreditNoteLine, CreditNoteVatRow, InvoicePayment, NumberCounter
from billing.models.invoice import payment_state_for
from inventory.models import StockMovement
from oms import seeding
from oms.money import ZERO, quantize
from oms.seeding import LoadContext
from orders.models import OrderEvent, PaymentTransaction
from orders.services.totals import PricedLine, compute_totals
from returns.models import ReturnEvent, ReturnLine, ReturnRequest, ReturnUnit, RmaCounter

MODELS = (
    "returns.RmaCounter", "returns.ReturnRequest", "returns.ReturnLine", "returns.ReturnEvent", "returns.ReturnUnit",
    "billing.CreditNote", "billing.CreditNoteLine", "billing.CreditNoteVatRow",
)  # fmt: skip

# Percent of delivered orders with a return request.
SHARE = 28
REASONS = (
    ("does_not_fit", 34), ("changed_mind", 20), ("not_as_described", 15), ("damaged", 10), ("wrong_item", 8),
    ("arrived_too_late", 5), ("other", 8),
)  # fmt: skip
OTHER_TEXTS = ("Farbe gefällt nicht", "Doppelt bestellt", "Geschenk kam nicht an", "Günstiger gefunden")
COMMENTS = ("", "", "", "Bitte schnell erstatten.", "Leider zu klein.", "Fällt größer aus als gedacht.")
HOUR = 3600.0
DAY = 86400.0

_CANDIDATES = """
SELECT o.id, o.number, o.currency, o.delivered_at, o.vat_breakdown, c.return_window_days,
       inv.id, inv.total, inv.amount_paid, inv.due_date, inv.shipping_total, inv.discount_total, inv.subtotal,
       inv.net_total, inv.vat_total, s.warehouse_id, cap.id, cap.provider, cap.amount, cap.created_at,
       il.id, il.order_line_id, il.quantity, il.unit_price, il.line_total, il.vat_rate, il.sku, il.name,
       il.position, ol.product_id
FROM orders_order o
JOIN orders_channel c ON c.id = o.channel_id
JOIN billing_invoice inv ON inv.order_id = o.id AND inv.is_final
JOIN fulfillment_shipment s ON s.id = inv.shipment_id
LEFT JOIN orders_paymenttransaction cap ON cap.order_id = o.id AND cap.kind = 'capture'
JOIN billing_invoiceline il ON il.invoice_id = inv.id AND il.kind = 'product'
JOIN orders_orderline ol ON ol.id = il.order_line_id
WHERE o.state IN ('delivered', 'completed') AND o.delivered_at IS NOT NULL
  AND mod(o.id * 2246822519, 100) < %(share)s
ORDER BY o.id, il.position
"""


@dataclass
class _Line:
    invoice_line: int
    order_line: int
    quantity: int
    unit_price: Decimal
    line_total: Decimal
    vat_rate: Decimal
    sku: str
    name: str
    product: int


@dataclass
class _Order:
    id: int
    number: str
    currency: str
    delivered_at: datetime.datetime
    breakdown: dict[str, Any]
    window_days: int
    invoice: int
    total: Decimal
    paid: Decimal
    due_date: datetime.date
    shipping: Decimal
    discount: Decimal
    subtotal: Decimal
    net: Decimal
    vat: Decimal
    warehouse: int
    capture: int | None
    provider: str
    captured: Decimal
    captured_at: datetime.datetime | None
    lines: list[_Line] = field(default_factory=list)


def _orders(share: int) -> Any:
    """The chosen orders with their invoice lines, streamed (a server-side cursor)."""
    with connection.cursor() as outer:
        raw = outer.connection.cursor(name="load_returns")
        raw.itersize = 20_000
        raw.execute(_CANDIDATES, {"share": share})
        for _oid, rows in itertools.groupby(raw, key=lambda r: r[0]):
            order: _Order | None = None
            for r in rows:
                if order is None:
                    order = _Order(*r[:20])
                    if isinstance(order.breakdown, str):  # Django's connection leaves JSON unparsed
                        order.breakdown = json.loads(order.breakdown)
                order.lines.append(_Line(r[20], r[21], r[22], r[23], r[24], r[25], r[26], r[27], r[29]))
            yield order
        raw.close()


def _local(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


class ReturnsLoader:
    def __init__(self, ctx: LoadContext):
        self.ctx = ctx
        self.now = ctx.now
        self.rnd: random.Random = ctx.random("returns")
        self.requests: list[list[Any]] = []
        self.lines: list[list[Any]] = []
        self.events: list[list[Any]] = []
        self.order_events: list[list[Any]] = []
        self.units: list[dict[str, Any]] = []
        self.movements: list[dict[str, Any]] = []
        self.returned: dict[int, int] = {}
        self.notes: list[dict[str, Any]] = []
        self.refunds: list[list[Any]] = []
        self.invoice_updates: list[list[Any]] = []
        self.order_payment_states: list[list[Any]] = []
        self._renamed: dict[str, str] = {}  # placeholder -> RMA number
        self.next_request = ctx.next_id(ReturnRequest)
        self.next_line = ctx.next_id(ReturnLine)
        self.next_tx = ctx.next_id(PaymentTransaction)
        self.next_note = ctx.next_id(CreditNote)
        with connection.cursor() as cursor:
            cursor.execute("SELECT product_id, warehouse_id, on_hand FROM inventory_stocklevel")
            self.on_hand = {(p, w): n for p, w, n in cursor.fetchall()}

    # -- one order ------------------------------------------------------------------------------
    def add(self, order: _Order) -> None:
        rnd = self.rnd
        requested = order.delivered_at + datetime.timedelta(seconds=rnd.uniform(2 * HOUR, 12 * DAY))
        if requested >= self.now:
            return
        rid = self.next_request
        self.next_request += 1
        # What comes back: everything (a withdrawal) now and then, mostly one or two articles.
        if rnd.random() < 0.15 or (len(order.lines) == 1 and rnd.random() < 0.5):
            chosen = [(line, line.quantity) for line in order.lines]
        else:
            picked = rnd.sample(order.lines, min(len(order.lines), 1 if rnd.random() < 0.7 else 2))
            chosen = [(line, line.quantity if rnd.random() < 0.6 else 1) for line in picked]
        reason = rnd.choices([r for r, _ in REASONS], weights=[w for _, w in REASONS])[0]
        draw = rnd.random()
        flow = (
            "reject" if draw < 0.05 else "cancel" if draw < 0.09 else "exchange" if draw < 0.13
            else "decline" if draw < 0.15 else "refund"
        )  # fmt: skip
        # Most requests are approved at once by the rule, the rest by support within days; the parcel
        # takes days to come back, inspection has a backlog, the refund follows it.
        auto = rnd.random() < 0.6
        approve = requested + datetime.timedelta(seconds=rnd.uniform(1, 60) if auto else rnd.uniform(4 * HOUR, 3 * DAY))
        receive = approve + datetime.timedelta(seconds=rnd.uniform(2 * DAY, 7 * DAY))
        inspect = receive + datetime.timedelta(seconds=rnd.uniform(HOUR, 5 * DAY))
        close = inspect + datetime.timedelta(seconds=rnd.uniform(60, 2 * DAY))
        steps: list[tuple[str, datetime.datetime]] = [("requested", requested)]
        if flow == "reject":
            steps.append(("rejected", requested + datetime.timedelta(seconds=rnd.uniform(2 * HOUR, 2 * DAY))))
        else:
            steps.append(("approved", approve))
            if flow == "cancel":
                steps.append(("cancelled", approve + datetime.timedelta(seconds=rnd.uniform(DAY, 5 * DAY))))
            else:
                steps += [("received", receive), ("inspected", inspect)]
                final = {"exchange": "exchanged", "decline": "rejected"}.get(flow, "refunded")
                steps.append((final, close))
        steps = [(state, at) for state, at in steps if at <= self.now]
        state = steps[-1][0]
        total_units = sum(q for _line, q in chosen)
        if state == "received" and total_units == 1:
            # One unit scanned is the whole parcel: a request is received only while units are expected.
            steps.pop()
            state = "approved"
        at = dict(steps)
        # Per line: received, restocked, damaged, missing.
        booked: list[tuple[int, _Line, int, int, int, int, int]] = []
        open_unit = state == "received"
        for i, (line, qty) in enumerate(chosen):
            received = restocked = damaged = missing = 0
            if "received" in at:
                received = qty - (1 if open_unit and i == len(chosen) - 1 else 0)
                if state in ("inspected", "refunded", "exchanged", "rejected") and flow != "decline":
                    if received > 1 and rnd.random() < 0.03:
                        received -= 1
                        missing = 1
                    damaged = sum(1 for _ in range(received) if rnd.random() < 0.07)
                    restocked = received - damaged
                elif flow == "decline" and "inspected" in at:
                    damaged = received
                else:
                    restocked = received  # scanned as resellable, inspection not finished
            booked.append((self.next_line, line, qty, received, restocked, damaged, missing))
            self.next_line += 1
        accepted = sum(b[4] for b in booked)
        if state in ("refunded", "exchanged") and accepted == 0:
            state, flow = "rejected", "decline"
            steps[-1] = ("rejected", steps[-1][1])
        at = dict(steps)
        value = sum((quantize(line.line_total * qty / line.quantity) for line, qty in chosen), ZERO)
        number = self._rma_number(requested)
        decision = ""
        if state == "rejected":
            decision = "Rücksendefrist überschritten" if flow == "reject" else "Ware bei Prüfung nicht verkaufsfähig"
        elif state == "cancelled":
            decision = "Kunde behält die Ware"
        exchange_items = {b[1].sku: b[4] for b in booked if b[4]} if state == "exchanged" else {}
        closed = at.get(state) if state in ("refunded", "exchanged", "rejected", "cancelled") else None
        window = _local(order.delivered_at) + datetime.timedelta(days=order.window_days)
        self.requests.append(
            [
                rid, number, order.id, state, reason,
                rnd.choice(OTHER_TEXTS) if reason == "other" else "", rnd.choice(COMMENTS), window,
                auto and "approved" in at, decision, value, order.currency, "portal", requested,
                at.get("approved"), at.get("received"), at.get("inspected"), closed,
                f"LOADR{rid:012d}" if "approved" in at else "",
                "exchange" if flow == "exchange" else "refund", exchange_items,
                order.warehouse if "received" in at else None,
            ]
        )  # fmt: skip
        prev = ""
        for step, when in steps:
            reason_text = decision if step in ("rejected", "cancelled") else ""
            self.events.append([rid, prev, step, reason_text, "portal" if step == "requested" else "system", when])
            prev = step
        self.order_events.append(
            [order.id, "return", "", "", "portal", f"Return {number} requested.", {"return": number}, requested]
        )
        for line_id, line, qty, received, restocked, damaged, missing in booked:
            self.lines.append([line_id, rid, line.order_line, qty, received, restocked, damaged, missing, 0])
            if received:
                self.returned[line.order_line] = self.returned.get(line.order_line, 0) + received
                scanned = at["received"]
                for condition, n in (("resellable", restocked), ("damaged", damaged)):
                    if n:
                        self._unit(rid, line_id, line, order, condition, n, number, scanned)
        if state == "refunded":
            self._credit(order, rid, number, [(b[1], b[4]) for b in booked if b[4]], at["refunded"])

    def _unit(
        self, rid: int, line_id: int, line: _Line, order: _Order, condition: str, n: int, number: str, when: Any
    ) -> None:
        key = (line.product, order.warehouse)
        movement: dict[str, Any] | None = None
        if key in self.on_hand:
            movement = {
                "key": key, "quantity": n, "blocked": n if condition == "damaged" else 0,
                "reason": f"Return {number}", "reference": number, "at": when,
            }  # fmt: skip
            self.movements.append(movement)
        self.units.append(
            {"request": rid, "line": line_id, "condition": condition, "quantity": n, "movement": movement, "at": when}
        )

    # -- numbering --------------------------------------------------------------------------------
    def _rma_number(self, when: datetime.datetime) -> str:
        # Placeholder: numbered in creation order per year once every request is known.
        return f"#{self.next_request}"

    # -- money back ------------------------------------------------------------------------------
    def _credit(self, order: _Order, rid: int, number: str, accepted: list[tuple[_Line, int]], when: Any) -> None:
        everything = len(accepted) == len(order.lines) and all(q == line.quantity for line, q in accepted)
        nid = self.next_note
        self.next_note += 1
        note_lines: list[list[Any]] = []
        for position, (line, q) in enumerate(accepted, start=1):
            amount = line.line_total if q == line.quantity else quantize(line.line_total * q / line.quantity)
            note_lines.append(
                [nid, line.invoice_line, position, "product", line.sku, line.name, q, line.unit_price,
                 quantize(q * line.unit_price) - amount, line.vat_rate, amount]
            )  # fmt: skip
        product_sum = sum((row[10] for row in note_lines), ZERO)
        if everything:
            shipping, discount = order.shipping, order.discount
            rows = {Decimal(rate): (Decimal(v["net"]), Decimal(v["vat"]), Decimal(v["gross"]))
                    for rate, v in order.breakdown.items()}  # fmt: skip
            total, net, vat = order.total, order.net, order.vat
        else:
            shipping = ZERO
            discount = (
                min(quantize(order.discount * product_sum / order.subtotal), order.discount)
                if order.discount and order.subtotal
                else ZERO
            )
            totals = compute_totals(
                lines=[PricedLine(row[10], row[9]) for row in note_lines],
                price_mode="gross",
                shipping_total=ZERO,
                discount_total=discount,
            )
            rows = {Decimal(rate): (Decimal(v["net"]), Decimal(v["vat"]), Decimal(v["gross"]))
                    for rate, v in totals.vat_breakdown.items()}  # fmt: skip
            total, vat = totals.total, totals.vat_total
            net = total - vat
        if total <= 0:
            return
        self.notes.append(
            {
                "id": nid, "invoice": order.invoice, "order": order.id, "rid": rid, "rma": number, "at": when,
                "subtotal": product_sum, "shipping": shipping, "discount": discount, "net": net, "vat": vat,
                "total": total, "lines": note_lines,
                "rows": [[nid, rate, r[0], r[1], r[2]] for rate, r in rows.items() if any(r)],
            }
        )  # fmt: skip
        refund = min(total, order.captured) if order.capture is not None else ZERO
        paid = order.paid
        if refund > 0:
            refunded_at = min(max(when, (order.captured_at or when) + datetime.timedelta(hours=1)), self.now)
            tx = self.next_tx
            self.next_tx += 1
            self.refunds.append([tx, order.id, order.invoice, refund, order.currency, order.provider, order.capture,
                                 nid, rid, refunded_at])  # fmt: skip
            paid -= refund
            refunded = "refunded" if refund >= order.captured else "partially_refunded"
            self.order_payment_states.append([order.id, refunded])
        state = payment_state_for(
            total=order.total, paid=paid, credited=total, due_date=order.due_date, today=_local(self.now)
        )
        self.invoice_updates.append(
            [order.invoice, state, paid, total, order.total - total - paid, when if state == "paid" else None, when]
        )

    # -- writing ---------------------------------------------------------------------------------
    def write(self) -> None:
        ctx = self.ctx
        self._number_requests()
        ctx.bulk(
            ReturnRequest,
            ["id", "number", "order_id", "state", "reason", "reason_text", "comment", "window_ends_on",
             "auto_approved", "decision_reason", "value", "currency", "created_by_label", "created_at", "approved_at",
             "received_at", "inspected_at", "closed_at", "tracking_number", "resolution", "exchange_items",
             "warehouse_id"],
            self.requests, len(self.requests), "return requests",
        )  # fmt: skip
        ctx.bulk(
            ReturnLine,
            ["id", "request_id", "order_line_id", "quantity", "quantity_received", "quantity_restocked",
             "quantity_damaged", "quantity_missing", "quantity_scrapped"],
            self.lines, len(self.lines), "return lines",
        )  # fmt: skip
        ctx.bulk(
            ReturnEvent,
            ["request_id", "from_state", "to_state", "reason", "actor_label", "created_at"],
            self.events, len(self.events), "return events",
        )  # fmt: skip
        self._write_stock()
        ctx.bulk(
            ReturnUnit,
            ["request_id", "line_id", "condition", "quantity", "movement_id", "created_at"],
            ([u["request"], u["line"], u["condition"], u["quantity"], u["movement"]["id"] if u["movement"] else None,
              u["at"]] for u in self.units),
            len(self.units), "returned units",
        )  # fmt: skip
        self._update("orders_orderline", "quantity_returned", "int", list(self.returned.items()))
        self._write_credit_notes()
        self._write_refunds()
        ctx.bulk(
            OrderEvent,
            ["order_id", "kind", "from_state", "to_state", "actor_label", "message", "data", "created_at"],
            self.order_events, len(self.order_events), "order events",
        )  # fmt: skip

    def _number_requests(self) -> None:
        """RMA numbers per year in the order the requests came in, and the counters after them."""
        counters: dict[int, int] = {}
        for row in sorted(self.requests, key=lambda r: (r[13], r[0])):
            year = timezone.localtime(row[13]).year
            counters[year] = counters.get(year, 0) + 1
            old, row[1] = row[1], f"RMA-{year}-{counters[year]:06d}"
            self._renamed[old] = row[1]
        for event in self.order_events:
            event[5] = f"Return {self._renamed[event[6]['return']]} requested."
            event[6] = {"return": self._renamed[event[6]["return"]]}
        for unit_movement in self.movements:
            unit_movement["reference"] = self._renamed[unit_movement["reference"]]
            unit_movement["reason"] = f"Return {unit_movement['reference']}"
        for note in self.notes:
            note["rma"] = self._renamed[note["rma"]]
        self.ctx.bulk(RmaCounter, ["year", "last"], sorted(counters.items()), len(counters), "RMA counters")

    def _write_stock(self) -> None:
        """The return movements in time order, each with the on-hand it leaves, and the levels raised."""
        first = self.ctx.next_id(StockMovement)
        raised: dict[tuple[int, int], list[int]] = {}
        rows = []
        for i, m in enumerate(sorted(self.movements, key=lambda m: m["at"])):
            m["id"] = first + i
            self.on_hand[m["key"]] += m["quantity"]
            change = raised.setdefault(m["key"], [0, 0])
            change[0] += m["quantity"]
            change[1] += m["blocked"]
            rows.append([m["id"], m["key"][0], m["key"][1], "return", m["quantity"], m["blocked"],
                         self.on_hand[m["key"]], m["reason"], m["reference"], m["at"]])  # fmt: skip
        self.ctx.bulk(
            StockMovement,
            ["id", "product_id", "warehouse_id", "kind", "quantity", "blocked_change", "on_hand_after", "reason",
             "reference", "created_at"],
            rows, len(rows), "stock movements",
        )  # fmt: skip
        if raised:
            _copy_temp("load_stock_raise", ["product_id bigint", "warehouse_id bigint", "units int", "blocked int"],
                       [[k[0], k[1], v[0], v[1]] for k, v in raised.items()])  # fmt: skip
            self.ctx.execute(
                "UPDATE inventory_stocklevel l SET on_hand = l.on_hand + t.units, blocked = l.blocked + t.blocked"
                " FROM load_stock_raise t WHERE l.product_id = t.product_id AND l.warehouse_id = t.warehouse_id"
            )

    def _update(self, table: str, column: str, kind: str, rows: list[Any]) -> None:
        if not rows:
            return
        _copy_temp(f"load_set_{column}", ["id bigint", f"value {kind}"], rows)
        self.ctx.execute(f'UPDATE "{table}" x SET "{column}" = t.value FROM load_set_{column} t WHERE x.id = t.id')

    def _write_credit_notes(self) -> None:
        ctx = self.ctx
        if not self.notes:
            return
        counters: dict[int, int] = {}
        header = []
        for note in sorted(self.notes, key=lambda n: (n["at"], n["id"])):
            day = _local(note["at"])
            counters[day.year] = counters.get(day.year, 0) + 1
            note["number"] = f"GS-{day.year}-{counters[day.year]:06d}"
            header.append([note["id"], note["invoice"], note["number"], f"return:{note['rid']}#1", note["rma"], day,
                           note["subtotal"], note["shipping"], note["discount"], note["net"], note["vat"],
                           note["total"], note["at"]])  # fmt: skip
        _copy_temp(
            "load_credit",
            ["id bigint", "invoice_id bigint", "number text", "source text", "reason_text text", "credit_date date",
             "subtotal numeric", "shipping numeric", "discount numeric", "net numeric", "vat numeric",
             "total numeric", "issued_at timestamptz"],
            header,
        )  # fmt: skip
        # Unissued first (the triggers refuse lines on an issued credit note), the invoice's content copied.
        ctx.execute(
            """
            INSERT INTO billing_creditnote (
                id, number, language, buyer_name, buyer_company, buyer_street, buyer_line2, buyer_postcode,
                buyer_city, buyer_country, buyer_vat_id, buyer_email, delivery_name, delivery_company,
                delivery_street, delivery_line2, delivery_postcode, delivery_city, delivery_country, seller,
                tax_treatment, vat_country, legal_note, currency, price_mode, subtotal, shipping_total,
                discount_total, net_total, vat_total, total, issued_at, created_at, order_id, customer_id,
                invoice_id, reason, reason_text, credit_date, source, document_id, mailed_at
            )
            SELECT t.id, t.number, i.language, i.buyer_name, i.buyer_company, i.buyer_street, i.buyer_line2,
                   i.buyer_postcode, i.buyer_city, i.buyer_country, i.buyer_vat_id, i.buyer_email, i.delivery_name,
                   i.delivery_company, i.delivery_street, i.delivery_line2, i.delivery_postcode, i.delivery_city,
                   i.delivery_country, i.seller, i.tax_treatment, i.vat_country, i.legal_note, i.currency,
                   i.price_mode, t.subtotal, t.shipping, t.discount, t.net, t.vat, t.total, NULL, t.issued_at,
                   i.order_id, i.customer_id, i.id, 'return', t.reason_text, t.credit_date, t.source, NULL, t.issued_at
            FROM load_credit t JOIN billing_invoice i ON i.id = t.invoice_id
            """,
            label="credit notes",
            model=CreditNote,
        )
        lines = [line for note in self.notes for line in note["lines"]]
        ctx.bulk(
            CreditNoteLine,
            ["credit_note_id", "invoice_line_id", "position", "kind", "sku", "name", "quantity", "unit_price",
             "discount", "vat_rate", "line_total"],
            lines, len(lines), "credit note lines",
        )  # fmt: skip
        rows = [row for note in self.notes for row in note["rows"]]
        ctx.bulk(
            CreditNoteVatRow, ["credit_note_id", "vat_rate", "net", "vat", "gross"], rows, len(rows),
            "credit note VAT rows",
        )  # fmt: skip
        ctx.execute("UPDATE billing_creditnote n SET issued_at = t.issued_at FROM load_credit t WHERE n.id = t.id")
        ctx.execute(
            "INSERT INTO billing_numbercounter (series, year, last) VALUES "
            + ", ".join("('GS', %s, %s)" for _ in counters)
            + " ON CONFLICT (series, year) DO UPDATE SET last = GREATEST(billing_numbercounter.last, EXCLUDED.last)",
            [v for item in sorted(counters.items()) for v in item],
            model=NumberCounter,
        )
        # The invoices' payment side (the only columns an issued invoice lets change).
        _copy_temp(
            "load_invoice_credit",
            ["id bigint", "state text", "paid numeric", "credited numeric", "due numeric", "paid_at timestamptz",
             "at timestamptz"],
            self.invoice_updates,
        )  # fmt: skip
        ctx.execute(
            """
            UPDATE billing_invoice i SET state = t.state, amount_paid = t.paid, amount_credited = t.credited,
                amount_due = t.due, paid_at = CASE WHEN t.state = 'paid' THEN i.paid_at END,
                updated_at = GREATEST(i.updated_at, t.at)
            FROM load_invoice_credit t WHERE i.id = t.id
            """
        )
        for note in self.notes:
            self.order_events.append(
                [note["order"], "invoice", "", "", "system", f"Credit note {note['number']} issued ({note['rma']}).",
                 {"credit_note": note["number"], "total": str(note["total"])}, note["at"]]
            )  # fmt: skip

    def _write_refunds(self) -> None:
        ctx = self.ctx
        ctx.bulk(
            PaymentTransaction,
            ["id", "order_id", "kind", "amount", "currency", "provider", "provider_reference", "data", "created_at"],
            (
                [tx, oid, "refund", amount, currency, provider, f"load-refund-{rid}",
                 {"capture_id": capture, "reason": "Return", "token": f"return:{rid}", "credit_note_id": nid,
                  "source": "refund"}, at]
                for tx, oid, _inv, amount, currency, provider, capture, nid, rid, at in self.refunds
            ),
            len(self.refunds), "refunds",
        )  # fmt: skip
        ctx.bulk(
            InvoicePayment,
            ["invoice_id", "transaction_id", "amount", "created_at"],
            ([inv, tx, -amount, at] for tx, _oid, inv, amount, _c, _p, _cap, _nid, _rid, at in self.refunds),
            len(self.refunds), "invoice payments",
        )  # fmt: skip
        for tx, oid, _inv, amount, currency, _p, _cap, _nid, _rid, at in self.refunds:
            self.order_events.append(
                [oid, "payment", "", "", "system", f"Payment of {amount} {currency} refunded.",
                 {"kind": "refund", "amount": str(amount), "transaction": tx}, at]
            )  # fmt: skip
        if self.order_payment_states:
            _copy_temp("load_payment_state", ["id bigint", "value text"], self.order_payment_states)
            ctx.execute("UPDATE orders_order o SET payment_state = t.value FROM load_payment_state t WHERE o.id = t.id")


def _copy_temp(name: str, columns: list[str], rows: list[list[Any]]) -> None:
    """A temporary table ``name`` (dropped at commit) filled by COPY."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {name} ({', '.join(columns)}) ON COMMIT DROP")
        names = ", ".join(c.split()[0] for c in columns)
        with cursor.cursor.copy(f"COPY {name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write("\t".join(_encode(v) for v in row) + "\n")


def _encode(value: Any) -> str:
    """One value in COPY text format (the values written here: numbers, dates, plain text)."""
    if value is None:
        return "\\N"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def load_returns(ctx: LoadContext) -> None:
    loader = ReturnsLoader(ctx)
    for order in _orders(SHARE):
        loader.add(order)
    loader.write()


def register() -> None:
    seeding.register_load("returns", load_returns, order=70, models=MODELS)
