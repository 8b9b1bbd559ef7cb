"""Invoice and credit-note PDFs (``oms.documents``) and the customer mail that carries them
(``oms.mail``, its builders in ``billing.mails``), both requested in the issuing transaction
through the outbox.

The PDF holds what §14 Abs. 4 UStG asks: seller and buyer with addresses, the seller's tax number
and VAT ID, the invoice date and number, quantity and description of the goods, the date of
supply, the net amounts per VAT rate with rate and VAT (the breakdown), any tax exemption (the
reverse-charge or export note) and, for reverse charge, the buyer's VAT ID; plus the order
reference, payment terms, due date, what is paid and what is still due (as of issuing).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.einvoice.content import paid_and_due_at_issue
from billing.models import CreditNote, Invoice, TaxTreatment
from oms import documents, mail
from oms.documents import DocumentContent, DocumentKind
from oms.mail import SubjectType
from oms.models import CustomerMail
from oms.roles import Role
from orders.services import timeline

INVOICE_DOCUMENT = "invoice"
CREDIT_NOTE_DOCUMENT = "credit_note"
INVOICE_MAIL = "invoice"
CREDIT_NOTE_MAIL = "credit_note"
STAFF = frozenset({Role.SUPPORT, Role.MANAGER})


def _language(language: str) -> str:
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _common(doc: Invoice | CreditNote) -> dict[str, Any]:
    return {
        "seller": doc.seller,
        "buyer": doc.buyer_address_lines(),
        "delivery": doc.delivery_address_lines(),
        "lines": list(doc.lines.order_by("position", "pk")),
        "vat_rows": list(doc.vat_rows.order_by("-vat_rate")),
        "reverse_charge": doc.tax_treatment == TaxTreatment.REVERSE_CHARGE,
        "tax_free": doc.tax_treatment in (TaxTreatment.REVERSE_CHARGE, TaxTreatment.EXPORT),
        "net_prices": doc.price_mode == "net",
    }


def invoice_document(subject: str) -> DocumentContent:
    """The invoice with what was paid and what was due when it was issued (as its e-invoice XML
    says), not what is paid today: an issued invoice's PDF reads the same whenever it is drawn."""
    invoice = Invoice.objects.select_related("order__channel").get(pk=int(subject))
    paid, due = paid_and_due_at_issue(invoice)
    return DocumentContent(
        context={
            **_common(invoice),
            "invoice": invoice,
            "doc": invoice,
            "order": invoice.order,
            "paid_at_issue": paid,
            "due_at_issue": due,
        },
        language=_language(invoice.language),
        filename=f"{invoice.number}.pdf",
    )


def credit_note_document(subject: str) -> DocumentContent:
    note = CreditNote.objects.select_related("order__channel", "invoice").get(pk=int(subject))
    return DocumentContent(
        context={**_common(note), "note": note, "doc": note, "invoice": note.invoice, "order": note.order},
        language=_language(note.language),
        filename=f"{note.number}.pdf",
    )


def _invoice_customer(subject: str) -> int | None:
    return Invoice.objects.filter(pk=int(subject)).values_list("customer_id", flat=True).first()


def _credit_note_customer(subject: str) -> int | None:
    return CreditNote.objects.filter(pk=int(subject)).values_list("customer_id", flat=True).first()


def _invoice_order(subject: str) -> int | None:
    return Invoice.objects.filter(pk=int(subject)).exclude(number="").values_list("order_id", flat=True).first()


def _credit_note_order(subject: str) -> int | None:
    return CreditNote.objects.filter(pk=int(subject)).exclude(number="").values_list("order_id", flat=True).first()


# -- in the issuing transaction ---------------------------------------------------------------------


def request_invoice_pdf_and_mail(invoice: Invoice) -> None:
    """The PDF (rendered by a worker after commit) and the customer's mail with it attached."""
    document = documents.request_document(INVOICE_DOCUMENT, subject=str(invoice.pk))
    invoice.document = document
    invoice.updated_at = timezone.now()
    invoice.save(update_fields=["document", "updated_at"])
    if invoice.buyer_email and not invoice.order.channel.sends_own_mail(INVOICE_MAIL):
        mail.enqueue_mail(
            INVOICE_MAIL,
            subject_id=str(invoice.pk),
            to=invoice.buyer_email,
            language=invoice.language,
            requested_by=f"invoice:{invoice.number}",
        )


def request_credit_note_pdf_and_mail(note: CreditNote) -> None:
    document = documents.request_document(CREDIT_NOTE_DOCUMENT, subject=str(note.pk))
    note.document = document
    note.save(update_fields=["document"])
    if note.buyer_email and not note.order.channel.sends_own_mail(CREDIT_NOTE_MAIL):
        mail.enqueue_mail(
            CREDIT_NOTE_MAIL,
            subject_id=str(note.pk),
            to=note.buyer_email,
            language=note.language,
            requested_by=f"credit_note:{note.number}",
        )


# -- mail (the builders that attach the PDF or e-invoice live in billing.mails) ---------------------


def _record_invoice_mail(sent: CustomerMail) -> None:
    invoice = Invoice.objects.select_related("order").get(pk=int(sent.subject_id))
    timeline.mail_sent(invoice.order, kind_label=mail.kind_label(sent.kind), to=sent.to, mail_id=sent.pk)
    Invoice.objects.filter(pk=invoice.pk, mailed_at__isnull=True).update(mailed_at=timezone.now())


def _record_credit_note_mail(sent: CustomerMail) -> None:
    note = CreditNote.objects.select_related("order").get(pk=int(sent.subject_id))
    timeline.mail_sent(note.order, kind_label=mail.kind_label(sent.kind), to=sent.to, mail_id=sent.pk)
    CreditNote.objects.filter(pk=note.pk, mailed_at__isnull=True).update(mailed_at=timezone.now())


def _sample(model: Any) -> Any:
    def sample() -> str | None:
        pk = model.objects.exclude(number="").order_by("-pk").values_list("pk", flat=True).first()
        return str(pk) if pk else None

    return sample


def _staff_url(model: Any) -> Any:
    def url(subject_id: str) -> str | None:
        number = model.objects.filter(pk=int(subject_id)).values_list("order__number", flat=True).first()
        return reverse("orders:support-order-detail", args=[number]) if number else None

    return url


def register() -> None:
    documents.register_kind(
        DocumentKind(
            INVOICE_DOCUMENT,
            _("Invoice"),
            "billing/documents/invoice.html",
            invoice_document,
            STAFF,
            customer_of=_invoice_customer,
            order_of=_invoice_order,
        )
    )
    documents.register_kind(
        DocumentKind(
            CREDIT_NOTE_DOCUMENT,
            _("Credit note"),
            "billing/documents/credit_note.html",
            credit_note_document,
            STAFF,
            customer_of=_credit_note_customer,
            order_of=_credit_note_order,
        )
    )
    mail.register_subject_type(
        SubjectType(
            "invoice",
            on_sent=_record_invoice_mail,
            sample=_sample(Invoice),
            staff_url=_staff_url(Invoice),
            customer_of=_invoice_customer,
        )
    )
    mail.register_subject_type(
        SubjectType(
            "credit_note",
            on_sent=_record_credit_note_mail,
            sample=_sample(CreditNote),
            staff_url=_staff_url(CreditNote),
            customer_of=_credit_note_customer,
        )
    )
