"""The payment reminder's PDF (``oms.documents``) and the mail that carries it (``oms.mail``),
both requested in the transaction that records the reminder (``billing.services.dunning``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from billing.documents import STAFF
from billing.models import DunningNotice, Invoice
from oms import documents, mail
from oms.documents import DocumentContent, DocumentKind
from oms.mail import Attachment, MailContent, MailKind, SubjectType
from oms.models import CustomerMail
from orders.models import Order
from orders.services import timeline

REMINDER_DOCUMENT = "dunning_notice"
REMINDER_MAIL = "dunning_notice"


def _notice(subject: str) -> DunningNotice:
    return DunningNotice.objects.select_related("invoice__order__channel").get(pk=int(subject))


def reminder_document(subject: str) -> DocumentContent:
    notice = _notice(subject)
    invoice = notice.invoice
    earlier = list(invoice.dunning_notices.filter(level__lt=notice.level).order_by("level"))
    return DocumentContent(
        context={
            "notice": notice,
            "invoice": invoice,
            "order": invoice.order,
            "seller": invoice.seller,
            "buyer": invoice.buyer_address_lines(),
            "earlier": earlier,
        },
        language=mail.mail_language(invoice.language),
        filename=f"{invoice.number}-{notice.level}.pdf",
    )


def _customer(subject: str) -> int | None:
    return DunningNotice.objects.filter(pk=int(subject)).values_list("invoice__customer_id", flat=True).first()


def request_reminder_pdf_and_mail(notice: DunningNotice, *, invoice: Invoice, order: Order) -> None:
    """The PDF (rendered by a worker after commit) and the buyer's mail with it attached."""
    notice.document = documents.request_document(REMINDER_DOCUMENT, subject=str(notice.pk))
    fields = ["document"]
    if invoice.buyer_email and not order.channel.sends_own_mail(REMINDER_MAIL):
        notice.mail = mail.enqueue_mail(
            REMINDER_MAIL,
            subject_id=str(notice.pk),
            to=invoice.buyer_email,
            language=invoice.language,
            requested_by=f"dunning:{invoice.number}:{notice.level}",
        )
        fields.append("mail")
    notice.save(update_fields=fields)


def reminder_mail(subject_id: str, language: str) -> MailContent:
    notice = _notice(subject_id)
    pdf = documents.render_document_now(REMINDER_DOCUMENT, subject=str(notice.pk))
    invoice = notice.invoice
    return MailContent(
        context={"notice": notice, "invoice": invoice, "order": invoice.order, "channel": invoice.order.channel},
        attachments=[Attachment(pdf.filename or f"{invoice.number}-{notice.level}.pdf", documents.read_document(pdf))],
    )


def _record_mail(sent: CustomerMail) -> None:
    notice = _notice(sent.subject_id)
    timeline.mail_sent(notice.invoice.order, kind_label=mail.kind_label(sent.kind), to=sent.to, mail_id=sent.pk)


def _sample() -> str | None:
    pk = DunningNotice.objects.order_by("-pk").values_list("pk", flat=True).first()
    return str(pk) if pk else None


def _staff_url(subject_id: str) -> str | None:
    number = DunningNotice.objects.filter(pk=int(subject_id)).values_list("invoice__order__number", flat=True).first()
    return reverse("orders:support-order-detail", args=[number]) if number else None


def register() -> None:
    documents.register_kind(
        DocumentKind(
            REMINDER_DOCUMENT,
            _("Payment reminder"),
            "billing/documents/dunning_notice.html",
            reminder_document,
            STAFF,
            customer_of=_customer,
        )
    )
    mail.register_subject_type(
        SubjectType("dunning_notice", on_sent=_record_mail, sample=_sample, staff_url=_staff_url, customer_of=_customer)
    )
    mail.register_kind(
        MailKind(REMINDER_MAIL, _("Payment reminder"), "dunning_notice", "billing/mail/dunning_notice", reminder_mail)
    )
