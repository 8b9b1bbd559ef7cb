"""Demo data for orders (seeder ``orders``, order 40, after the inventory catalogue and demand).

- channels: web shop, marketplace (no split shipments), phone;
- customers with German and Austrian addresses;
- two years of order history with weekly and yearly seasonality (busy Mondays and Novembers,
  quiet Sundays and summers), written with bulk inserts: completed, delivered, shipped or
  cancelled orders that hold no stock, so inventory's reserved counts stay exact;
- a few dozen recent open orders through the real intake service (allocated, backordered,
  on hold, released, cancelled), so allocations and reservations are consistent.

Idempotent: does nothing when the demo channels already have orders. Seconds on SQLite.
"""

from __future__ import annotations

import datetime
import math
import random
import secrets
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from inventory.models import Product
from oms.places import draw_place
from orders.models import (
    Channel,
    ChannelKind,
    Customer,
    EventKind,
    Order,
    OrderEvent,
    OrderLine,
    OrderState,
    PaymentMethod,
    PaymentState,
)
from orders.services.numbering import next_order_numbers
from orders.services.timeline import build_search_text
from orders.services.totals import PricedLine, compute_totals, line_total

CHANNELS = [
    ("web", "Webshop", ChannelKind.WEB_SHOP, True, "shopify"),
    ("marketplace", "Marktplatz", ChannelKind.MARKETPLACE, False, ""),
    ("phone", "Telefon", ChannelKind.PHONE, True, ""),
]
FIRST = [
    "Anna",
    "Lukas",
    "Mia",
    "Leon",
    "Emma",
    "Paul",
    "Hannah",
    "Jonas",
    "Sofia",
    "Felix",
    "Lena",
    "Max",
    "Marie",
    "Elias",
    "Lea",
    "Noah",
    "Clara",
    "Ben",
    "Emilia",
    "Finn",
    "Ida",
    "Jakob",
    "Greta",
    "Moritz",
]
LAST = [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Braun",
    "Zimmermann",
    "Hofer",
]
STREETS = ["Hauptstraße", "Bahnhofstraße", "Gartenweg", "Lindenallee", "Schulstraße", "Am Markt", "Bergstraße"]
SHIPPING = Decimal("4.90")
FREE_SHIPPING_FROM = Decimal("50.00")


def _say(stdout: Any, text: str) -> None:
    if stdout is not None:
        stdout.write(text)


def demo_webhook_secret(code: str) -> str:
    """The published secret a demo channel signs with (the demo shop scripts know it)."""
    return f"demo-{code}-secret"


def _webhook_secret(code: str) -> str:
    """The demo secret in demo mode only; otherwise a random one nobody knows, so a database that
    ran ``seed_demo`` without demo mode accepts no forged webhook (the admin sets the shop's
    real secret on the channel)."""
    return demo_webhook_secret(code) if settings.DEMO_MODE else secrets.token_urlsafe(32)


def _channels() -> dict[str, Channel]:
    out = {}
    for code, name, kind, split, platform in CHANNELS:
        out[code], _created = Channel.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "allows_split_shipments": split,
                "platform": platform,
                "webhook_secret": _webhook_secret(code) if platform else "",
                # A marketplace confirms its orders to its buyers itself.
                "shop_sent_mails": ["order_confirmation"] if kind == ChannelKind.MARKETPLACE else [],
            },
        )
    return out


def _customers(rng: random.Random, count: int) -> list[Customer]:
    existing = {c.email for c in Customer.objects.filter(email__endswith="@kunden.example")}
    rows = []
    for i in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = f"{first}.{last}.{i}@kunden.example".lower()
        if email in existing:
            continue
        rows.append(
            Customer(
                email=email,
                name=f"{first} {last}",
                phone=f"+49 30 {rng.randint(1000000, 9999999)}",
                language="de" if rng.random() < 0.85 else "en",
                company=f"{last} GmbH" if rng.random() < 0.1 else "",
            )
        )
    Customer.objects.bulk_create(rows, batch_size=1000)
    return list(Customer.objects.filter(email__endswith="@kunden.example").order_by("pk"))


def _seasonality(day: datetime.date) -> float:
    weekly = [1.25, 1.1, 1.05, 1.0, 0.95, 0.8, 0.7][day.weekday()]
    doy = day.timetuple().tm_yday
    yearly = 1 + 0.35 * math.cos(2 * math.pi * (doy - 335) / 365.25)  # peak early December
    if day.month == 11 and 22 <= day.day <= 30:
        yearly *= 1.6  # Black Friday week
    return weekly * yearly


def _address(prefix: str, customer: Customer, rng: random.Random) -> dict[str, str]:
    postcode, city, country = draw_place(rng)
    return {
        f"{prefix}_name": customer.name,
        f"{prefix}_company": customer.company,
        f"{prefix}_street": f"{rng.choice(STREETS)} {rng.randint(1, 120)}",
        f"{prefix}_postcode": postcode,
        f"{prefix}_city": city,
        f"{prefix}_country": country,
        f"{prefix}_phone": customer.phone,
    }


def _history(
    rng: random.Random, channels: dict[str, Channel], customers: list[Customer], products: list[Product], scale: float
) -> int:
    today = timezone.localdate()
    start = today - datetime.timedelta(days=730)
    tz = timezone.get_current_timezone()
    plan: list[tuple[datetime.datetime, str]] = []
    for offset in range(730 - 3):
        day = start + datetime.timedelta(days=offset)
        growth = 0.7 + 0.6 * offset / 730
        expected = 7 * scale * growth * _seasonality(day)
        count = int(expected) + (1 if rng.random() < expected - int(expected) else 0)
        age = (today - day).days
        for _ in range(count):
            moment = datetime.datetime.combine(day, datetime.time(rng.randint(7, 22), rng.randint(0, 59)), tz)
            if rng.random() < 0.04:
                state = OrderState.CANCELLED
            elif age > 21:
                state = OrderState.COMPLETED
            elif age > 5:
                state = OrderState.DELIVERED
            else:
                state = OrderState.SHIPPED
            plan.append((moment, state))
    numbers: list[str] = []
    for year in sorted({m.year for m, _s in plan}):
        numbers.extend(next_order_numbers(sum(1 for m, _s in plan if m.year == year), on=datetime.date(year, 1, 1)))
    channel_weights = [("web", 0.65), ("marketplace", 0.25), ("phone", 0.10)]
    orders: list[Order] = []
    lines_by_order: list[list[OrderLine]] = []
    for (moment, state), number in zip(plan, numbers, strict=True):
        customer = rng.choice(customers)
        code = rng.choices([c for c, _w in channel_weights], [w for _c, w in channel_weights])[0]
        lines = []
        for position, product in enumerate(
            rng.sample(products, k=min(len(products), rng.choice([1, 1, 1, 2, 2, 3]))), 1
        ):
            quantity = rng.choice([1, 1, 1, 1, 2, 2, 3])
            total = line_total(quantity=quantity, unit_price=product.gross_price)
            shipped = 0 if state == OrderState.CANCELLED else quantity
            lines.append(
                OrderLine(
                    position=position,
                    product=product,
                    sku=product.sku,
                    name=product.name[:200],
                    quantity=quantity,
                    unit_price=product.gross_price,
                    vat_rate=product.vat_rate,
                    line_total=total,
                    quantity_shipped=shipped,
                    quantity_cancelled=quantity - shipped,
                    quantity_returned=1 if shipped and state == OrderState.COMPLETED and rng.random() < 0.05 else 0,
                )
            )
        subtotal = sum((ln.line_total for ln in lines), Decimal("0"))
        totals = compute_totals(
            lines=[PricedLine(ln.line_total, ln.vat_rate) for ln in lines],
            price_mode="gross",
            shipping_total=Decimal("0.00") if subtotal >= FREE_SHIPPING_FROM else SHIPPING,
            discount_total=Decimal("0.00"),
        )
        method = rng.choice([PaymentMethod.INVOICE, PaymentMethod.CARD, PaymentMethod.PAYPAL, PaymentMethod.PAYPAL])
        if code == "marketplace":
            method = PaymentMethod.MARKETPLACE
        stamps = {"confirmed_at": moment + datetime.timedelta(minutes=2)}
        if state != OrderState.CANCELLED:
            stamps |= {
                "allocated_at": moment + datetime.timedelta(minutes=2),
                "released_at": moment + datetime.timedelta(hours=2),
                "shipped_at": moment + datetime.timedelta(hours=rng.randint(4, 40)),
            }
            if state in (OrderState.DELIVERED, OrderState.COMPLETED):
                stamps["delivered_at"] = stamps["shipped_at"] + datetime.timedelta(days=rng.randint(1, 3))
            if state == OrderState.COMPLETED:
                stamps["completed_at"] = stamps["delivered_at"] + datetime.timedelta(days=14)
        else:
            stamps["cancelled_at"] = moment + datetime.timedelta(hours=1)
        last = max(stamps.values())
        order = Order(
            number=number,
            channel=channels[code],
            external_id=f"{code}-{number}" if code != "phone" else "",
            customer=customer,
            email=customer.email,
            **_address("billing", customer, rng),
            currency="EUR",
            price_mode="gross",
            subtotal=totals.subtotal,
            shipping_total=totals.shipping_total,
            discount_total=totals.discount_total,
            vat_breakdown=totals.vat_breakdown,
            vat_total=totals.vat_total,
            total=totals.total,
            payment_method=method,
            payment_state=PaymentState.UNPAID if state == OrderState.CANCELLED else PaymentState.PAID,
            state=state,
            cancel_reason="Kunde hat storniert" if state == OrderState.CANCELLED else "",
            placed_at=moment,
            created_at=moment,
            updated_at=last,
            **stamps,
        )
        for part in ("name", "company", "street", "postcode", "city", "country", "phone"):
            setattr(order, f"shipping_{part}", getattr(order, f"billing_{part}"))
        order.search_text = build_search_text(order, lines)
        orders.append(order)
        lines_by_order.append(lines)
    with transaction.atomic():
        Order.objects.bulk_create(orders, batch_size=2000)
        if orders and orders[0].pk is None:  # databases that do not return ids from bulk inserts
            pks = dict(Order.objects.filter(number__in=numbers).values_list("number", "pk"))
            for order in orders:
                order.pk = pks[order.number]
        all_lines, events = [], []
        for order, lines in zip(orders, lines_by_order, strict=True):
            for line in lines:
                line.order = order
                all_lines.append(line)
            events.append(
                _event(order, EventKind.PLACED, "", OrderState.PENDING, order.placed_at, "Bestellung eingegangen.")
            )
            if order.state == OrderState.CANCELLED:
                events.append(
                    _event(
                        order,
                        EventKind.CANCELLATION,
                        OrderState.CONFIRMED,
                        OrderState.CANCELLED,
                        order.cancelled_at,
                        "Storniert: Kunde hat storniert",
                    )
                )
                continue
            # History keeps its first and last step (the full trail is for live orders).
            events.append(
                _event(
                    order,
                    EventKind.TRANSITION,
                    OrderState.IN_FULFILLMENT,
                    order.state,
                    order.completed_at or order.delivered_at or order.shipped_at,
                    "Abgeschlossen." if order.completed_at else "Versendet.",
                )
            )
        OrderLine.objects.bulk_create(all_lines, batch_size=5000)
        OrderEvent.objects.bulk_create(events, batch_size=5000)
    return len(orders)


def _event(order: Order, kind: str, from_state: str, to_state: str, at: datetime.datetime, message: str) -> OrderEvent:
    return OrderEvent(
        order=order,
        kind=kind,
        actor_label="system:seed",
        from_state=from_state,
        to_state=to_state,
        message=message,
        created_at=at,
    )


def _open_orders(
    rng: random.Random, channels: dict[str, Channel], customers: list[Customer], products: list[Product], count: int
) -> int:
    """Recent open orders through the real services, so stock reservations match allocations."""
    from oms.exceptions import DomainError
    from orders.services.drafts import AddressDraft, CustomerDraft, LineDraft, OrderDraft
    from orders.services.intake import place_order
    from orders.services.lifecycle import cancel_order, hold_order, release_to_fulfillment

    placed = 0
    for i in range(count):
        customer = rng.choice(customers)
        postcode, city, country = draw_place(rng)
        address = AddressDraft(
            name=customer.name,
            street=f"{rng.choice(STREETS)} {rng.randint(1, 90)}",
            postcode=postcode,
            city=city,
            country=country,
            phone=customer.phone,
        )
        chosen = rng.sample(products, k=min(len(products), rng.choice([1, 2, 3])))
        code = rng.choice(["web", "web", "marketplace", "phone"])
        draft = OrderDraft(
            customer=CustomerDraft(email=customer.email, name=customer.name, phone=customer.phone),
            billing_address=address,
            shipping_address=address,
            lines=[LineDraft(sku=p.sku, quantity=rng.choice([1, 1, 2]), unit_price=p.gross_price) for p in chosen],
            shipping_total=SHIPPING,
            payment_method=PaymentMethod.MARKETPLACE
            if code == "marketplace"
            else rng.choice([PaymentMethod.INVOICE, PaymentMethod.INVOICE, PaymentMethod.PREPAYMENT]),
            payment_captured=code == "marketplace",
            external_id=f"{code}-open-{i}" if code != "phone" else "",
            placed_at=timezone.now() - datetime.timedelta(hours=rng.randint(1, 60)),
        )
        try:
            order = place_order(channel=channels[code], draft=draft, actor_label="system:seed").order
            placed += 1
            roll = rng.random()
            if roll < 0.1:
                hold_order(order=order, reason="Adresse prüfen", actor_label="system:seed")
            elif roll < 0.17:
                cancel_order(order=order, reason="Kunde hat storniert", actor_label="system:seed")
            elif roll < 0.45 and order.state == OrderState.ALLOCATED:
                release_to_fulfillment(order=order, actor_label="system:seed")
        except DomainError:
            continue
    return placed


def seed_orders(*, stdout: Any = None, scale: float = 1.0, **_: Any) -> None:
    channels = _channels()
    if Order.objects.filter(channel__in=channels.values()).exists():
        _say(stdout, "orders: demo orders exist, skipped")
        return
    rng = random.Random(4711)
    scale = max(min(scale, 10.0), 0.01)
    products = list(Product.objects.filter(active=True, is_preorder=False).order_by("sku"))
    if not products:
        _say(stdout, "orders: no products (run the inventory seeder first), skipped")
        return
    customers = _customers(rng, max(20, int(400 * scale)))
    history = _history(rng, channels, customers, products, scale)
    open_orders = _open_orders(rng, channels, customers, products, max(10, int(40 * min(scale, 1.0))))
    _say(
        stdout,
        f"orders: {len(channels)} channels, {len(customers)} customers, {history} past orders, "
        f"{open_orders} open orders",
    )
