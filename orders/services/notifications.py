"""Customer mails ``orders`` sends, each enqueued inside the service transaction that causes it
(through ``oms.mail``, which sends it after commit and records it on the order's timeline)."""

from __future__ import annotations

from oms import mail
from oms.models import CustomerMail
from orders.mails import CASE_REPLY, ORDER_CONFIRMATION
from orders.models import CaseMessage, Order


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
