"""Template filters of billing's documents and panels."""

from __future__ import annotations

from decimal import Decimal

from django import template

from oms.money import format_rate

register = template.Library()


@register.filter
def rate(value: Decimal | None) -> str:
    """A VAT rate as people write it: ``19``, ``7``, ``5,5``."""
    return "" if value is None else format_rate(value)
