"""Expose demo history as OpenMetrics text for ``promtool tsdb create-blocks-from openmetrics``,
so a real Prometheus serves the same history the embedded demo source generates.

Counters and histograms are sampled at every bucket boundary, so ``increase(x[<bucket>])`` at
a boundary is exactly the bucket's count (both ends of the range hold a sample; no
extrapolation). Probe and ratio gauges are sampled every minute at ``:30``, so a bucket's
``*_over_time`` sees exactly its own samples. A scrape gap drops the samples inside it; a
counter reset restarts the counters from zero one bucket before the reset boundary, as a
restarted process would. Timestamps are seconds, families are not interleaved, and the file
ends with ``# EOF`` with no blank lines (promtool's requirements).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sre_pipeline.demo.history import SLOHistory
from sre_pipeline.demo.plan import DemoPlan, GaugeIn, HistogramIn
from sre_pipeline.slo.model import SLO

COUNTER_BASE = 100_000.0  # counters start high, so a reset always reads as a decrease
_EQ = re.compile(r'^\s*([a-zA-Z_]\w*)\s*=\s*"(.*)"\s*$')


class SeriesPlanError(ValueError):
    """An SLO whose series cannot be derived (say which SLO and what is missing)."""


def _labels(labels: dict[str, str]) -> str:
    body = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    return "{" + body + "}" if body else ""


def _equality_labels(slo: SLO) -> dict[str, str]:
    out = {}
    for matcher in slo.sli.matchers:
        m = _EQ.match(matcher)
        if m:  # != and regex matchers are satisfied by leaving the label out
            out[m.group(1)] = m.group(2)
    return out


def _probe_selector(slo: SLO) -> tuple[str, dict[str, str]]:
    m = re.fullmatch(r"\s*([a-zA-Z_:][\w:]*)\s*(\{(.*)\})?\s*", slo.sli.probe_query or "")
    if not m:
        raise SeriesPlanError(f"{slo.id}: probe query is not a plain series selector")
    labels = {}
    for part in filter(None, (p.strip() for p in (m.group(3) or "").split(","))):
        eq = _EQ.match(part)
        if eq:
            labels[eq.group(1)] = eq.group(2)
    return m.group(1), labels


def _boundaries(h: SLOHistory) -> tuple[np.ndarray, np.ndarray]:
    """Sample times (every bucket boundary) and which of them survive scrape gaps."""
    times = np.append(h.starts, h.starts[-1] + h.width)
    absent = ~h.present
    before = np.concatenate([[False], absent])  # bucket ending at the boundary is absent
    after = np.concatenate([absent, [False]])  # bucket starting at the boundary is absent
    return times, ~(before & after)


def _cumulative(counts: np.ndarray, resets: Sequence[int]) -> np.ndarray:
    """Counter values at each boundary; at a reset boundary the counter holds only the last
    bucket's count."""
    values = np.concatenate([[0.0], np.cumsum(counts)]) + COUNTER_BASE
    for r in sorted(resets):
        if r >= 1:
            values[r:] -= values[r - 1]  # restarted right after boundary r-1
    return values


class _Writer:
    def __init__(self):
        self.families: dict[str, list[str]] = defaultdict(list)

    def series(self, name: str, labels: dict[str, str], times, values) -> None:
        lab = _labels(labels)
        lines = self.families[name]
        lines.extend(f"{name}{lab} {v:.17g} {int(t)}" for t, v in zip(times, values, strict=True))

    def text(self) -> str:
        body = []
        for name in sorted(self.families):
            body.extend(self.families[name])
        return "\n".join(body + ["# EOF"]) + "\n"


def _counters(w: _Writer, h: SLOHistory, metric: str, labels: dict, good: dict, bad: dict):
    times, keep = _boundaries(h)
    for extra, counts in ((good, h.total - h.bad), (bad, h.bad)):
        values = _cumulative(counts, h.resets)
        w.series(metric, {**labels, **extra}, times[keep], values[keep])


def _histogram(w: _Writer, h: SLOHistory, spec: HistogramIn) -> None:
    metric = spec.metric or h.slo.sli.metric
    labels = spec.labels if spec.labels is not None else _equality_labels(h.slo)
    threshold = spec.threshold if spec.threshold is not None else h.slo.sli.threshold
    if metric is None or threshold is None:
        raise SeriesPlanError(f"{h.slo.id}: histogram needs a metric and a threshold")
    bounds = [(float("inf") if le == "+Inf" else float(le), le) for le in spec.le]
    if not any(b == threshold for b, _ in bounds):
        raise SeriesPlanError(f"{h.slo.id}: threshold {threshold} is not one of le {spec.le}")
    times, keep = _boundaries(h)
    good = h.total - h.bad
    for bound, le in bounds:
        # cumulative buckets: below the threshold a share of the good requests, above it the
        # good ones plus a share of the slow ones, +Inf everything
        if bound < threshold:
            counts = np.floor(good * 0.6)
        elif bound == threshold:
            counts = good
        elif bound == float("inf"):
            counts = h.total
        else:
            counts = good + np.floor(h.bad * 0.7)
        w.series(
            f"{metric}_bucket",
            {**labels, "le": le},
            times[keep],
            _cumulative(counts, h.resets)[keep],
        )
    w.series(f"{metric}_count", labels, times[keep], _cumulative(h.total, h.resets)[keep])


def _minute_gauge(w: _Writer, h: SLOHistory, metric: str, labels: dict, per_minute: np.ndarray):
    minutes = per_minute.shape[1]
    times = h.starts[:, None] + 60 * np.arange(minutes)[None, :] + 30
    keep = np.repeat(h.present[:, None], minutes, axis=1) & np.isfinite(per_minute)
    w.series(metric, labels, times[keep], per_minute[keep])


def write_openmetrics(
    histories: Sequence[SLOHistory],
    plan: DemoPlan,
    path: str | Path,
    capacity: pd.DataFrame | None = None,
) -> dict[str, int]:
    """Write the series of every SLO that the plan (or its SLI) describes, and the capacity
    gauges ``resource_utilisation_ratio`` / ``resource_capacity`` of ``capacity`` samples;
    returns the number of samples per family."""
    w = _Writer()
    groups = capacity.groupby("resource", sort=True) if capacity is not None else []
    for name, group in groups:
        times = group["ts"].astype("int64").to_numpy() // 1_000_000_000
        w.series("resource_utilisation_ratio", {"resource": name}, times, group["utilisation"])
        cap = group["capacity"].to_numpy(dtype=float)
        if np.isfinite(cap).all():
            w.series("resource_capacity", {"resource": name}, times, cap)
    for h in histories:
        spec = plan.series.get(h.slo.id)
        kind = h.slo.sli.kind
        if spec is None and kind == "latency":
            raise SeriesPlanError(f"{h.slo.id}: no series plan (histogram le values needed)")
        if spec is None and kind != "probe":
            raise SeriesPlanError(f"{h.slo.id}: no series plan in the demo plan")
        if spec is not None and spec.counters:
            c = spec.counters
            _counters(w, h, c.metric, c.labels, c.good, c.bad)
        elif spec is not None and spec.histogram:
            _histogram(w, h, spec.histogram)
        elif spec is not None and spec.gauge_ratio:
            g: GaugeIn = spec.gauge_ratio
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(h.total > 0, h.bad / np.where(h.total > 0, h.total, 1), np.nan)
            per_minute = np.repeat(ratio[:, None], h.width // 60, axis=1)
            _minute_gauge(w, h, g.metric, g.labels or {}, per_minute)
        else:
            metric, labels = _probe_selector(h.slo)
            _minute_gauge(w, h, metric, labels, h.probe_ok.astype(np.float64))
    Path(path).write_text(w.text())
    return {name: len(lines) for name, lines in w.families.items()}
