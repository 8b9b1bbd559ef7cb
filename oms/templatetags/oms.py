"""Template filters used across apps: money, quantities, small string tests."""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Any

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.formats import date_format, get_format, number_format
from django.utils.safestring import SafeString
from django.utils.timezone import template_localtime
from django.utils.translation import get_language

from oms import badges
from oms.country_names import country_name_in

register = template.Library()

_SYMBOLS = {"EUR": "€", "CHF": "CHF", "GBP": "£", "PLN": "zł", "CZK": "Kč", "DKK": "kr.", "SEK": "kr"}


@register.simple_tag
def badge(kind: str, state: str, label: Any = "") -> SafeString:
    """``{% badge "shipment" s.state s.get_state_display %}``: the badge of a state, coloured by
    its group (``oms.badges``)."""
    return badges.state_badge(kind, state, label)


@register.filter
def country_name(code: str) -> str:
    """The country of an ISO 3166-1 alpha-2 code, in the active language (Babel's CLDR names)."""
    return country_name_in(code, get_language())


@register.filter
def startswith(value: Any, prefix: Any) -> bool:
    return str(value).startswith(str(prefix)) if prefix and prefix != "#" else False


@register.filter
def money(amount: Decimal | None, currency: str = "EUR") -> str:
    """``1.773,46 €`` in German, ``1,773.46 €`` in English: grouping and decimal mark follow the
    active language; the amount is shown with two decimals, never rounded again."""
    return format_money(amount, currency)


def format_money(amount: Decimal | None, currency: str, separators: tuple[str, str, Any] | None = None) -> str:
    """The ``money`` filter, for Python callers that pass ``number_separators()``."""
    if amount is None or amount == "":
        return ""
    return f"{localized_number(Decimal(amount), 2, separators)}\u00a0{_SYMBOLS.get(currency, currency)}"


@register.filter
def qty(value: int | None) -> str:
    return format_qty(value)


def format_qty(value: int | None, separators: tuple[str, str, Any] | None = None) -> str:
    """The ``qty`` filter, for Python callers that pass ``number_separators()``."""
    if value is None:
        return ""
    return localized_number(value, 0, separators)


# A page shows hundreds of amounts and quantities (an order of 50 lines: 350). Django's
# ``number_format`` looks the three separators up on every call and groups digit by digit; the
# same result, with the separators looked up once per language and Python grouping the digits.
_CENT = Decimal("0.01")


@functools.cache
def _separators(language: str | None) -> tuple[str, str, Any]:
    return (
        get_format("DECIMAL_SEPARATOR", language, use_l10n=True),
        get_format("THOUSAND_SEPARATOR", language, use_l10n=True),
        get_format("NUMBER_GROUPING", language, use_l10n=True),
    )


@receiver(setting_changed)
def _forget_separators(**kwargs: Any) -> None:
    _separators.cache_clear()


def number_separators() -> tuple[str, str, Any]:
    """The active language's decimal mark, thousands separator and grouping: a row tag that
    formats many numbers looks them up once and passes them to ``localized_number``."""
    return _separators(get_language())


def localized_number(value: int | Decimal, decimal_pos: int, separators: tuple[str, str, Any] | None = None) -> str:
    """``number_format(value, decimal_pos, use_l10n=True, force_grouping=True)``, faster for
    integers and for Decimals with up to two decimals (what money and quantities are)."""
    decimal_sep, thousand_sep, grouping = separators or _separators(get_language())
    if grouping == 3 and decimal_pos in (0, 2):
        if type(value) is int and decimal_pos == 0:
            return f"{value:,}".replace(",", thousand_sep)
        if type(value) is Decimal and decimal_pos == 2 and value.is_finite() and value.as_tuple().exponent >= -2:
            if abs(value) < _CENT:
                value = Decimal("0")
            whole, _, cents = f"{value:f}".partition(".")
            sign = "-" if whole.startswith("-") else ""
            grouped = f"{int(whole.lstrip('-')):,}".replace(",", thousand_sep)
            return f"{sign}{grouped}{decimal_sep}{(cents + '00')[:2]}"
    return number_format(value, decimal_pos, use_l10n=True, force_grouping=True)


# Django date format characters that have a strftime twin (zero-padded numbers only).
_STRFTIME = {"d": "%d", "m": "%m", "Y": "%Y", "y": "%y", "H": "%H", "i": "%M", "s": "%S"}


@functools.cache
def _short_datetime_strftime(language: str | None) -> str | None:
    """SHORT_DATETIME_FORMAT of ``language`` as a strftime pattern, or None when it uses a
    character without a strftime twin (names of months or days, escapes)."""
    fmt = get_format("SHORT_DATETIME_FORMAT", language, use_l10n=True)
    out = []
    for char in fmt:
        if char in _STRFTIME:
            out.append(_STRFTIME[char])
        elif char.isalpha() or char in "\\%":
            return None
        else:
            out.append(char)
    return "".join(out)


@receiver(setting_changed)
def _forget_datetime_formats(**kwargs: Any) -> None:
    _short_datetime_strftime.cache_clear()


def short_datetime(value: Any) -> str:
    """``{{ value|date:"SHORT_DATETIME_FORMAT" }}``, for row tags written in Python."""
    if not value:
        return ""
    value = template_localtime(value)
    pattern = _short_datetime_strftime(get_language())
    if pattern and value.year >= 1000:
        return value.strftime(pattern)
    return date_format(value, "SHORT_DATETIME_FORMAT")
