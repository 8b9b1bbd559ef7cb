"""The customer mails of ``returns``, each recorded on its order's timeline: the acknowledgement of
a withdrawal (subject type "withdrawal"), and about a return request (subject type "return") the
return approved (what to send, where, with the RMA number, and the return label's PDF when one
was booked) and the return received (sent by
``returns.services.notifications``). Registered from ``ReturnsConfig.ready()``.

The acknowledgement repeats the declaration as stored (``Withdrawal.text``) with the date and the
time we received it, so the customer holds it on a durable medium (§ 356a BGB).
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fulfillment.documents import return_label_recipient
from fulfillment.services.return_labels import RETURN_LABEL_DOCUMENT, return_label_subject
from oms import documents, mail
from oms.mail import Attachment, MailContent, MailKind, SubjectType
from oms.models import CustomerMail
from orders.portal_links import portal_url
from orders.services import timeline
from returns.models import ReturnRequest, Withdrawal
from returns.services.withdrawals import ACKNOWLEDGEMENT


def _withdrawal(subject_id: str) -> Withdrawal:
    return Withdrawal.objects.select_related("order__channel", "return_request").get(pk=int(subject_id))


def _record_on_timeline(sent: CustomerMail) -> None:
    order = _withdrawal(sent.subject_id).order
    timeline.mail_sent(
        order, kind_label=mail.kind_label(sent.kind), to=sent.to, mail_id=sent.pk, resend=bool(sent.resend_of_id)
    )


def _sample() -> str | None:
    pk = Withdrawal.objects.order_by("-pk").values_list("pk", flat=True).first()
    return str(pk) if pk else None


def _staff_url(subject_id: str) -> str | None:
    number = Withdrawal.objects.filter(pk=int(subject_id)).values_list("order__number", flat=True).first()
    return reverse("orders:support-order-detail", args=[number]) if number else None


def _customer(subject_id: str) -> int | None:
    return Withdrawal.objects.filter(pk=int(subject_id)).values_list("order__customer_id", flat=True).first()


def withdrawal_acknowledgement(subject_id: str, language: str) -> MailContent:
    withdrawal = _withdrawal(subject_id)
    order = withdrawal.order
    return MailContent(
        context={
            "withdrawal": withdrawal,
            "order": order,
            "channel": order.channel,
            "customer_name": withdrawal.name,
            "received_at": timezone.localtime(withdrawal.declared_at),
            "cancelled": bool(withdrawal.cancelled),
            "return_request": withdrawal.return_request,
            "portal_url": portal_url(order.pk),
        }
    )


RETURN_APPROVED = "return_approved"
RETURN_RECEIVED = "return_received"


def _request(subject_id: str) -> ReturnRequest:
    return ReturnRequest.objects.select_related(
        "order__channel", "order__customer", "return_parcel__carrier_service__carrier"
    ).get(pk=int(subject_id))


def _record_on_timeline(sent: CustomerMail) -> None:
    timeline.mail_sent(
        _request(sent.subject_id).order,
        kind_label=mail.kind_label(sent.kind),
        to=sent.to,
        mail_id=sent.pk,
        resend=bool(sent.resend_of_id),
    )


def _sample_request() -> str | None:
    pk = ReturnRequest.objects.order_by("-pk").values_list("pk", flat=True).first()
    return str(pk) if pk else None


def _request_url(subject_id: str) -> str | None:
    number = ReturnRequest.objects.filter(pk=int(subject_id)).values_list("order__number", flat=True).first()
    return reverse("orders:support-order-detail", args=[number]) if number else None


def _request_customer(subject_id: str) -> int | None:
    return ReturnRequest.objects.filter(pk=int(subject_id)).values_list("order__customer_id", flat=True).first()


def return_address() -> list[str]:
    """Where returns go: ``RETURNS_ADDRESS`` (lines separated by "|"), else the seller's address."""
    if settings.RETURNS_ADDRESS:
        return [line.strip() for line in settings.RETURNS_ADDRESS.split("|") if line.strip()]
    seller = settings.BILLING_SELLER
    return [
        line
        for line in (
            seller.get("company"),
            seller.get("street"),
            f"{seller.get('postcode', '')} {seller.get('city', '')}",
        )
        if line and line.strip()
    ]


def return_mail(subject_id: str, language: str) -> MailContent:
    request = _request(subject_id)
    order = request.order
    return MailContent(
        context={
            "return_request": request,
            "order": order,
            "lines": list(request.lines.select_related("order_line").order_by("pk")),
            "customer_name": order.billing_name or order.customer.name,
            "channel": order.channel,
            "return_address": return_address(),
            "portal_url": portal_url(order.pk),
            "return_parcel": None,
        },
        sender=order.channel.code,
    )


def return_approved_mail(subject_id: str, language: str) -> MailContent:
    """The return mail, with the return label's PDF attached once it is booked."""
    content = return_mail(subject_id, language)
    parcel = content.context["return_request"].return_parcel
    if parcel is None or not parcel.tracking_number:
        return content
    pdf = documents.render_document_now(RETURN_LABEL_DOCUMENT, subject=return_label_subject(parcel))
    return MailContent(
        context={
            **content.context,
            "return_parcel": parcel,
            "carrier": parcel.carrier_service.carrier,
            "return_address": return_label_recipient(parcel),  # as on the label
        },
        attachments=[Attachment(pdf.filename or f"return-label-{parcel.reference}.pdf", documents.read_document(pdf))],
        sender=content.sender,
    )


def register() -> None:
    mail.register_subject_type(
        SubjectType(
            "withdrawal", on_sent=_record_on_timeline, sample=_sample, staff_url=_staff_url, customer_of=_customer
        )
    )
    mail.register_kind(
        MailKind(
            ACKNOWLEDGEMENT,
            _("Acknowledgement of withdrawal"),
            subject_type="withdrawal",
            template="returns/mail/withdrawal_acknowledgement",
            build=withdrawal_acknowledgement,
        )
    )
    mail.register_subject_type(
        SubjectType(
            "return",
            on_sent=_record_on_timeline,
            sample=_sample_request,
            staff_url=_request_url,
            customer_of=_request_customer,
        )
    )
    mail.register_kind(
        MailKind(RETURN_APPROVED, _("Return approved"), "return", "returns/mail/return_approved", return_approved_mail)
    )
    mail.register_kind(
        MailKind(RETURN_RECEIVED, _("Return received"), "return", "returns/mail/return_received", return_mail)
    )
