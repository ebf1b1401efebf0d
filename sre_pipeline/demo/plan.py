"""The demo plan (``examples/demo.yaml``): scenarios and how SLOs map to Prometheus series.

:func:`load_plan` checks the plan on its own; :func:`check_plan` checks it against the SLO
catalog it is run with (an SLO id that is not in the catalog is a typo whose scenario would
silently never happen), and runs before the demo source generates anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from pydantic import Field, field_validator

from sre_pipeline.inputs.durations import DurationError, parse_duration
from sre_pipeline.inputs.problems import Problem, SpecError, did_you_mean, format_path
from sre_pipeline.inputs.validation import Day, DocContext, InputModel, Number, invalid
from sre_pipeline.inputs.yamldocs import read_documents
from sre_pipeline.slo.model import SLO

DEFAULT_PLAN = Path(__file__).resolve().parents[2] / "examples" / "demo.yaml"


class ScenarioIn(InputModel):
    slo: str
    before_end: str
    duration: str
    burn: Number = 0.0
    gap: bool = False
    counter_reset: bool = False

    @field_validator("before_end", "duration")
    @classmethod
    def _duration(cls, v: str) -> str:
        try:
            parse_duration(v)
        except DurationError as exc:
            raise invalid(
                str(exc).split("; expected ")[0], "a duration such as 50m or 2d5h"
            ) from None
        return v


class CountersIn(InputModel):
    metric: str
    labels: dict[str, str] = {}
    good: dict[str, str]
    bad: dict[str, str]


class HistogramIn(InputModel):
    metric: str | None = None  # default: the latency SLI's metric
    labels: dict[str, str] | None = None  # default: the SLI's equality matchers
    threshold: Number | None = None  # default: the SLI's threshold
    le: list[str] = Field(min_length=2)


class GaugeIn(InputModel):
    metric: str | None = None
    labels: dict[str, str] | None = None


class SeriesIn(InputModel):
    counters: CountersIn | None = None
    histogram: HistogramIn | None = None
    probe: GaugeIn | None = None
    gauge_ratio: GaugeIn | None = None


class CapacityGenIn(InputModel):
    base: Number = Field(ge=0, le=1)
    diurnal: Number = Field(0.0, ge=0, le=1)
    trend_per_day: Number = 0.0
    noise: Number = Field(0.01, ge=0, le=0.5)
    capacity: Number | None = Field(None, gt=0)


class PostmortemsIn(InputModel):
    path: str  # relative to the plan file
    authored_for: Day  # the demo end the example postmortems were written for


class PlanIn(InputModel):
    seed: int = 7
    postmortems: PostmortemsIn | None = None
    scenarios: list[ScenarioIn] = []
    series: dict[str, SeriesIn] = {}
    capacity: dict[str, CapacityGenIn] = {}


@dataclass(frozen=True)
class Scenario:
    """Something that happens to one SLO, ``start_before_end`` before the end of the range:
    a burn of ``burn`` times its budget, a scrape ``gap``, or a ``counter_reset``."""

    slo: str
    start_before_end: timedelta
    duration: timedelta
    burn: float = 0.0
    gap: bool = False
    counter_reset: bool = False


@dataclass(frozen=True)
class DemoPlan:
    """Seed, scenarios and series layout of the demo history."""

    seed: int
    scenarios: tuple[Scenario, ...]
    series: dict[str, SeriesIn]
    capacity: dict[str, CapacityGenIn] = field(default_factory=dict)
    postmortems: Path | None = None  # example postmortems matching the scenarios
    postmortems_authored_for: date | None = None
    file: str | None = None  # where the plan was read from, for problems
    lines: dict[tuple, int] = field(default_factory=dict)  # field path -> line in ``file``


def load_plan(path: str | Path = DEFAULT_PLAN) -> DemoPlan:
    """Read and validate a demo plan; problems raise :class:`SpecError` like spec files do."""
    docs, problems = read_documents(Path(path))
    if problems:
        raise SpecError(problems)
    ctx = DocContext(docs[0]) if docs else None
    plan = ctx.validate(PlanIn, docs[0].data) if ctx else PlanIn()
    if ctx and ctx.problems:
        raise SpecError(ctx.problems)
    scenarios = tuple(
        Scenario(
            s.slo,
            parse_duration(s.before_end),
            parse_duration(s.duration),
            s.burn,
            s.gap,
            s.counter_reset,
        )
        for s in plan.scenarios
    )
    pm = plan.postmortems
    return DemoPlan(
        plan.seed,
        scenarios,
        dict(plan.series),
        dict(plan.capacity),
        (Path(path).parent / pm.path).resolve() if pm else None,
        pm.authored_for if pm else None,
        str(path),
        docs[0].lines if docs else {},
    )


def check_plan(plan: DemoPlan, catalog: Iterable[SLO]) -> list[Problem]:
    """Problems of ``plan`` against the SLOs it is run with (a :class:`Catalog`'s ``slos`` or
    any SLOs): every scenario and series names an SLO of the catalog."""
    ids = sorted({slo.id for slo in getattr(catalog, "slos", catalog)})
    named = [(("scenarios", i, "slo"), s.slo) for i, s in enumerate(plan.scenarios)]
    named += [(("series", slo_id), slo_id) for slo_id in plan.series]
    problems = []
    for where, slo_id in named:
        if slo_id not in ids:
            problems.append(
                Problem(
                    plan.file or "(demo plan)",
                    None,
                    format_path(where),
                    f"unknown SLO '{slo_id}'{did_you_mean(slo_id, ids)}",
                    "an SLO id of the catalog (<service>-<name>)",
                    plan.lines.get(where),
                )
            )
    return problems
