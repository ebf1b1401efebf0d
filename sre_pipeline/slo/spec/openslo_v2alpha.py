"""OpenSLO ``openslo.com/v2alpha``: the v1 kinds with v2alpha's spellings.

What differs from v1, as OpenSLO's reference validator (go-sdk) reads it: an SLO names its
service with ``serviceRef`` (go-sdk before 0.8 spelled it ``service``; both are read) and its
SLI with ``sli`` / ``sliRef``; a metric names a DataSource (``dataSourceRef``) or holds one
(``dataSourceSpec``), its query under ``spec``; metadata has no ``displayName`` and plain
string labels; durations take the units ``m``, ``h``, ``d`` and ``w`` only. The schemas are
v1's with those fields replaced, so everything else (checks, conversion) is shared.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from sre_pipeline.inputs.validation import InputModel, invalid
from sre_pipeline.slo.spec import openslo_kinds as v1
from sre_pipeline.slo.spec.native_schema import NAME_PATTERN
from sre_pipeline.slo.spec.openslo_period import TimeWindowIn
from sre_pipeline.slo.spec.openslo_schema import (
    InlineSLIIn,
    MetricSourceIn,
    ObjectiveIn,
    RatioMetricIn,
    SLISpecIn,
    check_name,
    source_problems,
)

API_VERSION = "openslo.com/v2alpha"
UNITS = ("m", "h", "d", "w")


class MetadataIn(InputModel):
    """v2alpha metadata: a name, string labels and annotations (no ``displayName``)."""

    name: str
    labels: dict[str, str] = {}
    annotations: dict[str, str] = {}

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return check_name(v)


class DataSourceRefIn(InputModel):
    """A metric's source in v2alpha: the query ``spec`` and where it runs."""

    data_source_ref: str | None = Field(None, alias="dataSourceRef")
    data_source_spec: v1.DataSourceSpecIn | None = Field(None, alias="dataSourceSpec")
    spec: dict[str, Any] = {}

    @model_validator(mode="after")
    def _one(self):
        if (self.data_source_ref is None) == (self.data_source_spec is None):
            raise invalid(
                "give exactly one of 'dataSourceRef' and 'dataSourceSpec'",
                "dataSourceRef: <DataSource name>",
            )
        return self

    @property
    def metric_source(self):
        """The v1 view of the source: type (given, or the DataSource's), query, checks."""
        kind = self.data_source_spec.type if self.data_source_spec else None
        spec = self.spec or {"_": None}  # v1 requires a key; v2alpha does not
        return MetricSourceIn.model_validate(
            {"metricSourceRef": self.data_source_ref, "type": kind, "spec": spec}
        )

    @property
    def query(self) -> str:
        """The query as written."""
        return self.metric_source.query or ""

    def problems(self, path: tuple) -> list[tuple[tuple, str, str]]:
        """As v1's, on this metric's ``spec`` (v2alpha has no ``metricSource`` level)."""
        return source_problems(self.metric_source, path + ("spec",))


class RatioMetricV2In(RatioMetricIn):
    """``ratioMetric`` with v2alpha metrics."""

    good: DataSourceRefIn | None = None
    bad: DataSourceRefIn | None = None
    total: DataSourceRefIn | None = None
    raw: DataSourceRefIn | None = None


class SLISpecV2In(SLISpecIn):
    """``spec`` of a v2alpha SLI."""

    ratio_metric: RatioMetricV2In | None = Field(None, alias="ratioMetric")
    threshold_metric: DataSourceRefIn | None = Field(None, alias="thresholdMetric")


class InlineSLIV2In(InlineSLIIn):
    """An SLI written inline under ``sli``."""

    metadata: MetadataIn | None = None
    spec: SLISpecV2In


class ObjectiveV2In(ObjectiveIn):
    """An objective; ``sli`` / ``sliRef`` for a composite SLO's own SLI."""

    display_name: str | None = Field(None, alias="displayName")
    indicator: InlineSLIV2In | None = Field(None, alias="sli")
    indicator_ref: str | None = Field(None, alias="sliRef")


class TimeWindowV2In(TimeWindowIn):
    """``timeWindow`` item; units ``m``, ``h``, ``d``, ``w`` only."""

    @field_validator("duration", mode="before")  # before v1's checks of the length
    @classmethod
    def _units(cls, v: object) -> object:
        if isinstance(v, str) and v.strip()[-1:] not in UNITS:
            raise invalid(f"duration '{v}' is not in m, h, d or w", "e.g. 28d or 4w")
        return v


class SLOSpecV2In(v1.SLOSpecIn):
    """``spec`` of a v2alpha SLO."""

    service: str = Field(pattern=NAME_PATTERN, alias="serviceRef")
    indicator: InlineSLIV2In | None = Field(None, alias="sli")
    indicator_ref: str | None = Field(None, alias="sliRef")
    time_window: list[TimeWindowV2In] = Field(alias="timeWindow")
    objectives: list[ObjectiveV2In] = []

    @model_validator(mode="before")
    @classmethod
    def _old_service(cls, data: object) -> object:
        # go-sdk before 0.8 (oslo as released) spelled serviceRef "service"
        if isinstance(data, dict) and "service" in data and "serviceRef" not in data:
            data = {**data, "serviceRef": data["service"]}
            del data["service"]
        return data


class _DocIn(InputModel):
    api_version: Literal["openslo.com/v2alpha"] = Field(alias="apiVersion")
    metadata: MetadataIn


class ServiceDoc(_DocIn):
    """A v2alpha Service."""

    kind: Literal["Service"]
    spec: v1.ServiceSpecIn = v1.ServiceSpecIn()


class SLIDoc(_DocIn):
    """A v2alpha SLI."""

    kind: Literal["SLI"]
    spec: SLISpecV2In


class SLODoc(_DocIn):
    """A v2alpha SLO."""

    kind: Literal["SLO"]
    spec: SLOSpecV2In


class DataSourceDoc(_DocIn):
    """A v2alpha DataSource."""

    kind: Literal["DataSource"]
    spec: v1.DataSourceSpecIn


class AlertPolicyDoc(_DocIn):
    """A v2alpha AlertPolicy."""

    kind: Literal["AlertPolicy"]
    spec: v1.AlertPolicySpecIn


class AlertConditionDoc(_DocIn):
    """A v2alpha AlertCondition."""

    kind: Literal["AlertCondition"]
    spec: v1.AlertConditionSpecIn


class TargetSpecIn(InputModel):
    """``spec`` of an AlertNotificationTarget."""

    description: str = Field("", max_length=1050)
    target: str


class AlertNotificationTargetDoc(_DocIn):
    """A v2alpha AlertNotificationTarget."""

    kind: Literal["AlertNotificationTarget"]
    spec: TargetSpecIn


DOCS = {
    "Service": ServiceDoc,
    "SLI": SLIDoc,
    "SLO": SLODoc,
    "DataSource": DataSourceDoc,
    "AlertPolicy": AlertPolicyDoc,
    "AlertCondition": AlertConditionDoc,
    "AlertNotificationTarget": AlertNotificationTargetDoc,
}
