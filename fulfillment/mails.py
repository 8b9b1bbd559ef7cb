"""The customer mails fulfillment contributes to ``oms.mail``, each about a shipment and recorded
on its order's timeline: the shipping confirmation (carrier, tracking link, expected delivery
date), out for delivery, and a delay or problem with the carrier in plain words with what happens
next (the words of the portal's shipments panel). Registered from ``FulfillmentConfig.ready()``;
sent by ``fulfillment.services.notifications``."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fulfillment.customer_panels import EXCEPTION_WORDS, RETURNED_WORDS
from fulfillment.models import ExceptionReason, Shipment, ShipmentState, TrackingEvent
from oms import mail
from oms.mail import MailContent, MailKind, SubjectType
from oms.models import CustomerMail
from orders.portal_links import portal_url
from orders.services import timeline

SHIPPING_CONFIRMATION = "shipping_confirmation"
OUT_FOR_DELIVERY = "shipment_out_for_delivery"
SHIPMENT_PROBLEM = "shipment_problem"


def _record_on_timeline(sent: CustomerMail) -> None:
    shipment = Shipment.objects.select_related("order").get(pk=int(sent.subject_id))
    timeline.mail_sent(
        shipment.order,
        kind_label=mail.kind_label(sent.kind),
        to=sent.to,
        mail_id=sent.pk,
        resend=bool(sent.resend_of_id),
    )


def _sample_shipment() -> str | None:
    pk = Shipment.objects.exclude(tracking_number="").order_by("-pk").values_list("pk", flat=True).first()
    return str(pk) if pk else None


def _shipment_url(subject_id: str) -> str | None:
    number = Shipment.objects.filter(pk=int(subject_id)).values_list("order__number", flat=True).first()
    return reverse("orders:support-order-detail", args=[number]) if number else None


def _shipment_customer(subject_id: str) -> int | None:
    return Shipment.objects.filter(pk=int(subject_id)).values_list("order__customer_id", flat=True).first()


def shipping_confirmation(subject_id: str, language: str) -> MailContent:
    shipment = Shipment.objects.select_related("order__channel", "order__customer", "carrier_service__carrier").get(
        pk=int(subject_id)
    )
    order = shipment.order
    carrier = shipment.carrier_service.carrier if shipment.carrier_service_id else None
    lines = list(shipment.lines.filter(quantity_picked__gt=0).select_related("order_line").order_by("pk"))
    return MailContent(
        context={
            "order": order,
            "shipment": shipment,
            "lines": lines,
            "customer_name": order.shipping_name or order.customer.name,
            "channel": order.channel,
            "carrier": carrier,
            "tracking_url": carrier.tracking_url(shipment.tracking_number) if carrier else "",
            "expected_delivery_date": shipment.expected_delivery_date,
            "portal_url": portal_url(order.pk),
        }
    )


def _shipment_context(shipment: Shipment) -> dict:
    order = shipment.order
    carrier = shipment.carrier_service.carrier if shipment.carrier_service_id else None
    return {
        "order": order,
        "shipment": shipment,
        "customer_name": order.shipping_name or order.customer.name,
        "channel": order.channel,
        "carrier": carrier,
        "tracking_url": carrier.tracking_url(shipment.tracking_number) if carrier and shipment.tracking_number else "",
        "expected_delivery_date": shipment.expected_delivery_date,
        "portal_url": portal_url(order.pk),
    }


def out_for_delivery(subject_id: str, language: str) -> MailContent:
    """The parcel arrives today: the shipment and its tracking."""
    shipment = Shipment.objects.select_related("order__channel", "order__customer", "carrier_service__carrier").get(
        pk=int(subject_id)
    )
    return MailContent(context=_shipment_context(shipment), sender=shipment.order.channel.code)


# -- a delay or problem (subject type "tracking_event": the carrier's report of it) ------------------


def _event(subject_id: str) -> TrackingEvent:
    return TrackingEvent.objects.select_related(
        "shipment__order__channel", "shipment__order__customer", "shipment__carrier_service__carrier"
    ).get(pk=int(subject_id))


def _record_event_mail_on_timeline(sent: CustomerMail) -> None:
    timeline.mail_sent(
        _event(sent.subject_id).shipment.order,
        kind_label=mail.kind_label(sent.kind),
        to=sent.to,
        mail_id=sent.pk,
        resend=bool(sent.resend_of_id),
    )


def _sample_problem() -> str | None:
    pk = (
        TrackingEvent.objects.filter(mapped_state=ShipmentState.EXCEPTION)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return str(pk) if pk else None


def _event_url(subject_id: str) -> str | None:
    number = TrackingEvent.objects.filter(pk=int(subject_id)).values_list("shipment__order__number", flat=True).first()
    return reverse("orders:support-order-detail", args=[number]) if number else None


def _event_customer(subject_id: str) -> int | None:
    return (
        TrackingEvent.objects.filter(pk=int(subject_id)).values_list("shipment__order__customer_id", flat=True).first()
    )


def shipment_problem(subject_id: str, language: str) -> MailContent:
    """What the carrier reported (the reason of that report, whatever the parcel did since), in
    plain words with what happens next, and the shipment's tracking."""
    event = _event(subject_id)
    if event.mapped_state == ShipmentState.RETURNED_TO_SENDER:
        problem = RETURNED_WORDS
    else:
        problem = EXCEPTION_WORDS.get(event.exception_reason, EXCEPTION_WORDS[ExceptionReason.OTHER])
    return MailContent(
        context={
            **_shipment_context(event.shipment),
            "delayed": event.exception_reason == ExceptionReason.DELAY,
            "problem": problem,
        },
        sender=event.shipment.order.channel.code,
    )


def register() -> None:
    mail.register_subject_type(
        SubjectType(
            "shipment",
            on_sent=_record_on_timeline,
            sample=_sample_shipment,
            staff_url=_shipment_url,
            customer_of=_shipment_customer,
        )
    )
    mail.register_kind(
        MailKind(
            SHIPPING_CONFIRMATION,
            _("Shipping confirmation"),
            "shipment",
            "fulfillment/mail/shipping_confirmation",
            shipping_confirmation,
        )
    )
    mail.register_kind(
        MailKind(
            OUT_FOR_DELIVERY,
            _("Out for delivery"),
            "shipment",
            "fulfillment/mail/shipment_out_for_delivery",
            out_for_delivery,
        )
    )
    mail.register_subject_type(
        SubjectType(
            "tracking_event",
            on_sent=_record_event_mail_on_timeline,
            sample=_sample_problem,
            staff_url=_event_url,
            customer_of=_event_customer,
        )
    )
    mail.register_kind(
        MailKind(
            SHIPMENT_PROBLEM,
            _("Delivery delayed or problem"),
            "tracking_event",
            "fulfillment/mail/shipment_problem",
            shipment_problem,
        )
    )
