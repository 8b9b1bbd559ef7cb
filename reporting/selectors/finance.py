"""Finance: invoiced, credited and paid per period and channel (the daily billing sums,
``DailyFinance``, by document date and booking day), and the open receivables now with their
ageing (live: the open invoices are few)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from billing.models import OPEN_STATES, Invoice
from billing.receivables_selectors import BUCKETS, NOT_DUE
from orders.models import Channel
from reporting.models import DailyFinance
from reporting.selectors import periods
from reporting.selectors.filters import ReportFilters
from reporting.selectors.sales import BUSINESS_CURRENCY

ZERO = Decimal("0.00")


@dataclass
class FinanceFigures:
    invoices: int = 0
    invoiced: Decimal = ZERO
    credit_notes: int = 0
    credited: Decimal = ZERO
    paid: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        """Invoiced less credited."""
        return self.invoiced - self.credited


@dataclass
class FinanceRow:
    start: datetime.date
    end: datetime.date
    label: str
    figures: FinanceFigures


@dataclass
class ChannelFinance:
    channel: Channel
    figures: FinanceFigures


@dataclass
class Ageing:
    code: str
    label: str
    amount: Decimal
    invoices: int


@dataclass
class FinanceReport:
    total: FinanceFigures
    rows: list[FinanceRow]
    channels: list[ChannelFinance]
    open_total: Decimal
    open_invoices: int
    overdue: Decimal
    overdue_invoices: int
    ageing: list[Ageing] = field(default_factory=list)


def _add(figures: FinanceFigures, row: dict[str, Any]) -> None:
    figures.invoices += row["invoices"] or 0
    figures.credit_notes += row["credit_notes"] or 0
    figures.invoiced += row["invoiced"] or ZERO
    figures.credited += row["credited"] or ZERO
    figures.paid += row["paid"] or ZERO


def _daily(filters: ReportFilters, *group: str) -> list[dict[str, Any]]:
    return list(
        DailyFinance.objects.filter(currency=BUSINESS_CURRENCY, **filters.where())
        .values(*group)
        .annotate(
            invoices=Sum("invoices"),
            invoiced=Sum("invoiced"),
            credit_notes=Sum("credit_notes"),
            credited=Sum("credited"),
            paid=Sum("paid"),
        )
        .order_by()
    )


def finance_report(filters: ReportFilters, *, today: datetime.date) -> FinanceReport:
    """Billing in the range (business currency) by period and channel, and what is open on ``today``."""
    total = FinanceFigures()
    buckets: dict[datetime.date, FinanceFigures] = defaultdict(FinanceFigures)
    for row in _daily(filters, "day"):
        _add(total, row)
        _add(buckets[periods.period_start(row["day"], filters.grain)], row)
    rows = [
        FinanceRow(
            start,
            end,
            periods.label(start, filters.grain),
            buckets.get(periods.period_start(start, filters.grain), FinanceFigures()),
        )
        for start, end in periods.periods(filters.start, filters.end, filters.grain)
    ]
    per_channel = _daily(filters, "channel_id")
    names = Channel.objects.in_bulk([r["channel_id"] for r in per_channel])
    channels = []
    for row in per_channel:
        figures = FinanceFigures()
        _add(figures, row)
        channels.append(ChannelFinance(names[row["channel_id"]], figures))
    channels.sort(key=lambda c: (-c.figures.invoiced, c.channel.name))
    return FinanceReport(total=total, rows=rows, channels=channels, **receivables(filters, today=today))


def open_invoices(filters: ReportFilters):
    """Issued invoices with something still due (business currency), with the filters' channel,
    country and warehouse (the invoiced shipment's)."""
    qs = Invoice.objects.filter(state__in=OPEN_STATES, amount_due__gt=0, currency=BUSINESS_CURRENCY)
    if filters.channel is not None:
        qs = qs.filter(order__channel_id=filters.channel.pk)
    if filters.country:
        qs = qs.filter(order__shipping_country=filters.country)
    if filters.warehouse is not None:
        qs = qs.filter(shipment__warehouse_id=filters.warehouse.pk)
    return qs


def receivables(filters: ReportFilters, *, today: datetime.date) -> dict[str, Any]:
    """The open amount on ``today``: in total, overdue (due date passed) and per ageing bucket
    (days past due, as the receivables list counts them), in one query."""
    conditions = {NOT_DUE: Q(due_date__gt=today)} | {b.code: b.due_dates(today) for b in BUCKETS}
    aggregates: dict[str, Any] = {"all": Sum("amount_due"), "n": Count("pk")}
    aggregates["late"] = Sum("amount_due", filter=Q(due_date__lt=today))
    aggregates["late_n"] = Count("pk", filter=Q(due_date__lt=today))
    for code, condition in conditions.items():
        aggregates[f"a_{code}"] = Sum("amount_due", filter=condition)
        aggregates[f"n_{code}"] = Count("pk", filter=condition)
    row = open_invoices(filters).aggregate(**aggregates)
    labels = {NOT_DUE: _("not yet due")} | {b.code: str(b.label) for b in BUCKETS}
    return {
        "open_total": row["all"] or ZERO,
        "open_invoices": row["n"],
        "overdue": row["late"] or ZERO,
        "overdue_invoices": row["late_n"],
        "ageing": [Ageing(code, labels[code], row[f"a_{code}"] or ZERO, row[f"n_{code}"]) for code in conditions],
    }
