"""Input schema for OpenSLO v1 metadata, SLIs and objectives (the subset this pipeline evaluates).

Keys keep OpenSLO's camelCase spelling through aliases, so an unknown key is reported with the
closest allowed one. Everything that can be checked inside one document is checked in the
schema (here and in :mod:`sre_pipeline.slo.spec.openslo_kinds`); references between documents are
resolved in :mod:`sre_pipeline.slo.spec.openslo`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextvars import ContextVar
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    StrictBool,
    field_validator,
    model_validator,
)

from sre_pipeline.inputs.durations import DurationError, parse_duration
from sre_pipeline.inputs.promql import PLACEHOLDER, is_selector, promql_error, render
from sre_pipeline.inputs.validation import InputModel, StrictNumber, invalid
from sre_pipeline.slo.model import SLI
from sre_pipeline.slo.spec.native_schema import has_window, percent_to_ratio

API_VERSION = "openslo/v1"
RATIO_METRIC = "ratioMetric with good/total, bad/total or raw with rawType"


EXAMPLES = {"period": "'28d', '4w' or '1M'", "slice length": "'1m' or '5m'"}


def duration_input(value: str, what: str) -> timedelta:
    """Parse a duration inside a validator, turning a bad one into an input error."""
    try:
        return parse_duration(value)
    except DurationError as exc:
        examples = EXAMPLES.get(what, "'5m', '1h' or '28d'")
        raise invalid(*exc.parts(f"a {what} such as {examples}")) from None


def label_values(labels: dict[str, str | list[str]]) -> dict[str, str]:
    """OpenSLO labels (``key: value``, ``key: [values]`` or ``key:``) as plain strings."""
    return {
        k: ",".join(v) if isinstance(v, list) else "" if v is None else v for k, v in labels.items()
    }


RFC1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
RFC1123_EXPECTED = (
    "an RFC-1123 label, as OpenSLO requires: 1 to 63 lower-case letters, digits or '-', "
    "starting and ending with a letter or digit (e.g. 'my-name')"
)


def check_name(value: str) -> str:
    """An OpenSLO object name (``metadata.name``, references): an RFC-1123 label."""
    if not 1 <= len(value) <= 63 or not RFC1123.match(value):
        raise invalid(f"'{value}' is not an RFC-1123 label", RFC1123_EXPECTED)
    return value


Ref = Annotated[str, AfterValidator(check_name)]
"""A reference to another object by name (``indicatorRef``, ``conditionRef``, ...): a name
the referenced object could have, checked whether or not the files given define it."""

Description = Annotated[
    str, BeforeValidator(lambda v: "" if v is None else v), Field(max_length=1050)
]
"""``description`` of every kind: at most 1050 characters, as OpenSLO's validator allows;
``description:`` with nothing after it is no description."""

SHORTHAND = re.compile(r"^[0-9]+[mhdwMQY]$")
SHORTHAND_EXPECTED = "a whole number and one unit of m, h, d, w, M, Q or Y (e.g. '5m', '1h', '28d')"


def check_shorthand(value: object, units: str = "mhdwMQY") -> object:
    """OpenSLO's duration shorthand, which every duration of v1 and v2alpha is: a whole
    number and one unit (no seconds, no '1h30m', no fractions). Other types are left to the
    field's own check."""
    if isinstance(value, str) and not (SHORTHAND.match(value) and value[-1] in units):
        if SHORTHAND.match(value):
            listed = ", ".join(units)
            raise invalid(
                f"'{value}' uses the unit '{value[-1]}', not allowed here",
                f"one of the units {listed}",
            )
        raise invalid(f"'{value}' is not an OpenSLO duration", SHORTHAND_EXPECTED)
    return value


Shorthand = Annotated[str, BeforeValidator(check_shorthand)]

# go-sdk's rules for v1 label keys and annotation keys (values are free text in v1)
V1_LABEL_KEY = re.compile(r"^[a-zA-Z0-9]([-._a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$")
V1_ANNOTATION_SHAPE = re.compile(r"^(.{0,253}/)?.{0,63}$", re.S)
V1_ANNOTATION_KEY = re.compile(
    r"^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*/)?"
    r"[a-zA-Z0-9]([-._a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$"
)
KEY_EXPECTED = (
    "at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
)


def check_keys(mapping: dict, what: str, ok: Callable[[str], object], expected: str) -> dict:
    """Raise an input error naming the first key of ``mapping`` that ``ok`` refuses."""
    for key in mapping:
        if not isinstance(key, str) or not ok(key):
            raise invalid(f"{what} key {key!r} is not valid", expected)
    return mapping


class MetadataIn(InputModel):
    """``metadata`` of any kind (and of inline definitions)."""

    name: str
    display_name: str | None = Field(None, alias="displayName", max_length=63)
    labels: dict[str, str | list[str] | None] = {}
    annotations: dict[str, str] = {}

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return check_name(v)

    @field_validator("labels")
    @classmethod
    def _labels(cls, v: dict) -> dict:
        return check_keys(v, "label", V1_LABEL_KEY.match, KEY_EXPECTED)

    @field_validator("annotations")
    @classmethod
    def _annotations(cls, v: dict) -> dict:
        expected = "an optional DNS-name prefix and '/', then " + KEY_EXPECTED
        check_keys(v, "annotation", V1_ANNOTATION_SHAPE.match, expected)
        return check_keys(v, "annotation", V1_ANNOTATION_KEY.match, expected)


PROMETHEUS_TYPES = ("prometheus", "thanos", "mimir", "cortex", "victoriametrics")
# DataSource name -> type of the files being loaded, set by the registry while it resolves:
# a metric that references its DataSource takes the type from there, and metrics are
# frozen models that cannot hold the registry themselves
DATA_SOURCES: ContextVar[dict[str, str] | None] = ContextVar("openslo_data_sources", default=None)
PROMETHEUS_EXPECTED = "PromQL such as sum(rate(http_requests_total[{{ .window }}]))"


class MetricSourceIn(InputModel):
    """``metricSource``: a ``type`` (or a ``metricSourceRef`` to a DataSource) and a ``spec``
    of the source's own keys. Any type is valid OpenSLO; the pipeline queries the
    Prometheus-compatible ones (a ref without a type is taken as Prometheus)."""

    metric_source_ref: Ref | None = Field(None, alias="metricSourceRef")
    type: str | None = None
    spec: dict[str, Any] = Field(min_length=1)

    @property
    def source_type(self) -> str | None:
        """The type, given or of the referenced DataSource (None: unknown)."""
        return self.type or (DATA_SOURCES.get() or {}).get(self.metric_source_ref or "")

    @property
    def prometheus(self) -> bool:
        """Whether the pipeline can run this source's query. No type at all is taken as
        Prometheus (the one source the pipeline has); a reference to a DataSource the files
        do not define is too, when its query is PromQL."""
        kind = self.source_type
        if kind is None and self.metric_source_ref:
            return self.query is not None and promql_error(self.query) is None
        return kind is None or kind.lower() in PROMETHEUS_TYPES

    @property
    def label(self) -> str:
        """The source as a message names it."""
        if self.source_type:
            return self.source_type
        return f"of DataSource '{self.metric_source_ref}' (not in the files given)"

    @property
    def query(self) -> str | None:
        """The query, under ``query`` (or ``promql``)."""
        value = self.spec.get("query", self.spec.get("promql"))
        return value if isinstance(value, str) else None


class MetricIn(InputModel):
    """One of ``good``, ``bad``, ``total``, ``raw`` or ``thresholdMetric``."""

    metric_source: MetricSourceIn = Field(alias="metricSource")

    @property
    def query(self) -> str:
        """The query as written."""
        return self.metric_source.query or ""

    def problems(self, path: tuple) -> list[tuple[tuple, str, str]]:
        """``(path, message, expected)`` for a Prometheus query that cannot run."""
        return source_problems(self.metric_source, path + ("metricSource", "spec"))


def source_problems(source: MetricSourceIn, where: tuple) -> list[tuple[tuple, str, str]]:
    """What is wrong with a Prometheus source's query spec at ``where``: not exactly one of
    ``query`` and ``promql``, or no PromQL (other sources are not checked)."""
    if not source.prometheus:
        return []
    given = [k for k in ("query", "promql") if k in source.spec]
    if len(given) != 1 or not isinstance(source.spec[given[0]], str):
        return [(where, "give exactly one of 'query' and 'promql'", "query: <PromQL>")]
    reason = promql_error(source.spec[given[0]])
    if reason:
        return [(where + (given[0],), f"PromQL does not parse: {reason}", PROMETHEUS_EXPECTED)]
    return []


class RatioMetricIn(InputModel):
    """``ratioMetric``: good/total, bad/total, or a raw ratio with its ``rawType``."""

    counter: StrictBool | None = None  # the queries carry their own rate()/increase(), so unused
    good: MetricIn | None = None
    bad: MetricIn | None = None
    total: MetricIn | None = None
    raw_type: Literal["success", "failure"] | None = Field(None, alias="rawType")
    raw: MetricIn | None = None

    @model_validator(mode="after")
    def _shape(self):
        events = [k for k in ("good", "bad", "total") if getattr(self, k)]
        if self.raw:
            if events:
                raise invalid(f"'raw' given with {', '.join(events)}", RATIO_METRIC)
            if self.raw_type is None:
                raise invalid("'raw' needs 'rawType'", "rawType: success or rawType: failure")
        elif self.raw_type is not None:
            raise invalid("'rawType' given without 'raw'", RATIO_METRIC)
        elif not self.total or (self.good is None) == (self.bad is None):
            raise invalid(f"ratioMetric has {', '.join(events) or 'no queries'}", RATIO_METRIC)
        return self


class ThresholdMetricIn(MetricIn):
    """``thresholdMetric``: one query whose value the objectives compare (``op``/``value``)."""


class SLISpecIn(InputModel):
    """``spec`` of an SLI: a ``ratioMetric`` or a ``thresholdMetric``."""

    description: Description = ""
    ratio_metric: RatioMetricIn | None = Field(None, alias="ratioMetric")
    threshold_metric: ThresholdMetricIn | None = Field(None, alias="thresholdMetric")

    @model_validator(mode="after")
    def _one(self):
        if (self.ratio_metric is None) == (self.threshold_metric is None):
            raise invalid("give exactly one of 'ratioMetric' and 'thresholdMetric'", RATIO_METRIC)
        return self

    def metrics(self) -> list[tuple[tuple, MetricIn]]:
        """Each query of the SLI with its path under ``spec``."""
        if self.threshold_metric is not None:
            return [(("thresholdMetric",), self.threshold_metric)]
        r = self.ratio_metric
        return [
            (("ratioMetric", role), getattr(r, role))
            for role in ("good", "bad", "total", "raw")
            if getattr(r, role) is not None
        ]

    def problems(self, path: tuple) -> list[tuple[tuple, str, str]]:
        """Every query that cannot run, with its path under ``path``."""
        return [p for sub, metric in self.metrics() for p in metric.problems(path + sub)]

    def to_model(self, threshold: tuple | None = None) -> tuple[SLI, str]:
        """``(SLI, note)``: the model SLI, and why the pipeline cannot collect it (empty when
        it can). good/bad/total become events, raw an error ratio; a query without
        ``{{ .window }}`` is bucketed as documented (:func:`bucketed`)."""
        others = sorted(
            {m.metric_source.label for _, m in self.metrics() if not m.metric_source.prometheus}
        )
        note = (
            f"metric source {', '.join(others)} is not one the pipeline queries" if others else ""
        )
        if self.threshold_metric is not None:
            op, value = threshold or (None, None)
            if note or op is None or value is None:
                sli = SLI(
                    kind="threshold",
                    threshold_query=self.threshold_metric.query or "-",
                    threshold_op=op,
                    threshold_value=value,
                )
                return sli, note or "a thresholdMetric objective without op and value"
            return threshold_events(self.threshold_metric.query, op, value), ""
        r = self.ratio_metric
        if r.raw:
            q, why = bucketed(r.raw.query, "gauge", note)
            # a success ratio is what is left after errors, so its error ratio is the complement
            error_ratio = q if r.raw_type == "failure" else f"1 - ({q})"
            return SLI(kind="ratio", error_ratio_query=error_ratio), note or why
        kind = "counter" if r.counter else "events"
        queries = {
            role: bucketed(getattr(r, role).query, kind, note)
            for role in ("good", "bad", "total")
            if getattr(r, role)
        }
        why = next((w for _, w in queries.values() if w), "")
        return SLI(
            kind="events",
            good_query=queries["good"][0] if "good" in queries else None,
            bad_query=queries["bad"][0] if "bad" in queries else None,
            total_query=queries["total"][0],
        ), note or why


COMPARE = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


def threshold_events(query: str, op: str, value: float) -> SLI:
    """A thresholdMetric as events: each sample of the query (at Prometheus' evaluation
    interval, through a subquery) is an event, good when it meets ``op`` ``value``. With
    Occurrences that is the share of good samples; with Timeslices a slice is good when its
    share reaches ``timeSliceTarget`` (OpenSLO: a slice is good when the metric meets the
    threshold)."""
    q = render(query, "5m").strip() if has_window(query) else query.strip()
    return SLI(
        kind="events",
        good_query=f"sum(sum_over_time((({q}) {COMPARE[op]} bool {value!r})[{PLACEHOLDER}:]))",
        total_query=f"sum(count_over_time(({q})[{PLACEHOLDER}:]))",
    )


def bucketed(query: str, kind: str, note: str) -> tuple[str, str]:
    """``(template, note)`` for a query as written. With ``{{ .window }}`` it is the template.
    Without, OpenSLO's raw forms: a counter (``counter: true``) counts its increase in each
    bucket, ``sum(increase(sel[W]))`` for a plain selector and ``increase((expr)[W:])`` (a
    subquery at Prometheus' evaluation interval) for an expression; a raw ratio is averaged
    over the bucket, ``avg_over_time((expr)[W:])``; events that are not counters have no
    bucketing, so the SLO is listed, not collected."""
    if note or has_window(query):
        return query, ""
    if kind == "counter":
        if is_selector(query):
            return f"sum(increase({query.strip()}[{PLACEHOLDER}]))", ""
        return f"increase(({query.strip()})[{PLACEHOLDER}:])", ""
    if kind == "gauge":
        return f"avg_over_time(({query.strip()})[{PLACEHOLDER}:])", ""
    return query, (
        "a query without {{ .window }} that is not a counter (counter: true) has no buckets"
    )


class InlineSLIIn(InputModel):
    """An SLI written inline under ``indicator``."""

    metadata: MetadataIn
    spec: SLISpecIn


class ObjectiveIn(InputModel):
    """An item of ``objectives``; each becomes one model SLO."""

    display_name: str | None = Field(None, alias="displayName")
    name: str | None = None
    # compare a thresholdMetric; forbidden with an inline ratioMetric indicator (openslo.py)
    op: Literal["lte", "gte", "lt", "gt"] | None = None
    value: StrictNumber | None = None
    target: StrictNumber | None = None
    target_percent: StrictNumber | None = Field(None, alias="targetPercent")
    time_slice_target: StrictNumber | None = Field(None, alias="timeSliceTarget")
    time_slice_window: str | float | None = Field(None, alias="timeSliceWindow")
    indicator: InlineSLIIn | None = None
    indicator_ref: Ref | None = Field(None, alias="indicatorRef")
    composite_weight: StrictNumber | None = Field(None, alias="compositeWeight", gt=0)  # unused

    @field_validator("target")
    @classmethod
    def _ratio(cls, v: float | None) -> float | None:
        if v is not None and not 0 < v < 1:
            raise invalid(
                f"target {v} is not a ratio between 0 and 1",
                f"a ratio such as 0.999, or targetPercent: {v}" if 1 < v < 100 else "e.g. 0.999",
            )
        return v

    @field_validator("target_percent")
    @classmethod
    def _percent(cls, v: float | None) -> float | None:
        if v is not None and not 0 < v < 100:
            raise invalid(f"targetPercent {v} is out of range", "above 0 and below 100, e.g. 99.9")
        return v

    @field_validator("time_slice_target")
    @classmethod
    def _slice_target(cls, v: float | None) -> float | None:
        if v is not None and not 0 < v <= 1:
            raise invalid(f"timeSliceTarget {v} is not a ratio in (0, 1]", "e.g. 0.95")
        return v

    @field_validator("time_slice_window")
    @classmethod
    def _slice_window(cls, v: str | float | None) -> str | float | None:
        if v is None:
            return v
        check_shorthand(v)
        length = duration_input(v, "slice length") if isinstance(v, str) else timedelta(minutes=v)
        if length <= timedelta(0):
            raise invalid(f"timeSliceWindow {v!r} is not positive", "e.g. 1m or 5m")
        return v

    @model_validator(mode="after")
    def _one_target(self):
        if (self.target is None) == (self.target_percent is None):
            raise invalid("give exactly one of 'target' and 'targetPercent'", "e.g. target: 0.999")
        if self.indicator is not None and self.indicator_ref is not None:
            raise invalid("both 'indicator' and 'indicatorRef' given", "one of them")
        return self

    @property
    def ratio(self) -> float:
        """The objective as a ratio."""
        return self.target if self.target is not None else percent_to_ratio(self.target_percent)

    @property
    def slice(self) -> timedelta:
        """The time-slice length; a bare number is minutes, as OpenSLO defines it."""
        w = self.time_slice_window
        return parse_duration(w) if isinstance(w, str) else timedelta(minutes=w)
