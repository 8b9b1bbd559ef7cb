"""What billing hands the accountant for a period (read side): the booking lines of its invoices,
credit notes and payments, and the OSS totals per destination country.

Bookings, in the accounts of ``settings.BILLING_DATEV`` (``billing.datev`` writes them as DATEV's
booking batch):
- an invoice: per VAT rate, its gross amount on the debtor account (debit) against the revenue
  account of its tax treatment, rate and, for OSS sales, destination country;
- a credit note: the same per rate, on the debtor account's credit side;
- a payment: a capture on the account of its provider (bank, Stripe, PayPal) against the debtor
  account, a refund the other way round; split by the invoices it was applied to, so each part
  carries the invoice's number (Belegfeld 1, what DATEV matches open items by); the part applied
  to no invoice carries the order number.

Invoices count by invoice date, credit notes by credit-note date, payments by the day they were
recorded (Europe/Berlin); ``date_to`` is included. Payments go by the day recorded rather than the
bank's booking day: a transfer booked on 30 December but imported on 3 January would otherwise
belong to a period already exported and never reach the accountant.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import ISSUED_STATES, CreditNote, Invoice, TaxTreatment
from oms.money import ZERO
from orders.models import PaymentTransaction
from orders.models.payment import TransactionKind

DEBIT, CREDIT = "S", "H"  # Soll / Haben, seen from the booking's account


@dataclass(frozen=True)
class Booking:
    amount: Decimal  # positive
    side: str  # DEBIT or CREDIT of ``account``
    account: str
    contra_account: str
    date: datetime.date
    document_number: str
    text: str
    currency: str = "EUR"
    # OSS: the destination country and its VAT rate (DATEV's "EU-Land u. UStID (Bestimmung)").
    eu_country: str = ""
    eu_rate: Decimal | None = None
    kind: str = ""  # "invoice", "credit_note", "payment"


@dataclass(frozen=True)
class OssTotal:
    country: str
    vat_rate: Decimal
    net: Decimal
    vat: Decimal


def _config() -> dict[str, Any]:
    return settings.BILLING_DATEV


def revenue_account(treatment: str, country: str, rate: Decimal) -> str:
    """The revenue account of a VAT row (module docstring); "" when none is configured."""
    config = _config()
    if treatment == TaxTreatment.REVERSE_CHARGE:
        return config["reverse_charge_account"]
    if treatment == TaxTreatment.EXPORT:
        return config["export_account"]
    if treatment == TaxTreatment.DESTINATION:
        return config["oss_accounts"].get(country, config["oss_account"])
    return config["revenue_accounts"].get(f"{rate:.2f}", "")


def _buyer(doc: Invoice | CreditNote) -> str:
    return doc.buyer_company or doc.buyer_name


def _document_bookings(doc: Invoice | CreditNote, *, date: datetime.date, credit_note: bool) -> list[Booking]:
    out = []
    if credit_note:
        text = _("Credit note %(number)s %(buyer)s") % {"number": doc.number, "buyer": _buyer(doc)}
    else:
        text = _("Invoice %(number)s %(buyer)s") % {"number": doc.number, "buyer": _buyer(doc)}
    for row in doc.vat_rows.all():
        if row.gross == 0:
            continue
        debit = (row.gross > 0) != credit_note
        oss = doc.tax_treatment == TaxTreatment.DESTINATION
        out.append(
            Booking(
                amount=abs(row.gross),
                side=DEBIT if debit else CREDIT,
                account=_config()["debtor_account"],
                contra_account=revenue_account(doc.tax_treatment, doc.vat_country, row.vat_rate),
                date=date,
                document_number=doc.number,
                text=text,
                currency=doc.currency,
                eu_country=doc.vat_country if oss else "",
                eu_rate=row.vat_rate if oss else None,
                kind="credit_note" if credit_note else "invoice",
            )
        )
    return out


def _payment_bookings(tx: PaymentTransaction) -> list[Booking]:
    config = _config()
    accounts = config["payment_accounts"]
    account = accounts.get(tx.provider, accounts[""])
    signed = tx.amount if tx.kind == TransactionKind.CAPTURE else -tx.amount
    parts: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for applied in tx.invoice_payments.all():
        parts[applied.invoice.number] += applied.amount
    rest = signed - sum(parts.values(), ZERO)
    if rest:
        parts[tx.order.number] += rest
    label = _("Payment %(number)s") if tx.kind == TransactionKind.CAPTURE else _("Refund %(number)s")
    day = timezone.localdate(tx.created_at)
    return [
        Booking(
            amount=abs(amount),
            side=DEBIT if amount > 0 else CREDIT,
            account=account,
            contra_account=config["debtor_account"],
            date=day,
            document_number=number,
            text=label % {"number": number},
            currency=tx.currency,
            kind="payment",
        )
        for number, amount in parts.items()
        if amount
    ]


def _day_range(date_from: datetime.date, date_to: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = timezone.make_aware(datetime.datetime.combine(date_from, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(date_to + datetime.timedelta(days=1), datetime.time.min))
    return start, end


def invoices_in_period(date_from: datetime.date, date_to: datetime.date) -> Any:
    return Invoice.objects.filter(state__in=ISSUED_STATES, invoice_date__range=(date_from, date_to))


def credit_notes_in_period(date_from: datetime.date, date_to: datetime.date) -> Any:
    return CreditNote.objects.filter(issued_at__isnull=False, credit_date__range=(date_from, date_to)).exclude(
        number=""
    )


def payments_in_period(date_from: datetime.date, date_to: datetime.date) -> Any:
    start, end = _day_range(date_from, date_to)
    return PaymentTransaction.objects.filter(
        kind__in=[TransactionKind.CAPTURE, TransactionKind.REFUND], created_at__gte=start, created_at__lt=end
    )


def bookings_for_period(date_from: datetime.date, date_to: datetime.date) -> list[Booking]:
    """Every booking of the period, invoices first, then credit notes, then payments, each by date
    and number (a fixed number of queries, whatever the number of documents)."""
    out: list[Booking] = []
    for invoice in (
        invoices_in_period(date_from, date_to).prefetch_related("vat_rows").order_by("invoice_date", "number")
    ):
        out += _document_bookings(invoice, date=invoice.invoice_date, credit_note=False)
    for note in (
        credit_notes_in_period(date_from, date_to).prefetch_related("vat_rows").order_by("credit_date", "number")
    ):
        out += _document_bookings(note, date=note.credit_date, credit_note=True)
    payments = (
        payments_in_period(date_from, date_to)
        .select_related("order")
        .prefetch_related("invoice_payments__invoice")
        .order_by("created_at", "pk")
    )
    for tx in payments:
        out += _payment_bookings(tx)
    return out


def oss_totals(date_from: datetime.date, date_to: datetime.date) -> list[OssTotal]:
    """Net and VAT of OSS sales (destination VAT) per country and rate: invoices less credit notes."""
    sums: dict[tuple[str, Decimal], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    oss = {"tax_treatment": TaxTreatment.DESTINATION}
    for sign, docs in (
        (1, invoices_in_period(date_from, date_to).filter(**oss)),
        (-1, credit_notes_in_period(date_from, date_to).filter(**oss)),
    ):
        for doc in docs.prefetch_related("vat_rows"):
            for row in doc.vat_rows.all():
                key = (doc.vat_country, row.vat_rate)
                sums[key][0] += sign * row.net
                sums[key][1] += sign * row.vat
    return [
        OssTotal(country, rate, net, vat)
        for (country, rate), (net, vat) in sorted(sums.items(), key=lambda kv: (kv[0][0], -kv[0][1]))
    ]
