"""Serializer fields of the JSON API's query parameters, parsed exactly as the schema describes them."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

_RFC3339 = re.compile(r"(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})")


@extend_schema_field(OpenApiTypes.DATETIME)
class TimestampField(serializers.Field):
    """An RFC 3339 date-time with a time zone (``2026-11-23T08:00:00Z``, ``…+01:00``), in UTC.

    Exactly what the ``date-time`` format (RFC 3339 §5.6) allows is accepted: lower-case ``t`` and
    ``z``, any number of fraction digits (kept to microseconds), any offset up to ±23:59, any year
    from 0001, a leap second (as the last microsecond before it). A moment beyond what Python can
    hold once moved to UTC (year 1 with a positive offset) is the earliest or latest moment there
    is. A "+" that a query string turned into a space counts as a "+".
    """

    default_error_messages = {
        "invalid": _("Use an ISO 8601 date-time with a time zone, e.g. 2026-11-23T08:00:00Z."),
    }

    def to_internal_value(self, data: Any) -> datetime.datetime:
        if not isinstance(data, str) or len(data) > 64:
            self.fail("invalid")
        match = _RFC3339.fullmatch(data.replace(" ", "+").upper())
        if match is None:
            self.fail("invalid")
        date, hour, minute, second, fraction, offset = match.groups()
        if second == "60":
            second, fraction = "59", ".999999"
        fraction = (fraction or ".0")[:7].ljust(7, "0")
        try:
            parsed = datetime.datetime.fromisoformat(
                f"{date}T{hour}:{minute}:{second}{fraction}{'+00:00' if offset == 'Z' else offset}"
            )
        except ValueError:  # 2026-02-30, 25:00
            self.fail("invalid")
        try:
            # In UTC: PostgreSQL refuses odd offsets (+21:35) that Python accepts.
            return parsed.astimezone(datetime.UTC)
        except OverflowError:
            earliest = parsed.utcoffset() > datetime.timedelta(0)  # type: ignore[operator]
            if earliest:
                return datetime.datetime.min.replace(tzinfo=datetime.UTC)
            return datetime.datetime.max.replace(tzinfo=datetime.UTC)

    def to_representation(self, value: datetime.datetime) -> str:
        return value.isoformat()


class QueryTextField(serializers.CharField):
    """Text of a query parameter, taken as sent: not stripped, so ``maxLength`` counts what the
    client sent, as the schema says; refused when empty or only whitespace (and with NUL)."""

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if not value.strip():
            self.fail("blank")
        return value
