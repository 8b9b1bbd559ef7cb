"""The customer mails and documents ``orders`` contributes to the shared services in ``oms``:
the subject type "order" (a sent mail goes on the order's timeline), the order confirmation, and
legal texts rendered to PDF. Registered from ``OrdersConfig.ready()``.

Builders read; they change nothing. Sending is ``orders.services.notifications``.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from oms import documents, mail
from oms.documents import DocumentContent, DocumentKind
from oms.mail import Attachment, MailContent, MailKind, SubjectType
from oms.models import CustomerMail
from oms.roles import Role
from orders.models import CONFIRMATION_ATTACHMENTS, CaseMessage, LegalText, Order, PaymentMethod, PaymentTransaction
from orders.portal_links import portal_url
from orders.services import timeline

ORDER_CONFIRMATION = "order_confirmation"
LEGAL_TEXT = "legal_text"
CASE_REPLY = "case_reply"
PAYMENT_RECEIVED = "payment_received"
REFUND_ISSUED = "refund_issued"
ORDER_DELIVERED = "order_delivered"


# -- the subject type "order" ------------------------------------------------------------------------


def _record_on_timeline(sent: CustomerMail) -> None:
    order = Order.objects.get(pk=int(sent.subject_id))
    timeline.mail_sent(
        order, kind_label=mail.kind_label(sent.kind), to=sent.to, mail_id=sent.pk, resend=bool(sent.resend_of_id)
    )


def _sample_order() -> str | None:
    pk = Order.objects.order_by("-created_at", "-pk").values_list("pk", flat=True).first()
    return str(pk) if pk else None


def _order_url(subject_id: str) -> str | None:
    number = Order.objects.filter(pk=int(subject_id)).values_list("number", flat=True).first()
    return reverse("orders:support-order-detail", args=[number]) if number else None


def _order_customer(subject_id: str) -> int | None:
    return Order.objects.filter(pk=int(subject_id)).values_list("customer_id", flat=True).first()


# -- the order confirmation -------------------------------------------------------------------------


def order_confirmation(subject_id: str, language: str) -> MailContent:
    """What the customer ordered, where it goes, how it is paid, with the channel's terms and
    withdrawal instructions attached (in the mail's language where the channel has them)."""
    order = Order.objects.select_related("channel", "customer").get(pk=int(subject_id))
    lines = list(order.lines.order_by("position"))
    return MailContent(
        context={
            "order": order,
            "lines": lines,
            "customer_name": order.billing_name or order.customer.name,
            "channel": order.channel,
            "payment_method": PaymentMethod(order.payment_method).label
            if order.payment_method in PaymentMethod.values
            else order.payment_method,
            "awaiting_payment": order.confirmed_at is None,
            "portal_url": portal_url(order.pk),
        },
        attachments=legal_attachments(order.channel_id, language),
    )


def legal_attachments(channel_id: int, language: str) -> list[Attachment]:
    """The confirmation's legal texts of a channel: per kind the one in ``language``, else the one
    in the default language, else any (a binding text in another language beats none)."""
    texts = list(LegalText.objects.filter(channel_id=channel_id, kind__in=CONFIRMATION_ATTACHMENTS))
    preference = [language, settings.LANGUAGE_CODE]
    attachments = []
    for kind in CONFIRMATION_ATTACHMENTS:
        candidates = sorted(
            (t for t in texts if t.kind == kind),
            key=lambda t: preference.index(t.language) if t.language in preference else len(preference),
        )
        if candidates:
            attachments.append(legal_text_attachment(candidates[0]))
    return attachments


def legal_text_attachment(legal_text: LegalText) -> Attachment:
    if legal_text.file:
        with legal_text.file.open("rb") as uploaded:
            return Attachment(legal_text.filename, uploaded.read())
    document = documents.render_document_now(LEGAL_TEXT, subject=str(legal_text.pk), version=legal_text.version)
    return Attachment(legal_text.filename, documents.read_document(document))


# -- a support agent's reply to a case the customer opened in the portal -----------------------------


def _reply(subject_id: str) -> CaseMessage:
    return CaseMessage.objects.select_related("case__order__channel", "case__order__customer").get(pk=int(subject_id))


def _record_reply_on_timeline(sent: CustomerMail) -> None:
    order = _reply(sent.subject_id).case.order
    if order is not None:
        timeline.mail_sent(
            order, kind_label=mail.kind_label(sent.kind), to=sent.to, mail_id=sent.pk, resend=bool(sent.resend_of_id)
        )


def _sample_reply() -> str | None:
    pk = (
        CaseMessage.objects.filter(case__opened_by_customer=True, case__order__isnull=False, from_customer=False)
        .exclude(internal=True)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return str(pk) if pk else None


def _reply_url(subject_id: str) -> str | None:
    case_id = CaseMessage.objects.filter(pk=int(subject_id)).values_list("case_id", flat=True).first()
    return reverse("orders:support-case-detail", args=[case_id]) if case_id else None


def _reply_customer(subject_id: str) -> int | None:
    return CaseMessage.objects.filter(pk=int(subject_id)).values_list("case__customer_id", flat=True).first()


def case_reply(subject_id: str, language: str) -> MailContent:
    """The agent's answer, in full, and the link to the order's page where the thread goes on."""
    message = _reply(subject_id)
    order = message.case.order
    return MailContent(
        context={
            "message": message,
            "case": message.case,
            "order": order,
            "customer_name": order.billing_name or order.customer.name,
            "channel": order.channel,
            "portal_url": portal_url(order.pk),
        }
    )


# -- payments: received, refunded (subject type "payment": a payment transaction) -------------------


def _payment(subject_id: str) -> PaymentTransaction:
    return PaymentTransaction.objects.select_related("order__channel", "order__customer").get(pk=int(subject_id))


def _record_payment_mail_on_timeline(sent: CustomerMail) -> None:
    order = _payment(sent.subject_id).order
    timeline.mail_sent(
        order, kind_label=mail.kind_label(sent.kind), to=sent.to, mail_id=sent.pk, resend=bool(sent.resend_of_id)
    )


def _sample_payment() -> str | None:
    pk = PaymentTransaction.objects.order_by("-pk").values_list("pk", flat=True).first()
    return str(pk) if pk else None


def _payment_url(subject_id: str) -> str | None:
    number = PaymentTransaction.objects.filter(pk=int(subject_id)).values_list("order__number", flat=True).first()
    return reverse("orders:support-order-detail", args=[number]) if number else None


def _payment_customer(subject_id: str) -> int | None:
    return PaymentTransaction.objects.filter(pk=int(subject_id)).values_list("order__customer_id", flat=True).first()


def payment_mail(subject_id: str, language: str) -> MailContent:
    """The payment (or refund) with its amount, and the link to the order's page."""
    payment = _payment(subject_id)
    order = payment.order
    return MailContent(
        context={
            "order": order,
            "payment": payment,
            "customer_name": order.billing_name or order.customer.name,
            "channel": order.channel,
            "portal_url": portal_url(order.pk),
        },
        sender=order.channel.code,
    )


# -- the order arrived: and how was it? ----------------------------------------------------------------


def order_delivered(subject_id: str, language: str) -> MailContent:
    """Everything arrived; the link to the order's page, where the customer rates it."""
    order = Order.objects.select_related("channel", "customer").get(pk=int(subject_id))
    return MailContent(
        context={
            "order": order,
            "customer_name": order.shipping_name or order.billing_name or order.customer.name,
            "channel": order.channel,
            "portal_url": portal_url(order.pk),
        },
        sender=order.channel.code,
    )


# -- legal texts as documents ----------------------------------------------------------------------


def legal_text_document(subject: str) -> DocumentContent:
    legal_text = LegalText.objects.select_related("channel").get(pk=int(subject))
    paragraphs = [p.strip() for p in legal_text.body.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return DocumentContent(
        context={"legal_text": legal_text, "channel": legal_text.channel, "paragraphs": paragraphs},
        language=legal_text.language,
        filename=legal_text.filename,
    )


def register() -> None:
    mail.register_subject_type(
        SubjectType(
            "order",
            on_sent=_record_on_timeline,
            sample=_sample_order,
            staff_url=_order_url,
            customer_of=_order_customer,
        )
    )
    mail.register_kind(
        MailKind(
            ORDER_CONFIRMATION,
            _("Order confirmation"),
            subject_type="order",
            template="orders/mail/order_confirmation",
            build=order_confirmation,
        )
    )
    mail.register_subject_type(
        SubjectType(
            "case_message",
            on_sent=_record_reply_on_timeline,
            sample=_sample_reply,
            staff_url=_reply_url,
            customer_of=_reply_customer,
        )
    )
    mail.register_kind(
        MailKind(
            CASE_REPLY,
            _("Reply to a support request"),
            subject_type="case_message",
            template="orders/mail/case_reply",
            build=case_reply,
        )
    )
    mail.register_subject_type(
        SubjectType(
            "payment",
            on_sent=_record_payment_mail_on_timeline,
            sample=_sample_payment,
            staff_url=_payment_url,
            customer_of=_payment_customer,
        )
    )
    mail.register_kind(
        MailKind(PAYMENT_RECEIVED, _("Payment received"), "payment", "orders/mail/payment_received", payment_mail)
    )
    mail.register_kind(
        MailKind(REFUND_ISSUED, _("Refund issued"), "payment", "orders/mail/refund_issued", payment_mail)
    )
    mail.register_kind(
        MailKind(
            ORDER_DELIVERED,
            _("Delivered, with a feedback request"),
            "order",
            "orders/mail/order_delivered",
            order_delivered,
        )
    )
    documents.register_kind(
        DocumentKind(
            LEGAL_TEXT,
            _("Legal text"),
            template="orders/documents/legal_text.html",
            build=legal_text_document,
            roles=frozenset({Role.SUPPORT, Role.MANAGER}),
        )
    )
