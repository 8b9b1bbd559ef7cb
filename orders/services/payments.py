"""Payments: append-only transactions; the order's payment state follows from them.

``payment.captured`` (published by billing/payment integrations) confirms a pending order
through ``record_payment``; so does a capture recorded here directly.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from oms.events import publish
from oms.money import ZERO, quantize
from oms.texts import text
from orders import locks
from orders.exceptions import OrderEditError
from orders.models import EventKind, Order, OrderState, PaymentState, PaymentTransaction, TransactionKind
from orders.services.lifecycle import confirm_order
from orders.services.timeline import record_event


def _payment_state(order: Order) -> str:
    sums = {
        row["kind"]: row["s"]
        for row in PaymentTransaction.objects.filter(order=order).values("kind").annotate(s=Sum("amount"))
    }
    captured = sums.get(TransactionKind.CAPTURE, ZERO)
    refunded = sums.get(TransactionKind.REFUND, ZERO)
    if refunded and refunded >= captured:
        return PaymentState.REFUNDED
    if refunded:
        return PaymentState.PARTIALLY_REFUNDED
    if captured and captured >= order.total:
        return PaymentState.PAID
    if sums.get(TransactionKind.AUTHORIZATION) or captured:
        return PaymentState.AUTHORIZED
    return PaymentState.UNPAID


@transaction.atomic
def record_payment(
    *,
    order: Order,
    kind: str,
    amount: Decimal,
    provider: str = "",
    provider_reference: str = "",
    data: dict[str, Any] | None = None,
    actor_label: str = "system",
    user: Any = None,
) -> PaymentTransaction:
    """Append a payment transaction (idempotent per provider reference and kind), update the
    payment state, and confirm a pending order once it is paid in full."""
    if kind not in TransactionKind.values:
        raise OrderEditError(_("Unknown payment kind."), field="kind")
    amount = quantize(amount)
    if amount <= 0:
        raise OrderEditError(_("The amount must be greater than zero."), field="amount")
    order = locks.lock_order(order_id=order.pk)
    if provider_reference:
        existing = PaymentTransaction.objects.filter(
            provider=provider, provider_reference=provider_reference, kind=kind
        ).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            tx = PaymentTransaction.objects.create(
                order=order,
                kind=kind,
                amount=amount,
                currency=order.currency,
                provider=provider,
                provider_reference=provider_reference,
                data=data or {},
            )
    except IntegrityError:
        return PaymentTransaction.objects.get(provider=provider, provider_reference=provider_reference, kind=kind)
    order.payment_state = _payment_state(order)
    order.updated_at = timezone.now()
    order.save(update_fields=["payment_state", "updated_at"])
    record_event(
        order,
        EventKind.PAYMENT,
        text(
            gettext_lazy("%(kind)s of %(amount)s %(currency)s recorded."),
            kind=TransactionKind(tx.kind).label,
            amount=amount,
            currency=order.currency,
        ),
        actor_label=actor_label,
        user=user,
        data={"transaction_id": tx.pk, "kind": kind, "amount": str(amount), "provider": provider},
    )
    publish(
        f"order.payment_{'refunded' if kind == TransactionKind.REFUND else 'recorded'}",
        {"order_id": order.pk, "transaction_id": tx.pk, "kind": kind, "amount": str(amount)},
    )
    if order.state == OrderState.PENDING and order.payment_state == PaymentState.PAID:
        confirm_order(order=order, reason=text(gettext_lazy("Payment captured.")), actor_label=actor_label, user=user)
    return tx
