"""Payments: append-only transactions; the order's payment state follows from them.

``record_payment`` is the one write path for money: intake's capture, shop webhooks, and (with
billing) PSP webhooks, bank statements and manual entries all end in it. It writes the
transaction, the payment state, the timeline entry and ``order.payment_recorded`` /
``order.payment_refunded``, and confirms a pending order once it is paid in full.

A refund never exceeds what was captured minus what was refunded already: checked on the sums
read under the order's row lock, so two refunds racing for the same money are serialised and the
second one is refused (``RefundExceedsCaptureError``).
"""

from __future__ import annotations

from contextlib import nullcontext
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from oms.events import publish
from oms.money import ZERO, quantize
from oms.texts import text
from orders import locks
from orders.exceptions import OrderEditError, RefundExceedsCaptureError
from orders.models import Order, OrderState, PaymentState, PaymentTransaction, TransactionKind
from orders.services import timeline
from orders.services.lifecycle import confirm_order
from orders.services.timeline import Actor


def _sums(order: Order) -> dict[str, Decimal]:
    """Amounts per transaction kind of ``order`` (one query)."""
    return {
        row["kind"]: row["s"]
        for row in PaymentTransaction.objects.filter(order=order).order_by().values("kind").annotate(s=Sum("amount"))
    }


def payment_state(order: Order, sums: dict[str, Decimal]) -> str:
    """The payment state that ``sums`` (per kind) mean for ``order``."""
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


def _existing(provider: str, provider_reference: str, kind: str) -> PaymentTransaction | None:
    if not provider_reference:
        return None
    return PaymentTransaction.objects.filter(
        provider=provider, provider_reference=provider_reference, kind=kind
    ).first()


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
    payment state, write the timeline entry, and confirm a pending order once it is paid in full.

    Raises ``OrderEditError`` for an unknown kind or an amount <= 0, ``RefundExceedsCaptureError``
    for a refund larger than what is left of the captured amount. Locks the order (the caller may
    hold the lock already). Runs in the caller's transaction without a savepoint (every refusal
    comes before the first write); outside a transaction it opens its own.
    """
    if kind not in TransactionKind.values:
        raise OrderEditError(_("Unknown payment kind."), field="kind")
    amount = quantize(amount)
    if amount <= 0:
        raise OrderEditError(_("The amount must be greater than zero."), field="amount")
    with nullcontext() if connection.in_atomic_block else transaction.atomic():
        return _record(
            order=order,
            kind=kind,
            amount=amount,
            provider=provider,
            provider_reference=provider_reference,
            data=data,
            actor=Actor(actor_label, user),
        )


def _record(
    *,
    order: Order,
    kind: str,
    amount: Decimal,
    provider: str,
    provider_reference: str,
    data: dict[str, Any] | None,
    actor: Actor,
) -> PaymentTransaction:
    order = locks.lock_order(order_id=order.pk)
    existing = _existing(provider, provider_reference, kind)
    if existing is not None:
        return existing
    sums = _sums(order)
    if kind == TransactionKind.REFUND:
        refundable = sums.get(TransactionKind.CAPTURE, ZERO) - sums.get(TransactionKind.REFUND, ZERO)
        if amount > refundable:
            raise RefundExceedsCaptureError(amount=amount, refundable=max(refundable, ZERO), currency=order.currency)
    tx = PaymentTransaction(
        order=order,
        kind=kind,
        amount=amount,
        currency=order.currency,
        provider=provider,
        provider_reference=provider_reference,
        data=data or {},
    )
    if provider_reference:
        try:
            with transaction.atomic():
                tx.save(force_insert=True)
        except IntegrityError:
            # The same provider event, recorded by a concurrent delivery that committed first.
            return PaymentTransaction.objects.get(provider=provider, provider_reference=provider_reference, kind=kind)
    else:
        tx.save(force_insert=True)  # no reference, no unique constraint to race on
    sums[kind] = sums.get(kind, ZERO) + amount
    previous_state = order.payment_state
    order.payment_state = payment_state(order, sums)
    order.updated_at = timezone.now()
    order.save(update_fields=["payment_state", "updated_at"])
    timeline.payment_recorded(order, tx=tx, actor=actor)
    publish(
        f"order.payment_{'refunded' if kind == TransactionKind.REFUND else 'recorded'}",
        {
            "order_id": order.pk,
            "transaction_id": tx.pk,
            "kind": kind,
            "amount": str(amount),
            "payment_state": order.payment_state,
            "previous_payment_state": previous_state,
        },
    )
    if order.state == OrderState.PENDING and order.payment_state == PaymentState.PAID:
        tx.order = confirm_order(
            order=order, reason=text(gettext_lazy("Payment captured.")), actor_label=actor.label, user=actor.user
        )
    return tx
