"""Input schema for OpenSLO v1 metadata, SLIs and objectives (the subset this pipeline evaluates).

Keys keep OpenSLO's camelCase spelling through aliases, so an unknown key is reported with the
closest allowed one. Everything that can be checked inside one document is checked in the
schema (here and in :mod:`sre_pipeline.slo.spec.openslo_kinds`); references between documents are
resolved in :mod:`sre_pipeline.slo.spec.openslo`.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from sre_pipeline.inputs.durations import DurationError, parse_duration
from sre_pipeline.inputs.validation import InputModel, Number, check_promql, invalid
from sre_pipeline.slo.model import SLI
from sre_pipeline.slo.spec.native_schema import has_window, percent_to_ratio

API_VERSION = "openslo/v1"
RATIO_METRIC = "ratioMetric with good/total, bad/total or raw with rawType"


def duration_input(value: str, what: str) -> timedelta:
    """Parse a duration inside a validator, turning a bad one into an input error."""
    try:
        return parse_duration(value)
    except DurationError as exc:
        raise invalid(str(exc), f"a {what} such as '5m', '1h' or '28d'") from None


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


class PromSpecIn(InputModel):
    """``metricSource.spec``: the PromQL template under ``query`` (or ``promql``)."""

    query: str | None = None
    promql: str | None = None

    @field_validator("query", "promql")
    @classmethod
    def _placeholder(cls, v: str | None) -> str | None:
        if v is not None and not has_window(v):
            raise invalid(
                "query has no {{ .window }} placeholder",
                "PromQL such as sum(rate(http_requests_total[{{ .window }}]))",
            )
        return v if v is None else check_promql(v)

    @model_validator(mode="after")
    def _one(self):
        if (self.query is None) == (self.promql is None):
            raise invalid("give exactly one of 'query' and 'promql'", "query: <PromQL>")
        return self


class MetricSourceIn(InputModel):
    """``metricSource``; the type is Prometheus, or comes from the referenced DataSource."""

    metric_source_ref: str | None = Field(None, alias="metricSourceRef")
    type: str | None = None
    spec: PromSpecIn

    @field_validator("type")
    @classmethod
    def _prometheus(cls, v: str | None) -> str | None:
        if v is not None and v.lower() != "prometheus":
            raise invalid(f"metric source type '{v}' is not supported", "Prometheus")
        return v

    @model_validator(mode="after")
    def _typed(self):
        if self.type is None and self.metric_source_ref is None:
            raise invalid("metricSource has no 'type' and no 'metricSourceRef'", "type: Prometheus")
        return self


class MetricIn(InputModel):
    """One of ``good``, ``bad``, ``total`` or ``raw``."""

    metric_source: MetricSourceIn = Field(alias="metricSource")

    @property
    def query(self) -> str:
        """The PromQL template, whichever key it was written under."""
        spec = self.metric_source.spec
        return spec.query if spec.query is not None else spec.promql


class RatioMetricIn(InputModel):
    """``ratioMetric``: good/total, bad/total, or a raw ratio with its ``rawType``."""

    counter: bool | None = None  # the queries carry their own rate()/increase(), so unused
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


class SLISpecIn(InputModel):
    """``spec`` of an SLI."""

    description: str = ""
    ratio_metric: RatioMetricIn | None = Field(None, alias="ratioMetric")
    threshold_metric: Any = Field(None, alias="thresholdMetric")

    @field_validator("threshold_metric")
    @classmethod
    def _unsupported(cls, v: Any) -> Any:
        raise invalid("thresholdMetric is not supported (it has no events to budget)", RATIO_METRIC)

    @model_validator(mode="after")
    def _ratio(self):
        if self.ratio_metric is None:
            raise invalid("the SLI has no ratioMetric", RATIO_METRIC)
        return self

    def to_model(self) -> SLI:
        """The model SLI: good/bad/total become events, raw becomes an error ratio."""
        r = self.ratio_metric
        if r.raw:
            q = r.raw.query
            # a success ratio is what is left after errors, so its error ratio is the complement
            error_ratio = q if r.raw_type == "failure" else f"1 - ({q})"
            return SLI(kind="ratio", error_ratio_query=error_ratio)
        return SLI(
            kind="events",
            good_query=r.good.query if r.good else None,
            bad_query=r.bad.query if r.bad else None,
            total_query=r.total.query,
        )


class InlineSLIIn(InputModel):
    """An SLI written inline under ``indicator``."""

    metadata: MetadataIn | None = None
    spec: SLISpecIn


class ObjectiveIn(InputModel):
    """An item of ``objectives``; each becomes one model SLO."""

    display_name: str | None = Field(None, alias="displayName")
    name: str | None = None
    # compare a thresholdMetric; forbidden with an inline ratioMetric indicator (openslo.py)
    op: Literal["lte", "gte", "lt", "gt"] | None = None
    value: Number | None = None
    target: Number | None = None
    target_percent: Number | None = Field(None, alias="targetPercent")
    time_slice_target: Number | None = Field(None, alias="timeSliceTarget")
    time_slice_window: str | float | None = Field(None, alias="timeSliceWindow")
    indicator: InlineSLIIn | None = None
    indicator_ref: str | None = Field(None, alias="indicatorRef")

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
