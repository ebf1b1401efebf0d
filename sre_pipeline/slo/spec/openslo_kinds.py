"""Input schema for OpenSLO v1 alert policies and conditions, SLO specs and each kind's
document (``Service``, ``SLI``, ``SLO``, ``AlertPolicy``, ``AlertCondition``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from sre_pipeline.inputs.durations import parse_duration
from sre_pipeline.inputs.problems import did_you_mean
from sre_pipeline.inputs.validation import InputModel, Number, invalid
from sre_pipeline.slo.spec.native_schema import NAME_PATTERN
from sre_pipeline.slo.spec.openslo_period import TimeWindowIn
from sre_pipeline.slo.spec.openslo_schema import (
    Description,
    InlineSLIIn,
    MetadataIn,
    ObjectiveIn,
    Ref,
    SLISpecIn,
    check_shorthand,
    duration_input,
)
from sre_pipeline.slo.windows import PAGE, TICKET, WindowPair

BUDGETING = ("Occurrences", "Timeslices", "RatioTimeslices")
PAGE_SEVERITIES = frozenset({"page", "critical", "high"})


class BurnRateIn(InputModel):
    """``condition`` of an AlertCondition: burn rate over ``lookbackWindow`` above a threshold."""

    kind: Literal["burnrate"]
    op: Literal["gt", "gte", "lt", "lte"]
    threshold: Number = Field(gt=0)
    lookback_window: str = Field(alias="lookbackWindow")
    alert_after: str | None = Field(None, alias="alertAfter")  # Prometheus 'for:', not modelled

    @field_validator("lookback_window")
    @classmethod
    def _lookback(cls, v: str) -> str:
        check_shorthand(v)
        if duration_input(v, "window") <= timedelta(minutes=1):
            raise invalid(f"lookbackWindow '{v}' is too short for a burn-rate window", "e.g. 1h")
        return v

    @field_validator("alert_after")
    @classmethod
    def _after(cls, v: str | None) -> str | None:
        if v is not None:
            check_shorthand(v)
            duration_input(v, "duration")
        return v


class AlertConditionSpecIn(InputModel):
    """``spec`` of an AlertCondition."""

    description: Description = ""
    severity: str
    condition: BurnRateIn

    def window_pair(self) -> WindowPair | None:
        """The window pair: short window 1/12 of the long one, the Google workbook's rule;
        None for ``lt``/``lte``, which alert while the budget is safe (valid OpenSLO, but no
        burn-rate alert the pipeline evaluates)."""
        if self.condition.op in ("lt", "lte"):
            return None
        long = parse_duration(self.condition.lookback_window)
        minutes = max(1, int(long.total_seconds() / 60 / 12 + 0.5))
        severity = PAGE if self.severity.lower() in PAGE_SEVERITIES else TICKET
        return WindowPair(long, timedelta(minutes=minutes), self.condition.threshold, severity)


def _inline_or_ref(item: InputModel, ref: str | None, spec: Any, ref_key: str, kind: str) -> None:
    if ref is not None and spec is not None:
        raise invalid(
            f"both '{ref_key}' and an inline {kind}", f"either {ref_key} or kind/metadata/spec"
        )
    if ref is None and spec is None:
        raise invalid(f"neither '{ref_key}' nor an inline {kind} 'spec'", f"{ref_key}: <name>")
    if spec is not None and (item.kind is None or item.metadata is None):
        missing = " and ".join(k for k in ("kind", "metadata") if getattr(item, k) is None)
        raise invalid(
            f"an inline {kind} without {missing}", f"kind: {kind}, metadata: {{name}} and spec"
        )


class ConditionItemIn(InputModel):
    """An item of ``conditions``: a ``conditionRef`` or an inline AlertCondition."""

    condition_ref: Ref | None = Field(None, alias="conditionRef")
    kind: Literal["AlertCondition"] | None = None
    metadata: MetadataIn | None = None
    spec: AlertConditionSpecIn | None = None

    @model_validator(mode="after")
    def _one(self):
        _inline_or_ref(self, self.condition_ref, self.spec, "conditionRef", "AlertCondition")
        return self


class TargetSpecIn(InputModel):
    """``spec`` of an AlertNotificationTarget."""

    description: Description = ""
    target: str


class TargetItemIn(InputModel):
    """An item of ``notificationTargets``; routing is left to Alertmanager, so it is unused."""

    target_ref: Ref | None = Field(None, alias="targetRef")
    kind: Literal["AlertNotificationTarget"] | None = None
    metadata: MetadataIn | None = None
    spec: TargetSpecIn | None = None

    @model_validator(mode="after")
    def _one(self):
        _inline_or_ref(self, self.target_ref, self.spec, "targetRef", "AlertNotificationTarget")
        return self


class AlertPolicySpecIn(InputModel):
    """``spec`` of an AlertPolicy."""

    description: Description = ""
    alert_when_no_data: bool = Field(False, alias="alertWhenNoData")
    alert_when_resolved: bool = Field(False, alias="alertWhenResolved")
    alert_when_breaching: bool = Field(True, alias="alertWhenBreaching")
    conditions: list[ConditionItemIn]
    notification_targets: list[TargetItemIn] = Field(alias="notificationTargets", min_length=1)

    @field_validator("conditions")
    @classmethod
    def _one(cls, v: list[ConditionItemIn]) -> list[ConditionItemIn]:
        if len(v) != 1:
            raise invalid(
                f"an AlertPolicy holds exactly one condition, found {len(v)}",
                "one AlertPolicy per condition, each listed in the SLO's alertPolicies",
            )
        return v


class PolicyItemIn(InputModel):
    """An item of an SLO's ``alertPolicies``: an ``alertPolicyRef`` or an inline AlertPolicy."""

    alert_policy_ref: Ref | None = Field(None, alias="alertPolicyRef")
    kind: Literal["AlertPolicy"] | None = None
    metadata: MetadataIn | None = None
    spec: AlertPolicySpecIn | None = None

    @model_validator(mode="after")
    def _one(self):
        _inline_or_ref(self, self.alert_policy_ref, self.spec, "alertPolicyRef", "AlertPolicy")
        return self


class SLOSpecIn(InputModel):
    """``spec`` of an SLO."""

    description: Description = ""
    service: str = Field(pattern=NAME_PATTERN)
    indicator: InlineSLIIn | None = None
    indicator_ref: Ref | None = Field(None, alias="indicatorRef")
    time_window: list[TimeWindowIn] = Field(alias="timeWindow")
    budgeting_method: str = Field(alias="budgetingMethod")
    objectives: list[ObjectiveIn] = []  # none: valid OpenSLO, nothing to evaluate (a warning)
    alert_policies: list[PolicyItemIn] = Field([], alias="alertPolicies")

    @field_validator("alert_policies", mode="before")
    @classmethod
    def _none(cls, v: object) -> object:
        return [] if v is None else v  # "alertPolicies:" with nothing under it

    @field_validator("time_window")
    @classmethod
    def _one_window(cls, v: list[TimeWindowIn]) -> list[TimeWindowIn]:
        if len(v) != 1:
            raise invalid(f"timeWindow has {len(v)} items", "exactly one time window")
        return v

    @field_validator("budgeting_method")
    @classmethod
    def _method(cls, v: str) -> str:
        if v not in BUDGETING:
            hint = did_you_mean(v, BUDGETING)
            raise invalid(f"unknown budgetingMethod '{v}'{hint}", ", ".join(BUDGETING))
        return v

    @model_validator(mode="after")
    def _indicator(self):
        if self.indicator is not None and self.indicator_ref is not None:
            raise invalid("both 'indicator' and 'indicatorRef' given", "one of them")
        return self


class ServiceSpecIn(InputModel):
    """``spec`` of a Service."""

    description: Description = ""

    @model_validator(mode="before")
    @classmethod
    def _null(cls, data: object) -> object:
        return {} if data is None else data  # "spec:" with nothing under it, valid OpenSLO


class _DocIn(InputModel):
    api_version: Literal["openslo/v1"] = Field(alias="apiVersion")
    metadata: MetadataIn


class DataSourceSpecIn(InputModel):
    """``spec`` of a DataSource (and v2alpha's inline ``dataSourceSpec``): its ``type`` tells
    whether the pipeline can query the metrics that reference it."""

    description: Description = ""
    type: str = Field(min_length=1)
    connection_details: Any = Field(alias="connectionDetails")  # any value, as OpenSLO


class DataSourceDoc(_DocIn):
    """A DataSource document."""

    kind: Literal["DataSource"]
    spec: DataSourceSpecIn


class ServiceDoc(_DocIn):
    """A Service document."""

    kind: Literal["Service"]
    spec: ServiceSpecIn = ServiceSpecIn()


class SLIDoc(_DocIn):
    """An SLI document."""

    kind: Literal["SLI"]
    spec: SLISpecIn


class SLODoc(_DocIn):
    """An SLO document."""

    kind: Literal["SLO"]
    spec: SLOSpecIn


class AlertPolicyDoc(_DocIn):
    """An AlertPolicy document."""

    kind: Literal["AlertPolicy"]
    spec: AlertPolicySpecIn


class AlertConditionDoc(_DocIn):
    """An AlertCondition document."""

    kind: Literal["AlertCondition"]
    spec: AlertConditionSpecIn


class AlertNotificationTargetDoc(_DocIn):
    """An AlertNotificationTarget document: validated, and unused (Alertmanager routes)."""

    kind: Literal["AlertNotificationTarget"]
    spec: TargetSpecIn


DOCS: dict[str, type[_DocIn]] = {
    "Service": ServiceDoc,
    "SLI": SLIDoc,
    "SLO": SLODoc,
    "AlertPolicy": AlertPolicyDoc,
    "AlertCondition": AlertConditionDoc,
    "DataSource": DataSourceDoc,
    "AlertNotificationTarget": AlertNotificationTargetDoc,
}
