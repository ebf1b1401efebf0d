"""The one validated SLO model every input format (native, OpenSLO, Sloth) loads into."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sre_pipeline.slo.periods import Period
from sre_pipeline.slo.policy import DEFAULT_TIERS, PolicyTier
from sre_pipeline.slo.windows import WindowPair

SLIKind = Literal["events", "latency", "ratio", "probe", "threshold"]
SourceFormat = Literal["native", "openslo", "sloth"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True, extra="forbid")


class SLI(_Frozen):
    """What counts as good and total events.

    - ``events``: ``good_query`` or ``bad_query``, plus ``total_query`` (PromQL with
      ``{{ .window }}``);
    - ``latency``: histogram ``metric`` (base name), ``matchers`` and ``threshold`` seconds;
    - ``ratio``: ``error_ratio_query``, a raw error ratio (no event counts);
    - ``probe``: ``probe_query``, a 0/1 gauge such as ``probe_success{job="blackbox"}``;
    - ``threshold``: ``threshold_query`` compared with ``threshold_op`` ``threshold_value``
      (OpenSLO's thresholdMetric; listed in the catalog, not collected yet).
    """

    kind: SLIKind
    good_query: str | None = None
    bad_query: str | None = None
    total_query: str | None = None
    error_ratio_query: str | None = None
    metric: str | None = None
    matchers: tuple[str, ...] = ()
    threshold: float | None = None
    probe_query: str | None = None
    threshold_query: str | None = None
    threshold_op: Literal["gt", "gte", "lt", "lte"] | None = None
    threshold_value: float | None = None

    @model_validator(mode="after")
    def _complete(self) -> SLI:
        needed = {
            "events": self.total_query and (self.good_query or self.bad_query),
            "latency": self.metric and self.threshold is not None,
            "ratio": self.error_ratio_query,
            "probe": self.probe_query,
            "threshold": self.threshold_query,
        }[self.kind]
        if not needed:
            raise ValueError(f"incomplete {self.kind} SLI")
        return self


class Budgeting(_Frozen):
    """``occurrences`` (events), ``timeslices`` (a slice is good when it meets its target) or
    ``ratio_timeslices`` (OpenSLO's RatioTimeslices: the mean of the slices' good ratios)."""

    method: Literal["occurrences", "timeslices", "ratio_timeslices"] = "occurrences"
    slice: timedelta | None = None
    slice_target: float | None = None  # ratio in (0, 1]


class AlertMeta(_Frozen):
    """How generated alerts are named and labelled (Sloth's ``alerting`` block); empty means
    the defaults of :mod:`sre_pipeline.slo.rules.export`."""

    name: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    by_severity_labels: dict[str, dict[str, str]] = Field(default_factory=dict)
    by_severity_annotations: dict[str, dict[str, str]] = Field(default_factory=dict)


CORE = "sloth.dev/core/"
CONTRIB = "sloth.dev/contrib/"
DEFAULT_CHAIN = tuple(
    f"{CORE}{name}/v1" for name in ("validate", "sli_rules", "metadata_rules", "alert_rules")
)


class RulePlugin(_Frozen):
    """One step of Sloth's SLO plugin chain: the id (``sloth.dev/contrib/info_labels/v1``)
    and its validated ``config``. Rule export runs the SLO's chain in order
    (:mod:`sre_pipeline.slo.rules.plugins`)."""

    id: str
    config: dict = Field(default_factory=dict)


class Source(_Frozen):
    """Where an SLO was defined, for messages and for ``validate``'s listing."""

    format: SourceFormat
    file: str
    document: int
    spec: str = ""  # the document's apiVersion / version as written, e.g. sloth.slok.dev/v1


class SLO(_Frozen):
    """One service-level objective, whatever format it was written in.

    ``objective`` is a ratio (0.999 for 99.9 %); ``id`` is ``<service>-<name>`` as Sloth's
    ``sloth_id``.
    """

    id: str
    service: str
    name: str
    description: str = ""
    owner: str | None = None
    team: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    objective: float
    period: Period
    budgeting: Budgeting = Budgeting()
    sli: SLI
    window_set: str = "google"  # google | pyrra | custom | openslo
    windows: tuple[WindowPair, ...]
    policy_tiers: tuple[PolicyTier, ...] = DEFAULT_TIERS
    aspirational: bool = False
    # False: valid, listed in the catalog, but the pipeline cannot query its SLI (another
    # metric source than Prometheus, a kind it does not evaluate yet); ``note`` says why
    collectable: bool = True
    note: str = ""
    alert_meta: AlertMeta = AlertMeta()
    # the SLO plugin chain in the order Sloth runs it (priorities and overrides applied);
    # without plugins, Sloth's default chain: validate, SLI, metadata and alert rules
    rule_plugins: tuple[RulePlugin, ...] = tuple(RulePlugin(id=i) for i in DEFAULT_CHAIN)
    source: Source

    @model_validator(mode="after")
    def _check(self) -> SLO:
        if not 0.0 < self.objective < 1.0:
            raise ValueError(
                f"objective must be a ratio strictly between 0 and 1, got {self.objective}"
            )
        if not self.windows:
            raise ValueError("at least one alert window pair is required")
        return self

    @property
    def error_budget(self) -> float:
        """``1 - objective``."""
        return 1.0 - self.objective
