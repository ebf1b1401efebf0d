"""OpenSLO ``openslo/v1alpha``: the version Sloth reads (``sloth generate`` on OpenSLO).

Only two kinds exist in it, Service and SLO; an SLO holds ``timeWindows`` (``unit`` and
``count``) and per objective ``ratioMetrics`` with ``good`` and ``total`` queries (``source``,
``queryType``, ``query``). The rules are OpenSLO's reference validator's (go-sdk); each
objective becomes one SLO as Sloth makes it: id ``<service>-<name>-<i>``, objective
``target``. Where the two disagree the SLO loads as Sloth reads it: go-sdk requires ``value``
on every objective, Sloth ignores it, so a missing one is a warning.

The pipeline reads the good and total queries as event counts (Sloth writes them into one
raw ratio, ``1 - good/total``, the same value). v1alpha has no alert policies: Sloth then
generates recording rules only, the pipeline gives these SLOs the Google window set for its
own burn-rate alerts, like a native SLO without ``alerting``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import Field, field_validator, model_validator

from sre_pipeline.inputs.promql import PROMQL_EXPECTED, promql_error
from sre_pipeline.inputs.validation import DocContext, InputModel, Number, invalid
from sre_pipeline.slo.model import SLI, SLO, Source
from sre_pipeline.slo.periods import Period
from sre_pipeline.slo.spec.native_schema import NAME_PATTERN
from sre_pipeline.slo.spec.openslo_kinds import ServiceSpecIn
from sre_pipeline.slo.spec.openslo_period import CalendarIn
from sre_pipeline.slo.spec.openslo_schema import (
    Description,
    bucketed,
    check_name,
    threshold_events,
)
from sre_pipeline.slo.windows import preset_windows

API_VERSION = "openslo/v1alpha"
UNITS = ("Second", "Day", "Week", "Month", "Quarter")
CALENDAR = {"Week": "week", "Month": "month", "Quarter": "quarter"}
SECONDS = {"Second": 1, "Day": 86400, "Week": 7 * 86400}


class MetadataIn(InputModel):
    """v1alpha metadata: a name and a display name (no labels, no annotations)."""

    name: str
    display_name: str | None = Field(None, alias="displayName", max_length=63)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return check_name(v)


class MetricIn(InputModel):
    """``good``, ``total`` or ``thresholdMetric``: where and how the query runs."""

    source: str = Field(pattern=r"^[a-zA-Z]+$")
    query_type: str = Field(alias="queryType", pattern=r"^[a-zA-Z]+$")
    query: str = Field(pattern=r"\S")

    def prometheus(self) -> str | None:
        """The PromQL template, or None when the pipeline cannot query the source."""
        if self.source.lower() not in ("prometheus", "sloth") or self.query_type != "promql":
            return None
        return self.query


class RatioIn(InputModel):
    """``ratioMetrics`` of an objective."""

    good: MetricIn
    total: MetricIn
    incremental: bool = False


class ObjectiveIn(InputModel):
    """An item of ``objectives``; each becomes one SLO."""

    display_name: str | None = Field(None, alias="displayName", max_length=1050)
    value: Number | None = None
    op: Literal["gt", "lt", "gte", "lte"] | None = None
    target: Number
    time_slice_target: Number | None = Field(None, alias="timeSliceTarget", ge=0, le=1)
    ratio_metrics: RatioIn | None = Field(None, alias="ratioMetrics")

    @field_validator("target")
    @classmethod
    def _target(cls, v: float) -> float:
        if not 0 < v < 1:
            raise invalid(f"target {v} is not a ratio between 0 and 1", "e.g. 0.999")
        return v


class TimeWindowIn(InputModel):
    """``timeWindows`` item: ``count`` units, rolling or calendar-aligned."""

    unit: Literal["Second", "Day", "Week", "Month", "Quarter"]
    count: int = Field(gt=0)
    # None: neither isRolling nor a calendar, which go-sdk refuses and Sloth reads as
    # rolling (it uses the count of days only); a warning in convert()
    is_rolling: bool | None = Field(None, alias="isRolling")
    calendar: CalendarIn | None = None

    @model_validator(mode="after")
    def _kind(self):
        if self.is_rolling and self.calendar is not None:
            raise invalid("'calendar' cannot be set when 'isRolling' is true", "one of them")
        if self.is_rolling is False and self.calendar is None:
            raise invalid("'calendar' must be set when 'isRolling' is false", "isRolling: true")
        return self

    def period(self) -> Period | tuple[str, str]:
        """The model period (a rolling window of whole days, or a calendar week, month or
        quarter), else ``(what is wrong, what is expected)``."""
        if self.calendar is not None:
            if self.unit not in CALENDAR or self.count != 1:
                return (
                    f"a calendar window of {self.count} {self.unit}",
                    "count: 1 with unit Week, Month or Quarter",
                )
            return Period.calendar(CALENDAR[self.unit], self.calendar.time_zone)
        seconds = SECONDS.get(self.unit)
        if seconds is None or (self.count * seconds) % 86400:
            return (
                f"a rolling window of {self.count} {self.unit} is not whole days",
                "unit Day or Week (months and quarters have no fixed length)",
            )
        return Period.rolling(timedelta(seconds=self.count * seconds))


class ThresholdIndicatorIn(InputModel):
    """``indicator``: a threshold metric (the objectives compare it with ``op``/``value``)."""

    threshold_metric: MetricIn = Field(alias="thresholdMetric")


class SLOSpecIn(InputModel):
    """``spec`` of a v1alpha SLO."""

    description: Description = ""
    service: str = Field(pattern=NAME_PATTERN)
    indicator: ThresholdIndicatorIn | None = None
    time_windows: list[TimeWindowIn] = Field(alias="timeWindows")
    budgeting_method: Literal["Occurrences", "Timeslices"] = Field(alias="budgetingMethod")
    objectives: list[ObjectiveIn] = []

    @field_validator("time_windows")
    @classmethod
    def _one(cls, v: list[TimeWindowIn]) -> list[TimeWindowIn]:
        if len(v) != 1:
            raise invalid(f"timeWindows has {len(v)} items", "exactly one time window")
        return v

    @model_validator(mode="after")
    def _indicator(self):
        ratios = any(o.ratio_metrics is not None for o in self.objectives)
        if self.indicator is not None and ratios:
            raise invalid(
                "only one of 'indicator' and 'objectives[*].ratioMetrics' can be set", "one"
            )
        if self.indicator is None and not ratios:
            raise invalid(
                "one of 'indicator' or 'objectives[*].ratioMetrics' must be set",
                "ratioMetrics with good and total on each objective",
            )
        return self


class ServiceDoc(InputModel):
    """A v1alpha Service."""

    api_version: Literal["openslo/v1alpha"] = Field(alias="apiVersion")
    kind: Literal["Service"]
    metadata: MetadataIn
    spec: ServiceSpecIn = ServiceSpecIn()


class SLODoc(InputModel):
    """A v1alpha SLO."""

    api_version: Literal["openslo/v1alpha"] = Field(alias="apiVersion")
    kind: Literal["SLO"]
    metadata: MetadataIn
    spec: SLOSpecIn


DOCS = {"Service": ServiceDoc, "SLO": SLODoc}


def _checked(ctx: DocContext, metric: MetricIn, path: tuple) -> tuple[str, str] | None:
    """``(query, note)``: the query as written and why it is not collected (another
    source), or None when it is not PromQL (reported)."""
    query = metric.prometheus()
    if query is None:
        return metric.query, (
            f"source '{metric.source}' (queryType '{metric.query_type}') is not one the "
            "pipeline queries"
        )
    reason = promql_error(query)
    if reason:
        message = f"PromQL does not parse: {reason}"
        ctx.problem(path + ("query",), message, PROMQL_EXPECTED)
        return None
    return query, ""


def _query(ctx: DocContext, metric: MetricIn, path: tuple, incremental: bool):
    """``(template, note)`` of a ratio query: the template to collect (bucketed when it has
    no window), or why the SLO is listed, not collected; None on a reported error."""
    made = _checked(ctx, metric, path)
    if made is None or made[1]:
        return made
    return bucketed(made[0], "counter" if incremental else "events", "")


def _objective_sli(ctx: DocContext, spec: SLOSpecIn, obj: ObjectiveIn, path: tuple):
    """``(SLI, note)`` of one objective (note: why it is listed, not collected), or None when
    an error was reported."""
    if spec.indicator is not None:
        missing = [k for k in ("op", "value") if getattr(obj, k) is None]
        for key in missing:
            message = f"a thresholdMetric objective needs '{key}'"
            ctx.problem(path + (key,), message, "op: lte and value: 0.3, say")
        if missing:
            return None
        metric = spec.indicator.threshold_metric
        made = _checked(ctx, metric, ("spec", "indicator", "thresholdMetric"))
        if made is None:
            return None
        note = made[1] or _no_slices(spec)
        if note:  # listed with its query as written
            sli = SLI(
                kind="threshold",
                threshold_query=metric.query,
                threshold_op=obj.op,
                threshold_value=obj.value,
            )
            return sli, note
        return threshold_events(metric.query, obj.op, obj.value), ""
    if obj.op is not None:
        ctx.problem(path + ("op",), "'op' is forbidden with ratioMetrics", "no op")
        return None
    if obj.value is None:
        ctx.problem(
            path + ("value",),
            "OpenSLO's validator requires 'value' on every v1alpha objective; Sloth and "
            "the pipeline do not use it with ratioMetrics",
            "value: 1",
            warning=True,
        )
    ratio = obj.ratio_metrics
    if ratio is None:  # another objective has ratioMetrics: each needs its own
        ctx.problem(path, "the objective has no ratioMetrics", "ratioMetrics with good and total")
        return None
    where = path + ("ratioMetrics",)
    good = _query(ctx, ratio.good, where + ("good",), ratio.incremental)
    total = _query(ctx, ratio.total, where + ("total",), ratio.incremental)
    if good is None or total is None:
        return None
    note = good[1] or total[1] or _no_slices(spec)
    return SLI(kind="events", good_query=good[0], total_query=total[0]), note


def _no_slices(spec: SLOSpecIn) -> str:
    """Why a Timeslices SLO of v1alpha is listed, not evaluated ("" for Occurrences)."""
    if spec.budgeting_method == "Timeslices":
        return "Timeslices in openslo/v1alpha has no slice length to evaluate"
    return ""


def convert(ctx: DocContext, doc: SLODoc) -> list[SLO]:
    """One SLO per objective, as Sloth converts v1alpha; problems go to ``ctx``. Objectives
    the pipeline cannot evaluate (a threshold metric, another source, Timeslices, which
    v1alpha gives no slice length) are SLOs listed, not collected, with a warning."""
    spec = doc.spec
    window = spec.time_windows[0]
    if window.is_rolling is None and window.calendar is None:
        ctx.problem(
            ("spec", "timeWindows", 0),
            "neither isRolling nor a calendar: OpenSLO's validator requires one; read as "
            "rolling, as Sloth reads it",
            "isRolling: true",
            warning=True,
        )
    period = window.period()
    if isinstance(period, tuple):
        ctx.problem(("spec", "timeWindows", 0), *period)
        return []
    if not spec.objectives:
        ctx.problem(
            ("spec", "objectives"),
            "the SLO has no objectives: nothing to evaluate",
            "objectives: [{target: 0.999, ratioMetrics: {good, total}}]",
            warning=True,
        )
    out = []
    for i, obj in enumerate(spec.objectives):
        path = ("spec", "objectives", i)
        if spec.budgeting_method == "Timeslices" and obj.time_slice_target is None:
            ctx.problem(
                path + ("timeSliceTarget",),
                "budgetingMethod Timeslices needs 'timeSliceTarget'",
                "e.g. timeSliceTarget: 0.95",
            )
            continue
        made = _objective_sli(ctx, spec, obj, path)
        if made is None:
            continue
        sli, note = made
        if note:
            ctx.problem(
                path,
                f"not collected: {note}; the SLO is listed in the catalog only",
                "ratioMetrics from Prometheus with budgetingMethod Occurrences to evaluate it",
                warning=True,
            )
        name = f"{doc.metadata.name}-{i}"
        out.append(
            SLO(
                id=f"{spec.service}-{name}",
                service=spec.service,
                name=name,
                description=spec.description,
                objective=obj.target,
                period=period,
                sli=sli,
                window_set="google",
                windows=preset_windows("google", period.nominal),
                collectable=not note,
                note=note,
                source=Source(
                    format="openslo", file=ctx.doc.file, document=ctx.doc.index, spec=API_VERSION
                ),
            )
        )
    return out
