"""Which e-invoice a document's buyer gets, and with which buyer reference (read side)."""

from __future__ import annotations

from dataclasses import dataclass

from billing.einvoice.xml import XRECHNUNG_CII, XRECHNUNG_UBL
from billing.models import ChannelEInvoicing, CreditNote, CustomerEInvoicing, EInvoiceFormat, Invoice

# The XML syntax of each XRechnung format.
XML_SYNTAX = {EInvoiceFormat.XRECHNUNG_UBL: XRECHNUNG_UBL, EInvoiceFormat.XRECHNUNG_CII: XRECHNUNG_CII}


@dataclass(frozen=True)
class EInvoicing:
    format: str
    buyer_reference: str

    @property
    def xml_syntax(self) -> str | None:
        """The XRechnung syntax sent beside the PDF (None: no separate XML)."""
        return XML_SYNTAX.get(self.format)


def is_business(doc: Invoice | CreditNote) -> bool:
    return bool(doc.buyer_company or doc.buyer_vat_id)


def einvoicing_for(doc: Invoice | CreditNote) -> EInvoicing:
    """The customer's own setting, else (for a business buyer) the channel's default, else the PDF."""
    own = CustomerEInvoicing.objects.filter(customer_id=doc.customer_id).first()
    reference = own.buyer_reference if own else ""
    if own is not None and own.format:
        return EInvoicing(own.format, reference)
    if not is_business(doc):
        return EInvoicing(EInvoiceFormat.PDF, reference)
    channel_default = (
        ChannelEInvoicing.objects.filter(channel__orders=doc.order_id).values_list("b2b_format", flat=True).first()
    )
    return EInvoicing(channel_default or EInvoiceFormat.ZUGFERD, reference)
