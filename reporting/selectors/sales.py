"""Sales: orders, units, revenue net and gross, average order value, per period, channel and
country; top products; against the previous period. From the daily sums (``DailySales``),
except the top products (order lines of the orders in the range)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import F, Q, Sum

from oms.money import SUPPORTED_CURRENCIES
from orders.models import Channel, OrderLine
from reporting.models import DailySales, LineFact, OrderFact
from reporting.selectors import periods
from reporting.selectors.filters import ReportFilters, median_per

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# Revenue is summed in the business currency; orders in another currency are counted apart.
BUSINESS_CURRENCY = "EUR" if "EUR" in SUPPORTED_CURRENCIES else next(iter(SUPPORTED_CURRENCIES))


def _aov(gross: Decimal, orders: int) -> Decimal | None:
    return (gross / orders).quantize(CENT, rounding=ROUND_HALF_UP) if orders else None


@dataclass
class SalesFigures:
    orders: int = 0
    cancelled: int = 0
    units: int = 0
    gross: Decimal = ZERO
    net: Decimal = ZERO
    other_currency_orders: int = 0

    @property
    def aov(self) -> Decimal | None:
        """Average order value: gross revenue per order (business currency)."""
        return _aov(self.gross, self.orders - self.other_currency_orders)


@dataclass
class SalesRow:
    start: datetime.date
    end: datetime.date
    label: str
    figures: SalesFigures


@dataclass
class ChannelShare:
    channel: Channel
    figures: SalesFigures
    share: Decimal | None  # of the orders, in per cent


@dataclass
class ProductRow:
    sku: str
    name: str
    units: int
    revenue: Decimal


@dataclass
class Change:
    now: Decimal | int | None
    before: Decimal | int | None

    @property
    def percent(self) -> Decimal | None:
        if self.now is None or not self.before:
            return None
        return ((Decimal(self.now) - Decimal(self.before)) * 100 / Decimal(self.before)).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )


@dataclass
class SalesReport:
    filters: ReportFilters
    total: SalesFigures
    previous: SalesFigures
    rows: list[SalesRow]
    channels: list[ChannelShare]
    products: list[ProductRow] = field(default_factory=list)
    currency: str = BUSINESS_CURRENCY

    def changes(self) -> dict[str, Change]:
        return {
            "orders": Change(self.total.orders, self.previous.orders),
            "units": Change(self.total.units, self.previous.units),
            "gross": Change(self.total.gross, self.previous.gross),
            "net": Change(self.total.net, self.previous.net),
            "aov": Change(self.total.aov, self.previous.aov),
        }


def _figures(rows: list[dict]) -> SalesFigures:
    figures = SalesFigures()
    for row in rows:
        figures.orders += row["orders"]
        figures.cancelled += row["cancelled"]
        figures.units += row["units"]
        if row["currency"] == BUSINESS_CURRENCY:
            figures.gross += row["gross"]
            figures.net += row["net"]
        else:
            figures.other_currency_orders += row["orders"]
    return figures


def _daily(filters: ReportFilters, *group: str) -> list[dict]:
    return list(
        DailySales.objects.filter(**filters.where())
        .values(*group, "currency")
        .annotate(
            orders=Sum("orders"),
            cancelled=Sum("cancelled_orders"),
            units=Sum("units"),
            gross=Sum("gross"),
            net=Sum("net"),
        )
        .order_by()
    )


def sales_report(filters: ReportFilters, *, top: int = 10) -> SalesReport:
    """Sales in the range by period and channel, the top products, and the period before."""
    by_day = _daily(filters, "day")
    buckets: dict[datetime.date, list[dict]] = defaultdict(list)
    for row in by_day:
        buckets[periods.period_start(row["day"], filters.grain)].append(row)
    rows = [
        SalesRow(
            start=start,
            end=end,
            label=periods.label(start, filters.grain),
            figures=_figures(buckets.get(periods.period_start(start, filters.grain), [])),
        )
        for start, end in periods.periods(filters.start, filters.end, filters.grain)
    ]
    total = _figures(by_day)
    by_channel: dict[int, list[dict]] = defaultdict(list)
    for row in _daily(filters, "channel_id"):
        by_channel[row["channel_id"]].append(row)
    names = Channel.objects.in_bulk(list(by_channel))
    channels = []
    for channel_id, channel_rows in by_channel.items():
        figures = _figures(channel_rows)
        share = (Decimal(figures.orders) * 100 / total.orders).quantize(Decimal("0.1")) if total.orders else None
        channels.append(ChannelShare(channel=names[channel_id], figures=figures, share=share))
    channels.sort(key=lambda c: (-c.figures.orders, c.channel.name))
    return SalesReport(
        filters=filters,
        total=total,
        previous=_figures(_daily(filters.previous())),
        rows=rows,
        channels=channels,
        products=top_products(filters, limit=top),
    )


def top_products(filters: ReportFilters, *, limit: int = 10) -> list[ProductRow]:
    """The products sold most (units not cancelled) in orders placed in the range; revenue is
    the line totals in the business currency."""
    orders = OrderFact.objects.filter(cancelled=False, **filters.where()).values("order_id")
    rows = (
        OrderLine.objects.filter(order_id__in=orders)
        .values("sku", "name")
        .annotate(
            units=Sum(F("quantity") - F("quantity_cancelled")),
            revenue=Sum("line_total", filter=Q(order__currency=BUSINESS_CURRENCY)),
        )
        .order_by("-units", "sku")[:limit]
    )
    return [ProductRow(r["sku"], r["name"], r["units"] or 0, r["revenue"] or ZERO) for r in rows]


@dataclass
class CountryRow:
    country: str
    figures: SalesFigures
    median_lead_seconds: float | None
    returned_units: int = 0
    shipped_units: int = 0

    @property
    def return_rate(self) -> Decimal | None:
        if not self.shipped_units:
            return None
        return (Decimal(self.returned_units) * 100 / self.shipped_units).quantize(Decimal("0.1"))


def geography(filters: ReportFilters) -> list[CountryRow]:
    """Orders, revenue, median lead time (placed → shipped) and return rate per country."""
    by_country: dict[str, list[dict]] = defaultdict(list)
    for row in _daily(filters, "country"):
        by_country[row["country"]].append(row)
    facts = OrderFact.objects.filter(cancelled=False, **filters.where())
    rows = []
    returned: dict[str, int] = {}
    shipped: dict[str, int] = {}
    for country, n_returned, n_shipped in (
        LineFact.objects.filter(**filters.where())
        .values("country")
        .annotate(r=Sum("units_returned"), s=Sum("units_shipped"))
        .values_list("country", "r", "s")
        .order_by()
    ):
        returned[country], shipped[country] = n_returned or 0, n_shipped or 0
    medians = median_per(facts, "country", "placed_to_shipped")
    for country, country_rows in sorted(by_country.items()):
        median = medians.get(country)
        rows.append(
            CountryRow(
                country=country,
                figures=_figures(country_rows),
                median_lead_seconds=median,
                returned_units=returned.get(country) or 0,
                shipped_units=shipped.get(country) or 0,
            )
        )
    rows.sort(key=lambda r: (-r.figures.orders, r.country))
    return rows
