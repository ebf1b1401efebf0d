"""Sloth's SLO plugins applied to the exported rules, in the SLO's chain order.

Each plugin is a step over the SLO's three rule groups, as in Sloth, where every plugin gets
the result of the ones before it: the core ``sli_rules``, ``metadata_rules`` and
``alert_rules`` set their group (a chain without one has no such group), the contrib plugins
change what is there: ``info_labels`` adds labels to the info metric, ``rule_intervals``
sets each group's ``interval``, ``denominator_corrected_rules`` rewrites the SLI recordings
to divide by the period's traffic, ``remove_labels`` strips the SLO's own labels,
``error_budget_exhausted_alert`` adds an alert. The validation plugins act when the spec is
loaded (:mod:`sre_pipeline.slo.spec.sloth_plugins`), ``noop`` and ``debug`` do nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sre_pipeline.inputs.durations import format_duration, parse_duration
from sre_pipeline.inputs.goyaml import format_float
from sre_pipeline.inputs.promql import render
from sre_pipeline.slo.model import CONTRIB, CORE, SLO
from sre_pipeline.slo.rules.naming import ID_LABELS, selector, slo_labels
from sre_pipeline.slo.rules.promql import sli_templates

CORRECTION = "slo:numerator_correction:ratio"
GROUPS = ("sli", "meta", "alerts")


@dataclass
class RuleSet:
    """The SLO's groups as the chain leaves them: rules (None: no plugin made the group) and
    evaluation intervals."""

    groups: dict[str, list[dict] | None] = field(default_factory=lambda: dict.fromkeys(GROUPS))
    intervals: dict[str, str] = field(default_factory=dict)


Core = dict[str, Callable[[SLO, dict], list[dict]]]  # group -> builder(slo, config)


def run(slo: SLO, core: Core) -> RuleSet:
    """Run the SLO's plugin chain; ``core`` builds the three groups as the core plugins do."""
    rules = RuleSet()
    for plugin in slo.rule_plugins:
        step = STEPS.get(plugin.id)
        if step is not None:
            step(slo, plugin.config, rules, core)
    return rules


def _core(group: str):
    def step(slo: SLO, config: dict, rules: RuleSet, core: Core) -> None:
        rules.groups[group] = core[group](slo, config)

    return step


def _info_labels(slo: SLO, config: dict, rules: RuleSet, core: Core) -> None:
    """Merge the labels into the first metadata recording of ``metricName`` (the plugin's
    labels win); nothing when the metadata rules are not made yet, as in Sloth."""
    for rule in rules.groups["meta"] or []:
        if rule["record"] == config["metricName"]:
            rule["labels"] = dict(sorted({**rule["labels"], **config["labels"]}.items()))
            break


def prom_duration(text: str) -> str:
    """A Prometheus duration as Prometheus writes it back (``90s`` -> ``1m30s``, ``7d`` ->
    ``1w``): Sloth normalises ``rule_intervals`` so."""
    seconds = int(parse_duration(text).total_seconds() * 1000)
    if seconds == 0:
        return "0s"
    parts = []
    for unit, size in (("y", 31536000000), ("w", 604800000), ("d", 86400000), ("h", 3600000)):
        if seconds >= size:
            count, seconds = divmod(seconds, size)
            parts.append(f"{count}{unit}")
    for unit, size in (("m", 60000), ("s", 1000), ("ms", 1)):
        if seconds >= size:
            count, seconds = divmod(seconds, size)
            parts.append(f"{count}{unit}")
    return "".join(parts)


def _intervals(slo: SLO, config: dict, rules: RuleSet, core: Core) -> None:
    """Each group's ``interval``: its own setting, else ``default``."""
    iv = config["interval"]
    own = {"sli": iv["sliError"], "meta": iv["metadata"], "alerts": iv["alert"]}
    # a zero group interval is "not set", as in Sloth: the default applies
    rules.intervals = {
        g: prom_duration(own[g] if own[g] not in (None, "0") else iv["default"]) for g in GROUPS
    }


def _window(rule: dict) -> timedelta:
    return parse_duration(rule["labels"]["sloth_window"])


def _denominator_corrected(slo: SLO, config: dict, rules: RuleSet, core: Core) -> None:
    """Sloth's denominator-corrected SLI: over window W the errors are weighed by
    ``total(W) / total(period)`` (recorded as ``slo:numerator_correction:ratio<W>``), so a
    burst in a quiet hour burns what it costs the period, not the hour's share."""
    q = sli_templates(slo.sli)
    error, total = q["bad"], q["total"]
    period = slo.period.nominal
    at_period = format_duration(period)
    sli = rules.groups["sli"] or core["sli"](slo, {"disableOptimized": False})
    windows = [_window(r) for r in sli]
    out = []
    for rule, w in zip(sli, windows, strict=True):
        label = format_duration(w)
        if w == period and not config["disableOptimized"]:
            expr = rule["expr"]  # the mean of the 5-minute ratios, as the core rule
        elif w == period:
            expr = f"({render(error, label)})\n/\n({render(total, label)})"
        else:
            expr = (
                f"(\n{CORRECTION}{label}{selector(slo)}\n* on()\n{render(error, label)}\n)\n/\n"
                f"({render(total, label)})"
            )
        out.append({**rule, "expr": expr})
    rules.groups["sli"] = out
    corrections = [
        {
            "record": CORRECTION + format_duration(w),
            "expr": f"({render(total, format_duration(w))})/({render(total, at_period)})",
            "labels": slo_labels(slo),
        }
        for w in windows
        if w != period
    ]
    rules.groups["meta"] = (rules.groups["meta"] or []) + corrections


def _remove_labels(slo: SLO, config: dict, rules: RuleSet, core: Core) -> None:
    """Keep only the id labels (and ``sloth_window`` on SLI recordings) and
    ``preserveLabels`` on every recording but the info metric and ``skipMetrics``."""
    keep = {*ID_LABELS, *config["preserveLabels"]}
    skip = {"sloth_slo_info", *config["skipMetrics"]}
    for group, extra in (("sli", {"sloth_window"}), ("meta", set())):
        for rule in rules.groups[group] or []:
            if rule["record"] not in skip:
                rule["labels"] = {k: v for k, v in rule["labels"].items() if k in keep | extra}


def _label_matcher(labels: dict[str, str]) -> str:
    """Prometheus' ``LabelSet.String()``: sorted, quoted, comma and space separated."""
    escaped = {k: v.replace("\\", "\\\\").replace('"', '\\"') for k, v in labels.items()}
    return "{" + ", ".join(f'{k}="{escaped[k]}"' for k in sorted(escaped)) + "}"


def _budget_exhausted(slo: SLO, config: dict, rules: RuleSet, core: Core) -> None:
    """One more alert: the period's remaining budget at or below ``threshold``."""
    labels = {**slo_labels(slo), **config["selector_labels"]}
    threshold = format_float(config["threshold"], 64)
    alert = {
        "alert": config["alert_name"],
        "expr": f"slo:period_error_budget_remaining:ratio{_label_matcher(labels)} <= {threshold}",
        "for": prom_duration("5m" if config["for"] == "0" else config["for"]),  # Sloth's default
        "labels": dict(config["alert_labels"]),
        "annotations": dict(config["annotations"]),
    }
    rules.groups["alerts"] = (rules.groups["alerts"] or []) + [alert]


STEPS = {
    f"{CORE}sli_rules/v1": _core("sli"),
    f"{CORE}metadata_rules/v1": _core("meta"),
    f"{CORE}alert_rules/v1": _core("alerts"),
    f"{CONTRIB}info_labels/v1": _info_labels,
    f"{CONTRIB}rule_intervals/v1": _intervals,
    f"{CONTRIB}denominator_corrected_rules/v1": _denominator_corrected,
    f"{CONTRIB}remove_labels/v1": _remove_labels,
    f"{CONTRIB}error_budget_exhausted_alert/v1": _budget_exhausted,
}
