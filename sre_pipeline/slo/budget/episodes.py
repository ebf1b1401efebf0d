"""Alert episodes over a time range and budget-remaining series (burn-down charts).

Alerts are evaluated at every bucket boundary in ``(start, end]``, as a Prometheus rule would be
at that resolution. SLOs are processed in blocks of rows that share the same alert windows, so
memory stays bounded for thousands of SLOs and numpy works on contiguous slices; the blocks
run on a small thread pool (numpy releases the GIL in these loops).
"""

from __future__ import annotations

from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from sre_pipeline.inputs.durations import format_duration
from sre_pipeline.slo.budget.evaluator import Evaluator, _ratio, fires
from sre_pipeline.slo.budget.grid import NS, to_ns

BLOCK_ROWS = 16  # 16 x 8640 float64 = 1.1 MB temporaries: cache-sized, no page faults
EPISODE_COLUMNS = [
    "slo",
    "severity",
    "long_window",
    "short_window",
    "factor",
    "start",
    "end",
    "peak_burn_rate",
]


def _eval_range(ev: Evaluator, start, end) -> np.ndarray:
    """Grid boundary indexes strictly after ``start`` and at or before ``end``."""
    g = ev.grid
    s_ns, e_ns = to_ns(start), to_ns(end)
    first = (s_ns - g.origin) // g.width + 1
    last = (e_ns - g.origin) // g.width
    return np.arange(max(first, 0), min(last, g.n_buckets) + 1)


def _window_sums(c: np.ndarray, j: np.ndarray, length: int) -> np.ndarray:
    """``c[:, j] - c[:, max(j - length, 0)]`` for consecutive ``j``, using slices only.

    Column 0 of a prefix-sum array is 0, so windows reaching before the grid start need no
    subtraction at all.
    """
    j0, j1 = int(j[0]), int(j[-1]) + 1
    k = min(max(length - j0, 0), j1 - j0)
    out = np.empty((c.shape[0], j1 - j0))
    out[:, :k] = c[:, j0 : j0 + k]
    np.subtract(c[:, j0 + k : j1], c[:, j0 + k - length : j1 - length], out=out[:, k:])
    return out


def _runs(fire: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, first index, end index exclusive) of every run of True along axis 1."""
    padded = np.zeros((fire.shape[0], fire.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = fire
    d = np.diff(padded, axis=1)
    r_start, c_start = np.nonzero(d == 1)
    _, c_end = np.nonzero(d == -1)
    return r_start, c_start, c_end


def _peaks(burn: np.ndarray, r: np.ndarray, c0: np.ndarray, c1: np.ndarray) -> np.ndarray:
    """Highest value of ``burn[r, c0:c1]`` for every run, in one ``reduceat`` pass."""
    width = burn.shape[1]
    flat = np.append(burn.ravel(), -np.inf)  # sentinel so a run ending a row stays in bounds
    bounds = np.empty(2 * len(r), dtype=np.int64)
    bounds[0::2] = r * width + c0
    bounds[1::2] = r * width + c1
    return np.fmax.reduceat(flat, bounds)[0::2]


def _block(ev: Evaluator, rows: np.ndarray, j: np.ndarray) -> list[dict]:
    g = ev.grid
    contiguous = rows[-1] - rows[0] + 1 == len(rows)
    sl = slice(rows[0], rows[-1] + 1) if contiguous else rows
    cbad, ctot = g.cbad[sl], g.ctotal[sl]
    budget = ev.budget[rows][:, None]
    sums: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def window(td):
        k = max(1, ev._window_ns(td) // g.width)
        if k not in sums:
            sums[k] = (_window_sums(cbad, j, k), _window_sums(ctot, j, k))
        return sums[k]

    out = []
    times = g.time_of(np.append(j, j[-1] + 1))
    ids = np.asarray(g.ids, dtype=object)
    for p_idx, pair in enumerate(ev.slos[rows[0]].windows):
        factor = np.array([ev.slos[r].windows[p_idx].factor for r in rows])
        threshold = factor[:, None] * budget
        bl, tl = window(pair.long)
        bs, ts = window(pair.short)
        fire = fires(bl, tl, bs, ts, threshold)
        if not fire.any():
            continue
        r, c0, c1 = _runs(fire)
        ends = np.where(c1 < len(j), times[c1], np.iinfo(np.int64).min)
        out.append(
            {
                "slo": ids[rows[r]],
                "severity": pair.severity,
                "long_window": format_duration(pair.long),
                "short_window": format_duration(pair.short),
                "factor": factor[r],
                "start": times[c0],
                "end": ends,
                "peak_burn_rate": _peaks(_ratio(bl, tl) / budget, r, c0, c1),
            }
        )
    return out


def _groups(ev: Evaluator) -> list[np.ndarray]:
    """Row blocks whose SLOs share alert window lengths (factors may differ)."""
    by_sig: dict[tuple, list[int]] = defaultdict(list)
    for i, slo in enumerate(ev.slos):
        sig = tuple((w.long, w.short, w.severity) for w in slo.windows)
        by_sig[sig].append(i)
    blocks = []
    for idx in by_sig.values():
        arr = np.array(idx)
        blocks += [arr[k : k + BLOCK_ROWS] for k in range(0, len(arr), BLOCK_ROWS)]
    return blocks


def alert_episodes(ev: Evaluator, start=None, end=None, threads: int = 2) -> pd.DataFrame:
    """Every firing episode of every window pair in ``(start, end]``.

    ``end`` of an episode is the first evaluation at which it no longer fired, or NaT when it
    was still firing at the end of the range. ``peak_burn_rate`` is the highest long-window
    burn rate during the episode.
    """
    j = _eval_range(ev, ev.start_ns if start is None else start, ev.end_ns if end is None else end)
    parts: list[dict] = []
    if len(j) and ev.slos:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            for block in pool.map(lambda b: _block(ev, b, j), _groups(ev)):
                parts += block
    if not parts:
        df = pd.DataFrame({c: [] for c in EPISODE_COLUMNS})
    else:
        df = pd.concat([pd.DataFrame(p) for p in parts], ignore_index=True)
    for col in ("start", "end"):
        # iinfo(int64).min is NaT: an episode still firing at the end of the range
        df[col] = pd.to_datetime(df[col].astype("int64"), unit="ns", utc=True)
    df["factor"] = df["factor"].astype("float64")
    df["peak_burn_rate"] = df["peak_burn_rate"].astype("float64")
    return df.sort_values(["slo", "start", "severity", "long_window"], ignore_index=True)


def budget_series(ev: Evaluator, start=None, end=None, step_s: int = 3600) -> pd.DataFrame:
    """Budget remaining and attainment of every SLO at each ``step`` in ``(start, end]``."""
    g = ev.grid
    s_ns = ev.start_ns if start is None else to_ns(start)
    e_ns = ev.end_ns if end is None else to_ns(end)
    step = step_s * NS
    at = np.arange(s_ns - s_ns % step + step, e_ns + 1, step, dtype=np.int64)
    if len(at) == 0 or not ev.slos:
        return pd.DataFrame(columns=["slo", "at", "budget_remaining", "attainment"])
    e_idx = g.index_at(at)[None, :].repeat(len(ev.slos), axis=0)
    s_idx = np.minimum(g.index_from(ev.period_starts(at)), e_idx)
    bad = np.take_along_axis(g.cbad, e_idx, 1) - np.take_along_axis(g.cbad, s_idx, 1)
    total = np.take_along_axis(g.ctotal, e_idx, 1) - np.take_along_axis(g.ctotal, s_idx, 1)
    ratio = _ratio(bad, total)
    return pd.DataFrame(
        {
            "slo": np.repeat(g.ids, len(at)),
            "at": pd.to_datetime(np.tile(at, len(ev.slos)), unit="ns", utc=True),
            "budget_remaining": (1 - ratio / ev.budget[:, None]).ravel(),
            "attainment": (1 - ratio).ravel(),
        }
    )
