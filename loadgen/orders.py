"""The order half of the benchmark data set: channels, customers, orders, lines, events, allocations.

Rows are described by *semantic* keys (``billing_postcode``, ``shipping_total`` ...) and mapped
onto whatever fields the orders models have (``Mapper``), so a renamed or added column means a
change to an alias list here, not to the generator. Money is computed in integer cents and
written as exact decimals; totals reconcile: total = lines + shipping - discount.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.db import models

from loadgen import domain
from loadgen.copyload import TableCopy, create_indexes, drop_indexes, next_id, secondary_indexes
from loadgen.names import FIRST_NAMES, LAST_NAMES, STREETS
from oms.places import draw_place
from orders.services import promising as promised
from orders.services.totals import PricedLine, compute_totals

# --- field mapping ------------------------------------------------------------------------------


class Mapper:
    """Semantic keys -> the model's fields; keys whose field does not exist are left out."""

    def __init__(self, model: type[models.Model], aliases: dict[str, tuple[str, ...]]):
        names: dict[str, models.Field] = {}
        for f in model._meta.concrete_fields:
            names[f.name] = f
            names[f.attname] = f
        self.model = model
        self.keys: list[str] = []
        self.fields: list[str] = []
        self.field_of: dict[str, models.Field] = {}
        used: set[str] = set()
        for key, candidates in aliases.items():
            for name in candidates:
                f = names.get(name)
                if f is not None and f.attname not in used:
                    self.keys.append(key)
                    self.fields.append(f.attname)
                    self.field_of[key] = f
                    used.add(f.attname)
                    break

    def has(self, key: str) -> bool:
        return key in self.field_of

    def row(self, values: dict[str, Any]) -> list[Any]:
        return [values[k] for k in self.keys]

    def choice(self, key: str, *hints: str, default: str = "") -> str:
        """The choice value of field ``key`` that contains one of ``hints`` (for kinds, states)."""
        f = self.field_of.get(key)
        values = [str(v) for v, _ in (f.choices or [])] if f is not None else []
        for hint in hints:
            for v in values:
                if hint in v:
                    return v
        return values[0] if values and not default else default


def choice_values(model: type[models.Model], field_name: str) -> list[str]:
    try:
        f = model._meta.get_field(field_name)
    except Exception:
        return []
    return [str(v) for v, _ in (f.choices or [])]


def cents(c: int) -> str:
    sign = "-" if c < 0 else ""
    c = abs(c)
    return f"{sign}{c // 100}.{c % 100:02d}"


def vat_in_gross_cents(gross: int, rate: int) -> int:
    """VAT contained in a gross amount, half-up to the cent (rate in whole percent)."""
    if rate == 0:
        return 0
    return (gross * rate * 2 + (100 + rate)) // (2 * (100 + rate))


# --- aliases: semantic key -> candidate field names, first existing wins -------------------------

CHANNEL = {
    "id": ("id",),
    "code": ("code",),
    "name": ("name",),
    "kind": ("kind", "type"),
    "webhook_secret": ("webhook_secret",),
    "allows_split": ("allows_split_shipments", "allow_split_shipments", "allows_split"),
    "active": ("active", "is_active"),
}
CUSTOMER = {
    "id": ("id",),
    "email": ("email",),
    "name": ("name", "full_name"),
    "first_name": ("first_name",),
    "last_name": ("last_name",),
    "phone": ("phone",),
    "language": ("language",),
    "created_at": ("created_at",),
    "updated_at": ("updated_at",),
}
ADDRESS_PARTS = {
    "name": ("name",),
    "street": ("street", "address1", "line1"),
    "postcode": ("postcode", "postal_code", "zip"),
    "city": ("city",),
    "country": ("country", "country_code"),
}
ORDER = {
    "id": ("id",),
    "number": ("number",),
    "channel_id": ("channel_id",),
    "external_id": ("external_id",),
    "customer_id": ("customer_id",),
    "state": ("state",),
    "currency": ("currency",),
    "price_mode": ("price_mode",),
    "email": ("email", "customer_email"),
    "customer_name": ("customer_name",),
    **{
        f"{prefix}_{part}": tuple(f"{prefix}_{c}" for c in cands)
        for prefix in ("billing", "shipping")
        for part, cands in ADDRESS_PARTS.items()
    },
    "subtotal": ("subtotal", "subtotal_amount", "lines_total"),
    "shipping_total": ("shipping_total", "shipping_amount", "shipping"),
    "discount_total": ("discount_total", "discounts_total", "discount"),
    "tax_total": ("tax_total", "vat_total", "tax_amount"),
    "vat_breakdown": ("vat_breakdown",),
    "total": ("total", "grand_total", "total_amount"),
    "payment_method": ("payment_method",),
    "payment_state": ("payment_state", "payment_status"),
    "promised_ship_date": ("promised_ship_date",),
    "placed_at": ("placed_at", "ordered_at"),
    "created_at": ("created_at",),
    "updated_at": ("updated_at",),
    "search_text": ("search_text", "search_document"),
    "warehouse_id": ("warehouse_id", "routed_warehouse_id"),
    "confirmed_at": ("confirmed_at",),
    "allocated_at": ("allocated_at",),
    "released_at": ("released_at",),
    "shipped_at": ("shipped_at",),
    "delivered_at": ("delivered_at",),
    "completed_at": ("completed_at",),
    "cancelled_at": ("cancelled_at",),
    "cancel_reason": ("cancel_reason",),
    "hold_reason": ("hold_reason",),
    "held_from": ("state_before_hold", "held_from_state", "hold_return_state", "unhold_state"),
}
LINE = {
    "id": ("id",),
    "order_id": ("order_id",),
    "product_id": ("product_id",),
    "sku": ("sku",),
    "name": ("name", "product_name"),
    "quantity": ("quantity",),
    "unit_price": ("unit_price",),
    "discount": ("discount", "discount_amount"),
    "vat_rate": ("vat_rate",),
    "line_total": ("total", "line_total"),
    "tax": ("tax", "vat_amount", "tax_amount"),
    "allocated": ("quantity_allocated", "allocated_quantity"),
    "shipped": ("quantity_shipped", "shipped_quantity"),
    "returned": ("quantity_returned", "returned_quantity"),
    "cancelled": ("quantity_cancelled", "cancelled_quantity"),
    "position": ("position", "line_number", "sort_order"),
}
EVENT = {
    "order_id": ("order_id",),
    "kind": ("kind", "type", "event_type"),
    "from_state": ("from_state", "state_from", "old_state"),
    "to_state": ("to_state", "state_to", "new_state"),
    "actor": ("actor_label", "actor", "actor_name"),
    "message": ("message", "text", "description", "note"),
    "data": ("data", "payload", "details"),
    "created_at": ("created_at", "at", "timestamp"),
}
PAYMENT = {
    "order_id": ("order_id",),
    "kind": ("kind",),
    "amount": ("amount",),
    "currency": ("currency",),
    "provider": ("provider",),
    "provider_reference": ("provider_reference",),
    "data": ("data",),
    "created_at": ("created_at",),
}
ALLOCATION = {
    "line_id": ("line_id", "order_line_id"),
    "stock_level_id": ("stock_level_id",),
    "warehouse_id": ("warehouse_id",),
    "quantity": ("quantity",),
    "created_at": ("created_at",),
}

# --- the shape of the history --------------------------------------------------------------------

LINE_COUNTS = [1, 2, 3, 4, 5]
LINE_WEIGHTS = [40, 25, 15, 12, 8]
# (max age in days, [(state, weight), ...]): older orders are finished, recent ones in flight.
STATE_MIX = [
    (3, [("pending", 8), ("confirmed", 8), ("allocated", 30), ("in_fulfillment", 15), ("backordered", 12),
         ("on_hold", 8), ("shipped", 10), ("partially_shipped", 4), ("cancelled", 5)]),
    (14, [("allocated", 4), ("in_fulfillment", 6), ("backordered", 6), ("on_hold", 3), ("partially_shipped", 5),
          ("shipped", 35), ("delivered", 33), ("cancelled", 8)]),
    (45, [("shipped", 8), ("delivered", 35), ("completed", 45), ("cancelled", 7), ("partially_shipped", 2)]),
    (10**6, [("delivered", 5), ("completed", 86), ("cancelled", 9)]),
]  # fmt: skip
# The transitions that lead to each state (the order timeline).
PATHS = {
    "pending": [],
    "confirmed": ["confirmed"],
    "allocated": ["confirmed", "allocated"],
    "backordered": ["confirmed", "backordered"],
    "on_hold": ["confirmed", "allocated", "on_hold"],
    "in_fulfillment": ["confirmed", "allocated", "in_fulfillment"],
    "partially_shipped": ["confirmed", "allocated", "in_fulfillment", "partially_shipped"],
    "shipped": ["confirmed", "allocated", "in_fulfillment", "shipped"],
    "delivered": ["confirmed", "allocated", "in_fulfillment", "shipped", "delivered"],
    "completed": ["confirmed", "allocated", "in_fulfillment", "shipped", "delivered", "completed"],
    "cancelled": ["confirmed", "cancelled"],
}
# Seconds from the previous step to this one (uniform between the two): payment is confirmed in
# minutes, stock is allocated in seconds, the warehouse releases within the working day, ships within
# hours of picking, the carrier delivers in one to three days, and an order is complete once its
# return window has closed.
STEP_SECONDS = {
    "confirmed": (5, 600), "allocated": (1, 60), "backordered": (1, 60), "on_hold": (60, 7200),
    "in_fulfillment": (600, 8 * 3600), "partially_shipped": (1800, 6 * 3600), "shipped": (1800, 6 * 3600),
    "delivered": (16 * 3600, 3 * 86400), "completed": (14 * 86400, 15 * 86400), "cancelled": (600, 2 * 86400),
}  # fmt: skip
# States an order reaches only once stock is allocated: they have a promised ship date.
PROMISED_STATES = {"allocated", "on_hold", "in_fulfillment", "partially_shipped", "shipped", "delivered", "completed"}
# Who is paid through whom: prepaid methods capture when the order is confirmed; invoices are paid
# by bank transfer days after delivery.
PROVIDERS = {"card": "stripe", "paypal": "paypal", "marketplace": "marketplace", "invoice": "bank"}
# States whose lines hold reservations (allocation rows, counted in StockLevel.reserved).
RESERVING = {"allocated", "on_hold", "in_fulfillment", "partially_shipped"}
SHIPPED_STATES = {"shipped", "delivered", "completed"}
CHANNELS = [("web", "Webshop", ("web", "shop"), 60), ("marketplace", "Marktplatz", ("market",), 30),
            ("phone", "Telefon", ("phone",), 10)]  # fmt: skip


class OrdersLoader:
    """Writes channels, customers and orders for a ``loadgen.generator.Generator``."""

    def __init__(self, gen: Any, models_: dict[str, type]):
        self.gen = gen
        self.m = models_
        self.plan = gen.plan
        self.rnd = random.Random(gen.plan.seed + 7)
        self.now = gen.now
        self.state_values = set(choice_values(models_["Order"], "state"))

    # -- numbering and search text, as the domain does them ---------------------------------------
    def order_number(self, seq: int, placed: datetime.datetime) -> str:
        return domain.order_number(seq, placed)

    def search_text(self, values: dict[str, Any], skus: list[str]) -> str:
        return domain.search_text(values, skus)

    # -- run ----------------------------------------------------------------------------------------
    def run(self) -> None:
        channel_ids = self.load_channels()
        customers = self.load_customers()
        self.load_orders(channel_ids, customers)

    def load_channels(self) -> list[tuple[int, str, int]]:
        Channel = self.m["Channel"]
        mapper = Mapper(Channel, CHANNEL)
        first = next_id(Channel)
        rows, out = [], []
        for i, (code, name, hints, weight) in enumerate(CHANNELS):
            values = {
                "id": first + i,
                "code": code,
                "name": name,
                "kind": mapper.choice("kind", *hints),
                "webhook_secret": f"bench-secret-{code}",
                "allows_split": True,
                "active": True,
            }
            rows.append(mapper.row(values))
            out.append((first + i, code, weight))
        self.gen._bulk(Channel, mapper.fields, rows, len(rows), "channels")
        self.gen.result.info["api_channel"] = "web"
        return out

    def load_customers(self) -> list[tuple[int, str, str, tuple[str, str, str], str]]:
        Customer = self.m["Customer"]
        mapper = Mapper(Customer, CUSTOMER)

        rnd = self.rnd
        first = next_id(Customer)
        customers: list[tuple[int, str, str, tuple[str, str, str], str]] = []
        since = self.now - datetime.timedelta(days=self.plan.history_days)

        def rows() -> Iterator[list[Any]]:
            for i in range(self.plan.customers):
                fn, ln = rnd.choice(FIRST_NAMES), rnd.choice(LAST_NAMES)
                email = f"{_ascii(fn)}.{_ascii(ln)}.{i + 1}@example.de"
                city = tuple(draw_place(rnd))
                street = f"{rnd.choice(STREETS)} {rnd.randrange(1, 180)}"
                customers.append((first + i, email, f"{fn} {ln}", city, street))
                created = since + datetime.timedelta(seconds=rnd.randrange(self.plan.history_days * 86400))
                yield mapper.row(
                    {
                        "id": first + i,
                        "email": email,
                        "name": f"{fn} {ln}",
                        "first_name": fn,
                        "last_name": ln,
                        "phone": f"+49 30 {rnd.randrange(1000000, 9999999)}",
                        "language": "de" if city[2] in ("DE", "AT", "CH") else "en",
                        "created_at": created,
                        "updated_at": created,
                    }
                )

        self.gen._bulk(Customer, mapper.fields, rows(), self.plan.customers, "customers")
        return customers

    def load_orders(self, channels: list[tuple[int, str, int]], customers: list) -> None:
        Order, Line, Event, Allocation = (
            self.m["Order"],
            self.m["OrderLine"],
            self.m["OrderEvent"],
            self.m["Allocation"],
        )
        om, lm, em, am = Mapper(Order, ORDER), Mapper(Line, LINE), Mapper(Event, EVENT), Mapper(Allocation, ALLOCATION)
        Payment = self.m["PaymentTransaction"]
        pm = Mapper(Payment, PAYMENT)
        rnd = self.rnd
        gen = self.gen
        n = self.plan.orders
        first_order, first_line = next_id(Order), next_id(Line)

        # Days ago of every order, oldest first, with trend and weekly/yearly seasonality.
        days = list(range(self.plan.history_days))
        weights = [_day_weight(self.now - datetime.timedelta(days=d), d, self.plan.history_days) for d in days]
        order_days = sorted(rnd.choices(days, weights=weights, k=n), reverse=True)
        big_orders = set(rnd.sample(range(n), min(self.plan.big_orders, n)))
        channel_codes = [c for c in channels]
        channel_weights = [c[2] for c in channels]
        products = gen.product_ids
        # Popular products sell more: a skewed pick over the catalogue.
        product_weights = [1.0 / (1 + (i % 500)) ** 0.6 for i in range(len(products))]
        product_cum = _cumulative(product_weights)
        warehouses = gen.warehouse_ids
        levels = gen.stock_level_id
        state_value = {s: s for s in self.state_values}
        samples: dict[str, Any] = {}
        counts = {"lines": 0, "events": 0, "allocations": 0, "payments": 0}

        lines_out: list[list[Any]] = []
        events_out: list[list[Any]] = []
        alloc_out: list[list[Any]] = []
        payments_out: list[list[Any]] = []

        def state_for(age: int) -> str:
            for max_age, mix in STATE_MIX:
                if age <= max_age:
                    pool = [(s, w) for s, w in mix if s in state_value]
                    break
            return rnd.choices([s for s, _ in pool], weights=[w for _, w in pool])[0]

        line_id = first_line

        def order_rows() -> Iterator[list[Any]]:
            nonlocal line_id
            for i in range(n):
                oid = first_order + i
                age = order_days[i]
                placed = self.now - datetime.timedelta(days=age, seconds=rnd.randrange(86400))
                if placed > self.now:
                    placed = self.now - datetime.timedelta(minutes=5)
                state = state_for(age) if state_value else ""
                ch_id, ch_code, _w = rnd.choices(channel_codes, weights=channel_weights)[0]
                cust = customers[int(len(customers) * rnd.random() ** 1.3)]
                cid, email, cname, (postcode, city, country), street = cust
                n_lines = 50 if i in big_orders else rnd.choices(LINE_COUNTS, weights=LINE_WEIGHTS)[0]
                chosen = _pick_distinct(rnd, products, product_cum, n_lines)
                subtotal = 0
                gross_by_rate: dict[int, int] = {}
                skus = []
                shipped_half = n_lines // 2 if state == "partially_shipped" else 0
                for pos, pid in enumerate(chosen):
                    sku, name, gross, vat = gen.product_rows[pid]
                    qty = 1 if rnd.random() < 0.8 else rnd.randrange(2, 4)
                    if state == "partially_shipped" and n_lines == 1:
                        qty = max(qty, 2)  # one line shipped in part: its first parcel left one unit short
                    unit = int(gross * 100)
                    rate = int(vat)
                    total = unit * qty
                    vat_c = vat_in_gross_cents(total, rate)
                    subtotal += total
                    gross_by_rate[rate] = gross_by_rate.get(rate, 0) + total
                    skus.append(sku)
                    shipped = qty if state in SHIPPED_STATES or pos < shipped_half else 0
                    if state == "partially_shipped" and n_lines == 1:
                        shipped = qty - 1
                    reserving = state in RESERVING and shipped < qty
                    # quantity >= allocated + shipped + cancelled: shipped units are no longer allocated.
                    allocated = qty - shipped if reserving else 0
                    cancelled = qty if state == "cancelled" else 0
                    lines_out.append(
                        lm.row(
                            {
                                "id": line_id, "order_id": oid, "product_id": pid, "sku": sku, "name": name,
                                "quantity": qty, "unit_price": cents(unit), "discount": "0.00",
                                "vat_rate": f"{rate}.00", "line_total": cents(total), "tax": cents(vat_c),
                                "allocated": allocated, "shipped": shipped, "returned": 0, "cancelled": cancelled,
                                "position": pos + 1,
                            }
                        )
                    )  # fmt: skip
                    if reserving:
                        key = (pid, warehouses[0])
                        if key not in levels:
                            key = next(((pid, w) for w in warehouses if (pid, w) in levels), key)
                        if key in levels:
                            gen.reserved[key] = gen.reserved.get(key, 0) + allocated
                            alloc_out.append(
                                am.row(
                                    {"line_id": line_id, "stock_level_id": levels[key], "warehouse_id": key[1],
                                     "quantity": allocated, "created_at": placed}
                                )
                            )  # fmt: skip
                    line_id += 1
                method = rnd.choices(("invoice", "card", "paypal", "marketplace"), weights=(40, 30, 20, 10))[0]
                shipping = 0 if subtotal >= 5000 else 490
                discount = 500 if subtotal > 10000 and rnd.random() < 0.1 else 0
                vat_total, breakdown = _totals(tuple(sorted(gross_by_rate.items())), shipping, discount)
                values = {
                    "id": oid,
                    "number": self.order_number(i + 1, placed),
                    "channel_id": ch_id,
                    "external_id": f"{ch_code.upper()}-{100000 + i}",
                    "customer_id": cid,
                    "state": state,
                    "currency": "CHF" if country == "CH" else ("PLN" if country == "PL" else "EUR"),
                    "price_mode": "gross",
                    "email": email,
                    "customer_name": cname,
                    "subtotal": cents(subtotal),
                    "shipping_total": cents(shipping),
                    "discount_total": cents(discount),
                    "tax_total": cents(vat_total),
                    "vat_breakdown": breakdown,
                    "total": cents(subtotal + shipping - discount),
                    "payment_method": method,
                    "placed_at": placed,
                    "created_at": placed,
                    "updated_at": placed,
                    "warehouse_id": warehouses[0] if state not in ("pending", "confirmed", "backordered") else None,
                    "hold_reason": "Adresse prüfen" if state == "on_hold" else "",
                    "held_from": "allocated" if state == "on_hold" else "",
                    "cancel_reason": "Kunde hat storniert" if state == "cancelled" else "",
                }
                values.update(self._timestamps(state, placed))
                values["payment_state"] = self._payments(
                    pm, payments_out, oid, method, state, subtotal + shipping - discount, values
                )
                allocated_at = values.get("allocated_at")
                values["promised_ship_date"] = (
                    promised.ship_date(cutoff=None, country="DE", at=allocated_at)
                    if state in PROMISED_STATES and allocated_at is not None
                    else None
                )
                for prefix in ("billing", "shipping"):
                    values[f"{prefix}_name"] = cname
                    values[f"{prefix}_street"] = street
                    values[f"{prefix}_postcode"] = postcode
                    values[f"{prefix}_city"] = city
                    values[f"{prefix}_country"] = country
                values["search_text"] = self.search_text(values, skus)
                if i in big_orders and "big_order_number" not in samples:
                    samples["big_order_number"] = values["number"]
                if i == n // 2:
                    samples.update(number=values["number"], email=email, postcode=postcode, channel=ch_code)
                self._events(em, events_out, oid, state, placed)
                yield om.row(values)

        copies: dict[str, Any] = {}

        def flush_children() -> None:
            # After their orders, one COPY at a time (a connection runs one COPY at once).
            children = (
                ("lines", lines_out), ("events", events_out), ("allocations", alloc_out), ("payments", payments_out),
            )  # fmt: skip
            for key, rows in children:
                if rows:
                    with copies[key] as copy:
                        copy.add_many(rows)
                    counts[key] += len(rows)
                    rows.clear()

        # Orders and their children stream in one pass: four COPYs open at once.
        tables = [
            (Order, om, "orders"), (Line, lm, "lines"), (Event, em, "events"), (Allocation, am, "allocations"),
            (Payment, pm, "payments"),
        ]  # fmt: skip
        dropped = []
        for model, _mapper, _label in tables:
            idx = secondary_indexes(model._meta.db_table)
            drop_indexes(idx)
            dropped.append(idx)
        bar = gen.progress("orders", n)
        order_copy = TableCopy(Order, om.fields, now=self.now)
        copies["lines"] = TableCopy(Line, lm.fields, now=self.now)
        copies["events"] = TableCopy(Event, em.fields, now=self.now)
        copies["allocations"] = TableCopy(Allocation, am.fields, now=self.now)
        copies["payments"] = TableCopy(Payment, pm.fields, now=self.now)
        # One connection, one COPY at a time: orders are buffered in chunks, children follow.
        written = 0
        chunk: list[list[Any]] = []
        for row in order_rows():
            chunk.append(row)
            if len(chunk) >= 5000:
                written += self._write_chunk(order_copy, chunk, copies, flush_children)
                bar.update(len(chunk))
                chunk = []
        if chunk:
            written += self._write_chunk(order_copy, chunk, copies, flush_children)
            bar.update(len(chunk))
        bar.close()
        for idx in dropped:
            create_indexes(idx)
        for model, _mapper, _label in tables:
            if model not in gen.loaded_models:
                gen.loaded_models.append(model)
        domain.advance_number_sequence(n)
        gen.result.counts["orders"] = written
        gen.result.counts["order lines"] = counts["lines"]
        gen.result.counts["order events"] = counts["events"]
        gen.result.counts["allocations"] = counts["allocations"]
        gen.result.counts["payment transactions"] = counts["payments"]
        gen.result.info["samples"] = samples
        gen.result.info["order_fields_not_set"] = sorted(
            f.name for f in Order._meta.concrete_fields if f.attname not in om.fields
        )

    def _write_chunk(self, order_copy, chunk, copies, flush_children) -> int:
        """COPY a chunk of orders, then the lines/events/allocations generated with them."""
        with order_copy:
            order_copy.add_many(chunk)
        flush_children()
        return len(chunk)

    def _steps(self, state: str, placed: datetime.datetime) -> list[tuple[str, datetime.datetime]]:
        """The transitions that led to ``state`` with their times (cached per order for events)."""
        rnd = self.rnd
        path = PATHS.get(state, [])
        delays = [rnd.uniform(*STEP_SECONDS.get(step, (60, 3600))) for step in path]
        # A recent order's history fits between its placement and now: the steps keep their order
        # and proportions, only closer together.
        room = (self.now - placed).total_seconds() - 60
        total = sum(delays)
        scale = min(1.0, max(room, 0) / total) if total else 1.0
        at, steps = placed, []
        for step, delay in zip(path, delays, strict=True):
            at += datetime.timedelta(seconds=delay * scale)
            steps.append((step, at))
        return steps

    def _timestamps(self, state: str, placed: datetime.datetime) -> dict[str, Any]:
        self._last_steps = self._steps(state, placed)
        stamp = {f"{k}_at": None for k in ("confirmed", "allocated", "released", "shipped", "delivered",
                                           "completed", "cancelled")}  # fmt: skip
        names = {"confirmed": "confirmed", "allocated": "allocated", "in_fulfillment": "released",
                 "shipped": "shipped", "delivered": "delivered", "completed": "completed",
                 "cancelled": "cancelled"}  # fmt: skip
        for step, at in self._last_steps:
            if step in names:
                stamp[f"{names[step]}_at"] = at
        return stamp

    def _payments(
        self, pm: Mapper, out: list, oid: int, method: str, state: str, total: int, values: dict[str, Any]
    ) -> str:
        """The order's payment rows (appended to ``out``) and the payment state they mean."""
        self._last_payments: list[tuple[str, int, str, datetime.datetime]] = []
        provider = PROVIDERS[method]
        currency = values["currency"]
        at: datetime.datetime | None
        if method == "invoice":
            # Paid by transfer 3 to 20 days after delivery, if that day has come.
            delivered = values.get("delivered_at")
            at = delivered + datetime.timedelta(days=self.rnd.uniform(3, 20)) if delivered else None
            if at is not None and at > self.now:
                at = None
        else:
            at = values.get("confirmed_at")
        if at is None or total <= 0:
            return "unpaid"

        def row(kind: str, when: datetime.datetime) -> list[Any]:
            self._last_payments.append((kind, total, currency, when))
            return pm.row(
                {
                    "order_id": oid, "kind": kind, "amount": cents(total), "currency": currency,
                    "provider": provider, "provider_reference": f"load-{oid}", "data": {}, "created_at": when,
                }
            )  # fmt: skip

        out.append(row("capture", at))
        cancelled = values.get("cancelled_at")
        if state == "cancelled" and cancelled is not None:
            out.append(row("refund", max(cancelled, at)))
            return "refunded"
        return "paid"

    def _events(self, em: Mapper, out: list, oid: int, state: str, placed: datetime.datetime) -> None:
        out.append(em.row(_event(oid, "placed", "", "pending", placed)))
        prev = "pending"
        for step, at in self._last_steps:
            out.append(em.row(_event(oid, "transition", prev, step, at)))
            prev = step
        for kind, amount, currency, at in self._last_payments:
            event = _event(oid, "payment", "", "", at)
            verb = "refunded" if kind == "refund" else "captured"
            event["message"] = f"Payment of {cents(amount)} {currency} {verb}."
            event["data"] = {"kind": kind, "amount": cents(amount)}
            out.append(em.row(event))


@lru_cache(maxsize=1 << 18)
def _totals(gross_by_rate: tuple[tuple[int, int], ...], shipping: int, discount: int) -> tuple[int, dict[str, Any]]:
    """VAT total (cents) and breakdown of a gross-priced order, as intake computes them
    (``orders.services.totals``: shipping and discount shared over the rates); amounts in cents.
    Orders repeat the same sums per rate often, so the Decimal arithmetic runs once per shape."""
    totals = compute_totals(
        lines=[PricedLine(Decimal(gross) / 100, Decimal(rate)) for rate, gross in gross_by_rate],
        price_mode="gross",
        shipping_total=Decimal(shipping) / 100,
        discount_total=Decimal(discount) / 100,
    )
    return int(totals.vat_total * 100), totals.vat_breakdown


def _event(oid: int, kind: str, from_state: str, to_state: str, at: datetime.datetime) -> dict[str, Any]:
    return {
        "order_id": oid,
        "kind": kind,
        "from_state": from_state,
        "to_state": to_state,
        "actor": "system",
        "message": f"{from_state} → {to_state}" if from_state else "Order received",
        "data": {},
        "created_at": at,
    }


def _day_weight(day: datetime.datetime, age: int, history: int) -> float:
    trend = 1.0 + 0.8 * (1 - age / history)
    weekly = (1.1, 1.05, 1.0, 1.0, 0.95, 0.8, 0.9)[day.weekday()]
    yearly = {11: 1.5, 12: 1.7, 1: 0.8, 7: 0.85, 8: 0.85}.get(day.month, 1.0)
    return trend * weekly * yearly


def _cumulative(weights: list[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


def _pick_distinct(rnd: random.Random, items: list[int], cum: list[float], k: int) -> list[int]:
    if k >= len(items):
        return list(items)
    picked: list[int] = []
    seen: set[int] = set()
    while len(picked) < k:
        for item in rnd.choices(items, cum_weights=cum, k=k - len(picked)):
            if item not in seen:
                seen.add(item)
                picked.append(item)
    return picked


def _ascii(text: str) -> str:
    return text.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
