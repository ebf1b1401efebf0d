"""Capacity resources (``capacity.yaml``) and the collection of their utilisation samples.

Each resource has a utilisation query in [0, 1] and optionally a capacity (limit) query, sampled
at its own step. Values at instant ``t`` are the queries evaluated at ``t`` (gauges), stored with
``ts = t``.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import Field, field_validator, model_validator

from sre_pipeline.inputs.durations import DurationError, parse_duration
from sre_pipeline.inputs.problems import SpecError
from sre_pipeline.inputs.validation import DocContext, InputModel, Number, check_promql, invalid
from sre_pipeline.inputs.yamldocs import read_documents
from sre_pipeline.slo.spec.native_schema import NAME_PATTERN
from sre_pipeline.sources.collector import answer_problems, query_chunks
from sre_pipeline.sources.matrix import Matrix
from sre_pipeline.sources.prometheus_http import PrometheusClient, PrometheusError

COLUMNS = ["resource", "ts", "utilisation", "capacity"]


def _level(value: float) -> float:
    """A threshold as a fraction: 0.7 as written, or a percentage (70) as people say it."""
    return value if value <= 1 else value / 100


class ThresholdsIn(InputModel):
    """Utilisation levels, each a fraction in (0, 1] (0.7) or a percentage in (1, 100] (70)."""

    warn: Number = Field(70, gt=0, le=100)
    scale: Number = Field(80, gt=0, le=100)
    emergency: Number = Field(90, gt=0, le=100)

    def levels(self) -> tuple[float, float, float]:
        """``(warn, scale, emergency)`` as fractions between 0 and 1."""
        return (_level(self.warn), _level(self.scale), _level(self.emergency))

    @model_validator(mode="after")
    def _ordered(self):
        # each level escalates the one before: out of order, a resource would page before it
        # warned (or never warn at all)
        warn, scale, emergency = self.levels()
        if not warn < scale < emergency:
            raise invalid(
                f"warn {self.warn:g}, scale {self.scale:g}, emergency {self.emergency:g} are "
                "out of order",
                "warn < scale < emergency, e.g. {warn: 70, scale: 80, emergency: 90}",
            )
        return self


def _days(value: str, what: str) -> str:
    try:
        days = parse_duration(value) / timedelta(days=1)
    except DurationError as exc:
        raise invalid(*exc.parts(f"a number of days such as {what}")) from None
    if days < 1 or days != int(days):
        raise invalid(f"'{value}' is not a whole number of days", f"days such as {what}")
    return value


class ForecastIn(InputModel):
    """How far back the trend is fitted and how far ahead crossings are looked for."""

    lookback: str = "28d"
    horizon: str = "90d"

    @field_validator("lookback")
    @classmethod
    def _lookback(cls, v: str) -> str:
        _days(v, "28d")
        if parse_duration(v) < timedelta(days=7):
            raise invalid(f"look-back {v} is under a week", "at least 7d, e.g. 28d")
        return v

    @field_validator("horizon")
    @classmethod
    def _horizon(cls, v: str) -> str:
        return _days(v, "90d")


class ResourceIn(InputModel):
    name: str = Field(pattern=NAME_PATTERN)
    service: str | None = None
    team: str | None = None  # the owner team, as on the SLO specs
    description: str = ""
    utilisation: str
    capacity: str | None = None
    unit: str | None = None
    step: str = "5m"
    thresholds: ThresholdsIn = ThresholdsIn()
    headroom_target: Number = Field(2.0, ge=1)  # capacity over peak demand: 2 = twice the peak
    forecast: ForecastIn = ForecastIn()

    @field_validator("utilisation", "capacity")
    @classmethod
    def _promql(cls, v: str | None) -> str | None:
        return v if v is None else check_promql(v)

    @field_validator("step")
    @classmethod
    def _step(cls, v: str) -> str:
        try:
            if parse_duration(v) < timedelta(seconds=15):
                raise invalid(f"step {v} is below 15s", "a step such as 1m or 5m")
        except DurationError as exc:
            raise invalid(*exc.parts("a step such as 1m or 5m")) from None
        return v


class CapacityFileIn(InputModel):
    apiVersion: str = "sre-pipeline/v1"  # noqa: N815 - the key users write
    kind: str = "CapacityResources"
    resources: list[ResourceIn] = Field(min_length=1)


@dataclass(frozen=True)
class Resource:
    """One capacity resource, validated."""

    name: str
    utilisation_query: str
    capacity_query: str | None
    step: timedelta
    service: str | None = None
    unit: str | None = None
    thresholds: tuple[float, float, float] = (0.7, 0.8, 0.9)  # warn, scale, emergency
    team: str | None = None
    headroom_target: float = 2.0
    lookback_days: int = 28
    horizon_days: int = 90


def load_resources(path: str | Path) -> list[Resource]:
    """Read a capacity file; every problem raises :class:`SpecError` with file and line.

    A run reads the file in each capacity step and check; parsing 5,000 resources takes about
    2 s, so a file unchanged since the last read (same size and modification time) gives the
    resources read then (they are immutable)."""
    file = Path(path)
    try:
        stat = file.stat()
        key = (str(file.resolve()), stat.st_mtime_ns, stat.st_size)
    except OSError:
        return _read_resources(file)  # the read reports the problem
    if key not in _READ:
        _READ.clear()  # one file in use at a time; no growth
        _READ[key] = tuple(_read_resources(file))
    return list(_READ[key])


_READ: dict[tuple, tuple[Resource, ...]] = {}


def _read_resources(path: Path) -> list[Resource]:
    docs, problems = read_documents(path)
    out: list[Resource] = []
    seen: set[str] = set()  # names so far (a set: thousands of resources)
    for doc in docs:
        ctx = DocContext(doc)
        parsed = ctx.validate(CapacityFileIn, doc.data)
        for i, r in enumerate(parsed.resources if parsed else []):
            if r.name in seen:
                ctx.problem(
                    ("resources", i, "name"), f"duplicate resource '{r.name}'", "unique names"
                )
                continue
            seen.add(r.name)
            out.append(
                Resource(
                    r.name,
                    r.utilisation,
                    r.capacity,
                    parse_duration(r.step),
                    r.service,
                    r.unit,
                    r.thresholds.levels(),
                    r.team,
                    float(r.headroom_target),
                    parse_duration(r.forecast.lookback).days,
                    parse_duration(r.forecast.horizon).days,
                )
            )
        problems += ctx.problems
    if problems:
        raise SpecError(problems)
    return out


@dataclass
class CapacityResult:
    """Samples of the resources that worked, and the failures of the others."""

    samples: pd.DataFrame
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # resource, query, error
    no_data: list[str] = field(default_factory=list)  # resources whose utilisation had no series

    @property
    def partial(self) -> bool:
        """True when a resource could not be collected."""
        return bool(self.failures)

    @property
    def failed_resources(self) -> set[str]:
        """Resources that failed (their stored samples must be left as they are)."""
        return {f[0] for f in self.failures}


def _series(answers: list[Matrix]) -> pd.Series:
    parts = [x for m in answers for x in m.series]
    if not parts:
        return pd.Series(dtype=np.float64)
    s = pd.Series(
        np.concatenate([p.values for p in parts]), index=np.concatenate([p.times for p in parts])
    )
    s = s[np.isfinite(s.to_numpy())]
    return s.groupby(level=0).max()  # several series: the busiest one bounds the resource


def collect_capacity(
    client: PrometheusClient,
    resources: Sequence[Resource],
    start: pd.Timestamp,
    end: pd.Timestamp,
    concurrency: int = 4,
) -> CapacityResult:
    """Utilisation (and capacity) of every resource at each step in ``[start, end)``."""
    s, e = int(pd.Timestamp(start).timestamp()), int(pd.Timestamp(end).timestamp())
    tasks = []
    for r in resources:
        step = int(r.step.total_seconds())
        first, last = -(-s // step) * step, e - 1 - (e - 1) % step
        for role, query in (("utilisation", r.utilisation_query), ("capacity", r.capacity_query)):
            if query:
                tasks += [
                    (r, role, query, lo, hi, step) for lo, hi in query_chunks(first, last, step)
                ]

    def run(task):
        _, _, query, lo, hi, step = task
        try:
            answer = client.query_range(query, lo, hi, step)
        except PrometheusError as exc:
            return exc
        problems = answer_problems(answer, lo, hi, step)
        return (
            PrometheusError("answer rejected: " + "; ".join(problems[:3])) if problems else answer
        )

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        answers = list(pool.map(run, tasks))
    grouped: dict[str, dict[str, list]] = {}
    failures = []
    for (r, role, query, *_), answer in zip(tasks, answers, strict=True):
        if isinstance(answer, Exception):
            failures.append((r.name, query, str(answer)))
        grouped.setdefault(r.name, {}).setdefault(role, []).append(answer)
    failed = {f[0] for f in failures}
    frames, no_data = [], []
    for r in resources:
        if r.name in failed or r.name not in grouped:
            continue
        util = _series(grouped[r.name]["utilisation"])
        if util.empty:
            no_data.append(r.name)
        cap = _series(grouped[r.name].get("capacity", [])).reindex(util.index)
        frames.append(
            pd.DataFrame(
                {
                    "resource": r.name,
                    "ts": util.index,
                    "utilisation": util.to_numpy(),
                    "capacity": cap.to_numpy(),
                }
            )
        )
    samples = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    samples["ts"] = pd.to_datetime(samples["ts"], unit="s", utc=True)
    return CapacityResult(samples[COLUMNS], failures, no_data)
