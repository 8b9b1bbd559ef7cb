"""Order lead time and bottlenecks: stage medians and 90th percentiles (order facts), time in
each state (state spans), the backlog by state and age, throughput per day and short picks.
"What is open now" is read from the live rows, which are few."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate, TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders.models import OPEN_STATES, Order, OrderState
from reporting.forms import AGE_BOUNDS, AGES
from reporting.models import OrderFact, StateSpan
from reporting.selectors import periods
from reporting.selectors.filters import Percentile, ReportFilters, interpolated, median_and_p90

STAGES = [
    ("to_confirm", _("Placed → confirmed")),
    ("to_allocate", _("Confirmed → allocated")),
    ("to_release", _("Allocated → released")),
    ("to_pick", _("Released → picked")),
    ("to_ship", _("Picked → shipped")),
    ("to_deliver", _("Shipped → delivered")),
    ("placed_to_shipped", _("Placed → shipped (total)")),
    ("placed_to_delivered", _("Placed → delivered (total)")),
]
# The states an order waits in, in the order of the lifecycle.
WAITING_STATES = [
    OrderState.PENDING,
    OrderState.CONFIRMED,
    OrderState.BACKORDERED,
    OrderState.ALLOCATED,
    OrderState.ON_HOLD,
    OrderState.IN_FULFILLMENT,
    OrderState.PARTIALLY_SHIPPED,
    OrderState.SHIPPED,
    OrderState.DELIVERED,
]


@dataclass
class Spread:
    key: str
    label: str
    median: float | None
    p90: float | None
    count: int


@dataclass
class LeadTrendRow:
    start: datetime.date
    end: datetime.date
    label: str
    median: float | None
    count: int


@dataclass
class Share:
    part: int
    whole: int

    @property
    def percent(self) -> Decimal | None:
        return (Decimal(self.part) * 100 / self.whole).quantize(Decimal("0.1")) if self.whole else None


@dataclass
class AtRisk:
    due_today: int
    overdue: int

    @property
    def total(self) -> int:
        return self.due_today + self.overdue


@dataclass
class LeadTimeReport:
    stages: list[Spread]
    trend: list[LeadTrendRow]
    on_time: Share
    before_cutoff: Share
    at_risk: AtRisk


def _facts(filters: ReportFilters):
    return OrderFact.objects.filter(cancelled=False, **filters.where())


def lead_time_report(filters: ReportFilters, *, now: datetime.datetime) -> LeadTimeReport:
    facts = _facts(filters)
    stages = [Spread(key, str(label), *median_and_p90(facts, key)) for key, label in STAGES]
    counts = facts.aggregate(
        on_time=Count("pk", filter=Q(shipped_on_time=True)),
        promised=Count("pk", filter=Q(shipped_on_time__isnull=False)),
        cutoff=Count("pk", filter=Q(shipped_before_cutoff=True)),
    )
    return LeadTimeReport(
        stages=stages,
        trend=lead_trend(filters),
        on_time=Share(counts["on_time"], counts["promised"]),
        before_cutoff=Share(counts["cutoff"], counts["promised"]),
        at_risk=at_risk(filters, today=timezone.localdate(now)),
    )


def lead_trend(filters: ReportFilters) -> list[LeadTrendRow]:
    """Median placed → shipped per period of the day placed."""
    facts = _facts(filters).filter(placed_to_shipped__isnull=False)
    found: dict[datetime.date, tuple[float | None, int]] = {}
    if connection.vendor == "postgresql":
        trunc = {"week": TruncWeek("day"), "month": TruncMonth("day")}.get(filters.grain)
        qs = facts.annotate(period=trunc) if trunc is not None else facts.annotate(period=TruncDate("day"))
        for row in qs.values("period").annotate(median=Percentile("placed_to_shipped", 0.5), n=Count("pk")).order_by():
            period = row["period"]
            period = period.date() if isinstance(period, datetime.datetime) else period
            found[period] = (row["median"], row["n"])
    else:
        grouped: dict[datetime.date, list[float]] = defaultdict(list)
        for day, seconds in facts.values_list("day", "placed_to_shipped"):
            grouped[periods.period_start(day, filters.grain)].append(float(seconds))
        found = {k: (interpolated(v, 0.5), len(v)) for k, v in grouped.items()}
    rows = []
    for start, end in periods.periods(filters.start, filters.end, filters.grain):
        median, count = found.get(periods.period_start(start, filters.grain), (None, 0))
        rows.append(LeadTrendRow(start, end, periods.label(start, filters.grain), median, count))
    return rows


def open_orders(filters: ReportFilters):
    """Orders open now that match the filters (live rows; the warehouse from the facts)."""
    qs = Order.objects.filter(state__in=OPEN_STATES)
    if filters.channel is not None:
        qs = qs.filter(channel_id=filters.channel.pk)
    if filters.country:
        qs = qs.filter(shipping_country=filters.country)
    if filters.warehouse is not None:
        qs = qs.filter(pk__in=OrderFact.objects.filter(warehouse_id=filters.warehouse.pk).values("order_id"))
    return qs


def at_risk(filters: ReportFilters, *, today: datetime.date) -> AtRisk:
    """Open orders not fully shipped whose promised ship day is today (due) or has passed."""
    qs = open_orders(filters).exclude(state=OrderState.PARTIALLY_SHIPPED)
    row = qs.aggregate(
        due=Count("pk", filter=Q(promised_ship_date=today)),
        overdue=Count("pk", filter=Q(promised_ship_date__lt=today)),
    )
    return AtRisk(due_today=row["due"], overdue=row["overdue"])


@dataclass
class BacklogRow:
    state: str
    label: str
    buckets: list[tuple[str, int]]  # (age key, orders)

    @property
    def total(self) -> int:
        return sum(n for _key, n in self.buckets)


@dataclass
class ThroughputRow:
    day: datetime.date
    picked: int
    shipped: int


@dataclass
class BottleneckReport:
    states: list[Spread]
    backlog: list[BacklogRow]
    throughput: list[ThroughputRow]
    short_units: int
    short_orders: int


def bottleneck_report(filters: ReportFilters, *, now: datetime.datetime) -> BottleneckReport:
    spans = StateSpan.objects.filter(left_at__isnull=False, **filters.where())
    labels = dict(OrderState.choices)
    states = []
    for state in WAITING_STATES:
        median, p90, count = median_and_p90(spans.filter(state=state), "seconds")
        if count:
            states.append(Spread(state, str(labels[state]), median, p90, count))
    shorts = _facts(filters).aggregate(units=Sum("short_units"), orders=Count("pk", filter=Q(short_units__gt=0)))
    return BottleneckReport(
        states=states,
        backlog=backlog(filters, now=now),
        throughput=throughput(filters),
        short_units=shorts["units"] or 0,
        short_orders=shorts["orders"],
    )


def backlog(filters: ReportFilters, *, now: datetime.datetime) -> list[BacklogRow]:
    """Open orders now per state, by how long they have been in it (from the open state spans)."""
    spans = StateSpan.objects.filter(left_at__isnull=True, state__in=OPEN_STATES, **filters.where(dated=False))
    aggregates = {}
    for key, (low, high) in AGE_BOUNDS.items():
        condition = Q()
        if low is not None:
            condition &= Q(entered_at__lte=now - low)
        if high is not None:
            condition &= Q(entered_at__gt=now - high)
        aggregates[key] = Count("pk", filter=condition)
    rows = {r["state"]: r for r in spans.values("state").annotate(**aggregates).order_by()}
    labels = dict(OrderState.choices)
    keys = [key for key, _label in AGES if key]
    return [
        BacklogRow(state, str(labels[state]), [(key, rows[state][key]) for key in keys])
        for state in OPEN_STATES
        if state in rows
    ]


def throughput(filters: ReportFilters) -> list[ThroughputRow]:
    """Orders picked and shipped per local day in the range (whenever they were placed)."""
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(filters.start, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(filters.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    base = OrderFact.objects.filter(cancelled=False, **filters.where(dated=False))
    shipped = dict(
        base.filter(shipped_at__gte=start, shipped_at__lt=end)
        .annotate(d=TruncDate("shipped_at", tzinfo=zone))
        .values("d")
        .annotate(n=Count("pk"))
        .values_list("d", "n")
    )
    picked = dict(
        base.filter(picked_at__gte=start, picked_at__lt=end)
        .annotate(d=TruncDate("picked_at", tzinfo=zone))
        .values("d")
        .annotate(n=Count("pk"))
        .values_list("d", "n")
    )
    days = sorted(set(shipped) | set(picked))
    return [ThroughputRow(day, picked.get(day, 0), shipped.get(day, 0)) for day in days]
