"""The forecasting arithmetic on synthetic series: no database needed."""

from __future__ import annotations

import math

import numpy as np
import pytest

from inventory import forecasting as fc


def seasonal_daily_series(days: int, *, seed: int = 7) -> np.ndarray:
    """Trend + weekday pattern + a yearly season (peak in winter) + noise, fixed seed."""
    rng = np.random.default_rng(seed)
    t = np.arange(days)
    level = 40 + 10 * t / 365  # +10 units/day each year
    weekday = np.where(t % 7 >= 5, 12.0, -5.0)
    yearly = 15 * np.cos(2 * np.pi * t / 365.25)
    return np.clip(level + weekday + yearly + rng.normal(0, 4, days), 0, None)


def test_model_beats_the_seasonal_naive_forecast_on_three_years_of_seasonal_data():
    daily = seasonal_daily_series(3 * 365)

    result = fc.backtest(daily)

    assert fc.forecast_weekly(daily).method == fc.Method.HOLT_WINTERS_YEARLY
    assert result.wape_model is not None and result.wape_naive is not None
    assert result.wape_model < result.wape_naive
    assert result.model_beats_naive
    assert result.wape_model < 0.10  # within 10 % of the real weeks


def test_model_beats_last_value_naive_on_one_year_with_trend_and_weekday_pattern():
    daily = seasonal_daily_series(300, seed=3)

    result = fc.backtest(daily)

    assert fc.forecast_weekly(daily).method == fc.Method.HOLT_WINTERS_WEEKLY
    assert result.wape_model < result.wape_naive


def test_forecast_follows_the_level_of_the_series():
    daily = seasonal_daily_series(3 * 365)

    fit = fc.forecast_weekly(daily)

    assert len(fit.weekly) == fc.HORIZON_WEEKS
    # The series ends in winter at about 70/day: 12 weeks on it should sell roughly that much.
    assert 50 * 7 < np.mean(fit.weekly) < 90 * 7
    assert fit.sigma_daily > 0


@pytest.mark.parametrize(
    "daily",
    [
        [],
        [0] * 400,
        [3],
        [0, 0, 5],
        [1, 0, 0, 0, 0, 0, 0, 2, 0, 0],
        [0] * 800 + [1],
        [5] * 30,
        [float("nan"), -3, 4, float("inf")] * 20,
        [0, 0, 0, 0, 0, 0, 9] * 120,  # intermittent, one sale a week
    ],
    ids=["empty", "zeros", "one-day", "three-days", "ten-days", "one-sale", "constant", "garbage", "intermittent"],
)
def test_short_zero_and_odd_series_never_crash_and_forecast_non_negative_finite_weeks(daily):
    fit = fc.forecast_weekly(daily)
    analysis = fc.analyse(daily, lead_time_days=14, service_level=0.95, available=10, inbound=0)

    assert len(fit.weekly) == fc.HORIZON_WEEKS
    assert np.all(np.isfinite(fit.weekly)) and np.all(fit.weekly >= 0)
    assert analysis.levels.target_level >= analysis.levels.reorder_point >= 0
    assert analysis.suggested_order_qty >= 0


def test_all_zero_history_forecasts_zero_and_has_no_days_of_cover_or_wape():
    analysis = fc.analyse([0] * 200, lead_time_days=7, service_level=0.95, available=5, inbound=0)

    assert analysis.method == fc.Method.ZERO
    assert analysis.weekly_forecast == [0.0] * fc.HORIZON_WEEKS
    assert analysis.days_of_cover is None
    assert analysis.backtest.wape_model is None


def test_safety_stock_grows_with_service_level():
    levels = [0.8, 0.9, 0.95, 0.99]

    stocks = [fc.safety_stock(sigma_daily=5, lead_time_days=14, service_level=s) for s in levels]

    assert stocks == sorted(stocks) and len(set(stocks)) == len(stocks)
    assert stocks[2] == pytest.approx(1.6449 * 5 * math.sqrt(14), rel=1e-3)


def test_reorder_point_is_lead_time_demand_plus_safety_stock_and_target_is_above_it():
    levels = fc.replenishment_levels(weekly_forecast=[70] * 12, sigma_daily=0, lead_time_days=10, service_level=0.95)

    assert levels.expected_lead_time_demand == pytest.approx(100)
    assert levels.reorder_point == 100
    assert levels.target_level == 100 + 10 * fc.REVIEW_PERIOD_DAYS


def test_lead_time_beyond_the_horizon_keeps_the_last_weeks_rate():
    assert fc.demand_over([7] * 12, 100) == pytest.approx(100)


def test_order_quantity_fills_up_to_target_only_at_or_below_the_reorder_point():
    assert fc.order_quantity(reorder_point=20, target_level=100, available=15, inbound=5) == 80
    assert fc.order_quantity(reorder_point=20, target_level=100, available=15, inbound=6) == 0
    assert fc.order_quantity(reorder_point=20, target_level=100, available=-3, inbound=0) == 103


def test_days_of_cover_is_available_over_mean_daily_forecast():
    assert fc.days_of_cover(available=140, weekly_forecast=[70] * 12) == pytest.approx(14)
    assert fc.days_of_cover(available=10, weekly_forecast=[0] * 12) is None


def test_wape_and_naive_rules():
    assert fc.wape([10, 10], [5, 15]) == pytest.approx(0.5)
    assert fc.wape([0, 0], [1, 1]) is None
    history = np.arange(60, dtype=float)
    assert list(fc.naive_forecast(history, 3)) == [8.0, 9.0, 10.0]  # same week a year (52 weeks) before
    assert list(fc.naive_forecast(np.array([4.0, 9.0]), 3)) == [9.0, 9.0, 9.0]


def test_synthetic_demand_is_reproducible_and_whole_units():
    import datetime

    a = fc.synthetic_daily_demand(
        60, start=datetime.date(2025, 1, 1), base=10, weekly_amplitude=0.3, yearly_amplitude=0.4, noise=1, seed=4
    )
    b = fc.synthetic_daily_demand(
        60, start=datetime.date(2025, 1, 1), base=10, weekly_amplitude=0.3, yearly_amplitude=0.4, noise=1, seed=4
    )

    assert np.array_equal(a, b)
    assert np.all(a == np.rint(a)) and np.all(a >= 0)
