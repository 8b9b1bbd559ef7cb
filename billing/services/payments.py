"""Payments entered by hand on the order page: money that reached us outside a PSP (a bank
transfer seen in online banking, cash at the counter, a card terminal).

Booked through ``orders.services.payments.record_payment`` (the one write path) as a capture
with provider ``manual``; the method, the day it was paid and the agent's reason are kept in the
transaction's data and on the timeline.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.error_codes import BillingErrorCode
from billing.exceptions import PaymentExceedsOpenAmountError, PaymentInputError
from billing.providers.manual import ManualProvider
from billing.services import payment_timeline
from billing.services.settlement import settle_locked_order
from oms.money import quantize
from orders import locks
from orders.models import Order, PaymentTransaction, TransactionKind
from orders.selectors.money import order_money_summary
from orders.services.payments import record_payment

MANUAL = ManualProvider.code
# How long back a payment may be dated: older ones belong in the accounting, not on an order.
OLDEST_PAYMENT_DAYS = 366


class ManualMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", gettext_lazy("Bank transfer")
    CASH = "cash", gettext_lazy("Cash")
    CARD_TERMINAL = "card_terminal", gettext_lazy("Card terminal")
    PAYPAL = "paypal", "PayPal"
    OTHER = "other", gettext_lazy("Other")


def require_reason(reason: str, *, limit: int = 255) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise PaymentInputError(_("Please give a reason."), field="reason", code=BillingErrorCode.REASON_REQUIRED)
    return reason[:limit]


@transaction.atomic
def record_manual_payment(
    *,
    order: Order,
    amount: Decimal,
    method: str,
    paid_on: datetime.date,
    reason: str,
    token: str = "",
    actor_label: str = "system",
    user: Any = None,
) -> PaymentTransaction:
    """Book a payment entered by hand. ``token`` (from the form) makes a form sent twice book
    once. Refuses (``PaymentInputError``, nothing written) an unknown method, a day in the future
    or too far back, a missing reason, and more than the order still has open."""
    if method not in ManualMethod.values:
        raise PaymentInputError(_("Choose how the customer paid."), field="method")
    today = timezone.localdate()
    if paid_on > today:
        raise PaymentInputError(_("The payment date lies in the future."), field="paid_on")
    if paid_on < today - datetime.timedelta(days=OLDEST_PAYMENT_DAYS):
        raise PaymentInputError(_("The payment date is more than a year ago."), field="paid_on")
    reason = require_reason(reason)
    amount = quantize(amount)
    if amount <= 0:
        raise PaymentInputError(_("The amount must be greater than zero."), field="amount")
    reference = f"{MANUAL}:{token[:64]}" if token else ""
    order = locks.lock_order(order_id=order.pk)
    if reference:
        existing = PaymentTransaction.objects.filter(
            provider=MANUAL, provider_reference=reference, kind=TransactionKind.CAPTURE
        ).first()
        if existing is not None:
            return existing  # the same form sent again
    open_amount = order_money_summary(order).owed
    if amount > open_amount:
        raise PaymentExceedsOpenAmountError(
            amount=amount, open_amount=max(open_amount, Decimal(0)), currency=order.currency
        )
    tx = record_payment(
        order=order,
        kind=TransactionKind.CAPTURE,
        amount=amount,
        provider=MANUAL,
        provider_reference=reference,
        data={"method": method, "paid_on": paid_on.isoformat(), "reason": reason, "source": "manual"},
        actor_label=actor_label,
        user=user,
    )
    settle_locked_order(order_id=order.pk)  # which invoice the money pays (billing.services.settlement)
    payment_timeline.payment_entered_by_hand(
        order,
        amount=amount,
        method_label=ManualMethod(method).label,
        paid_on=paid_on,
        reason=reason,
        transaction_id=tx.pk,
        actor_label=actor_label,
        user=user,
    )
    return tx
