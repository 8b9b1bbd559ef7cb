from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oms import money


def test_rounding_is_half_up_not_bankers():
    assert money.quantize(Decimal("0.125")) == Decimal("0.13")
    assert money.quantize(Decimal("2.675")) == Decimal("2.68")
    assert money.quantize(Decimal("-0.125")) == Decimal("-0.13")


def test_vat_contained_in_a_gross_price():
    assert money.vat_in_gross(Decimal("119.00"), Decimal("19")) == Decimal("19.00")
    assert money.vat_in_gross(Decimal("10.70"), Decimal("7")) == Decimal("0.70")


@given(st.decimals(min_value=0, max_value=10**7, places=2), st.sampled_from(list(money.VAT_RATES.values())))
def test_net_plus_vat_is_gross(gross, rate):
    assert money.net_from_gross(gross, rate) + money.vat_in_gross(gross, rate) == gross


@pytest.mark.parametrize(
    ("language", "rate", "shown"),
    [("de", "19.00", "19"), ("de", "7.00", "7"), ("de", "0.00", "0"), ("de", "5.50", "5,5"), ("en", "5.50", "5.5")],
)
def test_vat_rates_read_as_people_write_them(language, rate, shown):
    from django.utils import translation

    from oms.money import format_rate

    with translation.override(language):
        assert format_rate(rate) == shown
