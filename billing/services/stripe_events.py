"""Stripe's webhook events, booked through the one write path (``record_payment``).

``process_stripe_event`` takes an authentic event (``billing.webhooks`` checked its signature)
and, in one transaction, records it in ``ProviderEvent`` and does what it says:

- ``payment_intent.succeeded``: a capture of ``amount_received`` under the PaymentIntent's id
  (which confirms a pending order once it is paid in full);
- ``charge.refunded``: each refund of the charge not booked yet, under its ``re_`` id, so a
  refund we started ourselves (``billing.services.refunds`` books it under the same id) is not
  booked twice; without the refund list (API versions that do not expand it) the difference
  between ``amount_refunded`` and what is booked for that capture;
- ``payment_intent.payment_failed``: the order is held with the reason Stripe gives, unless it
  is paid already (events arrive out of order) or cannot be held in its state.

The order is the one whose number the PaymentIntent's ``metadata.order_number`` names, or the
one that has a capture of that PaymentIntent (a charge's metadata may be empty). A repeated event
id changes nothing. Refusals that a later delivery may not meet (the order not taken in yet, a
refund of a payment whose success has not arrived yet) raise ``StripeEventError`` with
``retry=True`` and record nothing, so Stripe delivers the event again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from billing.error_codes import BillingErrorCode
from billing.models import ProviderEvent, ProviderEventOutcome
from billing.providers.stripe import StripeProvider
from billing.services.settlement import settle_locked_order
from oms.exceptions import DomainError
from oms.money import ZERO, quantize
from orders import locks
from orders.models import Order, OrderState, PaymentState, PaymentTransaction, TransactionKind
from orders.services.lifecycle import hold_order
from orders.services.payments import record_payment

logger = logging.getLogger(__name__)

STRIPE = StripeProvider.code
ACTOR = "webhook:stripe"
HANDLED = ("payment_intent.succeeded", "charge.refunded", "payment_intent.payment_failed")
# Refund states in which the money is (or is about to be) back with the customer.
REFUND_STATES = {"succeeded", "pending", "requires_action"}
HOLDABLE = {OrderState.PENDING, OrderState.CONFIRMED, OrderState.ALLOCATED, OrderState.BACKORDERED}


class StripeEventError(DomainError):
    """An authentic event that cannot be processed now; ``retry``: a later delivery may succeed."""

    def __init__(self, message: str, *, code: str, status: int, retry: bool = False):
        super().__init__(message, code=code)
        self.http_status = status
        self.retry = retry


@dataclass(frozen=True)
class EventResult:
    status: str  # "booked", "held", "ignored", "duplicate"
    event_id: str
    order_number: str = ""
    detail: str = ""

    def as_dict(self) -> dict[str, str]:
        answer = {"status": self.status, "event_id": self.event_id}
        if self.order_number:
            answer["order"] = self.order_number
        if self.detail:
            answer["detail"] = self.detail
        return answer


def _text(value: Any, limit: int = 255) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _minor_units(value: Any, field: str) -> Decimal:
    """An amount in cents as Stripe sends it (an integer), as a Decimal amount."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > 10**12:
        raise StripeEventError(
            _("The event's %(field)s is not an amount in cents.") % {"field": field},
            code=BillingErrorCode.PARSE_ERROR,
            status=400,
        )
    return quantize(Decimal(value) / 100)


def process_stripe_event(event: dict[str, Any]) -> EventResult:
    """Record and book the authentic ``event`` once (see the module docstring)."""
    event_id = _text(event.get("id"))
    event_type = _text(event.get("type"), 100)
    obj = (event.get("data") or {}).get("object") if isinstance(event.get("data"), dict) else None
    if not event_id or not event_type or not isinstance(obj, dict):
        raise StripeEventError(
            _("The event needs an id, a type and data.object."), code=BillingErrorCode.PARSE_ERROR, status=400
        )
    if ProviderEvent.objects.filter(provider=STRIPE, event_id=event_id).exists():
        return EventResult("duplicate", event_id)
    try:
        with transaction.atomic():
            result = _process(event_id, event_type, obj)
            ProviderEvent.objects.create(
                provider=STRIPE,
                event_id=event_id,
                event_type=event_type,
                order=Order.objects.filter(number=result.order_number).first() if result.order_number else None,
                outcome=result.status,
                detail=result.detail[:255],
            )
    except IntegrityError:
        # The same event raced in on a second connection, which recorded it first.
        return EventResult("duplicate", event_id)
    return result


def _process(event_id: str, event_type: str, obj: dict[str, Any]) -> EventResult:
    if event_type not in HANDLED:
        return EventResult(ProviderEventOutcome.IGNORED, event_id, detail=f"type {event_type} is not handled")
    payment_intent = _text(obj.get("id") if event_type.startswith("payment_intent.") else obj.get("payment_intent"))
    order = _order_for(obj, payment_intent)
    if order is None:
        if not _order_number(obj) and event_type != "charge.refunded":
            # Not one of ours (no order number): nothing will ever match, do not ask for retries.
            return EventResult(ProviderEventOutcome.IGNORED, event_id, detail="no order number in the metadata")
        raise StripeEventError(
            _("No order matches this Stripe event."), code=BillingErrorCode.UNKNOWN_ORDER, status=404, retry=True
        )
    order = locks.lock_order(order_id=order.pk)
    if event_type == "payment_intent.succeeded":
        return _captured(event_id, order, obj, payment_intent)
    if event_type == "charge.refunded":
        return _refunded(event_id, order, obj, payment_intent)
    return _failed(event_id, order, obj)


def _order_number(obj: dict[str, Any]) -> str:
    metadata = obj.get("metadata")
    return _text(metadata.get("order_number"), 50).strip() if isinstance(metadata, dict) else ""


def _order_for(obj: dict[str, Any], payment_intent: str) -> Order | None:
    number = _order_number(obj)
    if number and "\x00" not in number:
        order = Order.objects.filter(number=number).first()
        if order is not None:
            return order
    if payment_intent:
        tx = PaymentTransaction.objects.filter(
            provider=STRIPE, provider_reference=payment_intent, kind=TransactionKind.CAPTURE
        ).first()
        if tx is not None:
            return Order.objects.get(pk=tx.order_id)
    return None


def _check_currency(order: Order, obj: dict[str, Any]) -> None:
    currency = _text(obj.get("currency"), 3).upper()
    if currency != order.currency:
        raise StripeEventError(
            _("The event is in %(currency)s, order %(number)s in %(order_currency)s.")
            % {"currency": currency or "?", "number": order.number, "order_currency": order.currency},
            code=BillingErrorCode.CURRENCY_MISMATCH,
            status=422,
        )


def _captured(event_id: str, order: Order, obj: dict[str, Any], payment_intent: str) -> EventResult:
    _check_currency(order, obj)
    amount = _minor_units(obj.get("amount_received"), "amount_received")
    if amount <= 0 or not payment_intent:
        return EventResult(ProviderEventOutcome.IGNORED, event_id, order.number, detail="nothing received")
    record_payment(
        order=order,
        kind=TransactionKind.CAPTURE,
        amount=amount,
        provider=STRIPE,
        provider_reference=payment_intent,
        data={"event_id": event_id, "charge": _text(obj.get("latest_charge")), "source": STRIPE},
        actor_label=ACTOR,
    )
    settle_locked_order(order_id=order.pk)
    return EventResult(ProviderEventOutcome.BOOKED, event_id, order.number)


def _refunded(event_id: str, order: Order, obj: dict[str, Any], payment_intent: str) -> EventResult:
    _check_currency(order, obj)
    capture = PaymentTransaction.objects.filter(
        order=order, provider=STRIPE, provider_reference=payment_intent, kind=TransactionKind.CAPTURE
    ).first()
    if capture is None:
        # The refund overtook the payment's own event: booked once that one has arrived.
        raise StripeEventError(
            _("The payment this refund belongs to has not been booked yet."),
            code=BillingErrorCode.UNKNOWN_ORDER,
            status=409,
            retry=True,
        )
    booked = 0
    refunds = obj.get("refunds")
    listed = refunds.get("data") if isinstance(refunds, dict) else None
    if isinstance(listed, list) and listed:
        for refund in listed:
            if not isinstance(refund, dict) or _text(refund.get("status")) not in REFUND_STATES:
                continue
            refund_id = _text(refund.get("id"))
            if refund_id and _book_refund(
                order, capture, refund_id, _minor_units(refund.get("amount"), "amount"), event_id
            ):
                booked += 1
    else:
        total = _minor_units(obj.get("amount_refunded"), "amount_refunded")
        already = (
            PaymentTransaction.objects.filter(
                order=order, provider=STRIPE, kind=TransactionKind.REFUND, data__capture_id=capture.pk
            ).aggregate(s=Sum("amount"))["s"]
            or ZERO
        )
        if total > already:
            charge = _text(obj.get("id"), 100)
            booked += _book_refund(order, capture, f"{charge}:refunded:{total}", total - already, event_id)
    if not booked:
        return EventResult(ProviderEventOutcome.IGNORED, event_id, order.number, detail="refunds booked already")
    settle_locked_order(order_id=order.pk)
    return EventResult(ProviderEventOutcome.BOOKED, event_id, order.number)


def _book_refund(order: Order, capture: PaymentTransaction, reference: str, amount: Decimal, event_id: str) -> bool:
    if (
        amount <= 0
        or PaymentTransaction.objects.filter(
            provider=STRIPE, provider_reference=reference, kind=TransactionKind.REFUND
        ).exists()
    ):
        return False
    record_payment(
        order=order,
        kind=TransactionKind.REFUND,
        amount=amount,
        provider=STRIPE,
        provider_reference=reference,
        data={"capture_id": capture.pk, "event_id": event_id, "source": STRIPE},
        actor_label=ACTOR,
    )
    return True


def _failed(event_id: str, order: Order, obj: dict[str, Any]) -> EventResult:
    if order.payment_state == PaymentState.PAID:
        return EventResult(ProviderEventOutcome.IGNORED, event_id, order.number, detail="the order is paid")
    if order.state not in HOLDABLE:
        return EventResult(ProviderEventOutcome.IGNORED, event_id, order.number, detail=f"order {order.state}")
    error = obj.get("last_payment_error") if isinstance(obj.get("last_payment_error"), dict) else {}
    why = _text(error.get("message"), 150) or _text(error.get("code"), 100) or _("no reason given")
    reason = _("Payment failed at Stripe: %(reason)s") % {"reason": why}
    hold_order(order=order, reason=reason, actor_label=ACTOR)
    return EventResult(ProviderEventOutcome.HELD, event_id, order.number, detail=reason)
