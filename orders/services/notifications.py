"""Customer mails ``orders`` sends, each enqueued inside the service transaction that causes it
(through ``oms.mail``, which sends it after commit and records it on the order's timeline).

The ``on_*`` functions are in-transaction subscribers (``oms.events.subscribe_in_transaction``,
registered in ``OrdersConfig.ready``): they run inside the transaction that publishes the event,
so the mail commits with the payment or the delivery it tells of. Each mail has a ``once_key``:
an event reported twice (a PSP webhook delivered again) mails once."""

from __future__ import annotations

from typing import Any

from oms import mail
from oms.models import CustomerMail
from orders.mails import CASE_REPLY, ORDER_CONFIRMATION, ORDER_DELIVERED, PAYMENT_RECEIVED, REFUND_ISSUED
from orders.models import CaseMessage, Order, PaymentState, PaymentTransaction, TransactionKind


def send_order_confirmation(order: Order) -> CustomerMail | None:
    """Enqueue the confirmation of an order we received, unless its shop sends its own.

    Sent when the order is placed, not when it is confirmed: the customer learns at once that we
    have the order (§ 312i BGB asks for a confirmation of receipt without delay), also when it
    waits for a prepayment, and gets it exactly once, whatever happens to the payment later.
    Call inside the placing transaction; the order needs its customer loaded.
    """
    if order.channel.sends_own_mail(ORDER_CONFIRMATION) or not order.email:
        return None
    return mail.enqueue_mail(
        ORDER_CONFIRMATION, subject_id=str(order.pk), to=order.email, language=order.customer.language
    )


def send_case_reply(message: CaseMessage) -> CustomerMail | None:
    """Enqueue an agent's reply to a case the customer opened in the portal (the customer reads
    it there too). Other cases (opened by staff, or by the system for a review) mail nothing: their
    threads were not written for the customer. Call inside the transaction writing the reply."""
    case = message.case
    order = case.order
    if not case.opened_by_customer or order is None or message.internal or message.from_customer or not order.email:
        return None
    return mail.enqueue_mail(CASE_REPLY, subject_id=str(message.pk), to=order.email, language=order.customer.language)


def _order_mail(kind: str, order: Order, *, subject_id: str, once_key: str) -> CustomerMail | None:
    if not order.email or order.channel.sends_own_mail(kind):
        return None
    return mail.enqueue_mail(
        kind,
        subject_id=subject_id,
        to=order.email,
        language=order.customer.language,
        requested_by=f"event:{once_key}"[:100],
        once_key=once_key,
    )


def on_payment_recorded(payload: dict[str, Any]) -> None:
    """``order.payment_recorded``: the customer hears that their money arrived when a capture
    makes the order paid in full. Not for an order that came in paid (the confirmation says so),
    nor for authorizations or part payments."""
    if payload.get("kind") != TransactionKind.CAPTURE:
        return
    if payload.get("payment_state") != PaymentState.PAID or payload.get("previous_payment_state") == PaymentState.PAID:
        return
    tx = PaymentTransaction.objects.select_related("order__channel", "order__customer").get(
        pk=payload["transaction_id"]
    )
    _order_mail(PAYMENT_RECEIVED, tx.order, subject_id=str(tx.pk), once_key=f"payment-received:{tx.pk}")


def on_payment_refunded(payload: dict[str, Any]) -> None:
    """``order.payment_refunded``: each refund, with its amount, once."""
    tx = PaymentTransaction.objects.select_related("order__channel", "order__customer").get(
        pk=payload["transaction_id"]
    )
    _order_mail(REFUND_ISSUED, tx.order, subject_id=str(tx.pk), once_key=f"refund-issued:{tx.pk}")


def on_order_delivered(payload: dict[str, Any]) -> None:
    """``order.delivered``: everything arrived; the mail asks how it was (the portal's rating)."""
    order = Order.objects.select_related("channel", "customer").get(pk=payload["order_id"])
    _order_mail(ORDER_DELIVERED, order, subject_id=str(order.pk), once_key=f"order-delivered:{order.pk}")
