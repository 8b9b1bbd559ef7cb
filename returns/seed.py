"""Demo data for returns (seeder ``returns``, order 70, after billing): return requests in every
state, reached through the real services.

Four web shop and marketplace orders are picked, packed, shipped and delivered through
fulfillment's services (its ``Demo``), then customers ask to send items back:

- requested: a return worth more than ``RETURNS_AUTO_APPROVE_MAX_VALUE`` waits for support;
- approved (approved at once by the rule), received (one of two units scanned in), cancelled
  (the customer keeps the item);
- inspected: the unit is back and resellable; the credit note and refund are still on their way
  (billing's reaction is left to the sweep, as if its event were lost);
- refunded: credited and paid back (a marketplace order, paid at checkout);
- rejected: the only unit came back damaged (booked in as blocked), so nothing is refunded;
- exchanged: support chose a replacement before the unit came back; once inspected it became a
  zero-price replacement order, allocated and linked to the original (``Order.replacement_for``).

The approved return's label is booked and its parcel is on its way back (in transit, by the
carrier's events for the return label's number, ``fulfillment.seed.send_return_parcel``).

Claims without a return, on orders of their own: a parcel lost in transit (open, nothing decided
yet), an item missing from a delivered parcel (resolved with a free re-shipment: a replacement
order like an exchange's) and a parcel damaged in transit (resolved with a refund; the claim
against the carrier filed and paid).

Idempotent: does nothing when any return request exists.
"""

from __future__ import annotations

import contextlib
import datetime
import random
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from billing.seed import BillingDemo
from billing.services.issuing import issue_invoice_for_shipment
from billing.subscribers import credit_return
from fulfillment.models import Shipment
from fulfillment.seed import send_return_parcel
from fulfillment.services.labels import book_label
from fulfillment.services.shipping import ship_shipment
from inventory.models import BinLocation, Product, Warehouse
from inventory.services.stock import receive_stock
from oms import events
from orders.models import Channel, Order
from returns.models import ClaimKind, Condition, ReturnReason, ReturnRequest
from returns.services.claims import (
    file_carrier_claim,
    open_claim,
    record_carrier_payment,
    resolve_by_refund,
    resolve_by_reshipment,
)
from returns.services.receiving import receive_unit
from returns.services.requests import cancel_return, create_return
from returns.services.resolution import choose_exchange, resolve_return

ACTOR = "system:seed"
SHELF = "Z-93-01"


def _say(stdout: Any, text: str) -> None:
    if stdout is not None:
        stdout.write(text)


@contextlib.contextmanager
def _billing_reaction_pending() -> Iterator[None]:
    """Billing does not hear of the inspection (its event lost): the return stays inspected
    until returns' sweep resolves it."""
    events.unsubscribe("return.inspected", credit_return)
    try:
        yield
    finally:
        events.subscribe("return.inspected", credit_return)


class ReturnsDemo(BillingDemo):
    """Billing's demo orders, placed today by customers of their own, shipped and delivered."""

    prefix = "returns-demo"

    def sent_order(self, lines: dict[Product, int], *states: str, channel: str = "web") -> Order:
        """An order shipped and invoiced, then moved through the carrier's ``states``."""
        shipment = self._pack(self._pick(self._pick_list(lines, channel=channel)))
        book_label(shipment.pk)
        shipment = ship_shipment(shipment=Shipment.objects.get(pk=shipment.pk))
        issue_invoice_for_shipment(shipment_id=shipment.pk)  # what billing's subscriber does after commit
        self._track(shipment, *states)
        return Order.objects.get(pk=shipment.order_id)

    def delivered_order(self, lines: dict[Product, int], *, channel: str = "web") -> Order:
        return self.sent_order(lines, "in_transit", "out_for_delivery", "delivered", channel=channel)


def _line(order: Order) -> int:
    return order.lines.order_by("pk").values_list("pk", flat=True)[0]


def _return(order: Order, units: int, reason: str, **extra: Any) -> ReturnRequest:
    return create_return(order, {_line(order): units}, reason, by=None, actor_label=ACTOR, **extra)


def seed_returns(*, stdout: Any = None, scale: float = 1.0, today: datetime.date | None = None, **_: Any) -> None:
    if ReturnRequest.objects.exists():
        _say(stdout, "returns: return requests exist, skipped")
        return
    warehouse = Warehouse.objects.filter(active=True).order_by("priority", "code").first()
    channels = {c.code: c for c in Channel.objects.filter(code__in=["web", "marketplace"])}
    product = (
        Product.objects.filter(active=True, is_preorder=False, weight_grams__gt=0, withdrawal_exclusion="")
        .filter(Q(gross_price__gte=Decimal("5.00")))
        .order_by("sku")
        .first()
    )
    if warehouse is None or len(channels) < 2 or product is None:
        _say(stdout, "returns: no warehouse, channels or products (run the earlier seeders first), skipped")
        return
    shelf, _created = BinLocation.objects.get_or_create(
        warehouse=warehouse, code=SHELF, defaults={"pick_sequence": 9301}
    )
    limit = Decimal(str(settings.RETURNS_AUTO_APPROVE_MAX_VALUE))
    big = int(limit / product.gross_price) + 1  # units worth more than the auto-approval limit
    receive_stock(
        product=product, warehouse=warehouse, quantity=big + 20, bin=shelf, reason="Demo", reference="seed:returns"
    )
    demo = ReturnsDemo(warehouse=warehouse, channels=channels, products=[product] * 3, rng=random.Random(7070))
    demo.day = today or timezone.localdate()

    # Support decides: worth more than the rule approves alone.
    _return(demo.delivered_order({product: big}), big, ReturnReason.NOT_AS_DESCRIBED, comment="Farbe weicht ab")

    several = demo.delivered_order({product: 4})
    on_its_way = _return(several, 1, ReturnReason.DOES_NOT_FIT)  # approved by the rule
    send_return_parcel(on_its_way.number, "in_transit")  # its return label booked, the parcel on its way back
    received = _return(several, 2, ReturnReason.CHANGED_MIND)
    receive_unit(received, code=product.sku, condition=Condition.RESELLABLE, bin=shelf)  # one of two is back
    kept = _return(several, 1, ReturnReason.ARRIVED_TOO_LATE)
    cancel_return(kept, by=None, reason="Kundin behält den Artikel doch", actor_label=ACTOR)

    paid = demo.delivered_order({product: 2}, channel="marketplace")
    refunded = _return(paid, 1, ReturnReason.DAMAGED, comment="Ecke eingedrückt, Artikel selbst in Ordnung")
    receive_unit(refunded, code=product.sku, condition=Condition.RESELLABLE, bin=shelf)  # all back: inspected
    resolve_return(ReturnRequest.objects.get(pk=refunded.pk), actor_label=ACTOR)  # credited and paid back
    inspected = _return(paid, 1, ReturnReason.WRONG_ITEM)
    with _billing_reaction_pending():
        receive_unit(inspected, code=product.sku, condition=Condition.RESELLABLE, bin=shelf)

    broken = _return(demo.delivered_order({product: 1}), 1, ReturnReason.CHANGED_MIND)
    receive_unit(broken, code=product.sku, condition=Condition.DAMAGED)  # nothing accepted: rejected

    swapped = _return(demo.delivered_order({product: 1}), 1, ReturnReason.DOES_NOT_FIT)
    choose_exchange(swapped, {product.sku: 1}, by=None)  # support: another one instead of money back
    receive_unit(swapped, code=product.sku, condition=Condition.RESELLABLE, bin=shelf)  # exchanged

    _seed_claims(demo, product)

    states = sorted(set(ReturnRequest.objects.values_list("state", flat=True)))
    _say(stdout, f"returns: {ReturnRequest.objects.count()} return requests ({', '.join(states)}), 3 claims")


def _seed_claims(demo: ReturnsDemo, product: Product) -> None:
    """An open claim, one resolved with a free re-shipment and one with a refund."""
    lost = demo.sent_order({product: 1}, "in_transit")
    open_claim(
        lost.shipments.get(),
        ClaimKind.LOST,
        {_line(lost): 1},
        by=None,
        description="Seit einer Woche keine Sendungsverfolgung mehr",
        actor_label=ACTOR,
    )

    missing = demo.delivered_order({product: 2})
    reshipped = open_claim(
        missing.shipments.get(),
        ClaimKind.ITEM_MISSING,
        {_line(missing): 1},
        by=None,
        description="Nur ein Artikel im Paket",
        actor_label=ACTOR,
    )
    resolve_by_reshipment(reshipped, by=None, actor_label=ACTOR)

    damaged = demo.delivered_order({product: 1}, channel="marketplace")  # paid at checkout: money goes back
    refunded = open_claim(
        damaged.shipments.get(),
        ClaimKind.DAMAGED,
        {_line(damaged): 1},
        by=None,
        description="Karton zerdrückt, Artikel zerbrochen",
        actor_label=ACTOR,
    )
    resolve_by_refund(refunded, by=None, actor_label=ACTOR)
    file_carrier_claim(refunded, reference="DHL-SCHADEN-4711", by=None)
    record_carrier_payment(refunded, amount=Decimal("20.00"), by=None, note="Pauschale")
