"""Customer mails about a parcel on its way, written in the transaction that records the carrier's
news (in-transaction subscribers, ``oms.events.subscribe_in_transaction``, registered in
``FulfillmentConfig.ready``): out for delivery (about the shipment), and a delay or problem
(customs, address, damage, refused, returned to sender) with what happens next (about the
carrier's report, so a mail sent late still tells what was reported).

Carriers repeat themselves (a delay scanned every day, the same event by webhook and by CSV):
each mail has a ``once_key``, so a shipment tells the customer once that it is out for delivery,
and once per kind of problem.
"""

from __future__ import annotations

from typing import Any

from fulfillment.mails import OUT_FOR_DELIVERY, SHIPMENT_PROBLEM
from fulfillment.models import Shipment
from oms import mail
from oms.models import CustomerMail


def _shipment_mail(kind: str, shipment_id: int, *, once_key: str, subject_id: int | None = None) -> CustomerMail | None:
    shipment = Shipment.objects.select_related("order__channel", "order__customer").get(pk=shipment_id)
    order = shipment.order
    if not order.email or order.channel.sends_own_mail(kind):
        return None
    return mail.enqueue_mail(
        kind,
        subject_id=str(subject_id or shipment.pk),
        to=order.email,
        language=order.customer.language,
        requested_by=f"shipment:{shipment.reference}",
        once_key=once_key,
    )


def on_out_for_delivery(payload: dict[str, Any]) -> None:
    """``shipment.out_for_delivery``: the parcel arrives today."""
    _shipment_mail(OUT_FOR_DELIVERY, payload["shipment_id"], once_key=f"out-for-delivery:{payload['shipment_id']}")


def on_exception_reported(payload: dict[str, Any]) -> None:
    """``shipment.exception_reported``: a delay or problem, once per shipment and reason."""
    reason = payload.get("reason") or "other"
    _shipment_mail(
        SHIPMENT_PROBLEM,
        payload["shipment_id"],
        subject_id=payload["tracking_event_id"],
        once_key=f"shipment-problem:{payload['shipment_id']}:{reason}",
    )


def on_returned_to_sender(payload: dict[str, Any]) -> None:
    """``shipment.returned_to_sender``: the parcel comes back to us; we will be in touch."""
    _shipment_mail(
        SHIPMENT_PROBLEM,
        payload["shipment_id"],
        subject_id=payload["tracking_event_id"],
        once_key=f"shipment-problem:{payload['shipment_id']}:returned",
    )
