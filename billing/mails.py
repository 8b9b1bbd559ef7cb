"""The customer's invoice and credit-note mails (``oms.mail``) and what they carry, as the
buyer's e-invoicing setting asks (``billing.einvoice.formats``):

- plain PDF: the invoice PDF;
- ZUGFeRD: the ZUGFeRD/Factur-X PDF (PDF/A-3 with the EN 16931 XML embedded) instead of it;
- XRechnung (UBL or CII): the XML beside the PDF.

The files are the stored documents (rendered now if a worker has not yet) and the XML built from
the issued document, which never changes. A document that cannot be expressed as a valid
e-invoice still goes out with its plain PDF (logged), so the customer is never left without it.
"""

from __future__ import annotations

import logging

from django.utils.translation import gettext_lazy as _

from billing.documents import CREDIT_NOTE_DOCUMENT, CREDIT_NOTE_MAIL, INVOICE_DOCUMENT, INVOICE_MAIL
from billing.einvoice.formats import einvoicing_for
from billing.einvoice.pdf import facturx_document
from billing.einvoice.xml import EInvoiceError, einvoice_xml, filename
from billing.models import CreditNote, EInvoiceFormat, Invoice
from oms import documents, mail
from oms.mail import Attachment, MailContent, MailKind

logger = logging.getLogger(__name__)

XML_MIMETYPE = "application/xml"


def _plain_pdf(doc: Invoice | CreditNote, kind: str) -> Attachment:
    pdf = documents.render_document_now(kind, subject=str(doc.pk))
    return Attachment(f"{doc.number}.pdf", documents.read_document(pdf))


def einvoice_attachments(doc: Invoice | CreditNote, *, plain_kind: str) -> list[Attachment]:
    """The files the mail about ``doc`` carries (module docstring)."""
    setting = einvoicing_for(doc)
    try:
        if setting.format == EInvoiceFormat.ZUGFERD:
            document = facturx_document(doc)
            return [Attachment(document.filename or f"{doc.number}-zugferd.pdf", documents.read_document(document))]
        if setting.xml_syntax:
            xml = einvoice_xml(doc, syntax=setting.xml_syntax, buyer_reference=setting.buyer_reference)
            return [_plain_pdf(doc, plain_kind), Attachment(filename(doc, setting.xml_syntax), xml, XML_MIMETYPE)]
    except EInvoiceError as exc:
        logger.warning("No e-invoice for %s, mailed with its plain PDF: %s", doc.number, exc)
    return [_plain_pdf(doc, plain_kind)]


def invoice_mail(subject_id: str, language: str) -> MailContent:
    invoice = Invoice.objects.select_related("order__channel").get(pk=int(subject_id))
    return MailContent(
        context={"invoice": invoice, "order": invoice.order, "channel": invoice.order.channel},
        attachments=einvoice_attachments(invoice, plain_kind=INVOICE_DOCUMENT),
    )


def credit_note_mail(subject_id: str, language: str) -> MailContent:
    note = CreditNote.objects.select_related("order__channel", "invoice").get(pk=int(subject_id))
    return MailContent(
        context={"note": note, "invoice": note.invoice, "order": note.order, "channel": note.order.channel},
        attachments=einvoice_attachments(note, plain_kind=CREDIT_NOTE_DOCUMENT),
    )


def register() -> None:
    mail.register_kind(MailKind(INVOICE_MAIL, _("Invoice"), "invoice", "billing/mail/invoice", invoice_mail))
    mail.register_kind(
        MailKind(CREDIT_NOTE_MAIL, _("Credit note"), "credit_note", "billing/mail/credit_note", credit_note_mail)
    )
