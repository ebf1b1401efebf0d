"""Dense bucket grids: every SLO's good/total counts as rows of one 2-D array.

Turning the long frame (slo, bucket_start, good, total) into ``n_slos x n_buckets`` arrays makes
every window sum a difference of two cumulative sums, for all SLOs at once. ``np.bincount``
builds the grid in one linear pass and, by counting rows per cell, also finds empty buckets
(missing data, never zero) and duplicated ones without sorting.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sre_pipeline.slo.budget.timeslices import to_slices

NS = 1_000_000_000
EVENT_COLUMNS = ("slo", "bucket_start", "good", "total")
CHUNK_ROWS = 1 << 18
THREADS = 2  # the machines this runs on have few cores; numpy does the parallel work


@dataclass
class BucketGrid:
    """Cumulative sums of bad events, total events and buckets with data, one row per SLO.

    Column ``j`` of the cumulative arrays holds the sums over buckets ``0 .. j-1``, so the sum
    over buckets ``s .. e-1`` is ``c[:, e] - c[:, s]``. Bucket ``j`` covers
    ``[origin + j*width, origin + (j+1)*width)`` (nanoseconds since the epoch).
    """

    ids: list[str]
    origin: int
    width: int
    n_buckets: int
    cbad: np.ndarray
    ctotal: np.ndarray
    cpresent: np.ndarray
    good_gt_total: np.ndarray  # per row: buckets where good > total (kept, flagged)
    # cells (row * (n_buckets + 1) + bucket + 1) of those buckets, ascending: rare, so kept
    # sparse; counted per window by gt_between
    gt_cells: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    duplicate_buckets: int = 0
    unknown_ids: dict[str, int] = field(default_factory=dict)
    dropped_non_finite: int = 0

    def index_at(self, ts_ns: np.ndarray | int) -> np.ndarray:
        """Buckets ending at or before ``ts``: the exclusive end index, clamped to the grid."""
        return np.clip((np.asarray(ts_ns) - self.origin) // self.width, 0, self.n_buckets)

    def index_from(self, ts_ns: np.ndarray | int) -> np.ndarray:
        """First bucket starting at or after ``ts``, clamped to the grid."""
        return np.clip(-((self.origin - np.asarray(ts_ns)) // self.width), 0, self.n_buckets)

    def time_of(self, index: np.ndarray | int) -> np.ndarray:
        """Nanosecond time of a bucket boundary index."""
        return self.origin + np.asarray(index) * self.width

    def gt_between(self, s_idx: np.ndarray, e_idx: int) -> np.ndarray:
        """Per row: buckets ``s_idx[i] .. e_idx - 1`` where good > total."""
        base = np.arange(len(self.ids), dtype=np.int64) * (self.n_buckets + 1) + 1
        lo = np.searchsorted(self.gt_cells, base + np.asarray(s_idx))
        hi = np.searchsorted(self.gt_cells, base + e_idx)
        return (hi - lo).astype(np.float64)


def to_ns(ts) -> int:
    """Nanoseconds since the epoch of anything pandas parses (naive means UTC)."""
    t = pd.Timestamp(ts)
    if t.tzinfo is None:
        t = t.tz_localize("UTC")
    return int(t.value)


def _slo_rows(column: pd.Series, ids: list[str]) -> tuple[np.ndarray, dict[str, int]]:
    """Row index in ``ids`` for each event row (-1 when unknown) and unknown-id row counts."""
    pos = {slo: i for i, slo in enumerate(ids)}
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy()
        cats = column.cat.categories
    else:
        codes, cats = pd.factorize(column, sort=False)
    lookup = np.array([pos.get(c, -1) for c in cats] + [-1], dtype=np.int64)
    rows = lookup[codes]  # a code of -1 (NaN) lands on the trailing -1
    unknown: dict[str, int] = {}
    missing = lookup[:-1] < 0
    if missing.any():
        counts = np.bincount(codes[codes >= 0], minlength=len(cats))
        unknown = {str(c): int(n) for c, n, m in zip(cats, counts, missing, strict=True) if m and n}
    return rows, unknown


def build_grid(
    events: pd.DataFrame,
    ids: list[str],
    start_ns: int,
    end_ns: int,
    width_ns: int,
    timeslices: dict[int, tuple[int, float]] | None = None,
    ts_ns: np.ndarray | None = None,
    carry: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> BucketGrid:
    """Grid of ``ids`` over ``[start, end)`` (both aligned to ``width``) from long-form events.

    Rows outside the range are ignored; rows with NaN/inf counts are dropped and counted;
    several rows for one (slo, bucket) are summed and counted as duplicates. ``timeslices``
    maps a row to ``(buckets per slice, slice target)`` for timeslice-budgeted SLOs;
    ``ts_ns`` is the bucket_start column already converted by :func:`event_times`.
    ``carry`` (bad, total, present per row) are sums of what came before ``start``: the
    prefix sums then start from them, and add the buckets in the same order as one grid from
    the earlier start would (a roll-up continued exactly, to the last bit).
    """
    if start_ns % width_ns or end_ns % width_ns:
        raise ValueError("grid bounds must be aligned to the bucket width")
    n, m = len(ids), max(0, (end_ns - start_ns) // width_ns)
    rows, unknown = _slo_rows(events["slo"], ids)
    ts = event_times(events) if ts_ns is None else ts_ns
    good = events["good"].to_numpy(dtype=np.float64, copy=False)
    total = events["total"].to_numpy(dtype=np.float64, copy=False)
    size = n * (m + 1)
    count = np.zeros(size, dtype=np.int64)
    ctotal = np.zeros(size)
    cbad = np.zeros(size)

    def place(lo: int) -> tuple[int, np.ndarray, int]:
        hi = lo + CHUNK_ROWS
        r, g, t = rows[lo:hi], good[lo:hi], total[lo:hi]
        col = (ts[lo:hi] - start_ns) // width_ns
        keep = _keep_mask(r, col, g, t, m)
        dropped = int(np.count_nonzero((r >= 0) & ~(np.isfinite(g) & np.isfinite(t))))
        if not keep.all():
            r, col, g, t = r[keep], col[keep], g[keep], t[keep]
        # Cell (row, col + 1) of an (n, m + 1) layout: column 0 stays 0, so an in-place
        # cumsum along each row yields the prefix sums without another allocation.
        cell = r * (m + 1) + col + 1
        count[cell] = 1
        ctotal[cell] = t
        cbad[cell] = t - g
        return len(cell), cell[g > t], dropped

    # Chunks keep temporaries small (cache-resident, reused by malloc) and let two threads
    # scatter at once: numpy releases the GIL in fancy assignment.
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = list(pool.map(place, range(0, len(ts), CHUNK_ROWS)))
    placed = sum(p for p, _, _ in results)
    gt_cells = np.sort(np.concatenate([gt for _, gt, _ in results] or [np.zeros(0, np.int64)]))
    good_gt_total = np.bincount(gt_cells // (m + 1), minlength=n).astype(np.int64)
    dropped = sum(d for _, _, d in results)
    duplicates = 0
    if int(count.sum()) != placed:
        # some (slo, bucket) came more than once: sum them (and say so) instead of last-wins
        col = (ts - start_ns) // width_ns
        keep = _keep_mask(rows, col, good, total, m)
        cell = rows[keep] * (m + 1) + col[keep] + 1
        ctotal = np.bincount(cell, weights=total[keep], minlength=size)
        cbad = np.bincount(cell, weights=(total - good)[keep], minlength=size)
        duplicates = int(np.count_nonzero(np.bincount(cell, minlength=size) > 1))
    count, ctotal, cbad = (a.reshape(n, m + 1) for a in (count, ctotal, cbad))
    if carry is not None:
        cbad[:, 0], ctotal[:, 0], count[:, 0] = carry
    for row, (k, target) in (timeslices or {}).items():
        cbad[row, 1:], ctotal[row, 1:] = to_slices(
            cbad[row, 1:], ctotal[row, 1:], count[row, 1:].astype(bool), k, target
        )
    half = (n + 1) // 2
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        jobs = [
            pool.submit(np.cumsum, a[part], axis=1, out=a[part])
            for a in (cbad, ctotal, count)
            for part in (slice(0, half), slice(half, n))
        ]
        for job in jobs:
            job.result()
    return BucketGrid(
        ids=list(ids),
        origin=start_ns,
        width=width_ns,
        n_buckets=m,
        cbad=cbad,
        ctotal=ctotal,
        cpresent=count,
        good_gt_total=good_gt_total,
        gt_cells=gt_cells.astype(np.int64),
        duplicate_buckets=duplicates,
        unknown_ids=unknown,
        dropped_non_finite=dropped,
    )


def _keep_mask(rows, col, good, total, m: int) -> np.ndarray:
    """Rows of a known SLO, inside the grid, with finite counts."""
    return (rows >= 0) & (col >= 0) & (col < m) & np.isfinite(good) & np.isfinite(total)


def _ns_array(column: pd.Series) -> np.ndarray:
    """int64 nanoseconds from a datetime column (naive values are UTC)."""
    if not pd.api.types.is_datetime64_any_dtype(column.dtype):
        column = pd.to_datetime(column, utc=True)
    values = column.array
    if getattr(column.dt, "tz", None) is None:
        return column.to_numpy(dtype="datetime64[ns]").view(np.int64)
    return values.as_unit("ns").asi8 if hasattr(values, "as_unit") else values.asi8


def event_times(events: pd.DataFrame) -> np.ndarray:
    """The ``bucket_start`` column as int64 nanoseconds since the epoch (naive means UTC)."""
    return _ns_array(events["bucket_start"])


def infer_width(events: pd.DataFrame, ts_ns: np.ndarray | None = None) -> int | None:
    """Bucket width (ns) as the greatest common divisor of bucket offsets; None if undecidable."""
    ts = event_times(events) if ts_ns is None else ts_ns
    if len(ts) == 0:
        return None
    offsets = ts - ts.min()
    width = int(np.gcd.reduce(offsets)) if offsets.any() else 0
    return width or None
