"""Keyset pagination of the JSON API's lists, with cursors and page sizes the schema can describe
exactly.

DRF's ``CursorPagination`` takes any string as a cursor (base64 of a query string, refused when
it does not decode) and silently falls back to the default page size for ``page_size=null`` or
``-3.8e-272``: the schema could only say "a string" and "an integer" while the API refused some
strings and ignored bad integers. Here a cursor is the position of the row next to the page,
spelled out: ``a`` (rows after it) or ``b`` (rows before it), then the values of the ordering
fields separated by dots, datetimes as microseconds since 1970 (``a1764578400000000.42``). Every
string that matches the documented pattern names a valid position, so the schema allows exactly
what the API accepts; anything else, and any page size that is not a whole number in range, is a
400 naming the parameter.
"""

from __future__ import annotations

import datetime
import re
from collections import OrderedDict
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from oms.paging import position_filter

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
# Up to 16 digits of microseconds (until the year 2286) and 18 digits of an id (below 2**63):
# every value the pattern allows is a real datetime or a bigint.
_DIGITS = {"datetime": 16, "int": 18}


def _encode(value: Any) -> str:
    if isinstance(value, datetime.datetime):
        delta = value - EPOCH
        return str((delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds)
    return str(int(value))


def _decode(kind: str, digits: str) -> Any:
    if kind == "datetime":
        return EPOCH + datetime.timedelta(microseconds=int(digits))
    return int(digits)


class KeysetPagination(BasePagination):
    """Pages of ``page_size`` rows in ``ordering`` (fields with ``-`` for descending, the last one
    unique), with ``next``/``previous`` links. Subclasses name the fields and their kinds."""

    ordering: tuple[str, ...] = ("id",)
    kinds: tuple[str, ...] = ("int",)  # "datetime" or "int", one per ordering field
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    cursor_query_param = "cursor"

    # --- request ---

    @classmethod
    def cursor_pattern(cls) -> str:
        return "^[ab]" + r"\.".join(f"[0-9]{{1,{_DIGITS[kind]}}}" for kind in cls.kinds) + "$"

    def _page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if re.fullmatch(r"[0-9]{1,6}", raw) and 1 <= int(raw) <= self.max_page_size:
            return int(raw)
        raise exceptions.ValidationError(
            {self.page_size_query_param: [_("Give a whole number from 1 to %(max)d.") % {"max": self.max_page_size}]}
        )

    def _cursor(self, request: Request) -> tuple[bool, list[Any]] | None:
        """(forward, position) from the cursor parameter, or None on the first page."""
        raw = request.query_params.get(self.cursor_query_param)
        if raw is None:
            return None
        if not re.fullmatch(self.cursor_pattern(), raw):
            raise exceptions.ValidationError(
                {self.cursor_query_param: [_("Invalid cursor: use the next/previous links.")]}
            )
        digits = raw[1:].split(".")
        return raw[0] == "a", [_decode(kind, value) for kind, value in zip(self.kinds, digits, strict=True)]

    def paginate_queryset(self, queryset: QuerySet, request: Request, view: Any = None) -> list[Any]:
        self.request = request
        size = self._page_size(request)
        cursor = self._cursor(request)
        forward = cursor is None or cursor[0]
        if cursor is not None:
            # The position as the back office's lists compare it, with the bound an index seeks to:
            # a deep page costs what the first costs.
            queryset = queryset.filter(*position_filter(self.ordering, cursor[1], backwards=not forward))
        order = self.ordering if forward else tuple(f[1:] if f.startswith("-") else f"-{f}" for f in self.ordering)
        rows = list(queryset.order_by(*order)[: size + 1])
        more = len(rows) > size
        rows = rows[:size]
        if not forward:
            rows.reverse()
        # Coming back (a "b" cursor) means the rows after this page exist; going forward with a
        # cursor means rows before it exist.
        self.has_next = more if forward else cursor is not None
        self.has_previous = (cursor is not None) if forward else more
        self.rows = rows
        return rows

    # --- response ---

    def _position(self, row: Any) -> str:
        return ".".join(_encode(getattr(row, field.lstrip("-"))) for field in self.ordering)

    def _link(self, direction: str, row: Any) -> str:
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, direction + self._position(row))

    def get_next_link(self) -> str | None:
        return self._link("a", self.rows[-1]) if self.has_next and self.rows else None

    def get_previous_link(self) -> str | None:
        if not self.has_previous:
            return None
        if not self.rows:
            return remove_query_param(self.request.build_absolute_uri(), self.cursor_query_param)
        return self._link("b", self.rows[0])

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            OrderedDict([("next", self.get_next_link()), ("previous", self.get_previous_link()), ("results", data)])
        )

    # --- schema ---

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        link = {"type": "string", "format": "uri", "nullable": True}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": _("The position to continue from: take it from the next or previous link."),
                "schema": {"type": "string", "pattern": self.cursor_pattern()},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": _("Rows per page, 1 to %(max)d (default %(default)d).")
                % {"max": self.max_page_size, "default": self.page_size},
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size, "default": self.page_size},
            },
        ]
