"""Support downloads an invoice's or credit note's e-invoice: the ZUGFeRD/Factur-X PDF (PDF/A-3
with the EN 16931 XML embedded) and the XRechnung XML, from the order page's invoices panel and
the invoice pages.

Both are for the roles that may read the invoice PDF (support and managers), by document number
(``RE-…`` invoice or ``GS-…`` credit note); an unknown or not yet issued number is a 404. Each
download is recorded in the customer-data access log, like the PDF's. A document that cannot be
expressed as a valid e-invoice goes back to the order page with the reason, nothing stored.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from billing.einvoice.formats import einvoicing_for
from billing.einvoice.pdf import facturx_document
from billing.einvoice.xml import XRECHNUNG_UBL, EInvoiceError, einvoice_xml, filename
from billing.models import ISSUED_STATES, CreditNote, Invoice
from billing.panels import PAYMENT_ROLES
from oms import documents
from oms.access_log import record_customer_access
from oms.models import AccessAction
from oms.roles import role_required


def billing_document_or_404(number: str) -> Invoice | CreditNote:
    """The issued invoice or credit note with this number (404 for anything else)."""
    invoice = Invoice.objects.select_related("order").filter(number=number, state__in=ISSUED_STATES).first()
    if invoice is not None:
        return invoice
    note = (
        CreditNote.objects.select_related("order", "invoice")
        .filter(number=number, issued_at__isnull=False)
        .exclude(number="")
        .first()
    )
    if note is None:
        raise Http404
    return note


def _record(request: HttpRequest, doc: Invoice | CreditNote, what: str) -> None:
    kind = "credit_note" if isinstance(doc, CreditNote) else "invoice"
    record_customer_access(
        request,
        subject_type=f"{kind}:{what}",
        subject_id=doc.pk,
        customer_id=doc.customer_id,
        action=AccessAction.EXPORTED,
    )


def _refused(request: HttpRequest, doc: Invoice | CreditNote, exc: EInvoiceError) -> HttpResponse:
    messages.error(
        request,
        _("No e-invoice can be made of %(number)s: %(reason)s") % {"number": doc.number, "reason": exc},
    )
    return redirect("orders:support-order-detail", number=doc.order.number)


def _attachment(content: bytes, *, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(*PAYMENT_ROLES)
@require_GET
def einvoice_zugferd(request: HttpRequest, number: str) -> HttpResponse:
    """The ZUGFeRD PDF, rendered now if it was never asked for (then stored like every document)."""
    doc = billing_document_or_404(number)
    try:
        document = facturx_document(doc)
    except EInvoiceError as exc:
        return _refused(request, doc, exc)
    _record(request, doc, "zugferd")
    return _attachment(
        documents.read_document(document),
        content_type="application/pdf",
        name=document.filename or f"{doc.number}-zugferd.pdf",
    )


@role_required(*PAYMENT_ROLES)
@require_GET
def einvoice_xrechnung(request: HttpRequest, number: str) -> HttpResponse:
    """The XRechnung XML in the syntax the buyer's setting names (UBL unless it asks for CII),
    with the buyer reference it gives."""
    doc = billing_document_or_404(number)
    setting = einvoicing_for(doc)
    syntax = setting.xml_syntax or XRECHNUNG_UBL
    try:
        xml = einvoice_xml(doc, syntax=syntax, buyer_reference=setting.buyer_reference)
    except EInvoiceError as exc:
        return _refused(request, doc, exc)
    _record(request, doc, "xrechnung")
    return _attachment(xml, content_type="application/xml", name=filename(doc, syntax))
