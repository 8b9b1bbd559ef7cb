"""Template filters used across apps: money, quantities, small string tests."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.formats import number_format

register = template.Library()

_SYMBOLS = {"EUR": "€", "CHF": "CHF", "GBP": "£", "PLN": "zł", "CZK": "Kč", "DKK": "kr.", "SEK": "kr"}


@register.filter
def startswith(value: Any, prefix: Any) -> bool:
    return str(value).startswith(str(prefix)) if prefix and prefix != "#" else False


@register.filter
def money(amount: Decimal | None, currency: str = "EUR") -> str:
    """``1.773,46 €`` in German, ``1,773.46 €`` in English: grouping and decimal mark follow the
    active language; the amount is shown with two decimals, never rounded again."""
    if amount is None or amount == "":
        return ""
    number = number_format(Decimal(amount), 2, use_l10n=True, force_grouping=True)
    return f"{number}\u00a0{_SYMBOLS.get(currency, currency)}"


@register.filter
def qty(value: int | None) -> str:
    if value is None:
        return ""
    return number_format(value, 0, use_l10n=True, force_grouping=True)
