"""Returns and satisfaction: return rate by product, category, channel and reason, refunds and
their lead time (declaration → refund), and the customers' ratings with their latest comments.

Like the rest of the dashboard these count the orders placed in the range (line and return
facts carry their order's day): a return rate is the units received back of those orders per
unit shipped of them. The latest comments are read live (a handful of rows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Max, Q, Sum
from django.utils.translation import gettext as _

from orders.models import OrderRating
from reporting.models import LineFact, OrderFact, ReturnFact
from reporting.selectors.filters import ReportFilters, median_and_p90
from reporting.selectors.sales import BUSINESS_CURRENCY
from returns.models import ReturnReason, ReturnState

ZERO = Decimal("0.00")
# Requests that never became a return: nothing came back for them.
NOT_RETURNS = (ReturnState.REJECTED, ReturnState.CANCELLED)


def rate(part: int, whole: int) -> Decimal | None:
    """``part`` per ``whole`` in per cent, one decimal; None when there is nothing shipped."""
    if not whole:
        return None
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class ReturnRateRow:
    key: str
    label: str
    shipped: int
    returned: int

    @property
    def rate(self) -> Decimal | None:
        return rate(self.returned, self.shipped)


@dataclass
class ReasonRow:
    reason: str
    label: str
    returns: int
    units: int
    refunded: Decimal
    share: Decimal | None  # of the units requested back, in per cent


@dataclass
class Comment:
    order_number: str
    stars: int
    comment: str
    created_at: object


@dataclass
class ReturnsReport:
    shipped: int
    returned: int
    returns: int
    refunds: int
    refunded: Decimal
    credited: Decimal
    refund_median: float | None
    refund_p90: float | None
    ratings: int
    average_rating: Decimal | None
    stars: list[tuple[int, int]]  # (stars, orders), 5 down to 1
    products: list[ReturnRateRow] = field(default_factory=list)
    categories: list[ReturnRateRow] = field(default_factory=list)
    channels: list[ReturnRateRow] = field(default_factory=list)
    reasons: list[ReasonRow] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)

    @property
    def rate(self) -> Decimal | None:
        return rate(self.returned, self.shipped)


def _lines(filters: ReportFilters):
    return LineFact.objects.filter(**filters.where())


def _returns(filters: ReportFilters):
    return ReturnFact.objects.filter(**filters.where()).exclude(state__in=NOT_RETURNS)


def returns_report(filters: ReportFilters, *, top: int = 10, comments: int = 10) -> ReturnsReport:
    """Every figure of the returns and satisfaction section (a fixed number of queries)."""
    lines = _lines(filters).aggregate(shipped=Sum("units_shipped"), returned=Sum("units_returned"))
    returns = _returns(filters)
    money = returns.aggregate(
        n=Count("pk"),
        refunds=Count("pk", filter=Q(refunded__gt=0)),
        refunded=Sum("refunded", filter=Q(currency=BUSINESS_CURRENCY)),
        credited=Sum("credited", filter=Q(currency=BUSINESS_CURRENCY)),
    )
    median, p90, _n = median_and_p90(returns, "refund_seconds")
    stars = rating_counts(filters)
    rated = sum(n for _stars, n in stars)
    return ReturnsReport(
        shipped=lines["shipped"] or 0,
        returned=lines["returned"] or 0,
        returns=money["n"],
        refunds=money["refunds"],
        refunded=money["refunded"] or ZERO,
        credited=money["credited"] or ZERO,
        refund_median=median,
        refund_p90=p90,
        ratings=rated,
        average_rating=(
            (Decimal(sum(n * count for n, count in stars)) / rated).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            if rated
            else None
        ),
        stars=stars,
        products=return_rates_by_product(filters, limit=top),
        categories=return_rates_by_category(filters),
        channels=return_rates_by_channel(filters),
        reasons=returns_by_reason(filters),
        comments=latest_comments(filters, limit=comments),
    )


def rating_counts(filters: ReportFilters) -> list[tuple[int, int]]:
    """Orders placed in the range per rating, 5 stars down to 1."""
    rated = OrderFact.objects.filter(rating__isnull=False, **filters.where())
    stars = dict(rated.values("rating").annotate(n=Count("pk")).values_list("rating", "n").order_by())
    return [(n, stars.get(n, 0)) for n in range(5, 0, -1)]


def _ranked(rows: list[ReturnRateRow]) -> list[ReturnRateRow]:
    return sorted(rows, key=lambda r: (-r.returned, -(r.rate or 0), r.label))


def return_rates_by_product(filters: ReportFilters, *, limit: int | None = 10) -> list[ReturnRateRow]:
    """Products by units returned (then by rate), with the units shipped of them."""
    qs = (
        _lines(filters)
        .values("sku")
        .annotate(shipped=Sum("units_shipped"), returned=Sum("units_returned"), name=Max("name"))
        .filter(shipped__gt=0)
        .order_by("-returned", "sku")
    )
    if limit:
        qs = qs[:limit]
    return _ranked([ReturnRateRow(r["sku"], f"{r['sku']} {r['name']}", r["shipped"], r["returned"]) for r in qs])


def return_rates_by_category(filters: ReportFilters) -> list[ReturnRateRow]:
    rows = (
        _lines(filters)
        .values("category_id", "category__name")
        .annotate(shipped=Sum("units_shipped"), returned=Sum("units_returned"))
        .filter(shipped__gt=0)
        .order_by()
    )
    return _ranked(
        [
            ReturnRateRow(
                str(r["category_id"] or ""), r["category__name"] or _("No category"), r["shipped"], r["returned"]
            )
            for r in rows
        ]
    )


def return_rates_by_channel(filters: ReportFilters) -> list[ReturnRateRow]:
    rows = (
        _lines(filters)
        .values("channel__code", "channel__name")
        .annotate(shipped=Sum("units_shipped"), returned=Sum("units_returned"))
        .filter(shipped__gt=0)
        .order_by()
    )
    return _ranked([ReturnRateRow(r["channel__code"], r["channel__name"], r["shipped"], r["returned"]) for r in rows])


def returns_by_reason(filters: ReportFilters) -> list[ReasonRow]:
    """Returns per reason: requests, units requested back, money paid back, share of the units."""
    rows = list(
        _returns(filters)
        .values("reason")
        .annotate(
            n=Count("pk"),
            units=Sum("units"),
            refunded=Sum("refunded", filter=Q(currency=BUSINESS_CURRENCY)),
        )
        .order_by()
    )
    total = sum(r["units"] or 0 for r in rows)
    labels = dict(ReturnReason.choices)
    out = [
        ReasonRow(
            reason=r["reason"],
            label=str(labels.get(r["reason"], r["reason"])),
            returns=r["n"],
            units=r["units"] or 0,
            refunded=r["refunded"] or ZERO,
            share=rate(r["units"] or 0, total),
        )
        for r in rows
    ]
    return sorted(out, key=lambda r: (-r.units, r.label))


def latest_comments(filters: ReportFilters, *, limit: int = 10) -> list[Comment]:
    """The newest ratings with a comment, of orders placed in the range."""
    if not limit:
        return []
    orders = OrderFact.objects.filter(rating__isnull=False, **filters.where()).values("order_id")
    rows = (
        OrderRating.objects.filter(order_id__in=orders)
        .exclude(comment="")
        .order_by("-created_at", "-pk")
        .values_list("order__number", "stars", "comment", "created_at")[:limit]
    )
    return [Comment(*row) for row in rows]
