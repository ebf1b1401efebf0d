"""Daily roll-ups: each SLO's sums over one day, so a day's status reads a period of days as a
few rows per SLO and only the last days at bucket grain.

A roll-up row holds, for one SLO and one interval ``[day_start, day_end)`` (a local day of the
pipeline, in UTC instants), exactly what the evaluator's grid sums over those buckets: bad and
total events (for timeslice SLOs, bad and total *slices*, as :func:`~.timeslices.to_slices`
places them), buckets with data, and buckets where good > total. ``budgeting`` names the
transform (``occurrences``, ``timeslices:<slice s>:<target>``, ``ratio_timeslices:<slice s>``);
a roll-up is used only while it equals the SLO's current one, so a changed slice or target
never mixes with sums made under the old one. A slice that does not start on the day's first
bucket, or a day collected only in part that ends inside a slice, cannot be summed per day;
such rows say ``unaligned`` and are never used.

Using roll-ups is exact when the SLO's period starts on a roll-up boundary (a local midnight)
and every day between it and the fine part has a row; otherwise the SLO is evaluated from
buckets as before (:func:`plan`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sre_pipeline.slo.budget.grid import NS, build_grid, event_times
from sre_pipeline.slo.model import SLO

ROLLUP_COLUMNS = [
    "slo",
    "day_start",
    "day_end",
    "bad",
    "total",
    "buckets",
    "good_gt_total",
    "budgeting",
]
UNALIGNED = "unaligned"


def budgeting_key(slo: SLO) -> str:
    """The transform an SLO's roll-ups are summed under."""
    b = slo.budgeting
    if b.method == "occurrences":
        return "occurrences"
    seconds = int(b.slice.total_seconds())
    if b.method == "ratio_timeslices":
        return f"ratio_timeslices:{seconds}"
    return f"timeslices:{seconds}:{b.slice_target!r}"


def _aligned(slo: SLO, start_ns: int, end_ns: int) -> bool:
    """Whether the interval is whole slices of ``slo`` (always, for occurrences)."""
    s = slo.budgeting.slice
    if s is None:
        return True
    slice_ns = int(s.total_seconds()) * NS
    return start_ns % slice_ns == 0 and end_ns % slice_ns == 0


def day_rollups(
    events: pd.DataFrame,
    slos: Sequence[SLO],
    intervals: Sequence[tuple[pd.Timestamp, pd.Timestamp]],
    width_ns: int,
) -> pd.DataFrame:
    """One row per SLO and interval (zeros where the SLO has no data: a known empty day, not
    an unknown one) from the events of those intervals."""
    ts = event_times(events)
    frames = [
        _rollup_rows(events, ts, slos, start, start, end, width_ns) for start, end in intervals
    ]
    if not frames:
        return pd.DataFrame(columns=ROLLUP_COLUMNS)
    return pd.concat(frames, ignore_index=True)[ROLLUP_COLUMNS]


def continued_rollups(
    events: pd.DataFrame,
    slos: Sequence[SLO],
    day_start: pd.Timestamp,
    since: pd.Timestamp,
    end: pd.Timestamp,
    width_ns: int,
    prior: pd.DataFrame,
) -> pd.DataFrame:
    """Roll-ups of ``slos`` over ``[day_start, end)``: their ``prior`` rows (sums over
    ``[day_start, since)``, in the order of ``slos``) continued with the buckets of ``events``
    in ``[since, end)``. Equal, to the last bit, to :func:`day_rollups` over the whole interval
    from all its buckets, as long as the prior rows are its own (same budgeting: a row made
    under another one or not on a slice boundary must not be continued, see
    :func:`continues`)."""
    carry = tuple(
        prior[c].to_numpy(dtype=dtype)
        for c, dtype in (("bad", np.float64), ("total", np.float64), ("buckets", np.int64))
    )
    rows = _rollup_rows(events, event_times(events), slos, day_start, since, end, width_ns, carry)
    rows["good_gt_total"] += prior["good_gt_total"].to_numpy(dtype=np.int64)
    return rows[ROLLUP_COLUMNS]


def interval_key(slo: SLO, start: pd.Timestamp, end: pd.Timestamp) -> str:
    """The ``budgeting`` a roll-up of ``slo`` over ``[start, end)`` is made under."""
    return budgeting_key(slo) if _aligned(slo, int(start.value), int(end.value)) else UNALIGNED


def _rollup_rows(events, ts, slos, day_start, start, end, width_ns, carry=None) -> pd.DataFrame:
    """Rows ``[day_start, end)`` from the buckets of ``[start, end)`` (and ``carry``, the sums
    before ``start``)."""
    s_ns, e_ns = int(start.value), int(end.value)
    inside = (ts >= s_ns) & (ts < e_ns)
    part = events[inside]
    keys = [interval_key(slo, day_start, end) for slo in slos]
    slices = {
        i: (
            int(slo.budgeting.slice.total_seconds()) * NS // width_ns,
            slo.budgeting.slice_target,
        )
        for i, slo in enumerate(slos)
        if slo.budgeting.slice is not None and keys[i] != UNALIGNED
    }
    grid = build_grid(part, [s.id for s in slos], s_ns, e_ns, width_ns, slices, ts[inside], carry)
    return pd.DataFrame(
        {
            "slo": grid.ids,
            "day_start": day_start,
            "day_end": end,
            "bad": grid.cbad[:, -1],
            "total": grid.ctotal[:, -1],
            "buckets": grid.cpresent[:, -1].astype(np.int64),
            "good_gt_total": grid.good_gt_total,
            "budgeting": keys,
        }
    )


def settled_digest(rollups: pd.DataFrame, ids: Sequence[str], bucket_seconds: int) -> str:
    """SHA-256 of a day's roll-up rows (``slo_daily`` columns) of the SLOs ``ids``, with the
    ids and the bucket width: exact bits of every sum, so equal digests mean the same settled
    rows (a roll-up is made from them, and rewritten with them in one transaction)."""
    rows = rollups[rollups["slo"].astype(str).isin(set(ids))].copy()
    rows["slo"] = rows["slo"].astype(str)
    rows = rows.sort_values("slo", kind="stable")
    digest = hashlib.sha256(json.dumps([sorted(ids), int(bucket_seconds)]).encode())
    digest.update("\0".join(rows["slo"]).encode() + b"\1")
    digest.update("\0".join(rows["budgeting"].astype(str)).encode() + b"\1")
    for column in ("day_start", "day_end"):
        stamps = pd.to_datetime(rows[column], utc=True).array.as_unit("ns").asi8
        digest.update(np.ascontiguousarray(stamps, dtype=np.int64).tobytes())
    for column, dtype in (
        ("bad", np.float64),
        ("total", np.float64),
        ("buckets", np.int64),
        ("good_gt_total", np.int64),
    ):
        values = rows[column].to_numpy(dtype=dtype) + (0.0 if dtype is np.float64 else 0)
        digest.update(np.ascontiguousarray(values, dtype=dtype).tobytes())
    return digest.hexdigest()


@dataclass
class Prefix:
    """Roll-ups before the fine grid, for the SLOs of one evaluator (rows in their order):
    ``starts`` are the interval starts (ns, ascending) and ``end`` the fine grid's start; the
    arrays (``n_slos x len(starts)``) hold each interval's sums."""

    starts: np.ndarray
    end: int
    bad: np.ndarray
    total: np.ndarray
    present: np.ndarray
    good_gt_total: np.ndarray

    def __post_init__(self) -> None:
        # suffix sums: column j holds intervals j .. end, the last column (nothing) 0
        n, d = self.bad.shape
        self._suffix = []
        for a in (self.bad, self.total, self.present, self.good_gt_total):
            suffix = np.zeros((n, d + 1), dtype=np.float64)
            if d:
                suffix[:, :d] = np.cumsum(a[:, ::-1], axis=1)[:, ::-1]
            self._suffix.append(suffix)

    def sums(self, from_ns: np.ndarray) -> tuple[np.ndarray, ...]:
        """Per SLO (bad, total, present, good > total) over ``[from_ns[i], end)``; every
        ``from_ns`` at or after ``end`` gives 0 and every other one must be an interval start
        (:func:`plan` guarantees it)."""
        n, d = self.bad.shape
        j = np.searchsorted(self.starts, from_ns)
        inside = from_ns < self.end
        if np.any(inside & ((j >= d) | (self.starts[np.minimum(j, max(d - 1, 0))] != from_ns))):
            raise ValueError("a period starts between roll-up boundaries")
        j = np.where(inside, j, d)
        rows = np.arange(n)
        return tuple(suffix[rows, j] for suffix in self._suffix)


@dataclass(frozen=True)
class Plan:
    """Which SLOs a run evaluates from roll-ups and from where it needs buckets."""

    rolled: list[int]  # catalog positions evaluated with a prefix of roll-ups
    fine: list[int]  # the rest, from buckets over their whole period
    fine_start: pd.Timestamp  # buckets needed from here for the rolled SLOs
    prefix: Prefix | None  # the roll-ups of the rolled SLOs


def plan(
    rollups: pd.DataFrame,
    slos: Sequence[SLO],
    period_starts: np.ndarray,
    boundaries: Sequence[pd.Timestamp],
    fine_start: pd.Timestamp,
) -> Plan:
    """Split ``slos`` into those whose every period start (``period_starts``: SLOs x status
    instants, ns) is either at or after ``fine_start`` or a roll-up boundary from which every
    day up to ``fine_start`` has a roll-up made under the SLO's current budgeting, and the
    rest. ``boundaries`` are the local day starts before ``fine_start``, ascending."""
    starts = np.array([int(b.value) for b in boundaries if b < fine_start], dtype=np.int64)
    end = int(fine_start.value)
    n, d = len(slos), len(starts)
    arrays = {k: np.zeros((n, d)) for k in ("bad", "total", "present", "good_gt_total")}
    known = np.zeros((n, d), dtype=bool)
    if len(rollups) and d:
        pos = {s.id: i for i, s in enumerate(slos)}
        keys = np.array([budgeting_key(s) for s in slos], dtype=object)
        rows = rollups["slo"].astype(object).map(pos)
        # nanoseconds, vectorised: a Python call per row was most of the plan at 10,000 SLOs
        day_start = pd.to_datetime(rollups["day_start"], utc=True).array.as_unit("ns").asi8
        day_end = pd.to_datetime(rollups["day_end"], utc=True).array.as_unit("ns").asi8
        col = np.searchsorted(starts, day_start)
        ok = rows.notna().to_numpy() & (col < d)
        r = rows.to_numpy()[ok].astype(np.int64)
        c = col[ok]
        exact = starts[c] == day_start[ok]
        exact &= day_end[ok] == np.append(starts[1:], end)[c]
        exact &= rollups["budgeting"].to_numpy()[ok] == keys[r]
        r, c = r[exact], c[exact]
        known[r, c] = True
        for k, column in (
            ("bad", "bad"),
            ("total", "total"),
            ("present", "buckets"),
            ("good_gt_total", "good_gt_total"),
        ):
            arrays[k][r, c] = rollups[column].to_numpy(dtype=np.float64)[ok][exact]
    rolled, fine = [], []
    for i in range(n):
        ps = period_starts[i]
        before = ps[ps < end]
        if len(before) == 0:
            rolled.append(i)
            continue
        j = np.searchsorted(starts, before.min())
        on_boundary = np.isin(before, starts).all()
        (rolled if on_boundary and known[i, j:].all() else fine).append(i)
    prefix = None
    if rolled:
        prefix = Prefix(starts, end, *(arrays[k][rolled] for k in arrays))
    return Plan(rolled, fine, fine_start, prefix)
