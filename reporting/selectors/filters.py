"""What the manager asked for: the days, channel, warehouse, country and grain, read from the
query string with every problem named (never an error page)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace
from typing import Any

from django.db import connection
from django.db.models import Aggregate, FloatField, QuerySet
from django.http import QueryDict
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from inventory.models import Warehouse
from oms.country_names import country_name_in
from orders.models import Channel
from reporting.forms import ReportFilterForm
from reporting.models import DailySales

DEFAULT_DAYS = 30
# Two years at once: enough to compare a season with the last, and a page that still answers fast.
MAX_RANGE_DAYS = 731
# No order is older; a bound far in the past or the future would overflow date arithmetic.
EARLIEST = datetime.date(2000, 1, 1)


@dataclass(frozen=True)
class ReportFilters:
    start: datetime.date
    end: datetime.date
    channel: Channel | None = None
    warehouse: Warehouse | None = None
    country: str = ""
    grain: str = "day"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> ReportFilters:
        """The same number of days right before."""
        end = self.start - datetime.timedelta(days=1)
        return replace(self, start=end - datetime.timedelta(days=self.days - 1), end=end)

    def where(self, *, day_field: str = "day", dated: bool = True) -> dict[str, Any]:
        """Filter arguments for a rollup table with ``day``, ``channel``, ``warehouse``, ``country``."""
        out: dict[str, Any] = {}
        if dated:
            out[f"{day_field}__gte"] = self.start
            out[f"{day_field}__lte"] = self.end
        if self.channel is not None:
            out["channel_id"] = self.channel.pk
        if self.warehouse is not None:
            out["warehouse_id"] = self.warehouse.pk
        if self.country:
            out["country"] = self.country
        return out

    def params(self, *, dated: bool = True) -> dict[str, str]:
        """The filters as the drill-down list's parameters."""
        out: dict[str, str] = {}
        if dated:
            out["placed_from"] = self.start.isoformat()
            out["placed_to"] = self.end.isoformat()
        if self.channel is not None:
            out["channel"] = self.channel.code
        if self.warehouse is not None:
            out["warehouse"] = self.warehouse.code
        if self.country:
            out["country"] = self.country
        return out

    def query(self) -> str:
        """The filters as the dashboard's own query string."""
        query = QueryDict(mutable=True)
        query["date_from"], query["date_to"] = self.start.isoformat(), self.end.isoformat()
        for key in ("channel", "warehouse", "country"):
            value = self.params().get(key)
            if value:
                query[key] = value
        if self.grain != "day":
            query["grain"] = self.grain
        return query.urlencode()


def filter_choices() -> dict[str, list[tuple[str, str]]]:
    """The channels, warehouses and countries a filter may name."""
    language = get_language()
    countries = sorted(set(DailySales.objects.values_list("country", flat=True).distinct()))
    return {
        "channels": list(Channel.objects.order_by("name").values_list("code", "name")),
        "warehouses": list(Warehouse.objects.order_by("code").values_list("code", "name")),
        "countries": [(code, f"{country_name_in(code, language)} ({code})") for code in countries],
    }


def parse_filters(
    query: QueryDict, *, today: datetime.date, choices: dict[str, list[tuple[str, str]]] | None = None
) -> tuple[ReportFilterForm, ReportFilters, list[str]]:
    """The form, the filters to apply and what was wrong with the parameters (each named,
    then ignored or corrected)."""
    choices = filter_choices() if choices is None else choices
    form = ReportFilterForm(query or None, **choices)
    problems: list[str] = []
    data: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()
        data = dict(form.cleaned_data)
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            for error in errors:
                problems.append(_("%(field)s: %(error)s This filter is ignored.") % {"field": label, "error": error})
            data[name] = None
    start, end = data.get("date_from"), data.get("date_to")
    if end is None:
        end = today if start is None or start <= today else start
    if start is None:
        start = end - datetime.timedelta(days=DEFAULT_DAYS - 1)
    earliest, latest = EARLIEST, today + datetime.timedelta(days=366)
    if start < earliest or end > latest or start > latest or end < earliest:
        problems.append(
            _("Reports cover %(earliest)s to %(latest)s: the dates outside were moved inside.")
            % {"earliest": earliest.strftime("%d.%m.%Y"), "latest": latest.strftime("%d.%m.%Y")}
        )
        start = min(max(start, earliest), latest)
        end = min(max(end, earliest), latest)
    if start > end:
        problems.append(_("The range ends before it starts: its two dates were swapped."))
        start, end = end, start
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        start = end - datetime.timedelta(days=MAX_RANGE_DAYS - 1)
        problems.append(
            _("At most %(days)s days can be shown at once: the range now starts on %(start)s.")
            % {"days": MAX_RANGE_DAYS, "start": start.strftime("%d.%m.%Y")}
        )
    channel = Channel.objects.filter(code=data["channel"]).first() if data.get("channel") else None
    warehouse = Warehouse.objects.filter(code=data["warehouse"]).first() if data.get("warehouse") else None
    filters = ReportFilters(
        start=start,
        end=end,
        channel=channel,
        warehouse=warehouse,
        country=data.get("country") or "",
        grain=data.get("grain") or "day",
    )
    return form, filters, problems


class Percentile(Aggregate):
    """PostgreSQL's ``percentile_cont(p) WITHIN GROUP (ORDER BY expr)``: the value below which
    the share ``p`` of the rows lie, interpolated between the two nearest rows."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        super().__init__(expression, fraction=float(fraction), **extra)


def interpolated(values: list[float], fraction: float) -> float | None:
    """``percentile_cont`` computed in Python (for databases without it)."""
    if not values:
        return None
    values = sorted(values)
    position = (len(values) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


def median_and_p90(qs: QuerySet, field: str) -> tuple[float | None, float | None, int]:
    """Median, 90th percentile and count of ``field`` over ``qs`` (rows where it is set)."""
    qs = qs.filter(**{f"{field}__isnull": False}).order_by()
    if connection.vendor == "postgresql":
        from django.db.models import Count

        row = qs.aggregate(median=Percentile(field, 0.5), p90=Percentile(field, 0.9), n=Count("pk"))
        return row["median"], row["p90"], row["n"]
    values = [float(v) for v in qs.values_list(field, flat=True)]
    return interpolated(values, 0.5), interpolated(values, 0.9), len(values)


def median_per(qs: QuerySet, group: str, field: str) -> dict[Any, float | None]:
    """The median of ``field`` over ``qs`` per value of ``group``, in one query."""
    qs = qs.filter(**{f"{field}__isnull": False}).order_by()
    if connection.vendor == "postgresql":
        return dict(qs.values(group).annotate(median=Percentile(field, 0.5)).values_list(group, "median"))
    grouped: dict[Any, list[float]] = {}
    for key, value in qs.values_list(group, field):
        grouped.setdefault(key, []).append(float(value))
    return {key: interpolated(values, 0.5) for key, values in grouped.items()}
