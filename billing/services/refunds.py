"""Refunds: full or partial, through the method the money came in with where possible.

``refund_payment`` locks the order (``orders.locks``), reads what was captured and refunded
under that lock, and refuses more than is left, so two refunds racing for the same money are
serialised and the second one sees the first. The amount is split over the captures, newest
first; each part goes back through the capture's provider (``billing.providers``: Stripe pays
back to the card, money a shop or a bank transfer brought in goes back by bank transfer) and is
booked with ``record_payment`` under the provider's refund id, so the provider's webhook about
the same refund later books nothing twice.

The provider is called inside the transaction: the offline providers answer at once; a live one
must honour the idempotency key (see ``billing.providers.base``), so a call whose transaction
rolled back is repeated, not doubled, by the next attempt.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.error_codes import BillingErrorCode
from billing.exceptions import PaymentInputError
from billing.providers import ProviderError, RefundRequest, provider_for
from billing.services import payment_timeline
from billing.services.payments import require_reason
from billing.services.settlement import settle_locked_order
from oms.money import ZERO, quantize
from orders import locks
from orders.exceptions import RefundExceedsCaptureError
from orders.models import Order, PaymentTransaction, TransactionKind
from orders.services.payments import record_payment


@dataclass(frozen=True)
class RefundOutcome:
    order: Order
    amount: Decimal
    transactions: list[PaymentTransaction]


@dataclass
class _Capture:
    tx: PaymentTransaction
    left: Decimal


def refundable_captures(order: Order, *, transactions: Iterable[PaymentTransaction] | None = None) -> list[_Capture]:
    """The order's captures, newest first, each with what is left to refund of it. A refund
    names its capture (``data["capture_id"]``); refunds that name none (booked by other paths)
    are taken from the oldest captures first. Read under the order's lock to rely on it
    (``transactions``: the order's payment rows when a page has read them already)."""
    if transactions is None:
        transactions = PaymentTransaction.objects.filter(order=order)
    rows = sorted(transactions, key=lambda tx: (tx.created_at, tx.pk))
    captures = [_Capture(tx, tx.amount) for tx in rows if tx.kind == TransactionKind.CAPTURE]
    by_id = {c.tx.pk: c for c in captures}
    unattributed = ZERO
    for tx in rows:
        if tx.kind != TransactionKind.REFUND:
            continue
        capture = by_id.get((tx.data or {}).get("capture_id"))
        if capture is not None and capture.left >= tx.amount:
            capture.left -= tx.amount
        else:
            unattributed += tx.amount
    for capture in captures:  # oldest first
        take = min(capture.left, unattributed)
        capture.left -= take
        unattributed -= take
    return [c for c in reversed(captures) if c.left > 0]


def refundable_amount(order: Order, *, transactions: Iterable[PaymentTransaction] | None = None) -> Decimal:
    return sum((c.left for c in refundable_captures(order, transactions=transactions)), ZERO)


@transaction.atomic
def refund_payment(
    *,
    order: Order,
    amount: Decimal | None,
    reason: str,
    token: str = "",
    credit_note_id: int | None = None,
    actor_label: str = "system",
    user: Any = None,
) -> RefundOutcome:
    """Pay ``amount`` (None: everything still refundable) back to the customer.

    Raises ``RefundExceedsCaptureError`` above what was captured and not yet refunded,
    ``PaymentInputError`` for nothing to refund, a missing reason or a provider that refused;
    nothing is booked then. ``token`` (from the form) makes a form sent twice refund once."""
    reason = require_reason(reason)
    order = locks.lock_order(order_id=order.pk)
    if token:
        done = list(PaymentTransaction.objects.filter(order=order, kind=TransactionKind.REFUND, data__token=token))
        if done:
            return RefundOutcome(order, sum((t.amount for t in done), ZERO), done)
    captures = refundable_captures(order)
    refundable = sum((c.left for c in captures), ZERO)
    if refundable <= 0:
        raise PaymentInputError(
            _("Nothing has been captured that could be refunded."),
            field="amount",
            code=BillingErrorCode.NOTHING_TO_REFUND,
        )
    amount = refundable if amount is None else quantize(amount)
    if amount <= 0:
        raise PaymentInputError(_("The amount must be greater than zero."), field="amount")
    if amount > refundable:
        raise RefundExceedsCaptureError(amount=amount, refundable=refundable, currency=order.currency)
    transactions: list[PaymentTransaction] = []
    methods: list[Any] = []
    rest = amount
    for capture in captures:
        if rest <= 0:
            break
        part = min(rest, capture.left)
        provider = provider_for(capture.tx.provider)
        key = f"{token or 'refund'}:{order.pk}:{capture.tx.pk}:{part}"
        try:
            result = provider.refund(
                RefundRequest(
                    order_number=order.number,
                    amount=part,
                    currency=order.currency,
                    capture_reference=capture.tx.provider_reference,
                    idempotency_key=key,
                    reason=reason,
                )
            )
        except ProviderError as exc:
            raise PaymentInputError(
                _("%(provider)s refused the refund: %(error)s") % {"provider": provider.label, "error": str(exc)[:200]},
                field="amount",
            ) from exc
        tx = record_payment(
            order=order,
            kind=TransactionKind.REFUND,
            amount=part,
            provider=provider.code,
            provider_reference=result.reference,
            data={
                "capture_id": capture.tx.pk,
                "reason": reason,
                "token": token,
                "credit_note_id": credit_note_id,
                "source": "refund",
            },
            actor_label=actor_label,
            user=user,
        )
        transactions.append(tx)
        methods.append(provider.label if provider.refunds_through_original_method else gettext_lazy("bank transfer"))
        rest -= part
    settle_locked_order(order_id=order.pk)  # which invoice the money pays (billing.services.settlement)
    payment_timeline.refund_made(
        order,
        amount=amount,
        method_label=methods[0] if len({str(m) for m in methods}) == 1 else ", ".join(str(m) for m in methods),
        reason=reason,
        transaction_ids=[t.pk for t in transactions],
        actor_label=actor_label,
        user=user,
    )
    return RefundOutcome(locks.lock_order(order_id=order.pk), amount, transactions)
