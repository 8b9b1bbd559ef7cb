"""What ``billing`` holds about a customer, for the GDPR export and erasure (``oms.privacy``).

Invoices, credit notes and dunning notices are exported, and kept on erasure with their PDFs and
their legally required content (§14b UStG: 8 years, §147 AO: 10 years for the books); the
retention job anonymises their buyer and deletes their PDFs when their period ends
(``RETENTION_PERIODS["invoices"]``), and takes the payer off bank statement lines when the books'
period ends (``"books"``). A customer with an open receivable (an issued
invoice not yet paid in full) is not erased. Bank statement lines that paid the customer's
invoices keep their amount, date and match, and lose the payer's name, IBAN and the person's data
in the remittance text; payment provider events lose it in their detail. Registered from
``BillingConfig.ready()``.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q
from django.utils.translation import ngettext

from billing.documents import CREDIT_NOTE_DOCUMENT, INVOICE_DOCUMENT
from billing.models import BankStatementLine, CreditNote, DunningNotice, DunningPause, Invoice, ProviderEvent
from billing.models.invoice import OPEN_STATES
from oms import privacy, retention
from oms.privacy import ERASED, Erasure, Subject


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _buyer(document: Any) -> dict[str, str]:
    return {
        part: getattr(document, f"buyer_{part}")
        for part in ("name", "company", "street", "line2", "postcode", "city", "country", "vat_id", "email")
    }


def export(subject: Subject) -> dict[str, list[dict[str, Any]]]:
    invoices = Invoice.objects.filter(order_id__in=subject.order_ids).exclude(number="").select_related("order")
    credit_notes = CreditNote.objects.filter(order_id__in=subject.order_ids).exclude(number="").select_related("order")
    return {
        "invoices": [
            {
                "number": i.number,
                "order": i.order.number,
                "invoice_date": _iso(i.invoice_date),
                "state": i.state,
                "total": str(i.total),
                "amount_due": str(i.amount_due),
                "currency": i.currency,
                "buyer": _buyer(i),
            }
            for i in invoices.order_by("invoice_date", "pk")
        ],
        "credit_notes": [
            {
                "number": c.number,
                "order": c.order.number,
                "credit_date": _iso(c.credit_date),
                "reason": c.reason,
                "total": str(c.total),
                "currency": c.currency,
                "buyer": _buyer(c),
            }
            for c in credit_notes.order_by("credit_date", "pk")
        ],
        "dunning_notices": [
            {
                "invoice": d.invoice.number,
                "level": d.level,
                "notice_date": _iso(d.notice_date),
                "pay_by": _iso(d.pay_by),
                "open_amount": str(d.open_amount),
            }
            for d in DunningNotice.objects.filter(invoice__order_id__in=subject.order_ids)
            .select_related("invoice")
            .order_by("notice_date", "pk")
        ],
        "bank_payments": [
            {
                "booking_date": _iso(line.booking_date),
                "amount": str(line.amount),
                "currency": line.currency,
                "counterparty": line.counterparty_name,
                "counterparty_iban": line.counterparty_iban,
                "remittance": line.remittance,
            }
            for line in _bank_lines(subject).order_by("booking_date", "pk")
        ],
    }


def _bank_lines(subject: Subject) -> Any:
    return BankStatementLine.objects.filter(
        Q(order_id__in=subject.order_ids) | Q(invoice__order_id__in=subject.order_ids)
    )


def refusals(subject: Subject) -> list[str]:
    open_invoices = list(
        Invoice.objects.filter(order_id__in=subject.order_ids, state__in=OPEN_STATES, amount_due__gt=0)
        .order_by("pk")
        .values_list("number", flat=True)
    )
    if not open_invoices:
        return []
    return [
        ngettext(
            "Invoice %(numbers)s is not paid yet.",
            "Invoices %(numbers)s are not paid yet.",
            len(open_invoices),
        )
        % {"numbers": ", ".join(open_invoices)}
    ]


def erase(subject: Subject, erasure: Erasure) -> None:
    lines = _bank_lines(subject)
    erasure.count(
        "bank statement lines",
        lines.exclude(counterparty_name=ERASED).update(counterparty_name=ERASED, counterparty_iban=""),
    )
    erasure.count("bank statement lines", privacy.scrub_rows(lines, ["remittance", "resolution_note"], subject))
    # Lines that matched nothing but name the person (support may assign them later).
    erasure.count(
        "bank statement lines",
        privacy.scrub_rows(
            BankStatementLine.objects.filter(privacy.mentioning(subject, "counterparty_name", "remittance")),
            ["counterparty_name", "remittance", "resolution_note"],
            subject,
            others=True,
        ),
    )
    erasure.count(
        "payment provider events",
        privacy.scrub_rows(ProviderEvent.objects.filter(order_id__in=subject.order_ids), ["detail"], subject),
    )
    erasure.count(
        "dunning pauses",
        privacy.scrub_rows(DunningPause.objects.filter(invoice__order_id__in=subject.order_ids), ["reason"], subject),
    )


# --- retention (oms.retention) --------------------------------------------------------------------

# The buyer's and the recipient's data on an invoice or credit note, anonymised when the
# document's retention period ends (the country stays: VAT statistics).
_PARTS = ("name", "company", "street", "line2", "postcode", "city")
PARTY_FIELDS = (*(f"{side}_{part}" for side in ("buyer", "delivery") for part in _PARTS), "buyer_vat_id", "buyer_email")


def _anonymise(queryset: Any, documents: list[tuple[str, Any]]) -> int:
    """Blank the parties of the expired documents and delete their PDFs (and e-invoices)."""
    from oms.models import Document

    ids = list(queryset.exclude(buyer_name=ERASED).values_list("pk", flat=True))
    if not ids:
        return 0
    subjects = Q(pk__in=[])
    for kind, subject_ids in documents:
        subjects |= Q(kind=kind, subject__in=[str(pk) for pk in subject_ids(ids)])
    queryset.model.objects.filter(pk__in=ids).update(document=None)
    privacy.discard_documents(Document.objects.filter(subjects))
    updates = {name: "" for name in PARTY_FIELDS}
    updates["buyer_name"] = ERASED
    return queryset.model.objects.filter(pk__in=ids).update(**updates)


def _purge_invoices(before: datetime.datetime) -> int:
    from billing.dunning_documents import REMINDER_DOCUMENT
    from billing.einvoice.pdf import CREDIT_NOTE_FACTURX, INVOICE_FACTURX

    def same(ids: list[int]) -> list[int]:
        return ids

    def notices(ids: list[int]) -> list[int]:
        return list(DunningNotice.objects.filter(invoice_id__in=ids).values_list("pk", flat=True))

    invoices = Invoice.objects.filter(invoice_date__lt=before.date()).exclude(number="")
    credit_notes = CreditNote.objects.filter(credit_date__lt=before.date()).exclude(number="")
    return _anonymise(
        invoices, [(INVOICE_DOCUMENT, same), (INVOICE_FACTURX, same), (REMINDER_DOCUMENT, notices)]
    ) + _anonymise(credit_notes, [(CREDIT_NOTE_DOCUMENT, same), (CREDIT_NOTE_FACTURX, same)])


def _purge_bank_lines(before: datetime.datetime) -> int:
    """Bank statement lines stay in the books with amount, date and match; the payer goes."""
    expired = BankStatementLine.objects.filter(booking_date__lt=before.date()).exclude(counterparty_name=ERASED)
    return expired.update(counterparty_name=ERASED, counterparty_iban="", remittance="", end_to_end_id="")


def register() -> None:
    privacy.register("billing", export=export, erase=erase, refusals=refusals, order=30)
    retention.register("invoices", purge=_purge_invoices)
    retention.register("bank_statement_lines", purge=_purge_bank_lines, period="books")
