"""Input schema of the native spec format (``apiVersion: sre-pipeline/v1``).

Pydantic models with unknown keys forbidden; validators raise :func:`invalid` with what is
wrong and what is expected, so the loader can report every problem at once.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Literal

from pydantic import Field, field_validator, model_validator

from sre_pipeline.inputs.durations import DurationError, parse_duration
from sre_pipeline.inputs.promql import WINDOW, is_selector
from sre_pipeline.inputs.validation import (
    InputModel,
    Number,
    check_promql,
    check_time_zone,
    invalid,
)
from sre_pipeline.slo.periods import Period
from sre_pipeline.slo.policy import PolicyTier, validate_tiers

API_VERSION = "sre-pipeline/v1"
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"


def has_window(query: str) -> bool:
    """True when a PromQL template contains the ``{{ .window }}`` placeholder (any spacing)."""
    return bool(WINDOW.search(query))


def _window_query(value: str) -> str:
    if not has_window(value):
        raise invalid(
            "query has no {{ .window }} placeholder",
            "PromQL such as sum(rate(http_requests_total[{{ .window }}]))",
        )
    return check_promql(value)


def percent_to_ratio(value: float) -> float:
    """99.9 -> 0.999 without binary noise (0.9990000000000001), via the decimal text."""
    return float(Decimal(repr(value)) / 100)


def _duration(value: str, what: str) -> timedelta:
    try:
        return parse_duration(value)
    except DurationError as exc:
        raise invalid(*exc.parts(f"a {what} such as '5m', '1h' or '28d'")) from None


class ServiceIn(InputModel):
    name: str = Field(pattern=NAME_PATTERN)
    owner: str | None = None
    team: str | None = None
    description: str = ""
    labels: dict[str, str] = {}


class EventsIn(InputModel):
    good: str | None = None
    bad: str | None = None
    total: str

    @field_validator("good", "bad", "total")
    @classmethod
    def _placeholder(cls, v: str | None) -> str | None:
        return v if v is None else _window_query(v)

    @model_validator(mode="after")
    def _one_of(self):
        if (self.good is None) == (self.bad is None):
            raise invalid("give exactly one of 'good' and 'bad'", "'good' or 'bad' with 'total'")
        return self


class LatencyIn(InputModel):
    metric: str = Field(pattern=r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
    matchers: dict[str, str] | list[str] = {}
    threshold: Number = Field(gt=0, description="seconds")

    @field_validator("metric")
    @classmethod
    def _base_name(cls, v: str) -> str:
        for suffix in ("_bucket", "_count", "_sum"):
            if v.endswith(suffix):
                raise invalid(
                    f"'{v}' ends in {suffix}", f"the histogram's base name '{v[: -len(suffix)]}'"
                )
        return v


class RatioIn(InputModel):
    error_ratio: str

    @field_validator("error_ratio")
    @classmethod
    def _placeholder(cls, v: str) -> str:
        return _window_query(v)


class ProbeIn(InputModel):
    query: str

    @field_validator("query")
    @classmethod
    def _selector(cls, v: str) -> str:
        if not is_selector(v):
            raise invalid(
                "probe query is not a plain series selector",
                'a 0/1 gauge selector such as probe_success{job="blackbox"}',
            )
        return check_promql(v)


class SLIIn(InputModel):
    events: EventsIn | None = None
    latency: LatencyIn | None = None
    ratio: RatioIn | None = None
    probe: ProbeIn | None = None

    @model_validator(mode="after")
    def _exactly_one(self):
        given = [k for k in ("events", "latency", "ratio", "probe") if getattr(self, k)]
        if len(given) != 1:
            raise invalid(
                f"{len(given)} SLI kinds given ({', '.join(given) or 'none'})",
                "exactly one of events, latency, ratio, probe",
            )
        return self


class PeriodIn(InputModel):
    rolling: str | None = None
    calendar: Literal["week", "month", "quarter", "year"] | None = None
    time_zone: str = "UTC"

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, v):
        if isinstance(v, str):
            return {"calendar": v} if v in ("week", "month", "quarter", "year") else {"rolling": v}
        return v

    @field_validator("time_zone")
    @classmethod
    def _tz(cls, v: str) -> str:
        return check_time_zone(v)

    @field_validator("rolling")
    @classmethod
    def _whole_days(cls, v):
        if v is None:
            return v
        length = _duration(v, "period")
        if length < timedelta(days=1) or length % timedelta(days=1):
            raise invalid(
                f"rolling period '{v}' is not a whole number of days", "e.g. 7d, 28d, 30d"
            )
        return v

    @model_validator(mode="after")
    def _one(self):
        if (self.rolling is None) == (self.calendar is None):
            raise invalid("give exactly one of 'rolling' and 'calendar'", "e.g. 30d or month")
        return self

    def to_period(self) -> Period:
        if self.rolling:
            return Period.rolling(parse_duration(self.rolling))
        return Period.calendar(self.calendar, self.time_zone)


class BudgetingIn(InputModel):
    method: Literal["occurrences", "timeslices"] = "occurrences"
    slice: str | None = None
    slice_target: Number | None = Field(None, gt=0, le=100, description="percent")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, v):
        return {"method": v} if isinstance(v, str) else v

    @model_validator(mode="after")
    def _slices(self):
        if self.method == "timeslices":
            if not self.slice or self.slice_target is None:
                raise invalid(
                    "timeslices need 'slice' and 'slice_target'", "slice: 5m, slice_target: 95"
                )
            _duration(self.slice, "slice length")
        elif self.slice or self.slice_target is not None:
            raise invalid(
                "'slice' and 'slice_target' only apply to timeslices", "method: timeslices"
            )
        return self


class WindowPairIn(InputModel):
    long: str
    short: str
    factor: Number | None = Field(None, gt=0)
    budget_percent: Number | None = Field(None, gt=0, le=100)
    severity: Literal["page", "ticket"]

    @model_validator(mode="after")
    def _check(self):
        long, short = _duration(self.long, "window"), _duration(self.short, "window")
        if short >= long:
            raise invalid(
                f"short window {self.short} is not shorter than long {self.long}", "short < long"
            )
        if (self.factor is None) == (self.budget_percent is None):
            raise invalid("give exactly one of 'factor' and 'budget_percent'", "e.g. factor: 14.4")
        return self


class AlertingIn(InputModel):
    window_set: Literal["google", "pyrra", "custom"] = "google"
    windows: list[WindowPairIn] | None = None

    @model_validator(mode="after")
    def _custom(self):
        if self.windows and self.window_set != "custom" and "window_set" in self.model_fields_set:
            raise invalid("'windows' given with a preset window_set", "window_set: custom")
        if not self.windows and self.window_set == "custom":
            raise invalid("window_set custom needs 'windows'", "a list of window pairs")
        return self


class TierIn(InputModel):
    name: str = Field(pattern=NAME_PATTERN)
    min_remaining_percent: Number
    action: str = ""


def tier_of(t: TierIn) -> PolicyTier:
    """Model tier (fraction) from an input tier (percent)."""
    return PolicyTier(t.name, t.min_remaining_percent / 100, t.action)


class SLOIn(InputModel):
    name: str = Field(pattern=NAME_PATTERN)
    description: str = ""
    objective: Number
    period: PeriodIn = PeriodIn(rolling="30d")
    budgeting: BudgetingIn = BudgetingIn()
    sli: SLIIn
    alerting: AlertingIn = AlertingIn()
    policy_tiers: list[TierIn] | None = None
    aspirational: bool = False
    labels: dict[str, str] = {}

    @field_validator("objective")
    @classmethod
    def _objective(cls, v: float) -> float:
        if not 0 < v < 100:
            raise invalid(
                f"objective {v} is out of range", "a percentage above 0 and below 100, e.g. 99.9"
            )
        return v

    @field_validator("policy_tiers")
    @classmethod
    def _tiers(cls, v: list[TierIn] | None) -> list[TierIn] | None:
        problems = validate_tiers(tuple(tier_of(t) for t in v)) if v is not None else []
        if problems:
            raise invalid("; ".join(problems), "tiers from the highest min_remaining_percent down")
        return v


class DocumentIn(InputModel):
    apiVersion: Literal["sre-pipeline/v1"] = API_VERSION  # noqa: N815 - the key users write
    kind: Literal["ServiceLevelObjectives"] = "ServiceLevelObjectives"
    service: ServiceIn
    slos: list[SLOIn] = Field(min_length=1)
