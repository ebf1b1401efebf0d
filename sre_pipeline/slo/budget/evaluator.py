"""Error budgets, burn rates, time to exhaustion, policy tiers and multiwindow alerts for every
SLO at once (DESIGN §3), over a :class:`~sre_pipeline.slo.budget.grid.BucketGrid`.

A window of length ``W`` evaluated at instant ``at`` covers the buckets that start at or after
``at - W`` and end at or before ``at``; a window shorter than one bucket is widened to one
bucket (at an instant between bucket boundaries such a window may hold no whole bucket).
Missing buckets count as neither good nor bad; a window without events has an undefined
(NaN) burn rate and attainment, never 100 %.

Escalation pages a fast burn only (the 1-hour burn rate at the SLO's fastest page factor, or a
page pair firing) and tickets a budget that runs out within a day; an exhausted budget on its
own is the error-budget policy's business (tier ``exhausted``), not a page.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import numpy as np
import pandas as pd

from sre_pipeline.inputs.durations import format_duration
from sre_pipeline.slo.budget.grid import NS, BucketGrid, build_grid, event_times, infer_width, to_ns
from sre_pipeline.slo.budget.rollup import Prefix
from sre_pipeline.slo.budget.timeslices import DAY_NS, slice_buckets
from sre_pipeline.slo.model import SLO
from sre_pipeline.slo.policy import tiers_for
from sre_pipeline.slo.windows import PAGE

STATUS_WINDOWS: dict[str, timedelta] = {
    "5m": timedelta(minutes=5),
    "30m": timedelta(minutes=30),
    "1h": timedelta(hours=1),
    "2h": timedelta(hours=2),
    "6h": timedelta(hours=6),
    "1d": timedelta(days=1),
    "3d": timedelta(days=3),
}
DEFAULT_WIDTH = timedelta(minutes=5)
TICKET_WITHIN_H = 24.0
# a burn rate equal to the factor up to float noise (bad / total / E) counts as at the factor:
# an alert fires above it, a page counts from it. Window sums are differences of prefix sums,
# whose last bits depend on where the grid starts (the roll-ups' days, the buckets read), so
# without the tolerance a burn exactly at the factor (2 bad of 40 against 5 % ) could fire in
# one evaluation and not in another of the same data.
FACTOR_RTOL = 1e-9


def fires(bad_long, total_long, bad_short, total_short, threshold):
    """Both windows of a pair burn faster than ``threshold`` (factor x budget), beyond float
    noise; arrays or scalars."""
    limit = threshold * (1 + FACTOR_RTOL)
    return (bad_long > limit * total_long) & (bad_short > limit * total_short)


def _ns(td: timedelta) -> int:
    return int(td.total_seconds()) * NS


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num/den with NaN where den is 0 (no events: undefined, not 0 and not 1)."""
    out = np.full(np.shape(num), np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


class Evaluator:
    """Builds one grid for ``slos`` that covers ``[start, end]`` plus every lookback needed
    (the longest period and alert window), then answers status, episodes and burn-down series.
    """

    def __init__(
        self,
        events: pd.DataFrame,
        slos: Sequence[SLO],
        start,
        end,
        width: timedelta | None = None,
        prefix: Prefix | None = None,
        grid_start=None,
    ):
        """``grid_start``: the grid reaches back to this instant (to its UTC midnight) even
        where the events start later, as sums filled in from roll-ups need (episode_plan)."""
        self.slos = list(slos)
        # roll-ups before the grid (rollup.plan): periods are summed from them, and the grid
        # only covers the windows, not the periods
        self.prefix = prefix
        self.start_ns, self.end_ns = to_ns(start), to_ns(end)
        if self.end_ns < self.start_ns:
            raise ValueError("end is before start")
        ts = event_times(events)
        width_ns = _ns(width) if width else (infer_width(events, ts) or _ns(DEFAULT_WIDTH))
        if DAY_NS % width_ns:
            raise ValueError(f"bucket width of {width_ns / NS:g}s does not divide one day")
        self.width_ns = width_ns
        self.budget = np.array([s.error_budget for s in self.slos])
        # fastest page factor per SLO; inf (never reached) for an SLO without a page pair
        pages = ([w.factor for w in s.windows if w.severity == PAGE] for s in self.slos)
        self.page_factor = np.array([max(f, default=np.inf) for f in pages], dtype=np.float64)
        self.aspirational = np.array([s.aspirational for s in self.slos], dtype=bool)
        lookback = self._lookback_start()
        if len(ts):  # nothing to hold before the first bucket of data
            lookback = max(lookback, int(ts.min()))
        if grid_start is not None:
            lookback = min(lookback, to_ns(grid_start))
        grid_start = lookback - lookback % DAY_NS  # day-aligned so timeslices line up
        grid_end = -(-self.end_ns // width_ns) * width_ns
        slices = {}
        for i, slo in enumerate(self.slos):
            if slo.budgeting.method in ("timeslices", "ratio_timeslices"):
                try:
                    k = slice_buckets(_ns(slo.budgeting.slice), width_ns)
                except ValueError as exc:
                    raise ValueError(f"SLO {slo.id}: {exc}") from None
                slices[i] = (k, slo.budgeting.slice_target)
        if slices:
            grid_end = -(-grid_end // DAY_NS) * DAY_NS
        self.grid: BucketGrid = build_grid(
            events, [s.id for s in self.slos], grid_start, grid_end, width_ns, slices, ts
        )

    # -- geometry -------------------------------------------------------------------------
    def _window_ns(self, td: timedelta) -> int:
        return max(_ns(td), self.width_ns)

    def _lookback_start(self) -> int:
        earliest = self.start_ns - _ns(STATUS_WINDOWS["3d"])
        for slo in self.slos:
            longest = max(_ns(w.long) for w in slo.windows)
            earliest = min(earliest, self.start_ns - longest)
            if self.prefix is None:
                earliest = min(earliest, self.period_start_ns(slo, self.start_ns))
        if self.prefix is not None:
            # the grid takes over exactly where the roll-ups end; windows that start before
            # are summed from the roll-ups (which raise unless they start on a boundary)
            return self.prefix.end
        return earliest

    @staticmethod
    def period_start_ns(slo: SLO, at_ns: int) -> int:
        """Where ``slo``'s period as of ``at_ns`` starts (ns); calendar periods in their zone."""
        if slo.period.is_rolling:
            return at_ns - _ns(slo.period.length)
        return to_ns(slo.period.start_at(pd.Timestamp(at_ns, unit="ns", tz="UTC")))

    def period_starts(self, at_ns: Sequence[int]) -> np.ndarray:
        """``n_slos x len(at)`` period start instants (ns); calendar periods in their zone."""
        at = np.asarray(at_ns, dtype=np.int64)
        out = np.empty((len(self.slos), len(at)), dtype=np.int64)
        cache: dict = {}
        for i, slo in enumerate(self.slos):
            p = slo.period
            if p.is_rolling:
                out[i] = at - _ns(p.length)
                continue
            key = (p.unit, p.time_zone)
            if key not in cache:
                cache[key] = np.array([self.period_start_ns(slo, int(t)) for t in at])
            out[i] = cache[key]
        return out

    def _period_length_ns(self, at_ns: int) -> np.ndarray:
        at = pd.Timestamp(at_ns, unit="ns", tz="UTC")
        return np.array([_ns(s.period.length_at(at)) for s in self.slos], dtype=np.float64)

    def _sums(self, s_idx: np.ndarray, e_idx: int) -> tuple[np.ndarray, ...]:
        """Per-SLO (bad, total, buckets with data, expected buckets) between two indexes."""
        g, rows = self.grid, np.arange(len(self.slos))
        s_idx = np.broadcast_to(np.minimum(s_idx, e_idx), (len(self.slos),))
        return (
            g.cbad[:, e_idx] - g.cbad[rows, s_idx],
            g.ctotal[:, e_idx] - g.ctotal[rows, s_idx],
            g.cpresent[:, e_idx] - g.cpresent[rows, s_idx],
            (e_idx - s_idx).astype(np.float64),
        )

    def _period_sums(self, ps_ns: np.ndarray, e_idx: int) -> tuple[np.ndarray, ...]:
        """Per-SLO (bad, total, buckets with data, buckets with good > total) over the
        period from ``ps_ns`` to the bucket index ``e_idx``: roll-ups first, if any, then the
        grid from where they end."""
        g = self.grid
        if self.prefix is None:
            s_idx = g.index_from(ps_ns)
            bad, total, present, _ = self._sums(s_idx, e_idx)
            return bad, total, present, g.gt_between(np.minimum(s_idx, e_idx), e_idx)
        s_idx = g.index_from(np.maximum(ps_ns, self.prefix.end))
        bad, total, present, _ = self._sums(s_idx, e_idx)
        gt = g.gt_between(np.minimum(s_idx, e_idx), e_idx)
        pb, pt, pp, pg = self.prefix.sums(ps_ns)
        return bad + pb, total + pt, present + pp, gt + pg

    def _window_sums(self, from_ns: int, e_idx: int) -> tuple[np.ndarray, np.ndarray]:
        """Per-SLO (bad, total) from ``from_ns`` to the bucket index ``e_idx``: from the
        grid, and from the roll-ups where the window starts before the grid does."""
        g = self.grid
        if self.prefix is None or from_ns >= self.prefix.end:
            bad, total, _, _ = self._sums(g.index_from(from_ns), e_idx)
            return bad, total
        bad, total, _, _ = self._sums(g.index_from(self.prefix.end), e_idx)
        pb, pt, _, _ = self.prefix.sums(np.full(len(self.slos), from_ns, dtype=np.int64))
        return bad + pb, total + pt

    # -- status at an instant -----------------------------------------------------------------
    def status(self, at=None) -> pd.DataFrame:
        """One row per SLO with every figure of DESIGN §3 as of ``at`` (default: range end)."""
        at_ns = self.end_ns if at is None else to_ns(at)
        if not self.start_ns <= at_ns <= self.end_ns:
            # outside the range the grid's lookback was sized for: windows would be cut short
            raise ValueError("status instant is outside the evaluator's [start, end] range")
        g = self.grid
        e = int(g.index_at(at_ns))
        budget = self.budget
        out: dict[str, object] = {"slo": g.ids, "objective": 1 - budget}
        out["period"] = [s.period.label for s in self.slos]
        out["at"] = pd.Timestamp(at_ns, unit="ns", tz="UTC")
        window_cache: dict[int, tuple[np.ndarray, np.ndarray]] = {}

        def window(td: timedelta):
            w = self._window_ns(td)
            if w not in window_cache:
                window_cache[w] = self._window_sums(at_ns - w, e)
            return window_cache[w]

        for label, td in STATUS_WINDOWS.items():
            bad, total = window(td)
            out[f"burn_rate_{label}"] = _ratio(bad, total) / budget
        ps_ns = self.period_starts([at_ns])[:, 0]
        bad_p, total_p, present_p, gt_p = self._period_sums(ps_ns, e)
        # expected buckets from the clock, not the grid: history missing before the first
        # bucket of data lowers coverage instead of vanishing
        expected_p = (g.time_of(e) - (-(-ps_ns // g.width) * g.width)) / g.width
        consumed = _ratio(bad_p, total_p) / budget
        remaining = 1 - consumed
        period_min = self._period_length_ns(at_ns) / (60 * NS)
        out["burn_rate_period"] = consumed
        out["attainment"] = 1 - _ratio(bad_p, total_p)
        out["budget_remaining"] = remaining
        out["budget_remaining_events"] = np.where(total_p > 0, budget * total_p - bad_p, np.nan)
        out["budget_remaining_minutes"] = remaining * budget * period_min
        out["events_total"] = total_p
        out["events_bad"] = bad_p
        out["coverage"] = _ratio(present_p.astype(np.float64), expected_p)
        tte = self._time_to_exhaustion(remaining, out["burn_rate_1h"], period_min / 60)
        alerts = [self._alerts_at(i, window) for i in range(len(self.slos))]
        out["time_to_exhaustion_hours"] = tte
        out["escalation"] = self._escalation(tte, out["burn_rate_1h"], alerts)
        out["policy_tier"] = [
            tiers_for(np.array([r]), s.policy_tiers)[0]
            for r, s in zip(remaining, self.slos, strict=True)
        ]
        out["alerts"] = alerts
        out["good_gt_total_buckets"] = gt_p.astype(np.int64)  # in the period, as of ``at``
        out["aspirational"] = self.aspirational.tolist()
        return pd.DataFrame(out)

    @staticmethod
    def _time_to_exhaustion(remaining, burn_1h, period_h) -> np.ndarray:
        """``R * P / BR_1h``: 0 when exhausted, NaN when nothing burns or R is undefined."""
        tte = np.full(remaining.shape, np.nan)
        burning = np.nan_to_num(burn_1h, nan=0.0) > 0
        np.divide(remaining * period_h, burn_1h, out=tte, where=burning & (remaining > 0))
        tte[np.nan_to_num(remaining, nan=1.0) <= 0] = 0.0
        return tte

    def _escalation(
        self, tte: np.ndarray, burn_1h: np.ndarray, alerts: Sequence[list[dict]]
    ) -> list[str | None]:
        """``page`` for a fast burn: ``BR_1h`` at or above the SLO's fastest page factor
        (14.4 for Google 30 d) or a page pair firing; otherwise ``ticket`` when the budget runs
        out within a day (``TTE < 24 h``, so an exhausted budget still burning); else None.
        Only while burning (``BR_1h > 0``), never for aspirational SLOs (tracked, not paged).
        """
        burn = np.nan_to_num(burn_1h, nan=0.0)
        firing = np.array([any(a["severity"] == PAGE for a in fired) for fired in alerts], bool)
        fast = (burn >= self.page_factor * (1 - FACTOR_RTOL)) | firing
        live = (burn > 0) & ~self.aspirational
        page, ticket = live & fast, live & (tte < TICKET_WITHIN_H)  # NaN TTE: no ticket
        return np.select([page, ticket], ["page", "ticket"], None).tolist()

    def _alerts_at(self, i: int, window) -> list[dict]:
        slo, budget = self.slos[i], self.budget[i]
        firing = []
        for pair in slo.windows:
            bl, tl = (a[i] for a in window(pair.long))
            bs, ts = (a[i] for a in window(pair.short))
            if fires(bl, tl, bs, ts, pair.factor * budget):
                firing.append(
                    {
                        "severity": pair.severity,
                        "long_window": format_duration(pair.long),
                        "short_window": format_duration(pair.short),
                        "factor": round(pair.factor, 6),
                        "burn_rate_long": float(bl / tl / budget),
                        "burn_rate_short": float(bs / ts / budget),
                    }
                )
        return firing
