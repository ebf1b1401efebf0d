"""Collect SLI bucket counts (good/total per SLO per bucket) from a Prometheus HTTP API.

Alignment: a range query with step = bucket evaluates ``increase(x[<bucket>])`` at instants
``t = S + b, S + 2b, ...``; the value at ``t`` counts the events of the bucket ``[t - b, t)``,
so it is stored with ``bucket_start = t - b``. Collecting buckets that start in ``[S, E)``
queries ``start = S + b`` to ``end = E``.

Rates and counts: the collector renders ``{{ .window }}`` with the bucket width and looks at
the query: one that calls ``rate(`` or ``irate(`` (and not ``increase(``) returns events per
second, so its value is multiplied by the bucket's seconds; anything else (``increase``,
``sum_over_time``, ``count_over_time``, a recording rule of counts) is taken as a count.
Raw error-ratio SLIs have no events: each bucket counts as its seconds, bad in proportion to
the ratio (a time-weighted budget).

Missing data: a bucket whose total query returned nothing is absent (never zero). When the
total has data but the good or bad query returned nothing for that bucket, the numerator is 0:
``sum(rate(errors[5m]))`` is empty when no error series exists yet. An SLO whose total returned
no series at all is listed in ``no_data`` (the caller decides whether that is news or a loss).

Answers are checked before they become counts (:func:`answer_problems`): samples outside the
range asked for or off the step grid, negative counts and series that are all NaN reject the
SLO's answer as a :class:`Failure`, so a misbehaving proxy or recording rule is named instead of
being stored as if it were data.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sre_pipeline.inputs.durations import format_duration
from sre_pipeline.inputs.promql import render
from sre_pipeline.slo.model import SLO
from sre_pipeline.slo.rules.promql import sli_templates
from sre_pipeline.sources.matrix import Matrix, SeriesData
from sre_pipeline.sources.prometheus_http import PrometheusClient, PrometheusError

MAX_POINTS = 10_000  # Prometheus refuses more than 11,000 points per series; keep a margin
_RATE = re.compile(r"\b(i?rate)\s*\(")
_INCREASE = re.compile(r"\bincrease\s*\(")


def is_per_second(query: str) -> bool:
    """True when ``query`` yields events per second (``rate``/``irate``, not ``increase``)."""
    return bool(_RATE.search(query)) and not _INCREASE.search(query)


@dataclass(frozen=True)
class Failure:
    """One SLO that could not be collected, with the query and the server's words (or what
    was wrong with the answer)."""

    slo: str
    role: str
    query: str
    error: str

    def __str__(self) -> str:
        return f"{self.slo} ({self.role}): {self.error}"


@dataclass
class CollectResult:
    """Bucket counts for the SLOs that worked, and what did not."""

    events: pd.DataFrame
    failures: list[Failure] = field(default_factory=list)
    dropped_non_finite: int = 0
    good_gt_total: dict[str, int] = field(default_factory=dict)
    empty_numerators: list[str] = field(default_factory=list)  # "slo/role" matched nothing
    no_data: list[str] = field(default_factory=list)  # SLOs whose total returned no series
    multi_series: list[str] = field(default_factory=list)  # "slo/role" summed several series
    queries: int = 0
    requests: int = 0  # HTTP requests the queries went in (batched; retries not counted)
    eval_seconds: float = 0.0  # Prometheus's own evaluation time, when stats were asked for

    @property
    def partial(self) -> bool:
        """True when at least one SLO failed: the frame lacks those SLOs."""
        return bool(self.failures)

    @property
    def failed_slos(self) -> set[str]:
        """Ids of the SLOs that failed (their rows must be left as stored)."""
        return {f.slo for f in self.failures}


def grouped_errors(errors: Sequence[tuple[str, str]], names_shown: int = 5) -> list[str]:
    """One line per distinct error, in order of first appearance, naming what it hit: a
    stopped server fails every SLO with the same words, which one line says better than 500."""
    by_error: dict[str, list[str]] = {}
    for name, error in errors:
        by_error.setdefault(error, []).append(name)
    lines = []
    for error, names in by_error.items():
        if len(names) == 1:
            lines.append(f"{names[0]}: {error}")
            continue
        shown = ", ".join(names[:names_shown])
        more = f" and {len(names) - names_shown} more" if len(names) > names_shown else ""
        lines.append(f"{len(names)} x {error}: {shown}{more}")
    return lines


def query_chunks(start_s: int, end_s: int, step_s: int) -> list[tuple[int, int]]:
    """Split the evaluation instants ``start..end`` (inclusive) into ranges of at most
    :data:`MAX_POINTS` points."""
    span = (MAX_POINTS - 1) * step_s
    out, lo = [], start_s
    while lo <= end_s:
        hi = min(end_s, lo + span)
        out.append((lo, hi))
        lo = hi + step_s
    return out


@dataclass
class _Merged:
    times: np.ndarray  # int seconds, evaluation instants
    values: np.ndarray
    dropped: int = 0
    series: int = 0


def answer_problems(matrix: Matrix, lo: int, hi: int, step: int, counts: bool = True) -> list[str]:
    """What is wrong with a range answer for instants ``lo..hi`` at ``step`` seconds: samples
    outside the range or off the grid, negative values, and (for ``counts``) all-NaN series."""
    problems = []
    for s in matrix.series:
        if not len(s.times):
            continue
        labels = "{" + ",".join(f'{k}="{v}"' for k, v in sorted(s.metric.items())) + "}"
        outside = int(((s.times < lo) | (s.times > hi)).sum())
        if outside:
            problems.append(f"{outside} sample(s) of {labels} outside the range asked for")
        off = int(((s.times - lo) % step != 0).sum())
        if off:
            problems.append(f"{off} sample(s) of {labels} off the {step}s step grid")
        finite = np.isfinite(s.values)
        if counts and not finite.any():
            problems.append(f"series {labels} is all NaN")
        elif negative := int((s.values[finite] < 0).sum()):
            problems.append(f"{negative} negative value(s) in {labels}")
    return problems


def _merge(matrices: list[Matrix]) -> _Merged:
    """Sum all series of all chunks per instant, dropping NaN and infinite samples."""
    parts = [s for m in matrices for s in m.series if len(s.times)]
    n_series = max((len(m.series) for m in matrices), default=0)
    if not parts:
        return _Merged(np.array([], dtype=np.int64), np.array([]), 0, n_series)
    t = np.concatenate([p.times for p in parts])
    v = np.concatenate([p.values for p in parts])
    finite = np.isfinite(v)
    dropped = int(len(v) - finite.sum())
    if dropped:
        t, v = t[finite], v[finite]
    if n_series > 1 or (len(t) > 1 and np.any(np.diff(t) <= 0)):
        # several series (or overlapping chunks): sum per instant
        t, inverse = np.unique(t, return_inverse=True)
        v = np.bincount(inverse, weights=v, minlength=len(t))
    return _Merged(t, v, dropped, n_series)


BATCH = 10  # queries a request; measured: 1,000 one-day queries 1.29 s alone, 0.83 s by 10
# longer ranges go alone: Prometheus's `or` matches label sets at every step, which costs it
# more than the request saves (a 28-day back-fill's collection: 2.4x Prometheus's CPU batched)
BATCH_MAX_POINTS = 300
BATCH_LABEL = "sre_pipeline_q"  # which query of a batch a series answers


def batched_query(queries: Sequence[str]) -> str:
    """One PromQL expression answering every query of ``queries``: each one's series labelled
    with its position (``label_replace``), joined with ``or`` (distinct label sets, so ``or``
    drops nothing). Prometheus evaluates the parts as it would alone, on the same steps."""
    return " or ".join(
        f'label_replace({q}, "{BATCH_LABEL}", "{i}", "", "")' for i, q in enumerate(queries)
    )


def split_answer(matrix: Matrix, n: int) -> list[Matrix] | None:
    """The answer of a :func:`batched_query` of ``n`` queries as one answer each (their own
    labels back), or None when a series carries no position of the batch."""
    parts = [Matrix() for _ in range(n)]
    for s in matrix.series:
        key = s.metric.get(BATCH_LABEL, "")
        if not key.isdigit() or int(key) >= n:
            return None
        metric = {k: v for k, v in s.metric.items() if k != BATCH_LABEL}
        parts[int(key)].series.append(SeriesData(metric, s.times, s.values))
    parts[0].eval_seconds = matrix.eval_seconds  # the request's, counted once
    return parts


class SLICollector:
    """Collects every SLO's roles concurrently; one SLO's failure never stops the others.

    Queries of the same short range (at most :data:`BATCH_MAX_POINTS` points: a day of
    5-minute buckets) go ``batch`` to a request (:func:`batched_query`): the per request cost
    (HTTP, parsing, the engine's set-up, the client's bookkeeping) is most of a short
    query's. A batch that fails (one query's PromQL error, a query that is not a
    vector, a server error) is sent again query by query, so every failure is reported with
    its own query and the server's own words; ``batch=1`` sends each query alone."""

    def __init__(
        self,
        client: PrometheusClient,
        concurrency: int = 4,
        stats: bool = False,
        batch: int = BATCH,
    ):
        self.client = client
        self.concurrency = max(1, concurrency)
        self.stats = stats
        self.batch = max(1, batch)

    def plan(self, slo: SLO, bucket_s: int) -> dict[str, tuple[str, float]]:
        """Rendered query and multiplier per role for one SLO."""
        window = format_duration(bucket_s)
        out = {}
        for role, template in sli_templates(slo.sli).items():
            query = render(template, window)
            out[role] = (query, float(bucket_s) if is_per_second(query) else 1.0)
        return out

    def collect(
        self, slos: Sequence[SLO], start: pd.Timestamp, end: pd.Timestamp, bucket_s: int = 300
    ) -> CollectResult:
        """Buckets starting in ``[start, end)`` (both aligned to the bucket) for ``slos``."""
        s, e = int(pd.Timestamp(start).timestamp()), int(pd.Timestamp(end).timestamp())
        if s % bucket_s or e % bucket_s or e <= s:
            raise ValueError(f"start and end must be {bucket_s}s-aligned with start < end")
        chunks = query_chunks(s + bucket_s, e, bucket_s)
        tasks = [
            (slo.id, role, query, scale, lo, hi)
            for slo in slos
            for role, (query, scale) in self.plan(slo, bucket_s).items()
            for lo, hi in chunks
        ]
        # batches of one range each: by range, in task order within it
        order = sorted(range(len(tasks)), key=lambda i: tasks[i][4:])
        batches = _batches([tasks[i] for i in order], self.batch, bucket_s)
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            done = list(pool.map(lambda b: self._run_batch(b, bucket_s), batches))
        answers: list = [None] * len(tasks)
        for i, answer in zip(order, (a for part in done for a in part), strict=True):
            answers[i] = answer
        result = CollectResult(events=pd.DataFrame(), queries=len(tasks), requests=len(batches))
        by_slo: dict[str, dict[str, list]] = {}
        for (slo_id, role, query, scale, lo, hi), answer in zip(tasks, answers, strict=True):
            if not isinstance(answer, Exception):
                # checked per chunk: each chunk has its own range; a raw ratio is NaN where
                # there was no traffic (absent, not wrong), a count never is
                problems = answer_problems(answer, lo, hi, bucket_s, counts=role != "error_ratio")
                if problems:
                    answer = PrometheusError("answer rejected: " + "; ".join(problems[:3]))
            by_slo.setdefault(slo_id, {}).setdefault(role, []).append((query, scale, answer))
        frames = []
        for slo in slos:
            frame = self._assemble(slo, bucket_s, by_slo.get(slo.id, {}), result)
            if frame is not None:
                frames.append(frame)
        columns = ["slo", "bucket_start", "good", "total"]
        events = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
        events["slo"] = pd.Categorical(events["slo"], categories=[x.id for x in slos])
        events["bucket_start"] = pd.to_datetime(events["bucket_start"], unit="s", utc=True)
        result.events = events[columns]
        return result

    def _run_batch(self, batch: list, bucket_s: int) -> list[Matrix | PrometheusError]:
        if len(batch) > 1:
            _, _, _, _, lo, hi = batch[0]
            query = batched_query([task[2] for task in batch])
            try:
                matrix = self.client.query_range(query, lo, hi, bucket_s, stats=self.stats)
                parts = split_answer(matrix, len(batch))
                if parts is not None:
                    return parts
            except PrometheusError:
                pass  # each query alone: which one failed, and why, in its own words
        return [self._run(task, bucket_s) for task in batch]

    def _run(self, task, bucket_s: int) -> Matrix | PrometheusError:
        _, _, query, _, lo, hi = task
        try:
            # decoded to arrays in the worker: only compact numpy data waits for the others
            return self.client.query_range(query, lo, hi, bucket_s, stats=self.stats)
        except PrometheusError as exc:
            return exc

    def _assemble(self, slo: SLO, bucket_s: int, roles: dict, result: CollectResult):
        for role, parts in roles.items():
            for query, _, answer in parts:
                if isinstance(answer, Exception):
                    result.failures.append(Failure(slo.id, role, query, str(answer)))
                    return None
        merged = {}
        for role, parts in roles.items():
            series = _merge([answer for _, _, answer in parts])
            result.dropped_non_finite += series.dropped
            result.eval_seconds += sum(answer.eval_seconds for _, _, answer in parts)
            if series.series > 1:
                result.multi_series.append(f"{slo.id}/{role}")
            merged[role] = (series, parts[0][1])
        return _counts(slo, bucket_s, merged, result)


def _batches(tasks: list, size: int, step: int) -> list[list]:
    """Consecutive tasks of the same range (``lo``, ``hi``), at most ``size`` together, for
    ranges of at most :data:`BATCH_MAX_POINTS` points (longer ones alone)."""
    out: list[list] = []
    for task in tasks:
        lo, hi = task[4:]
        short = (hi - lo) // step + 1 <= BATCH_MAX_POINTS
        if short and out and len(out[-1]) < size and out[-1][0][4:] == task[4:]:
            out[-1].append(task)
        else:
            out.append([task])
    return out


def _counts(slo: SLO, bucket_s: int, merged: dict, result: CollectResult) -> pd.DataFrame | None:
    if "error_ratio" in merged:
        series, _ = merged["error_ratio"]
        if not len(series.times):
            result.no_data.append(slo.id)
        total = np.full(len(series.times), float(bucket_s))
        bad = np.clip(series.values, 0.0, math.inf) * bucket_s
        return _frame(slo.id, series.times - bucket_s, total - bad, total)
    total_series, total_scale = merged["total"]
    times = total_series.times
    if not len(times):
        result.no_data.append(slo.id)
    total = total_series.values * total_scale
    numerator = "good" if "good" in merged else "bad"
    num_series, num_scale = merged[numerator]
    if len(num_series.times) == 0 and len(times):
        result.empty_numerators.append(f"{slo.id}/{numerator}")
    num = pd.Series(num_series.values * num_scale, index=num_series.times)
    num = num.reindex(times, fill_value=0.0).to_numpy()
    good = num if numerator == "good" else total - num
    over = int((good > total + 1e-9 * np.maximum(total, 1)).sum())
    if over:
        result.good_gt_total[slo.id] = over
    return _frame(slo.id, times - bucket_s, good, total)


def _frame(slo_id: str, bucket_start: np.ndarray, good, total) -> pd.DataFrame:
    return pd.DataFrame({"slo": slo_id, "bucket_start": bucket_start, "good": good, "total": total})
