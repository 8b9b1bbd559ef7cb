"""The Factur-X/ZUGFeRD PDF of an invoice or credit note: the same page as the invoice PDF,
rendered as PDF/A-3b, with the EN 16931 CII XML embedded as ``factur-x.xml`` (``oms.documents``
renders and stores it like every other document: once, under its SHA-256)."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext_lazy as _
from facturx import generate_from_binary

from billing.documents import STAFF, credit_note_document, invoice_document
from billing.einvoice.formats import einvoicing_for
from billing.einvoice.xml import FACTUR_X, einvoice_xml
from billing.models import CreditNote, Invoice
from oms import documents
from oms.documents import DocumentContent, DocumentKind
from oms.models import Document

INVOICE_FACTURX = "invoice_facturx"
CREDIT_NOTE_FACTURX = "credit_note_facturx"
PDF_VARIANT = "pdf/a-3b"


def facturx_xml(doc: Invoice | CreditNote) -> bytes:
    """The CII XML a Factur-X PDF of ``doc`` embeds."""
    return einvoice_xml(doc, syntax=FACTUR_X, buyer_reference=einvoicing_for(doc).buyer_reference)


def _embed(doc: Invoice | CreditNote, pdf: bytes) -> bytes:
    return generate_from_binary(
        pdf, facturx_xml(doc), flavor="factur-x", level="en16931", check_xsd=True, lang=doc.language
    )


def _invoice_content(subject: str) -> DocumentContent:
    content = invoice_document(subject)
    return DocumentContent(content.context, content.language, content.filename.replace(".pdf", "-zugferd.pdf"))


def _credit_note_content(subject: str) -> DocumentContent:
    content = credit_note_document(subject)
    return DocumentContent(content.context, content.language, content.filename.replace(".pdf", "-zugferd.pdf"))


def _finish_invoice(subject: str, pdf: bytes) -> bytes:
    return _embed(Invoice.objects.select_related("order").get(pk=int(subject)), pdf)


def _finish_credit_note(subject: str, pdf: bytes) -> bytes:
    return _embed(CreditNote.objects.select_related("order", "invoice").get(pk=int(subject)), pdf)


def _customer_of(model: type[Invoice] | type[CreditNote]) -> Callable[[str], int | None]:
    def customer(subject: str) -> int | None:
        return model.objects.filter(pk=int(subject)).values_list("customer_id", flat=True).first()

    return customer


def facturx_document(doc: Invoice | CreditNote) -> Document:
    """The stored Factur-X PDF of ``doc``, rendered now if it is not ready yet."""
    kind = CREDIT_NOTE_FACTURX if isinstance(doc, CreditNote) else INVOICE_FACTURX
    return documents.render_document_now(kind, subject=str(doc.pk))


def register() -> None:
    documents.register_kind(
        DocumentKind(
            INVOICE_FACTURX,
            _("Invoice (ZUGFeRD)"),
            "billing/documents/invoice.html",
            _invoice_content,
            STAFF,
            customer_of=_customer_of(Invoice),
            pdf_variant=PDF_VARIANT,
            finish=_finish_invoice,
        )
    )
    documents.register_kind(
        DocumentKind(
            CREDIT_NOTE_FACTURX,
            _("Credit note (ZUGFeRD)"),
            "billing/documents/credit_note.html",
            _credit_note_content,
            STAFF,
            customer_of=_customer_of(CreditNote),
            pdf_variant=PDF_VARIANT,
            finish=_finish_credit_note,
        )
    )
