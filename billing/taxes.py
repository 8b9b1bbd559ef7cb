"""Which VAT an invoice charges (policy: a decision and its reason, no writes).

- Goods leaving the EU: a tax-free export (§ 4 Nr. 1a, § 6 UStG), 0 %, with the export note.
- To a business in another EU country with a VAT ID: a tax-free intra-Community supply
  (§ 4 Nr. 1b, § 6a UStG), 0 %, with both VAT IDs and the reverse-charge note.
- To a consumer in another EU country: the seller's VAT while the year's (and last year's)
  cross-border consumer sales stay under the OSS threshold (§ 3c UStG), the destination's rates
  above it (declared through the One-Stop-Shop).
- Everything else (domestic): the rate stored on each order line.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from billing.models import CreditNote, Invoice, TaxTreatment
from oms.money import EU_COUNTRIES, ZERO, destination_rate


@dataclass(frozen=True)
class TaxDecision:
    treatment: str
    vat_country: str
    rate_for: Callable[[Decimal], Decimal]

    def note(self) -> str:
        """The legal note printed on the invoice, in the active language."""
        if self.treatment == TaxTreatment.EXPORT:
            return _("Tax-free export delivery (§ 4 No. 1a, § 6 UStG).")
        if self.treatment == TaxTreatment.REVERSE_CHARGE:
            return _(
                "Tax-free intra-Community supply (§ 4 No. 1b, § 6a UStG). "
                "Reverse charge: the recipient is liable for the VAT."
            )
        return ""


def _keep(rate: Decimal) -> Decimal:
    return rate


def _zero(rate: Decimal) -> Decimal:
    return ZERO


def cross_border_consumer_sales(*, seller_country: str, year: int) -> Decimal:
    """Net EU cross-border sales to consumers invoiced in ``year``, less their credit notes."""
    scope = (
        Q(delivery_country__in=EU_COUNTRIES - {seller_country})
        & Q(buyer_vat_id="")
        & Q(issued_at__isnull=False)
        & Q(tax_treatment__in=[TaxTreatment.DOMESTIC, TaxTreatment.DESTINATION])
    )
    invoiced = Invoice.objects.filter(scope, invoice_date__year=year).aggregate(s=Sum("net_total"))["s"] or ZERO
    credited = CreditNote.objects.filter(scope, credit_date__year=year).aggregate(s=Sum("net_total"))["s"] or ZERO
    return invoiced - credited


def oss_threshold_exceeded(*, seller_country: str, threshold: Decimal, on: datetime.date) -> bool:
    """Above the threshold last year or so far this year (§ 3c Abs. 4 UStG)."""
    return any(
        cross_border_consumer_sales(seller_country=seller_country, year=year) > threshold
        for year in (on.year - 1, on.year)
    )


def decide(
    *,
    destination: str,
    buyer_vat_id: str,
    seller_country: str,
    seller_vat_id: str,
    oss_threshold: Decimal,
    on: datetime.date,
) -> TaxDecision:
    if destination not in EU_COUNTRIES:
        return TaxDecision(TaxTreatment.EXPORT, seller_country, _zero)
    if destination == seller_country:
        return TaxDecision(TaxTreatment.DOMESTIC, seller_country, _keep)
    if buyer_vat_id and seller_vat_id:
        return TaxDecision(TaxTreatment.REVERSE_CHARGE, destination, _zero)
    if oss_threshold_exceeded(seller_country=seller_country, threshold=oss_threshold, on=on):
        return TaxDecision(TaxTreatment.DESTINATION, destination, lambda rate: destination_rate(destination, rate))
    return TaxDecision(TaxTreatment.DOMESTIC, seller_country, _keep)


def decision_of(treatment: str, vat_country: str) -> TaxDecision:
    """The decision an earlier invoice of the order recorded."""
    if treatment in (TaxTreatment.EXPORT, TaxTreatment.REVERSE_CHARGE):
        return TaxDecision(treatment, vat_country, _zero)
    if treatment == TaxTreatment.DESTINATION:
        return TaxDecision(treatment, vat_country, lambda rate: destination_rate(vat_country, rate))
    return TaxDecision(treatment, vat_country, _keep)
