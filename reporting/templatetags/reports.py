"""Template filters of the reports."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils.translation import gettext as _

register = template.Library()


def format_duration(seconds: float | None) -> str:
    """``1 d 02:05:09`` (days, then hours:minutes:seconds), rounded to the second; empty for None."""
    if seconds is None:
        return ""
    total = int(Decimal(str(seconds)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return _("%(days)s d %(clock)s") % {"days": days, "clock": clock} if days else clock


@register.filter
def duration(seconds: float | None) -> str:
    return format_duration(seconds)


@register.filter
def percent(value: Decimal | None) -> str:
    """``12.5 %``; a dash when there is nothing to divide by."""
    if value is None:
        return "\u2013"  # en dash
    from oms.templatetags.oms import localized_number

    return f"{localized_number(Decimal(value), 1, None)}\u00a0%"


@register.filter
def decimal(value: Decimal | None, places: int = 1) -> str:
    """A number with ``places`` decimals in the reader's format; a dash for None."""
    if value is None:
        return "\u2013"  # en dash
    from oms.templatetags.oms import localized_number

    return localized_number(Decimal(value), int(places), None)
