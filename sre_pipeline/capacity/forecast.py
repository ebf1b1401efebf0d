"""When will a resource cross its thresholds? A straight line fitted to its daily peaks.

Method (docs/capacity.md): ordinary least squares of the daily peak utilisation on the day
number over the look-back, the crossing date where the fitted line reaches a threshold, and an
uncertainty band from the 95 % confidence band of the fitted line (Student's t with n - 2
degrees of freedom, ``scipy.stats.t``): the earliest plausible date is where the band's upper
edge reaches the threshold, the latest where its lower edge does. Peaks, not means, because a
resource pages at its peak; a line, because capacity planning over weeks asks for the trend,
and a line's uncertainty is well understood and explainable in a review.

The fit is ``scipy.stats.linregress``'s (slope, intercept, r, the t test of the slope) in its
closed form over a matrix of resources x days, so thousands of resources are fitted in one
pass; ``test_forecast.py`` checks it against ``linregress`` itself on random rows.

Never a guess: too few days of history is ``insufficient data``; a trend that is flat,
falling or not significantly rising (one-sided p >= 0.05) is ``not rising``; a line that
explains too little of the variation (R^2 below :data:`MIN_R2`), or whose residuals run in
long stretches on one side of it (Durbin-Watson statistic below :data:`MIN_DURBIN_WATSON`: a
step change or a curve, not a trend), is ``unreliable``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, timedelta

import numpy as np
import pandas as pd

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
    """The line fitted to one resource's daily peaks up to the status day (day numbers
    relative to it: ``intercept`` is the fitted value on that day)."""

    status: str  # rising / not rising / unreliable / insufficient data
    days: int  # daily peaks the fit used
    slope: float | None = None  # utilisation per day
    intercept: float | None = None
    r2: float | None = None
    p_rising: float | None = None
    fit: Trends | None = field(default=None, repr=False, compare=False)  # for its band


@dataclass(frozen=True)
class Trends:
    """The lines fitted to many resources at once: one entry per row of the peaks matrix."""

    status: np.ndarray  # str per row
    days: np.ndarray  # int: daily peaks each fit used
    slope: np.ndarray  # NaN where there is no fit
    intercept: np.ndarray
    r2: np.ndarray
    p_rising: np.ndarray
    resid_sd: np.ndarray
    x_mean: np.ndarray
    sxx: np.ndarray

    def __len__(self) -> int:
        return len(self.status)

    def trend(self, i: int) -> Trend:
        """Row ``i`` as a :class:`Trend` (its band from :meth:`row`)."""
        if self.status[i] == INSUFFICIENT:
            return Trend(INSUFFICIENT, int(self.days[i]))
        return Trend(
            str(self.status[i]),
            int(self.days[i]),
            float(self.slope[i]),
            float(self.intercept[i]),
            float(self.r2[i]),
            float(self.p_rising[i]),
            self.row(i),
        )

    def row(self, i: int) -> Trends:
        """Row ``i`` alone, as a one-row :class:`Trends`."""
        return Trends(*(getattr(self, f.name)[i : i + 1] for f in fields(self)))

    def band(self, ahead: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Fitted values ``ahead`` days after the status day (rows x ahead), and the lower and
        upper edges of their confidence band."""
        mean = self.intercept[:, None] + self.slope[:, None] * ahead[None, :]
        with np.errstate(invalid="ignore", divide="ignore"):
            se = self.resid_sd[:, None] * np.sqrt(
                1 / self.days[:, None]
                + (ahead[None, :] - self.x_mean[:, None]) ** 2 / self.sxx[:, None]
            )
            from scipy import stats  # imported when used: scipy.stats costs ~1 s at import

            t = stats.t.ppf(0.5 + CONFIDENCE / 2, np.maximum(self.days - 2, 1))[:, None]
        half = np.where(np.isfinite(se), t * se, 0.0)
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


def fit_trends(peaks: np.ndarray, x: np.ndarray) -> Trends:
    """Fit a line to each row of ``peaks`` (resources x days; NaN marks a day without a peak
    or outside that resource's look-back) against the day numbers ``x`` (one per column,
    0 on the status day, ascending)."""
    from scipy import stats  # imported when used: scipy.stats costs ~1 s at import

    y = np.asarray(peaks, dtype=float)
    seen = ~np.isnan(y)
    n = seen.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        x_mean = np.where(seen, x, 0.0).sum(axis=1) / n
        y_mean = np.where(seen, y, 0.0).sum(axis=1) / n
        dx = np.where(seen, x[None, :] - x_mean[:, None], 0.0)
        dy = np.where(seen, y - y_mean[:, None], 0.0)
        sxx, syy, sxy = (dx * dx).sum(axis=1), (dy * dy).sum(axis=1), (dx * dy).sum(axis=1)
        flat = syy == 0  # perfectly flat: R^2 is undefined, the line is level
        slope = np.where(flat, 0.0, sxy / sxx)
        intercept = y_mean - slope * x_mean
        r = np.clip(np.where(flat, 0.0, sxy / np.sqrt(sxx * syy)), -1.0, 1.0)
        df = np.maximum(n - 2, 1)
        # linregress's t statistic of the slope; |r| = 1 is an exact line (t infinite)
        t = np.where(np.abs(r) < 1, r * np.sqrt(df / ((1 - r) * (1 + r))), np.sign(r) * np.inf)
        p_rising = np.where(flat, 1.0, stats.t.sf(t, df))
        resid = np.where(seen, dy - slope[:, None] * dx, 0.0)
        resid_sd = np.sqrt((resid**2).sum(axis=1) / df)
    r2 = np.where(flat, 1.0, r**2)
    dw = durbin_watson(resid, seen)
    enough = n >= MIN_DAYS
    status = np.full(len(y), RISING, dtype=object)
    status[(r2 < MIN_R2) | (dw < MIN_DURBIN_WATSON)] = UNRELIABLE
    status[(slope <= 0) | (p_rising >= P_RISING)] = NOT_RISING
    status[~enough] = INSUFFICIENT
    nan = np.where(enough, 0.0, np.nan)  # no figures for a fit that was not made
    return Trends(
        status, n, slope + nan, intercept + nan, r2 + nan, p_rising + nan, resid_sd, x_mean, sxx
    )


def durbin_watson(resid: np.ndarray, seen: np.ndarray | None = None) -> np.ndarray | float:
    """The Durbin-Watson statistic of residuals in day order (about 2 when there is no
    pattern), per row of a matrix whose unseen cells (``seen`` False) are skipped, or of a
    single series; 2.0 for residuals that are all but zero (an exact line has no pattern)."""
    r = np.atleast_2d(np.asarray(resid, dtype=float))
    s = np.ones_like(r, dtype=bool) if seen is None else np.atleast_2d(seen)
    cols = np.arange(r.shape[1])
    # the column of the previous seen cell of each cell (-1 before the first)
    last = np.maximum.accumulate(np.where(s, cols, -1), axis=1)
    prev = np.concatenate([np.full((len(r), 1), -1), last[:, :-1]], axis=1)
    pairs = s & (prev >= 0)
    step = np.where(pairs, r - np.take_along_axis(r, np.maximum(prev, 0), axis=1), 0.0)
    total = np.where(s, r, 0.0) ** 2
    total = total.sum(axis=1)
    tiny = total <= 1e-18 * np.maximum(s.sum(axis=1), 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(tiny, 2.0, (step**2).sum(axis=1) / total)
    return float(out[0]) if np.ndim(resid) == 1 else out


def first_day(reached: np.ndarray) -> np.ndarray:
    """Per row of a boolean matrix (rows x days ahead, column k = k + 1 days ahead): the number
    of days ahead of the first True, or 0 where there is none."""
    return np.where(reached.any(axis=1), reached.argmax(axis=1) + 1, 0)


def trailing_run_start(peaks: np.ndarray, level: np.ndarray) -> np.ndarray:
    """Per row of ``peaks`` (resources x days, last column the status day, NaN = no peak):
    the column of the first day of the run of days, up to the last, whose peak is at or above
    that row's ``level`` (days without a peak neither break nor start a run); -1 where the
    last day is not at or above it."""
    seen = ~np.isnan(peaks)
    with np.errstate(invalid="ignore"):
        below = seen & (peaks < level[:, None])
    cols = np.arange(peaks.shape[1])
    last_below = np.where(below, cols, -1).max(axis=1)
    after = seen & (cols[None, :] > last_below[:, None])
    start = np.where(after.any(axis=1), after.argmax(axis=1), -1)
    on_last = seen[:, -1] & ~below[:, -1]
    return np.where(on_last, start, -1)


def fit_trend(peaks: pd.Series, day: date, lookback_days: int) -> Trend:
    """The trend of ``peaks`` (daily peak utilisation indexed by date; missing days are simply
    absent) over the ``lookback_days`` days ending on ``day``."""
    days = [day - timedelta(days=k) for k in range(lookback_days - 1, -1, -1)]
    y = peaks.reindex(days).to_numpy(dtype=float)[None, :]
    fitted = fit_trends(y, np.arange(-(lookback_days - 1), 1, dtype=float))
    return fitted.trend(0)


def crossings(
    peaks: pd.Series,
    trend: Trend,
    thresholds: dict[str, float],
    day: date,
    horizon_days: int,
) -> list[Crossing]:
    """Each threshold's crossing, as of ``day``, within ``horizon_days`` days ahead, for one
    resource whose ``trend`` :func:`fit_trend` fitted on ``peaks`` (the method
    :mod:`.status` applies to all resources at once)."""
    history = peaks[peaks.index <= day]
    days = pd.date_range(min(history.index, default=day), day).date
    matrix = history.reindex(days).to_numpy(dtype=float)[None, :]
    ahead = np.arange(1, horizon_days + 1, dtype=float)
    band = trend.fit.band(ahead) if trend.status == RISING and trend.fit else None
    out = []
    for name, level in thresholds.items():
        since = int(trailing_run_start(matrix, np.array([level]))[0])
        if since >= 0:
            out.append(Crossing(name, level, ALREADY_ABOVE, since=days[since]))
        elif band is None:
            out.append(Crossing(name, level, trend.status))
        else:
            mean, low, high = band  # the upper edge crosses first: the earliest date
            on, earliest, latest = (int(first_day(v >= level)[0]) for v in (mean, high, low))
            dates = (day + timedelta(days=k) if k else None for k in (on, earliest, latest))
            out.append(Crossing(name, level, FORECAST if on else BEYOND_HORIZON, *dates))
    return out
