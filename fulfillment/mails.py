"""The customer mail fulfillment contributes to ``oms.mail``: the shipping confirmation (carrier,
tracking link, expected delivery date), about a shipment and recorded on its order's timeline.
Registered from ``FulfillmentConfig.ready()``."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fulfillment.models import Shipment
from oms import mail
from oms.mail import MailContent, MailKind, SubjectType
from oms.models import CustomerMail
from orders.portal_links import portal_url
from orders.services import timeline

SHIPPING_CONFIRMATION = "shipping_confirmation"


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
