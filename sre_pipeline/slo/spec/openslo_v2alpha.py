"""OpenSLO ``openslo.com/v2alpha``: the v1 kinds with v2alpha's spellings.

What differs from v1, as OpenSLO's reference validator (go-sdk) reads it: an SLO names its
service with ``serviceRef`` (go-sdk before 0.8 spelled it ``service``; both are read) and its
SLI with ``sli`` / ``sliRef``; a metric names a DataSource (``dataSourceRef``) or holds one
(``dataSourceSpec``), its query under ``spec``; metadata has no ``displayName`` and plain
string labels; durations take the units ``m``, ``h``, ``d`` and ``w`` only. The schemas are
v1's with those fields replaced, so everything else (checks, conversion) is shared.
"""

from __future__ import annotations

import re
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
    Ref,
    SLISpecIn,
    check_keys,
    check_name,
    check_shorthand,
    source_problems,
)

API_VERSION = "openslo.com/v2alpha"
UNITS = ("m", "h", "d", "w")


K8S_PREFIX = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
K8S_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
QUALIFIED_EXPECTED = (
    "a Kubernetes qualified name: an optional DNS-name prefix and '/', then at most 63 "
    "letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
)
LABEL_VALUE = re.compile(r"^([a-z0-9]([-._a-z0-9]{0,61}[a-z0-9])?)?$")


def qualified_name(key: str) -> bool:
    """Whether ``key`` is a Kubernetes qualified name, as v2alpha requires of label and
    annotation keys (``prefix/name``, ``name``)."""
    if not 1 <= len(key) <= 317 or key.count("/") > 1:
        return False
    prefix, _, name = key.rpartition("/")
    if "/" in key and not (prefix and len(prefix) <= 253 and K8S_PREFIX.match(prefix)):
        return False
    return len(name) <= 63 and bool(K8S_NAME.match(name))


class MetadataIn(InputModel):
    """v2alpha metadata: a name, string labels and annotations (no ``displayName``)."""

    name: str
    labels: dict[str, str] = {}
    annotations: dict[str, str] = {}

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return check_name(v)

    @field_validator("labels")
    @classmethod
    def _labels(cls, v: dict[str, str]) -> dict[str, str]:
        check_keys(v, "label", qualified_name, QUALIFIED_EXPECTED)
        for key, value in v.items():
            if not LABEL_VALUE.match(value):
                raise invalid(
                    f"label {key}: '{value}' is not a valid label value",
                    "at most 63 lower-case letters, digits, '-', '_' or '.', starting and "
                    "ending with a letter or digit (or empty)",
                )
        return v

    @field_validator("annotations")
    @classmethod
    def _annotations(cls, v: dict[str, str]) -> dict[str, str]:
        return check_keys(v, "annotation", qualified_name, QUALIFIED_EXPECTED)


class DataSourceRefIn(InputModel):
    """A metric's source in v2alpha: the query ``spec`` and where it runs."""

    data_source_ref: Ref | None = Field(None, alias="dataSourceRef")
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
    indicator_ref: Ref | None = Field(None, alias="sliRef")


class TimeWindowV2In(TimeWindowIn):
    """``timeWindow`` item; units ``m``, ``h``, ``d``, ``w`` only."""

    @field_validator("duration", mode="before")  # before v1's checks of the length
    @classmethod
    def _units(cls, v: object) -> object:
        return check_shorthand(v, "".join(UNITS))


class BurnRateV2In(v1.BurnRateIn):
    """A v2alpha burn-rate condition: ``alertAfter`` is required, units m, h, d, w only."""

    alert_after: str = Field(alias="alertAfter")

    @field_validator("lookback_window", "alert_after", mode="before")
    @classmethod
    def _units(cls, v: object) -> object:
        return check_shorthand(v, "".join(UNITS))


class AlertConditionSpecV2In(v1.AlertConditionSpecIn):
    """``spec`` of a v2alpha AlertCondition."""

    condition: BurnRateV2In


class ConditionItemV2In(v1.ConditionItemIn):
    """An item of a v2alpha AlertPolicy's ``conditions``."""

    spec: AlertConditionSpecV2In | None = None


class AlertPolicySpecV2In(v1.AlertPolicySpecIn):
    """``spec`` of a v2alpha AlertPolicy: its inline conditions are v2alpha's."""

    conditions: list[ConditionItemV2In]


class PolicyItemV2In(v1.PolicyItemIn):
    """An item of a v2alpha SLO's ``alertPolicies``."""

    spec: AlertPolicySpecV2In | None = None


class SLOSpecV2In(v1.SLOSpecIn):
    """``spec`` of a v2alpha SLO."""

    service: str = Field(pattern=NAME_PATTERN, alias="serviceRef")
    indicator: InlineSLIV2In | None = Field(None, alias="sli")
    indicator_ref: Ref | None = Field(None, alias="sliRef")
    time_window: list[TimeWindowV2In] = Field(alias="timeWindow")
    objectives: list[ObjectiveV2In] = []
    alert_policies: list[PolicyItemV2In] = Field([], alias="alertPolicies")

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
    spec: AlertPolicySpecV2In


class AlertConditionDoc(_DocIn):
    """A v2alpha AlertCondition."""

    kind: Literal["AlertCondition"]
    spec: AlertConditionSpecV2In


class AlertNotificationTargetDoc(_DocIn):
    """A v2alpha AlertNotificationTarget."""

    kind: Literal["AlertNotificationTarget"]
    spec: v1.TargetSpecIn


DOCS = {
    "Service": ServiceDoc,
    "SLI": SLIDoc,
    "SLO": SLODoc,
    "DataSource": DataSourceDoc,
    "AlertPolicy": AlertPolicyDoc,
    "AlertCondition": AlertConditionDoc,
    "AlertNotificationTarget": AlertNotificationTargetDoc,
}
