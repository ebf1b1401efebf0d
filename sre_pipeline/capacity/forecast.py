"""When will a resource cross its thresholds? A straight line fitted to its daily peaks.

Method (docs/capacity.md): ordinary least squares of the daily peak utilisation on the day
number over the look-back (``scipy.stats.linregress``), the crossing date where the fitted
line reaches a threshold, and an uncertainty band from the 95 % confidence band of the fitted
line (Student's t with n - 2 degrees of freedom): the earliest plausible date is where the
band's upper edge reaches the threshold, the latest where its lower edge does. Peaks, not
means, because a resource pages at its peak; a line, because capacity planning over weeks
asks for the trend, and a line's uncertainty is well understood and explainable in a review.

Never a guess: too few days of history is ``insufficient data``; a trend that is flat,
falling or not significantly rising (one-sided p >= 0.05) is ``not rising``; a line that
explains too little of the variation (R^2 below :data:`MIN_R2`), or whose residuals run in
long stretches on one side of it (Durbin-Watson statistic below :data:`MIN_DURBIN_WATSON`: a
step change or a curve, not a trend), is ``unreliable``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
from scipy import stats

MIN_DAYS = 7  # fewer daily peaks than a week: no trend worth stating
MIN_R2 = 0.3  # below this the line explains too little of the day-to-day variation
P_RISING = 0.05  # one-sided significance of a rising slope
CONFIDENCE = 0.95
# Durbin-Watson: about 2 for independent residuals, towards 0 when they run in stretches (a
# level shift fitted with a line); 1.0 is well below what noise around a real trend gives
MIN_DURBIN_WATSON = 1.0

INSUFFICIENT = "insufficient data"
NOT_RISING = "not rising"
UNRELIABLE = "unreliable"
RISING = "rising"
ALREADY_ABOVE = "already above"
FORECAST = "forecast"
BEYOND_HORIZON = "beyond horizon"


@dataclass(frozen=True)
class Trend:
    """The line fitted to the daily peaks up to ``day`` (day numbers relative to it)."""

    status: str  # rising / not rising / unreliable / insufficient data
    days: int  # daily peaks the fit used
    slope: float | None = None  # utilisation per day
    intercept: float | None = None  # fitted value on ``day``
    r2: float | None = None
    p_rising: float | None = None
    _x: tuple[float, ...] = ()
    _resid_sd: float | None = None

    def band(self, ahead: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Fitted values ``ahead`` days after the status day, and the confidence band."""
        x = np.asarray(self._x)
        n = len(x)
        sxx = float(((x - x.mean()) ** 2).sum())
        mean = self.intercept + self.slope * ahead
        se = self._resid_sd * np.sqrt(1 / n + (ahead - x.mean()) ** 2 / sxx)
        half = stats.t.ppf(0.5 + CONFIDENCE / 2, n - 2) * se
        return mean, mean - half, mean + half


@dataclass(frozen=True)
class Crossing:
    """When one threshold is (or was) crossed. ``status``: forecast (``on`` within the
    horizon, with ``earliest``/``latest``; ``latest`` None when the band's lower edge stays
    below within the horizon), already above (``since``), beyond horizon, or the trend's
    status when it gives no date (not rising, unreliable, insufficient data)."""

    threshold: str
    level: float
    status: str
    on: date | None = None
    earliest: date | None = None
    latest: date | None = None
    since: date | None = None


def fit_trend(peaks: pd.Series, day: date, lookback_days: int) -> Trend:
    """The trend of ``peaks`` (daily peak utilisation indexed by date; missing days are simply
    absent) over the ``lookback_days`` days ending on ``day``."""
    first = day - timedelta(days=lookback_days - 1)
    window = peaks[(peaks.index >= first) & (peaks.index <= day)].dropna()
    n = len(window)
    if n < MIN_DAYS or window.index.nunique() < MIN_DAYS:
        return Trend(INSUFFICIENT, n)
    x = np.array([(d - day).days for d in window.index], dtype=float)
    y = window.to_numpy(dtype=float)
    if np.ptp(y) == 0:  # perfectly flat: linregress's R^2 is undefined
        return Trend(NOT_RISING, n, 0.0, float(y[-1]), 1.0, 1.0, tuple(x), 0.0)
    fit = stats.linregress(x, y)
    p_rising = fit.pvalue / 2 if fit.slope > 0 else 1 - fit.pvalue / 2
    resid = y - (fit.intercept + fit.slope * x)
    resid_sd = math.sqrt(float((resid**2).sum()) / (n - 2))
    r2 = float(fit.rvalue**2)
    if fit.slope <= 0 or p_rising >= P_RISING:
        status = NOT_RISING
    elif r2 < MIN_R2 or durbin_watson(resid) < MIN_DURBIN_WATSON:
        status = UNRELIABLE
    else:
        status = RISING
    return Trend(
        status, n, float(fit.slope), float(fit.intercept), r2, p_rising, tuple(x), resid_sd
    )


def durbin_watson(resid: np.ndarray) -> float:
    """The Durbin-Watson statistic of residuals in day order (2 when there is no pattern);
    2.0 for residuals that are all but zero (an exact line has no pattern to find)."""
    total = float((resid**2).sum())
    if total <= 1e-18 * len(resid):
        return 2.0
    return float((np.diff(resid) ** 2).sum()) / total


def _since(peaks: pd.Series, day: date, level: float) -> date:
    """The first day of the run of days up to ``day`` whose peak is at or above ``level``."""
    since = day
    for d in sorted((d for d in peaks.index if d <= day), reverse=True):
        if peaks[d] < level:
            break
        since = d
    return since


def _first(values: np.ndarray, level: float, ahead: np.ndarray, day: date) -> date | None:
    """The first day ahead whose value reaches ``level``, or None within the horizon."""
    hit = np.flatnonzero(values >= level)
    return day + timedelta(days=int(ahead[hit[0]])) if len(hit) else None


def crossings(
    peaks: pd.Series,
    trend: Trend,
    thresholds: dict[str, float],
    day: date,
    horizon_days: int,
) -> list[Crossing]:
    """Each threshold's crossing, as of ``day``, within ``horizon_days`` days ahead."""
    current = peaks.get(day)
    ahead = np.arange(1, horizon_days + 1, dtype=float)
    band = trend.band(ahead) if trend.status == RISING else None
    out = []
    for name, level in thresholds.items():
        if current is not None and not pd.isna(current) and current >= level:
            out.append(Crossing(name, level, ALREADY_ABOVE, since=_since(peaks, day, level)))
            continue
        if band is None:
            out.append(Crossing(name, level, trend.status))
            continue
        mean, low, high = band
        on, earliest, latest = (_first(v, level, ahead, day) for v in (mean, high, low))
        status = FORECAST if on is not None else BEYOND_HORIZON
        out.append(Crossing(name, level, status, on, earliest, latest))
    return out
