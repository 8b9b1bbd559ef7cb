"""The ``money`` and ``qty`` filters print what Django's ``number_format`` prints, in every language."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.formats import number_format
from hypothesis import given
from hypothesis import strategies as st

from oms.templatetags.oms import localized_number, money, qty

AMOUNTS = [
    Decimal("0"),
    Decimal("0.00"),
    Decimal("-0.00"),
    Decimal("0.004"),
    Decimal("-0.004"),
    Decimal("0.5"),
    Decimal("12.5"),
    Decimal("-5.50"),
    Decimal("999.99"),
    Decimal("1000"),
    Decimal("1773.46"),
    Decimal("-1234567.89"),
    Decimal("1E+3"),
    Decimal("2.675"),
    Decimal("-0.129"),
    Decimal("12345678901234567890.12"),
]


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("amount", AMOUNTS)
def test_amounts_read_as_number_format_writes_them(language, amount):
    with translation.override(language):
        expected = number_format(amount, 2, use_l10n=True, force_grouping=True)
        assert localized_number(amount, 2) == expected
        assert money(amount, "EUR") == f"{expected}\u00a0€"


@pytest.mark.parametrize("language", ["en", "de"])
@given(value=st.integers(min_value=-(10**12), max_value=10**12))
def test_quantities_read_as_number_format_writes_them(language, value):
    with translation.override(language):
        assert qty(value) == number_format(value, 0, use_l10n=True, force_grouping=True)


@given(value=st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**9), max_value=10**9, places=2))
def test_any_two_place_amount_matches_in_german(value):
    with translation.override("de"):
        assert localized_number(value, 2) == number_format(value, 2, use_l10n=True, force_grouping=True)


def test_german_and_english_marks():
    with translation.override("de"):
        assert money(Decimal("1773.46"), "EUR") == "1.773,46\u00a0€"
        assert qty(12500) == "12.500"
    with translation.override("en"):
        assert money(Decimal("-1773.4"), "GBP") == "-1,773.40\u00a0£"
        assert qty(None) == ""
