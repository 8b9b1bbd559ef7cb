"""Billing models, one module per concept: number counters, seller and channel settings,
invoices (lines, VAT rows, payments applied) and credit notes."""

from billing.models.bank import BankLineState, BankStatement, BankStatementLine, StatementFormat
from billing.models.base import LineKind, TaxTreatment
from billing.models.credit_note import (
    CREDIT_NOTE_MUTABLE_FIELDS,
    CreditNote,
    CreditNoteLine,
    CreditNoteReason,
    CreditNoteVatRow,
)
from billing.models.dunning import DunningLevel, DunningNotice, DunningPause
from billing.models.einvoice import ChannelEInvoicing, CustomerEInvoicing, EInvoiceFormat
from billing.models.invoice import (
    INVOICE_MUTABLE_FIELDS,
    ISSUED_STATES,
    OPEN_STATES,
    Invoice,
    InvoiceLine,
    InvoicePayment,
    InvoiceState,
    InvoiceTrigger,
    InvoiceVatRow,
    payment_state_for,
)
from billing.models.numbering import NumberCounter, NumberSeries
from billing.models.provider_event import ProviderEvent, ProviderEventOutcome
from billing.models.seller import ChannelBilling, IssueOn, SellerProfile

__all__ = [
    "CREDIT_NOTE_MUTABLE_FIELDS",
    "INVOICE_MUTABLE_FIELDS",
    "ISSUED_STATES",
    "OPEN_STATES",
    "BankLineState",
    "BankStatement",
    "BankStatementLine",
    "ChannelBilling",
    "ChannelEInvoicing",
    "CreditNote",
    "CreditNoteLine",
    "CreditNoteReason",
    "CreditNoteVatRow",
    "CustomerEInvoicing",
    "DunningLevel",
    "DunningNotice",
    "DunningPause",
    "EInvoiceFormat",
    "Invoice",
    "InvoiceLine",
    "InvoicePayment",
    "InvoiceState",
    "InvoiceTrigger",
    "InvoiceVatRow",
    "IssueOn",
    "LineKind",
    "NumberCounter",
    "NumberSeries",
    "ProviderEvent",
    "ProviderEventOutcome",
    "SellerProfile",
    "StatementFormat",
    "TaxTreatment",
    "payment_state_for",
]
