"""Template filters of billing's documents and panels."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils import timezone

from billing.models import DunningLevel
from oms.money import format_rate

register = template.Library()


@register.filter
def rate(value: Decimal | None) -> str:
    """A VAT rate as people write it: ``19``, ``7``, ``5,5``."""
    return "" if value is None else format_rate(value)


@register.filter
def days_past_due(invoice: Any) -> int:
    """Days since the invoice's due date (0 while it is not due yet)."""
    return max((timezone.localdate() - invoice.due_date).days, 0)


@register.filter
def dunning_level_label(level: int | None) -> str:
    """The name of a reminder level (``Payment reminder``), empty for none."""
    return str(DunningLevel(level).label) if level in DunningLevel.values else ""
