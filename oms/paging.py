"""Keyset pagination: one page of an ordered list in one query, as cheap deep down the list as on
its first page (no OFFSET, no COUNT).

A list is ordered by its sort keys, ``order_by=("-created_at", "-pk")``: fields or annotations of
the row, each ascending or descending (``-``), the last one unique (the primary key breaks ties)
and none of them NULL. A page is read after (``?after=<cursor>``) or before (``?before=``) the
position a cursor names: the opaque, URL-safe encoding of the sort-key values of the last (or
first) row shown. A cursor that does not decode, or whose values do not fit the keys, is the
first page, never an error.

The position is a lexicographic comparison on the keys, written so that an index on the keys (in
their order) can seek to it: besides ``(a < x) OR (a = x AND id < y)`` the filter repeats
``a <= x``, the bound an index range scan starts from; without it PostgreSQL filters every row
newer than the cursor, and a deep page in a million rows takes seconds.

The shared template ``partials/pagination.html`` renders ``has_previous``/``has_next`` with the
two query strings (the list's own parameters are kept in them).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Field, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone

PAGE_SIZE = 50
MAX_CURSOR_LENGTH = 500
CURSOR_PARAMS = ("after", "before")


@dataclass
class KeysetPage:
    """One page of a list: its rows (iterate the page itself in templates) and the query strings of
    the pages next to it."""

    rows: list[Any]
    has_next: bool = False
    has_previous: bool = False
    next_query: str = ""
    previous_query: str = ""

    def __iter__(self) -> Iterator[Any]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


def encode_cursor(values: Sequence[Any]) -> str:
    """The cursor of a position: the sort-key values of one row, exactly (no rounding of times)."""
    raw = json.dumps([_plain(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> list[Any] | None:
    """The raw values a cursor holds (times as ISO strings), or None for a missing or broken one."""
    if not cursor or len(cursor) > MAX_CURSOR_LENGTH:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return values if isinstance(values, list) else None


def keyset_page(
    queryset: QuerySet,
    *,
    order_by: Sequence[str],
    after: str | None = None,
    before: str | None = None,
    params: Mapping[str, Any] | None = None,
    size: int = PAGE_SIZE,
    related: Sequence[str] = (),
) -> KeysetPage:
    """One page (one query) of ``queryset`` in the order of ``order_by``.

    ``after`` continues down the list, ``before`` goes back up (``after`` wins when both are
    given). One extra row is read to know whether another page exists. ``params`` (a dict or the
    request's ``QueryDict``) are the list's filters, kept in the next/previous query strings
    without their empty values and old cursors. ``related`` (``select_related`` names) are joined
    to the rows of the page only, after the page's ids are chosen: a search matching thousands of
    rows then sorts the rows of ``queryset`` alone, not their joins.
    """
    keys = [(name.removeprefix("-"), name.startswith("-")) for name in order_by]
    position_after = _position(queryset, keys, after)
    position_before = _position(queryset, keys, before) if position_after is None else None
    backwards = position_before is not None
    position = position_before if backwards else position_after
    qs = queryset if position is None else queryset.filter(*_beyond(keys, position, backwards=backwards))
    ordering = [f"-{name}" if descending != backwards else name for name, descending in keys]
    rows = _fetch(qs, ordering, size + 1, related)
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    page = KeysetPage(
        rows=rows,
        has_next=bool(rows) and (True if backwards else more),
        has_previous=bool(rows) and (more if backwards else position is not None),
    )
    if rows:
        kept = _kept_params(params)
        page.next_query = _query(kept, "after", _values(rows[-1], keys))
        page.previous_query = _query(kept, "before", _values(rows[0], keys))
    return page


def keyset_page_for_query(
    queryset: QuerySet, query: QueryDict, *, order_by: Sequence[str], size: int = PAGE_SIZE, related: Sequence[str] = ()
) -> KeysetPage:
    """``keyset_page`` for a list whose request parameters are its filters: the cursor comes from
    ``?after=``/``?before=`` and every other parameter is kept in the links."""
    return keyset_page(
        queryset,
        order_by=order_by,
        after=query.get("after"),
        before=query.get("before"),
        params=query,
        size=size,
        related=related,
    )


def position_filter(order_by: Sequence[str], values: Sequence[Any], *, backwards: bool = False) -> list[Q]:
    """The filters for the rows after ``values`` (the sort-key values of one row) in the order of
    ``order_by``, or before them when ``backwards``; for a paginator with a cursor format of its own
    (the JSON API's). Includes the bound on the first key an index seeks to (module docstring)."""
    keys = [(name.removeprefix("-"), name.startswith("-")) for name in order_by]
    return _beyond(keys, list(values), backwards=backwards)


# --- positions ----------------------------------------------------------------------------------


def _key_field(queryset: QuerySet, name: str) -> Field:
    if name in queryset.query.annotations:
        return queryset.query.annotations[name].output_field
    meta = queryset.model._meta
    return meta.pk if name == "pk" else meta.get_field(name)


def _position(queryset: QuerySet, keys: list[tuple[str, bool]], cursor: str | None) -> list[Any] | None:
    """The cursor's values converted by the fields of the keys, or None when they do not fit."""
    raw = decode_cursor(cursor)
    if raw is None or len(raw) != len(keys):
        return None
    values = []
    for (name, _descending), value in zip(keys, raw, strict=True):
        if value is None or isinstance(value, (list, dict)):
            return None
        try:
            field = _key_field(queryset, name)
            converted = field.to_python(value)
            field.run_validators(converted)  # integer ranges, lengths: what the database would refuse
        except (FieldDoesNotExist, ValidationError, TypeError, ValueError, OverflowError):
            return None
        if converted is None or (isinstance(converted, str) and "\x00" in converted):
            return None  # PostgreSQL refuses NUL in text
        if isinstance(converted, datetime.datetime) and timezone.is_naive(converted):
            return None
        values.append(converted)
    return values


def _beyond(keys: list[tuple[str, bool]], values: list[Any], *, backwards: bool) -> list[Q]:
    """Filters for the rows after ``values`` in the list's order (before them when ``backwards``)."""
    arms = Q()
    equal: dict[str, Any] = {}
    for (name, descending), value in zip(keys, values, strict=True):
        lookup = "lt" if descending != backwards else "gt"
        arms |= Q(**equal, **{f"{name}__{lookup}": value})
        equal[name] = value
    first, descending = keys[0]
    bound = Q(**{f"{first}__{'lte' if descending != backwards else 'gte'}": values[0]})
    return [arms, bound] if len(keys) > 1 else [arms]


def _fetch(qs: QuerySet, ordering: list[str], limit: int, related: Sequence[str]) -> list[Any]:
    qs = qs.order_by(*ordering)[:limit]
    if not related:
        return list(qs)
    rows = qs.model._default_manager.select_related(*related).filter(pk__in=qs.values("pk"))
    return list(rows.order_by(*ordering))


def _values(row: Any, keys: list[tuple[str, bool]]) -> list[Any]:
    return [getattr(row, name) for name, _descending in keys]


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (Decimal, uuid.UUID)):
        return str(value)
    return value


# --- query strings ------------------------------------------------------------------------------


def _kept_params(params: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    if not params:
        return []
    items = params.lists() if isinstance(params, QueryDict) else ((k, [v]) for k, v in params.items())
    return [(key, str(v)) for key, values in items if key not in CURSOR_PARAMS for v in values if v not in ("", None)]


def _query(kept: list[tuple[str, str]], name: str, values: list[Any]) -> str:
    query = QueryDict(mutable=True)
    for key, value in kept:
        query.appendlist(key, value)
    query[name] = encode_cursor(values)
    return query.urlencode()
