"""A list screen declared once: its columns, filters, sort, totals, CSV columns and bulk actions,
and how a request is read against it (``ListDefinition.read``). See the package docstring."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import DateTimeField, QuerySet, Sum
from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from oms.lists.saved_views import saved_views_for
from oms.paging import CURSOR_PARAMS, PAGE_SIZE, KeysetPage, keyset_page
from oms.templatetags.oms import format_money, format_qty

SORT_PARAM = "sort"
# Counting stops here: "more than 10,000" is all a person needs to know, and the count of a huge
# unfiltered list then costs what a page costs. Totals are summed only below it.
COUNT_LIMIT = 10_000
DATE_SUFFIXES = ("from", "to")

Label = str | Promise


@dataclass(frozen=True)
class Column:
    """A column of the list. ``sort`` is the field or annotation it sorts by (None: not sortable);
    it must never be NULL (keyset paging compares it), so a nullable one gets a ``Coalesce``
    annotation in the list's selector."""

    key: str
    label: Label
    sort: str | None = None
    numeric: bool = False


@dataclass(frozen=True)
class DateRange:
    """A date-range filter on a date or datetime field: the form fields ``<name>_from`` and
    ``<name>_to`` (both optional, inclusive, in the business time zone)."""

    name: str
    field: str
    label: Label


@dataclass
class Selection:
    """What a list's selector may return instead of a bare queryset: the matches and what the page
    should know about them (``{"exact": True}``: the search found an identifier)."""

    queryset: QuerySet
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CsvColumn:
    header: Label
    value: Callable[[Any], Any]


@dataclass(frozen=True)
class QuantityTotal:
    """The sum of a whole-number field (units) over every match."""

    label: Label
    field: str

    def compute(self, qs: QuerySet) -> list[str]:
        return self.compute_many([self], qs)[0]

    @staticmethod
    def compute_many(totals: Sequence[QuantityTotal], qs: QuerySet) -> list[list[str]]:
        """Several sums in one query."""
        sums = qs.order_by().aggregate(**{f"t{i}": Sum(t.field) for i, t in enumerate(totals)})
        return [[format_qty(sums[f"t{i}"] or 0)] for i in range(len(totals))]


@dataclass(frozen=True)
class MoneyTotal:
    """The sum of an amount over every match, one figure per currency."""

    label: Label
    field: str
    currency_field: str = "currency"

    def compute(self, qs: QuerySet) -> list[str]:
        rows = (
            qs.order_by()
            .values(self.currency_field)
            .annotate(total=Sum(self.field))
            .order_by(self.currency_field)
            .values_list(self.currency_field, "total")
        )
        return [format_money(total, currency) for currency, total in rows] or [format_money(0, "EUR")]


Total = QuantityTotal | MoneyTotal


@dataclass(frozen=True)
class BulkAction:
    """What people do to many rows at once.

    Either ``run(row, *, user, data)`` is called for each selected row (a service: one
    transaction per business operation; a ``DomainError`` refuses that row alone and is
    reported), or ``page(request, rows)`` answers a page about all of them (print, count sheet).
    ``form`` parses what the action needs besides the rows (one reason for all); ``done`` is
    the message for the rows it worked on (``%(count)d``); ``confirm`` is asked once before a
    destructive one."""

    key: str
    label: Label
    run: Callable[..., Any] | None = None
    page: Callable[[HttpRequest, QuerySet], Any] | None = None
    form: type[forms.Form] | None = None
    done: Label = ""
    confirm: Label = ""

    @property
    def opens_page(self) -> bool:
        return self.page is not None


@dataclass
class SortLink:
    column: Column
    query: str = ""
    direction: str = ""  # "ascending" / "descending" when the list is sorted by this column

    @property
    def aria_sort(self) -> str:
        return self.direction or "none"


@dataclass
class ListState:
    """What one request reads of a list: the page, the count, totals, the filters, the sort."""

    definition: ListDefinition
    form: forms.Form
    filters: dict[str, Any]
    sort: str
    page: KeysetPage
    count: int
    count_capped: bool
    totals: list[tuple[Label, list[str]]]
    problems: list[str]
    query: str  # the filters and sort as a query string (no cursor): export, saved views
    headers: list[SortLink] = field(default_factory=list)
    saved_views: list[Any] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rows(self) -> list[Any]:
        return self.page.rows

    @property
    def element_id(self) -> str:
        return self.definition.element_id

    @property
    def count_text(self) -> str:
        if self.count_capped:
            return _("more than %(count)s matches") % {"count": format_qty(COUNT_LIMIT)}
        return ngettext("%(count)s match", "%(count)s matches", self.count) % {"count": format_qty(self.count)}

    @property
    def url(self) -> str:
        return reverse(self.definition.url_name)

    def _url(self, suffix: str) -> str:
        return reverse(f"{self.definition.url_base}-{suffix}")

    @property
    def export_url(self) -> str:
        return f"{self._url('export')}?{self.query}" if self.query else self._url("export")

    @property
    def bulk_url(self) -> str:
        return self._url("bulk") if self.definition.bulk_actions else ""

    @property
    def save_view_url(self) -> str:
        return self._url("view-save")

    @property
    def bulk_actions(self) -> list[BulkAction]:
        return list(self.definition.bulk_actions.values())

    def bulk_fields(self) -> list[forms.BoundField]:
        """The fields the bulk actions need besides the rows (one reason for all), each once."""
        fields: dict[str, forms.BoundField] = {}
        for action in self.definition.bulk_actions.values():
            if action.form is not None:
                form = action.form(auto_id="id_bulk_%s", use_required_attribute=False)
                for bound in form:
                    fields.setdefault(bound.name, bound)
        return list(fields.values())

    def saved_view_links(self) -> list[tuple[Any, str, bool]]:
        """(view, its URL, whether the list shows it now) for the header."""
        return [(v, f"{self.url}?{v.query}" if v.query else self.url, v.query == self.query) for v in self.saved_views]


class ListDefinition:
    """One list screen (see the package docstring for an example).

    ``source(**filters)`` is the list's selector: the queryset of every match of the form's
    cleaned filters (date ranges excluded; this class applies them). ``form_kwargs(request)``
    gives the form its choices. ``related`` are joined to the rows of a page and of the export.
    """

    def __init__(
        self,
        *,
        name: str,
        element_id: str,
        url_name: str,
        url_base: str,
        template: str,
        roles: Sequence[str],
        columns: Sequence[Column],
        default_sort: str,
        source: Callable[..., QuerySet],
        filter_form: type[forms.Form],
        form_kwargs: Callable[[], Mapping[str, Any]] = dict,
        date_ranges: Sequence[DateRange] = (),
        totals: Sequence[Total] = (),
        csv_columns: Sequence[CsvColumn] = (),
        csv_name: str = "",
        bulk_actions: Sequence[BulkAction] = (),
        related: Sequence[str] = (),
        page_size: int = PAGE_SIZE,
        row_label: Callable[[Any], str] = str,
    ) -> None:
        self.name = name
        self.element_id = element_id
        self.url_name = url_name
        self.url_base = url_base
        self.template = template
        self.roles = tuple(roles)
        self.columns = list(columns)
        self.sortable = {c.key: c for c in self.columns if c.sort}
        if default_sort.removeprefix("-") not in self.sortable:
            raise ValueError(f"{name}: the default sort {default_sort!r} is no sortable column")
        self.default_sort = default_sort
        self.source = source
        self.filter_form = filter_form
        self.form_kwargs = form_kwargs
        self.date_ranges = list(date_ranges)
        self.totals = list(totals)
        self.csv_columns = list(csv_columns)
        self.csv_name = csv_name or name
        self.bulk_actions = {a.key: a for a in bulk_actions}
        self.related = tuple(related)
        self.page_size = page_size
        self.row_label = row_label

    # --- parsing --------------------------------------------------------------------------------

    def form(self, data: QueryDict | None) -> forms.Form:
        """The list's filter form with its date-range fields added."""
        form = self.filter_form(data, **self.form_kwargs())
        for date_range in self.date_ranges:
            for suffix, label in zip(DATE_SUFFIXES, (_("from"), _("to")), strict=True):
                form.fields[f"{date_range.name}_{suffix}"] = forms.DateField(
                    label=f"{date_range.label} {label}",
                    required=False,
                    widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                )
        return form

    def field_names(self) -> list[str]:
        """The filter parameters: the form's declared fields and the date ranges' (no query)."""
        dates = [f"{d.name}_{s}" for d in self.date_ranges for s in DATE_SUFFIXES]
        return [*self.filter_form.base_fields, *dates]

    def parse(self, query: QueryDict) -> tuple[forms.Form, dict[str, Any], str, list[str]]:
        """The form, its valid filters, the sort and what was wrong: a value that does not parse
        is named in a message and ignored, never an error page."""
        known = {*self.field_names(), SORT_PARAM, *CURSOR_PARAMS}
        data = query if any(key in known for key in query) else None
        form = self.form(data)
        problems: list[str] = []
        if data is None:
            filters = {name: f.initial if f.initial is not None else _empty(f) for name, f in form.fields.items()}
        else:
            form.is_valid()
            filters = {name: form.cleaned_data.get(name, _empty(f)) for name, f in form.fields.items()}
            for name, errors in form.errors.items():
                label = form.fields[name].label if name in form.fields else ""
                for error in errors:
                    problems.append(
                        _("%(field)s: %(error)s This filter is ignored.") % {"field": label, "error": error}
                        if label
                        else _("%(error)s This filter is ignored.") % {"error": error}
                    )
                if name in form.fields:
                    filters[name] = _empty(form.fields[name])
        for date_range in self.date_ranges:
            start, end = filters.get(f"{date_range.name}_from"), filters.get(f"{date_range.name}_to")
            if start and end and start > end:
                problems.append(
                    _("%(field)s: the end lies before the start. This filter is ignored.") % {"field": date_range.label}
                )
                filters[f"{date_range.name}_from"] = filters[f"{date_range.name}_to"] = None
        sort = query.get(SORT_PARAM) or self.default_sort
        if sort.removeprefix("-") not in self.sortable:
            problems.append(
                _("This list cannot be sorted by “%(sort)s”; it is sorted by %(column)s.")
                % {"sort": sort[:40], "column": self.sortable[self.default_sort.removeprefix("-")].label}
            )
            sort = self.default_sort
        return form, filters, sort, problems

    def queryset(self, filters: Mapping[str, Any]) -> QuerySet:
        """Every match of ``filters`` (unordered)."""
        return self.selection(filters).queryset

    def selection(self, filters: Mapping[str, Any]) -> Selection:
        """Every match of ``filters`` (unordered), with what the selector says about them."""
        dates = {f"{d.name}_{s}" for d in self.date_ranges for s in DATE_SUFFIXES}
        selected = self.source(**{k: v for k, v in filters.items() if k not in dates})
        if not isinstance(selected, Selection):
            selected = Selection(selected)
        qs = selected.queryset
        for date_range in self.date_ranges:
            qs = _in_range(
                qs,
                date_range.field,
                filters.get(f"{date_range.name}_from"),
                filters.get(f"{date_range.name}_to"),
                is_datetime=_is_datetime(qs, date_range.field),
            )
        return Selection(qs, selected.extra)

    def ordering(self, sort: str) -> tuple[str, str]:
        """The keyset order of a sort: its column's field and the primary key, in one direction."""
        column = self.sortable[sort.removeprefix("-")]
        descending = sort.startswith("-")
        return (f"-{column.sort}", "-pk") if descending else (column.sort or "", "pk")

    def query_string(self, form: forms.Form, filters: Mapping[str, Any], sort: str) -> str:
        """The filters and sort as the list's query string, empty values left out."""
        query = QueryDict(mutable=True)
        for name, value in filters.items():
            for raw in _raw_values(form.fields[name], value):
                query.appendlist(name, raw)
        if sort != self.default_sort:
            query[SORT_PARAM] = sort
        return query.urlencode()

    def normalised_query(self, query: QueryDict) -> str:
        form, filters, sort, _problems = self.parse(query)
        return self.query_string(form, filters, sort)

    # --- reading --------------------------------------------------------------------------------

    def read(self, request: HttpRequest, *, query: QueryDict | None = None) -> ListState:
        """The list as ``request`` asks for it: one page (keyset), the count, the totals and the
        sort links; problems with the parameters are in ``problems`` (show them as messages)."""
        query = request.GET if query is None else query
        form, filters, sort, problems = self.parse(query)
        selected = self.selection(filters)
        qs = selected.queryset
        base = self.query_string(form, filters, sort)
        params = QueryDict(base)
        page = keyset_page(
            qs,
            order_by=self.ordering(sort),
            after=query.get("after"),
            before=query.get("before"),
            params=params,
            size=self.page_size,
            related=self.related,
        )
        count = qs.order_by().values("pk")[: COUNT_LIMIT + 1].count()
        capped = count > COUNT_LIMIT
        totals = [] if capped else self.compute_totals(qs)
        return ListState(
            definition=self,
            form=form,
            filters=filters,
            sort=sort,
            page=page,
            count=min(count, COUNT_LIMIT),
            count_capped=capped,
            totals=totals,
            problems=problems,
            query=base,
            headers=self.sort_links(form, filters, sort),
            saved_views=saved_views_for(user=request.user, list_name=self.name),
            extra=selected.extra,
        )

    def compute_totals(self, qs: QuerySet) -> list[tuple[Label, list[str]]]:
        """The totals in their order; the sums of units in one query together."""
        units = [t for t in self.totals if isinstance(t, QuantityTotal)]
        values = dict(zip((id(t) for t in units), QuantityTotal.compute_many(units, qs), strict=True)) if units else {}
        return [(t.label, values[id(t)] if id(t) in values else t.compute(qs)) for t in self.totals]

    def sort_links(self, form: forms.Form, filters: Mapping[str, Any], sort: str) -> list[SortLink]:
        """A header per column; a sortable one links to its sort (the other direction when the
        list is already sorted by it, a new sort beginning on the first page)."""
        links = []
        for column in self.columns:
            link = SortLink(column=column)
            if column.sort:
                current = sort.removeprefix("-") == column.key
                descending = sort.startswith("-")
                if current:
                    link.direction = "descending" if descending else "ascending"
                    target = column.key if descending else f"-{column.key}"
                else:
                    # Numbers and dates people want largest and newest first; text A to Z.
                    target = f"-{column.key}" if column.numeric else column.key
                query = QueryDict(self.query_string(form, filters, self.default_sort), mutable=True)
                query[SORT_PARAM] = target
                link.query = query.urlencode()
            links.append(link)
        return links

    def rows_for_ids(self, ids: Sequence[int]) -> QuerySet:
        """The rows of the list with these ids, whatever the filters (a bulk action's rows), by pk."""
        qs = self.queryset(self.default_filters()).filter(pk__in=list(ids)).order_by("pk")
        return qs.select_related(*self.related) if self.related else qs

    def default_filters(self) -> dict[str, Any]:
        return {name: _empty(f) for name, f in self.form(None).fields.items()}

    def rows_for_export(self, filters: Mapping[str, Any], sort: str) -> QuerySet:
        qs = self.queryset(filters).order_by(*self.ordering(sort))
        return qs.select_related(*self.related) if self.related else qs


def _empty(field: forms.Field) -> Any:
    """What the field cleans an empty input to (``""``, ``None``, ``False``), for a filter not given."""
    try:
        return field.clean("")
    except ValidationError:
        return None


def _raw_values(field: forms.Field, value: Any) -> list[str]:
    if value in (None, "", False, [], ()):
        return []
    if value is True:
        return ["on"]
    if isinstance(field, forms.ModelChoiceField) or hasattr(value, "pk"):
        return [str(value.pk)]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return [value.isoformat()]
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [str(value)]


def _is_datetime(qs: QuerySet, name: str) -> bool:
    if name in qs.query.annotations:
        return isinstance(qs.query.annotations[name].output_field, DateTimeField)
    return isinstance(qs.model._meta.get_field(name), DateTimeField)


def _in_range(
    qs: QuerySet, name: str, start: datetime.date | None, end: datetime.date | None, *, is_datetime: bool
) -> QuerySet:
    """Rows whose ``name`` lies on the days ``start`` to ``end`` (inclusive) in the business time zone;
    a datetime is compared with the start of those days, so an index on it serves the range."""
    if is_datetime:
        zone = timezone.get_current_timezone()
        # A bound at the ends of the calendar would overflow when converted to UTC; it bounds nothing.
        start = start if start and start > datetime.date.min else None
        end = end if end and end < datetime.date.max else None
        if start:
            qs = qs.filter(**{f"{name}__gte": datetime.datetime.combine(start, datetime.time.min, tzinfo=zone)})
        if end:
            next_day = end + datetime.timedelta(days=1)
            qs = qs.filter(**{f"{name}__lt": datetime.datetime.combine(next_day, datetime.time.min, tzinfo=zone)})
        return qs
    if start:
        qs = qs.filter(**{f"{name}__gte": start})
    if end:
        qs = qs.filter(**{f"{name}__lte": end})
    return qs
