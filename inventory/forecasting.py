"""Demand forecasting and replenishment arithmetic: pure numbers in, numbers out (no models, no database).

The input is one product's daily demand in one warehouse, oldest day first, ending with the last
complete day. The forecast is weekly (12 weeks by default) and the model depends on how much
history there is, because Holt-Winters needs two full seasonal cycles to start:

- two years or more: Holt-Winters on weekly totals, damped additive trend, yearly seasonality (52);
- eight weeks or more: Holt-Winters on the daily series, damped additive trend, weekly seasonality (7),
  summed back into weeks;
- four weeks or more: Holt's damped trend on weekly totals, no seasonality;
- less: the mean week. All-zero history forecasts zero without fitting anything.

Every fit that fails (statsmodels refuses a series, the optimiser produces NaN) falls back to the
next simpler model, so a forecast is always produced. A backtest holds out the last 8 weeks, runs the
same procedure on the rest and reports the WAPE next to a seasonal-naive forecast (the same week last
year, else the last week), which tells a manager when the model can be trusted.
"""

from __future__ import annotations

import datetime
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

HORIZON_WEEKS = 12
HOLDOUT_WEEKS = 8
YEAR_WEEKS = 52
# A min/max policy reviews the position continuously but orders in batches: the target level
# covers the lead time plus this many days of demand on top of the reorder point's lead time.
REVIEW_PERIOD_DAYS = 28
MIN_SERVICE_LEVEL = 0.5
MAX_SERVICE_LEVEL = 0.999


class Method:
    """Names stored with a forecast (``DemandForecast.method``)."""

    HOLT_WINTERS_YEARLY = "holt_winters_yearly"
    HOLT_WINTERS_WEEKLY = "holt_winters_weekly"
    HOLT_DAMPED = "holt_damped"
    MEAN = "mean"
    ZERO = "zero"
    NONE = "none"


@dataclass(frozen=True)
class Fit:
    """A weekly forecast and the spread of the model's one-step errors, per day."""

    weekly: np.ndarray
    method: str
    sigma_daily: float


@dataclass(frozen=True)
class Backtest:
    wape_model: float | None
    wape_naive: float | None
    actual: list[float]
    model: list[float]
    naive: list[float]

    @property
    def model_beats_naive(self) -> bool:
        return self.wape_model is not None and self.wape_naive is not None and self.wape_model < self.wape_naive


@dataclass(frozen=True)
class Levels:
    """Replenishment levels derived from a forecast for one supplier lead time and service level."""

    expected_lead_time_demand: float
    safety_stock: int
    reorder_point: int
    target_level: int


@dataclass(frozen=True)
class Analysis:
    """Everything ``recompute_forecasts`` stores for one product and warehouse."""

    weekly_forecast: list[float]
    method: str
    history_weeks: int
    mean_daily_demand: float
    days_of_cover: float | None
    backtest: Backtest
    levels: Levels
    suggested_order_qty: int


# --- series --------------------------------------------------------------------------------------


def _clean(daily: Sequence[float] | np.ndarray) -> np.ndarray:
    """Float array with NaN/inf and negative days (returns booked as demand) set to zero."""
    arr = np.asarray(daily, dtype=float).ravel()
    arr = np.where(np.isfinite(arr), arr, 0.0)
    return np.clip(arr, 0.0, None)


def weekly_totals(daily: Sequence[float] | np.ndarray) -> np.ndarray:
    """Sum a daily series into 7-day weeks that end with its last day (a partial first week is dropped)."""
    arr = _clean(daily)
    usable = len(arr) - len(arr) % 7
    if usable <= 0:
        return np.zeros(0)
    return arr[len(arr) - usable :].reshape(-1, 7).sum(axis=1)


def wape(actual: Sequence[float], forecast: Sequence[float]) -> float | None:
    """Weighted absolute percentage error, sum|a - f| / sum a; None when nothing was demanded."""
    a = np.asarray(actual, dtype=float)
    f = np.asarray(forecast, dtype=float)
    total = float(np.abs(a).sum())
    if total <= 0:
        return None
    return float(np.abs(a - f).sum() / total)


# --- models --------------------------------------------------------------------------------------


def _holt_winters(y: np.ndarray, steps: int, *, seasonal_periods: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Fit additive Holt-Winters with a damped trend; return (forecast, in-sample residuals)."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        # Short or flat series make the optimiser warn about convergence; the result is still usable
        # and the NaN check below catches the cases where it is not.
        warnings.simplefilter("ignore")
        model = ExponentialSmoothing(
            y,
            trend="add",
            damped_trend=True,
            seasonal="add" if seasonal_periods else None,
            seasonal_periods=seasonal_periods,
            # With two full seasons the heuristic start values are as good as estimated ones and 10-20x
            # faster (estimating 52 seasonal states dominates a nightly run); Holt alone is cheap either way.
            initialization_method="heuristic" if seasonal_periods else "estimated",
        )
        # Brute-force start values for the smoothing parameters add little once the states start well.
        result = model.fit(use_brute=not seasonal_periods)
        forecast = np.asarray(result.forecast(steps), dtype=float)
        resid = np.asarray(result.resid, dtype=float)
    if not np.all(np.isfinite(forecast)):
        raise ValueError("non-finite forecast")
    return forecast, resid


def _sigma(values: np.ndarray) -> float:
    values = values[np.isfinite(values)]
    if len(values) < 2:
        return 0.0
    return float(np.std(values, ddof=1))


def _fit_yearly(daily: np.ndarray, horizon: int) -> Fit:
    weekly = weekly_totals(daily)
    forecast, resid = _holt_winters(weekly, horizon, seasonal_periods=YEAR_WEEKS)
    # Weekly errors spread over 7 days; days are treated as independent, so sigma scales with sqrt(days).
    return Fit(np.clip(forecast, 0, None), Method.HOLT_WINTERS_YEARLY, _sigma(resid) / math.sqrt(7))


def _fit_weekly_seasonal(daily: np.ndarray, horizon: int) -> Fit:
    forecast, resid = _holt_winters(daily, horizon * 7, seasonal_periods=7)
    weekly = np.clip(forecast, 0, None).reshape(horizon, 7).sum(axis=1)
    return Fit(weekly, Method.HOLT_WINTERS_WEEKLY, _sigma(resid))


def _fit_holt(daily: np.ndarray, horizon: int) -> Fit:
    weekly = weekly_totals(daily)
    forecast, resid = _holt_winters(weekly, horizon, seasonal_periods=None)
    return Fit(np.clip(forecast, 0, None), Method.HOLT_DAMPED, _sigma(resid) / math.sqrt(7))


def _fit_mean(daily: np.ndarray, horizon: int) -> Fit:
    mean_day = float(daily.mean()) if len(daily) else 0.0
    return Fit(np.full(horizon, mean_day * 7), Method.MEAN, _sigma(daily))


def _candidates(n_days: int) -> list[Callable[[np.ndarray, int], Fit]]:
    """Models that the history length supports, most capable first."""
    fits: list[Callable[[np.ndarray, int], Fit]] = []
    if n_days >= 2 * YEAR_WEEKS * 7:
        fits.append(_fit_yearly)
    if n_days >= 8 * 7:
        fits.append(_fit_weekly_seasonal)
    if n_days >= 4 * 7:
        fits.append(_fit_holt)
    fits.append(_fit_mean)
    return fits


def forecast_weekly(daily: Sequence[float] | np.ndarray, *, horizon: int = HORIZON_WEEKS) -> Fit:
    """Forecast the next ``horizon`` weeks of demand from a daily series (oldest first). Never raises."""
    arr = _clean(daily)
    if len(arr) == 0:
        return Fit(np.zeros(horizon), Method.NONE, 0.0)
    if not arr.any():
        return Fit(np.zeros(horizon), Method.ZERO, 0.0)
    for fit in _candidates(len(arr)):
        try:
            return fit(arr, horizon)
        except (ValueError, np.linalg.LinAlgError, FloatingPointError, ZeroDivisionError):
            continue
    return _fit_mean(arr, horizon)  # pragma: no cover - the mean cannot fail


def naive_forecast(weekly_history: np.ndarray, horizon: int) -> np.ndarray:
    """Seasonal naive: the same week last year when a year of weeks exists, else the last week repeated."""
    n = len(weekly_history)
    if n >= YEAR_WEEKS and horizon <= YEAR_WEEKS:
        return np.asarray(weekly_history[n - YEAR_WEEKS : n - YEAR_WEEKS + horizon], dtype=float)
    last = float(weekly_history[-1]) if n else 0.0
    return np.full(horizon, last)


def backtest(daily: Sequence[float] | np.ndarray, *, holdout_weeks: int = HOLDOUT_WEEKS) -> Backtest:
    """Forecast the last ``holdout_weeks`` from the history before them, with the model and the naive rule."""
    arr = _clean(daily)
    holdout_days = holdout_weeks * 7
    if len(arr) < holdout_days + 7:
        return Backtest(None, None, [], [], [])
    train, test = arr[:-holdout_days], arr[-holdout_days:]
    actual = test.reshape(holdout_weeks, 7).sum(axis=1)
    model = forecast_weekly(train, horizon=holdout_weeks).weekly
    naive = naive_forecast(weekly_totals(train), holdout_weeks)
    return Backtest(
        wape_model=wape(actual, model),
        wape_naive=wape(actual, naive),
        actual=[float(x) for x in actual],
        model=[float(x) for x in model],
        naive=[float(x) for x in naive],
    )


# --- replenishment -------------------------------------------------------------------------------


def z_score(service_level: float) -> float:
    """The standard normal quantile for a cycle service level, clamped to a sensible range."""
    level = min(max(float(service_level), MIN_SERVICE_LEVEL), MAX_SERVICE_LEVEL)
    return NormalDist().inv_cdf(level)


def demand_over(weekly_forecast: Sequence[float], days: int) -> float:
    """Expected demand over the next ``days`` days; beyond the horizon the last week carries on."""
    if days <= 0:
        return 0.0
    weeks = list(weekly_forecast) or [0.0]
    daily = [w / 7 for w in weeks for _ in range(7)]
    if days > len(daily):
        daily += [weeks[-1] / 7] * (days - len(daily))
    return float(sum(daily[:days]))


def safety_stock(*, sigma_daily: float, lead_time_days: int, service_level: float) -> float:
    """z(service level) x sigma of demand over the lead time (daily errors independent)."""
    if lead_time_days <= 0 or sigma_daily <= 0:
        return 0.0
    return max(0.0, z_score(service_level) * sigma_daily * math.sqrt(lead_time_days))


def replenishment_levels(
    *, weekly_forecast: Sequence[float], sigma_daily: float, lead_time_days: int, service_level: float
) -> Levels:
    """Reorder point = demand over the lead time + safety stock; target = the same over lead time + review period."""
    lead_time_days = max(int(lead_time_days), 0)
    expected = demand_over(weekly_forecast, lead_time_days)
    safety = safety_stock(sigma_daily=sigma_daily, lead_time_days=lead_time_days, service_level=service_level)
    reorder_point = math.ceil(expected + safety - 1e-9)
    cycle_days = lead_time_days + REVIEW_PERIOD_DAYS
    target = math.ceil(
        demand_over(weekly_forecast, cycle_days)
        + safety_stock(sigma_daily=sigma_daily, lead_time_days=cycle_days, service_level=service_level)
        - 1e-9
    )
    return Levels(
        expected_lead_time_demand=expected,
        safety_stock=math.ceil(safety - 1e-9),
        reorder_point=max(reorder_point, 0),
        target_level=max(target, reorder_point, 0),
    )


def order_quantity(*, reorder_point: int, target_level: int, available: int, inbound: int) -> int:
    """Min/max rule: when the position (available + inbound) is at or below the reorder point,
    order up to the target level; otherwise order nothing."""
    position = available + inbound
    if position > reorder_point:
        return 0
    return max(0, target_level - position)


def days_of_cover(*, available: int, weekly_forecast: Sequence[float]) -> float | None:
    """Days the available stock lasts at the mean forecast rate; None when no demand is expected."""
    weeks = list(weekly_forecast)
    mean_daily = sum(weeks) / (7 * len(weeks)) if weeks else 0.0
    if mean_daily <= 0:
        return None
    return max(available, 0) / mean_daily


def analyse(
    daily: Sequence[float] | np.ndarray,
    *,
    lead_time_days: int,
    service_level: float,
    available: int,
    inbound: int,
    reorder_point: int | None = None,
    target_level: int | None = None,
    horizon: int = HORIZON_WEEKS,
) -> Analysis:
    """Forecast, backtest and replenishment levels for one series. ``reorder_point``/``target_level``
    (a rule set by a manager) replace the suggested ones when the order quantity is worked out."""
    fit = forecast_weekly(daily, horizon=horizon)
    weekly = [round(float(x), 3) for x in fit.weekly]
    levels = replenishment_levels(
        weekly_forecast=weekly, sigma_daily=fit.sigma_daily, lead_time_days=lead_time_days, service_level=service_level
    )
    qty = order_quantity(
        reorder_point=levels.reorder_point if reorder_point is None else reorder_point,
        target_level=levels.target_level if target_level is None else target_level,
        available=available,
        inbound=inbound,
    )
    return Analysis(
        weekly_forecast=weekly,
        method=fit.method,
        history_weeks=len(_clean(daily)) // 7,
        mean_daily_demand=sum(weekly) / (7 * len(weekly)) if weekly else 0.0,
        days_of_cover=days_of_cover(available=available, weekly_forecast=weekly),
        backtest=backtest(daily),
        levels=levels,
        suggested_order_qty=qty,
    )


def synthetic_daily_demand(
    days: int,
    *,
    start: datetime.date,
    base: float,
    trend_per_year: float = 0.0,
    weekly_amplitude: float = 0.0,
    yearly_amplitude: float = 0.0,
    noise: float = 0.0,
    seed: int = 0,
) -> np.ndarray:
    """Whole units of daily demand with trend, weekday and season patterns (demo data, load tests).

    Weekends sell ``weekly_amplitude`` (a fraction of ``base``) more, December the most by
    ``yearly_amplitude``; ``noise`` is the Poisson-like spread as a fraction of the day's level.
    """
    rng = np.random.default_rng(seed)
    t = np.arange(days)
    dates = [start + datetime.timedelta(days=int(i)) for i in t]
    weekday = np.array([d.weekday() for d in dates])
    day_of_year = np.array([d.timetuple().tm_yday for d in dates])
    level = base * (1 + trend_per_year * t / 365)
    level = level * (1 + weekly_amplitude * np.where(weekday >= 5, 1.0, -0.4))
    level = level * (1 + yearly_amplitude * np.cos(2 * np.pi * (day_of_year - 350) / 365.25))
    level = np.clip(level, 0, None)
    values = level + rng.normal(0, 1, days) * noise * np.sqrt(np.maximum(level, 1))
    return np.clip(np.rint(values), 0, None)
