"""What ``billing`` holds about a customer, for the GDPR export and erasure (``oms.privacy``).

Invoices, credit notes and dunning notices are exported, and kept on erasure with their PDFs and
their legally required content (§14b UStG: 8 years, §147 AO: 10 years for the books); the
retention job removes them when their period ends. A customer with an open receivable (an issued
invoice not yet paid in full) is not erased. Bank statement lines that paid the customer's
invoices keep their amount, date and match, and lose the payer's name, IBAN and the person's data
in the remittance text; payment provider events lose it in their detail. Registered from
``BillingConfig.ready()``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import ngettext

from billing.models import BankStatementLine, CreditNote, DunningNotice, DunningPause, Invoice, ProviderEvent
from billing.models.invoice import OPEN_STATES
from oms import privacy
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


def register() -> None:
    privacy.register("billing", export=export, erase=erase, refusals=refusals, order=30)
