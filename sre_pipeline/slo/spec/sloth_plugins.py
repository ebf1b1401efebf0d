"""Sloth's SLO plugins: the ``slo_plugins`` / ``plugins`` blocks of a ``prometheus/v1`` file
(``sloPlugins`` / ``plugins`` in the Kubernetes resource), each plugin's configuration, and the
chain Sloth builds from them.

Sloth's SLO plugins are Go code compiled into Sloth (``sloth.dev/core/...``) or shipped with
it (``sloth.dev/contrib/...``); each id here behaves as that plugin does
(:mod:`sre_pipeline.slo.rules.plugins` applies them to the exported rules). The chain, as
Sloth's ``generate`` builds it: the file's plugins then the SLO's (an SLO's
``overridePrevious`` drops the file's), stably sorted by ``priority``; those below 0 run before
Sloth's default chain (validate, SLI, metadata and alert rules), the others after it, and
``overridePrevious`` at either level drops the default chain. Configuration is checked when
the spec is loaded, so a wrong option is an error with its file and line, not a failed export.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from sre_pipeline.inputs.durations import DurationError, parse_duration
from sre_pipeline.inputs.problems import did_you_mean
from sre_pipeline.inputs.validation import DocContext, InputModel, Number, invalid
from sre_pipeline.slo.model import CONTRIB, CORE, DEFAULT_CHAIN, RulePlugin

VALIDATE = f"{CORE}validate/v1"
VALIDATE_VM = f"{CONTRIB}validate_victoria_metrics/v1"
ALERT_RULES = f"{CORE}alert_rules/v1"
DENOMINATOR = f"{CONTRIB}denominator_corrected_rules/v1"
PROM_DURATION = "a Prometheus duration such as 30s, 5m or 1h"


def _prom_duration(value: object) -> str:
    """A Prometheus duration string (``5m``, ``1h30m``; ``0`` allowed), as Sloth's configs
    read them: a number is refused, as Go's decoder refuses it."""
    if not isinstance(value, str):
        raise invalid(f"{value!r} is not a duration string", PROM_DURATION)
    if is_zero(value):
        return "0"  # Sloth's zero: "not set", the plugin's default applies
    try:
        parse_duration(value)
    except DurationError as exc:
        raise invalid(*exc.parts(PROM_DURATION)) from None
    return value


def is_zero(value: str) -> bool:
    """``0``, ``0s``, ``0m``...: a zero Prometheus duration."""
    return value.strip("0") in ("", "s", "m", "h", "d", "w", "y", "ms")


class _Config(InputModel):
    """A plugin's configuration (unknown keys are reported as ignored, as Sloth ignores them)."""


class NoConfig(_Config):
    """Plugins without options."""


class OptimizedIn(_Config):
    """``sli_rules`` and ``denominator_corrected_rules``: ``disableOptimized`` records the
    period ratio from the raw queries instead of averaging the 5-minute ratios."""

    disable_optimized: bool = Field(False, alias="disableOptimized")


class DebugIn(_Config):
    """``debug``: logs only."""

    msg: str = ""
    result: bool = False
    request: bool = False


class InfoLabelsIn(_Config):
    """``info_labels``: labels merged into the info metric (``sloth_slo_info``)."""

    labels: dict[str, str]
    metric_name: str = Field("sloth_slo_info", alias="metricName")

    @field_validator("labels")
    @classmethod
    def _some(cls, v: dict[str, str]) -> dict[str, str]:
        if not v:
            raise invalid("at least one label is required", "labels: {key: value}")
        return v


class IntervalsIn(_Config):
    """``interval`` of ``rule_intervals``: ``default`` and per group overrides."""

    default: str
    sli_error: str | None = Field(None, alias="sliError")
    metadata: str | None = None
    alert: str | None = None

    @field_validator("default", "sli_error", "metadata", "alert", mode="before")
    @classmethod
    def _duration(cls, v: object) -> object:
        return v if v is None else _prom_duration(v)

    @field_validator("default")
    @classmethod
    def _nonzero(cls, v: str) -> str:
        if is_zero(v):
            raise invalid("at least default interval is required", "interval.default: 1m")
        return v


class RuleIntervalsIn(_Config):
    """``rule_intervals``: the evaluation interval of each rule group."""

    interval: IntervalsIn


class RemoveLabelsIn(_Config):
    """``remove_labels``: drop the SLO's own labels from the recordings."""

    preserve_labels: list[str] = Field([], alias="preserveLabels")
    skip_metrics: list[str] = Field([], alias="skipMetrics")


class BudgetExhaustedIn(_Config):
    """``error_budget_exhausted_alert``: one more alert, on the remaining period budget."""

    threshold: Number = 0
    for_: str = Field("5m", alias="for")
    annotations: dict[str, str] = {}
    alert_name: str = "ErrorBudgetExhausted"
    selector_labels: dict[str, str] = {}
    alert_labels: dict[str, str] = {}

    @field_validator("for_", mode="before")
    @classmethod
    def _for(cls, v: object) -> object:
        return _prom_duration(v)


CONFIGS: dict[str, type[_Config]] = {
    f"{CORE}validate/v1": NoConfig,
    f"{CORE}sli_rules/v1": OptimizedIn,
    f"{CORE}metadata_rules/v1": NoConfig,
    f"{CORE}alert_rules/v1": NoConfig,
    f"{CORE}noop/v1": NoConfig,
    f"{CORE}debug/v1": DebugIn,
    f"{CONTRIB}info_labels/v1": InfoLabelsIn,
    f"{CONTRIB}rule_intervals/v1": RuleIntervalsIn,
    f"{CONTRIB}denominator_corrected_rules/v1": OptimizedIn,
    f"{CONTRIB}validate_victoria_metrics/v1": NoConfig,
    f"{CONTRIB}remove_labels/v1": RemoveLabelsIn,
    f"{CONTRIB}error_budget_exhausted_alert/v1": BudgetExhaustedIn,
}


class PluginIn(InputModel):
    """An item of ``chain``."""

    id: str
    priority: int = 0
    config: Any = None


class PluginsIn(InputModel):
    """``slo_plugins`` / ``sloPlugins`` / ``plugins``: the chain and whether it replaces
    what comes before it (Sloth spells ``overridePrevious`` so in both formats)."""

    override_previous: bool = Field(False, alias="overridePrevious")
    chain: list[PluginIn] = []

    @field_validator("chain", mode="before")
    @classmethod
    def _none(cls, v: object) -> object:
        return [] if v is None else v  # "chain:" with nothing under it, as Sloth reads it


def _keys(model: type[InputModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


def _config(ctx: DocContext, item: PluginIn, path: tuple) -> dict | None:
    """The plugin's validated configuration (None: an error was reported)."""
    model = CONFIGS.get(item.id)
    if model is None:
        known = ", ".join(CONFIGS)
        message = f"unknown SLO plugin '{item.id}'{did_you_mean(item.id, CONFIGS)}"
        ctx.problem(path + ("id",), message, f"one of Sloth's SLO plugins: {known}")
        return None
    raw = {} if item.config is None else item.config
    if not isinstance(raw, dict):
        ctx.problem(path + ("config",), f"{raw!r} is not a mapping", "config: {option: value}")
        return None
    allowed = _keys(model)
    for key in [k for k in raw if k not in allowed]:
        ctx.problem(
            path + ("config", key),
            f"unknown option '{key}' of {item.id}{did_you_mean(key, allowed)}, ignored as "
            "Sloth ignores it",
            "one of: " + (", ".join(allowed) or "(none)"),
            warning=True,
        )
    known = {k: v for k, v in raw.items() if k in allowed}
    parsed = ctx.validate(model, known, path + ("config",))
    return None if parsed is None else parsed.model_dump(by_alias=True)


def chain(
    ctx: DocContext,
    group: PluginsIn | None,
    own: PluginsIn | None,
    group_path: tuple,
    own_path: tuple,
) -> tuple[RulePlugin, ...] | None:
    """The SLO's plugin chain in Sloth's order, or None when a plugin is unknown or its
    configuration is wrong (reported to ``ctx``)."""
    group = group or PluginsIn()
    own = own or PluginsIn()
    items: list[tuple[PluginIn, tuple]] = []
    if not own.override_previous:
        items += [(p, group_path + ("chain", i)) for i, p in enumerate(group.chain)]
    items += [(p, own_path + ("chain", i)) for i, p in enumerate(own.chain)]
    override = group.override_previous or own.override_previous
    configs = [_config(ctx, p, path) for p, path in items]
    if any(c is None for c in configs):
        return None
    ordered = sorted(zip(items, configs, strict=True), key=lambda pc: pc[0][0].priority)
    plugins = [(p.priority, RulePlugin(id=p.id, config=c)) for (p, _), c in ordered]
    before = [r for prio, r in plugins if prio < 0]
    after = [r for prio, r in plugins if prio >= 0]
    default = [] if override else [RulePlugin(id=i) for i in DEFAULT_CHAIN]
    return tuple(before + default + after)


def dialect(plugins: tuple[RulePlugin, ...]) -> str | None:
    """How the chain validates queries: ``promql`` (Sloth's core validate plugin),
    ``metricsql`` (its VictoriaMetrics one) or None (no validation plugin in the chain)."""
    ids = {p.id for p in plugins}
    return "promql" if VALIDATE in ids else "metricsql" if VALIDATE_VM in ids else None
