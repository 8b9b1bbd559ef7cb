"""Customer mails about a return, written in the transaction that approves or receives it (or
books its return label)
(in-transaction subscribers, ``oms.events.subscribe_in_transaction``, registered in
``ReturnsConfig.ready``), each once per request."""

from __future__ import annotations

from typing import Any

from oms import mail
from oms.models import CustomerMail
from returns.mails import RETURN_APPROVED, RETURN_RECEIVED
from returns.models import ReturnRequest


def _return_mail(kind: str, return_id: int) -> CustomerMail | None:
    request = ReturnRequest.objects.select_related("order__channel", "order__customer").get(pk=return_id)
    order = request.order
    if not order.email or order.channel.sends_own_mail(kind):
        return None
    return mail.enqueue_mail(
        kind,
        subject_id=str(request.pk),
        to=order.email,
        language=order.customer.language,
        requested_by=f"return:{request.number}",
        once_key=f"{kind}:{request.pk}",
    )


def on_return_approved(payload: dict[str, Any]) -> None:
    """``return.approved`` (by support or at once): what to send back, where, with which number.
    A return with a return label is mailed when the label is booked, with the label attached."""
    if payload.get("return_label"):
        return
    _return_mail(RETURN_APPROVED, payload["return_id"])


def on_return_label_booked(payload: dict[str, Any]) -> None:
    """``return_label.booked`` (fulfillment, in the booking transaction): the request keeps the
    label's tracking number (the receiving screen finds it by that) and the customer gets the
    return-approved mail with the label attached, once."""
    request = ReturnRequest.objects.filter(return_parcel_id=payload["return_parcel_id"]).first()
    if request is None:
        return
    ReturnRequest.objects.filter(pk=request.pk).update(tracking_number=payload["tracking_number"][:64])
    if request.is_open:
        _return_mail(RETURN_APPROVED, request.pk)


def on_return_received(payload: dict[str, Any]) -> None:
    """``return.received``: the parcel arrived; inspection and refund follow."""
    _return_mail(RETURN_RECEIVED, payload["return_id"])
