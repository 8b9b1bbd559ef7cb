"""Cash on delivery: the carrier collects the money when the parcel is handed over, so the
delivery of a shipment of a cash-on-delivery order books its capture.

``collect_cash_on_delivery`` runs on ``shipment.delivered`` (subscribed in ``BillingConfig``),
and ``sweep_cash_on_delivery`` books any delivery that reaction missed (a subscriber after commit
can be lost): both are idempotent per shipment (``provider_reference="shipment:<pk>"``).

The amount: what the shipment's units are worth (their share of the line totals); the last
delivery of a fully shipped order collects whatever is still open (shipping, rounding).
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Value
from django.db.models.functions import Cast, Concat

from billing.services import payment_timeline
from billing.services.settlement import settle_locked_order
from fulfillment.models import Shipment, ShipmentState
from oms.money import ZERO, quantize
from orders import locks
from orders.models import Order, PaymentMethod, PaymentTransaction, TransactionKind
from orders.selectors.money import order_money_summary
from orders.services.payments import record_payment

logger = logging.getLogger(__name__)

PROVIDER = "cash_on_delivery"


def _reference(shipment: Shipment) -> str:
    return f"shipment:{shipment.pk}"


def _shipment_value(shipment: Shipment) -> Decimal:
    value = ZERO
    for line in shipment.lines.select_related("order_line"):
        ordered = line.order_line
        units = line.quantity_picked or line.quantity
        if ordered.quantity:
            value += ordered.line_total * units / ordered.quantity
    return quantize(value)


def _last_delivery(order: Order, shipment: Shipment) -> bool:
    if any(line.quantity_open > 0 for line in order.lines.all()):
        return False
    return not (
        Shipment.objects.filter(order=order)
        .exclude(pk=shipment.pk)
        .exclude(state__in=[ShipmentState.DELIVERED, ShipmentState.CANCELLED])
        .exists()
    )


@transaction.atomic
def collect_cash_on_delivery(*, shipment_id: int) -> PaymentTransaction | None:
    """Book what the carrier collected on delivering ``shipment_id``; None when there is nothing
    to book (not cash on delivery, not delivered, booked already, nothing open)."""
    shipment = Shipment.objects.select_related("order").get(pk=shipment_id)
    if shipment.order.payment_method != PaymentMethod.CASH_ON_DELIVERY or shipment.state != ShipmentState.DELIVERED:
        return None
    order = locks.lock_order(order_id=shipment.order_id)
    existing = PaymentTransaction.objects.filter(
        provider=PROVIDER, provider_reference=_reference(shipment), kind=TransactionKind.CAPTURE
    ).first()
    if existing is not None:
        return None
    owed = order_money_summary(order).owed
    amount = owed if _last_delivery(order, shipment) else min(_shipment_value(shipment), owed)
    if amount <= 0:
        return None
    tx = record_payment(
        order=order,
        kind=TransactionKind.CAPTURE,
        amount=amount,
        provider=PROVIDER,
        provider_reference=_reference(shipment),
        data={"shipment_id": shipment.pk, "source": PROVIDER},
        actor_label="system",
    )
    settle_locked_order(order_id=order.pk)  # which invoice the money pays (billing.services.settlement)
    payment_timeline.cash_on_delivery_collected(
        order, amount=amount, shipment_reference=shipment.reference, transaction_id=tx.pk
    )
    return tx


def on_shipment_delivered(payload: dict[str, Any]) -> None:
    """``shipment.delivered`` subscriber."""
    collect_cash_on_delivery(shipment_id=payload["shipment_id"])


def sweep_cash_on_delivery(*, limit: int = 500) -> int:
    """Book the delivered cash-on-delivery shipments that have no capture yet; how many were booked."""
    booked = PaymentTransaction.objects.filter(
        provider=PROVIDER,
        kind=TransactionKind.CAPTURE,
        provider_reference=Concat(Value("shipment:"), Cast(OuterRef("pk"), CharField())),
    )
    pending = list(
        Shipment.objects.filter(state=ShipmentState.DELIVERED, order__payment_method=PaymentMethod.CASH_ON_DELIVERY)
        .filter(~Exists(booked))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    count = 0
    for shipment_id in pending:
        try:
            if collect_cash_on_delivery(shipment_id=shipment_id) is not None:
                count += 1
        except Exception:
            logger.exception("Cash on delivery of shipment %s could not be booked", shipment_id)
    return count
