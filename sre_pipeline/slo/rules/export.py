"""Prometheus recording and alerting rules for an SLO catalog, in Sloth's layout and names.

Per SLO: ``slo:sli_error:ratio_rate<W>`` recordings for the status windows (5m ... 3d), every
window of the SLO's alert pairs and its period; Sloth's meta recordings (objective, error
budget, burn rates, budget remaining, ``sloth_slo_info``); and one multiwindow alert per
severity, built from the same :class:`~sre_pipeline.slo.windows.WindowPair` objects as the
Python evaluator (aspirational SLOs get no alerts). Sloth's Grafana dashboards read these
series as they are. See docs/rules.md.

Window convention: with counters scraped on 5-minute bucket boundaries and rules evaluated on
them, ``rate(x[W])`` at ``t`` spans exactly the buckets between ``t - W`` and ``t``, as the
evaluator's windows do. Timeslice SLOs count slices with a subquery aligned to the slice
length; a slice counts in a window when it ends inside it, as in the evaluator.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal

import yaml

from sre_pipeline.inputs.durations import format_duration
from sre_pipeline.inputs.promql import render
from sre_pipeline.slo.budget.evaluator import STATUS_WINDOWS
from sre_pipeline.slo.model import SLO
from sre_pipeline.slo.rules import plugins
from sre_pipeline.slo.rules.naming import (
    SLI_ERROR,
    budget_text,
    exact,
    number_text,
    percent_text,
    selector,
    slo_labels,
)
from sre_pipeline.slo.rules.promql import sli_templates
from sre_pipeline.slo.windows import SEVERITIES, WindowPair

BUCKET = timedelta(minutes=5)  # the collector's bucket; the evaluator widens shorter windows
# sloth_slo_info's mode by input format, as Sloth writes it (the native format is a
# Prometheus-rules generation like Sloth's own prometheus/v1 files)
MODES = {"sloth.slok.dev": "cli-gen-k8s", "openslo": "cli-gen-openslo"}


def alert_name(slo: SLO) -> str:
    """``CheckoutAvailabilityErrorBudgetBurn``: service and SLO name in CamelCase."""
    words = re.split(r"[^a-zA-Z0-9]+", f"{slo.service} {slo.name}")
    camel = "".join(w[:1].upper() + w[1:] for w in words if w)
    return ("Slo" if camel[:1].isdigit() else "") + camel + "ErrorBudgetBurn"


def widened(window: timedelta) -> timedelta:
    """A window shorter than one 5-minute bucket counts as one bucket, as in the evaluator."""
    return max(window, BUCKET)


def sli_windows(slo: SLO) -> list[timedelta]:
    """The status windows plus every long and short window of the SLO's pairs, shortest first."""
    found = set(STATUS_WINDOWS.values())
    for pair in slo.windows:
        found |= {widened(pair.long), widened(pair.short)}
    return sorted(found)


def _atom(query: str) -> str:
    """``query`` as an operand: unchanged when it is one call such as ``sum(rate(x[5m]))``
    (or ``sum by (a) (...)``), else wrapped in parentheses."""
    q = query.strip()
    head = re.match(r"[a-zA-Z_][a-zA-Z0-9_]*\s*(?:(?:by|without)\s*\([^()]*\)\s*)?\(", q)
    if not head:
        return f"({q})"
    depth, quote, i = 0, "", head.end() - 1
    while i < len(q):
        c = q[i]
        if quote:
            i += c == "\\"  # skip the escaped character
            quote = "" if c == quote else quote
        elif c in "\"'`":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return q if i == len(q) - 1 else f"({q})"
        i += 1
    return f"({q})"


def error_ratio_expr(slo: SLO, window: str) -> str:
    """The SLI's error ratio over ``window``; a window without traffic gives no sample.

    0/0 is NaN, and the trailing ``>= 0`` drops NaN so that averages over the recording (the
    period ratio) are not poisoned. A missing good or bad series counts as zero events
    (``or 0 * total``), so a service with no error series yet reads 0, not "no data".
    """
    t = {role: _atom(render(q, window)) for role, q in sli_templates(slo.sli).items()}
    if "error_ratio" in t:
        return f"{t['error_ratio']}\n>= 0"
    total = t["total"]
    if "bad" in t:
        return f"({t['bad']} or 0 * {total})\n/\n{total}\n>= 0"
    good = f"({t['good']} or 0 * {total})"
    return f"(\n  {total}\n  -\n  {good}\n)\n/\n{total}\n>= 0"


def timeslice_ratio_expr(slo: SLO, window: timedelta) -> str:
    """Bad slices / slices with traffic among the slices that end in ``(t - W, t]``.

    A slice is bad when its error ratio exceeds ``1 - slice_target`` (its good ratio is below
    the target); the subquery steps fall on slice ends because Prometheus aligns subquery
    steps to multiples of the step, and slices divide a day. The range is ``W`` in whole
    buckets minus 1 ms (``4m59s999ms`` for 5m): a slice counts when its last bucket starts at
    or after ``t - W``.
    """
    size = format_duration(slo.budgeting.slice)
    ratio = error_ratio_expr(slo, size).replace("\n", "\n    ")
    if slo.budgeting.method == "ratio_timeslices":  # the mean of the slices' error ratios
        bad = f"(\n  (\n    {ratio}\n  )\n)"
    else:
        bad_above = number_text(1 - exact(slo.budgeting.slice_target))
        bad = f"(\n  (\n    {ratio}\n  ) > bool {bad_above}\n)"
    whole = max(BUCKET, window - window % BUCKET)
    slices = f"{bad}[{format_duration(whole - timedelta(seconds=1))}999ms:{size}]"
    return f"sum_over_time({slices})\n/\ncount_over_time({slices})"


def _sli_rules(slo: SLO, config: dict | None = None) -> list[dict]:
    """SLI recordings for every window; the period's is Sloth's optimisation (the mean of the
    5-minute ratios) unless ``disableOptimized`` (the sli_rules plugin's option)."""
    optimized = not (config or {}).get("disableOptimized", False)
    slices = slo.budgeting.method in ("timeslices", "ratio_timeslices")
    windows = sli_windows(slo)
    exprs = {
        w: timeslice_ratio_expr(slo, w) if slices else error_ratio_expr(slo, format_duration(w))
        for w in windows
    }
    period = slo.period.nominal
    if period not in exprs and not optimized:
        exprs[period] = (
            timeslice_ratio_expr(slo, period)
            if slices
            else error_ratio_expr(slo, format_duration(period))
        )
    if period not in exprs:  # else already recorded from the raw series, as a window
        src = f"{SLI_ERROR}5m{selector(slo)}[{format_duration(period)}]"
        # Sloth's optimisation: the mean of the 5-minute ratios over the period
        sloth = f"sum_over_time({src})\n/ ignoring (sloth_window)\ncount_over_time({src})"
        exprs[period] = timeslice_ratio_expr(slo, period) if slices else sloth
    return [
        {
            "record": SLI_ERROR + format_duration(w),
            "expr": expr,
            "labels": dict(sorted({**slo_labels(slo), "sloth_window": format_duration(w)}.items())),
        }
        for w, expr in exprs.items()
    ]


def info_labels(slo: SLO) -> dict[str, str]:
    """``sloth_mode``, ``sloth_spec`` and ``sloth_version`` of ``sloth_slo_info``: the mode
    and spec of the input format as Sloth writes them (``cli-gen-k8s`` / ``sloth.slok.dev/v1``
    for the Kubernetes resource, ``cli-gen-openslo`` / ``openslo/v1alpha`` for OpenSLO)."""
    spec = slo.source.spec or "prometheus/v1"
    mode = next((m for prefix, m in MODES.items() if spec.startswith(prefix)), "cli-gen-prom")
    return {"sloth_mode": mode, "sloth_spec": spec, "sloth_version": "sre-pipeline"}


def _meta_rules(slo: SLO, config: dict | None = None) -> list[dict]:
    labels, sel = slo_labels(slo), selector(slo)
    period = format_duration(slo.period.nominal)
    days = number_text(Decimal(int(slo.period.nominal.total_seconds())) / 86400)
    join = "/ on(sloth_id, sloth_slo, sloth_service) group_left\n"
    budget = f"slo:error_budget:ratio{sel}"
    exprs = {
        "slo:objective:ratio": f"vector({number_text(exact(slo.objective))})",
        "slo:error_budget:ratio": f"vector({budget_text(slo)})",
        "slo:time_period:days": f"vector({days})",
        "slo:current_burn_rate:ratio": f"{SLI_ERROR}5m{sel}\n{join}{budget}",
        "slo:period_burn_rate:ratio": f"{SLI_ERROR}{period}{sel}\n{join}{budget}",
        "slo:period_error_budget_remaining:ratio": f"1 - slo:period_burn_rate:ratio{sel}",
    }
    rules = [{"record": k, "expr": v, "labels": dict(labels)} for k, v in exprs.items()]
    info = dict(
        sorted({**labels, **info_labels(slo), "sloth_objective": percent_text(slo)}.items())
    )
    rules.append({"record": "sloth_slo_info", "expr": "vector(1)", "labels": info})
    return rules


def _describe(pairs: Sequence[WindowPair]) -> str:
    return ", ".join(
        f"{p.factor:g}x over {format_duration(p.long)} and {format_duration(p.short)}"
        for p in pairs
    )


def _alert_rule(slo: SLO, severity: str, pairs: Sequence[WindowPair]) -> dict:
    sel, budget = selector(slo), budget_text(slo)

    def over(window: timedelta, factor: float) -> str:
        metric = f"{SLI_ERROR}{format_duration(widened(window))}{sel}"
        return f"max({metric} > ({factor!r} * {budget})) without (sloth_window)"

    expr = "\nor\n".join(
        f"(\n  {over(p.long, p.factor)}\n  and\n  {over(p.short, p.factor)}\n)" for p in pairs
    )
    meta = slo.alert_meta
    annotations = {
        "summary": f"{slo.service} {slo.name} burns its error budget too fast ({severity})",
        "description": f"SLO {slo.id}, objective {percent_text(slo)}% over "
        f"{slo.period.label}, error budget {budget}: the error ratio exceeds factor x budget "
        f"over both windows of a pair: {_describe(pairs)}.",
    }
    # the spec's own names, labels and annotations win (Sloth's alerting block), but the
    # sloth_severity label stays ours: dashboards and routing key on it
    return {
        "alert": meta.name or alert_name(slo),
        "expr": expr,
        "labels": {
            "severity": severity,
            **meta.labels,
            **meta.by_severity_labels.get(severity, {}),
            "sloth_severity": severity,
        },
        "annotations": {
            **annotations,
            **meta.annotations,
            **meta.by_severity_annotations.get(severity, {}),
        },
    }


def _alert_rules(slo: SLO, config: dict | None = None) -> list[dict]:
    if slo.aspirational:
        return []
    return [
        _alert_rule(slo, sev, pairs)
        for sev in SEVERITIES
        if (pairs := [p for p in slo.windows if p.severity == sev])
    ]


def group_name(slo: SLO, kind: str) -> str:
    """``sre-pipeline-slo-<id>-<kind>`` with kind sli-recordings, meta-recordings or alerts."""
    return f"sre-pipeline-slo-{slo.id}-{kind}"


KINDS = {"sli": "sli-recordings", "meta": "meta-recordings", "alerts": "alerts"}
CORE_GROUPS = {"sli": _sli_rules, "meta": _meta_rules, "alerts": _alert_rules}


def slo_groups(slo: SLO) -> list[dict]:
    """The SLO's rule groups as its plugin chain makes them (by default: SLI recordings,
    meta recordings, alerts unless aspirational); empty groups are left out, as Sloth does."""
    made = plugins.run(slo, CORE_GROUPS)
    groups = []
    for group, rules in made.groups.items():
        if rules:
            interval = made.intervals.get(group)
            groups.append(
                {"name": group_name(slo, KINDS[group])}
                | ({"interval": interval} if interval else {})
                | {"rules": rules}
            )
    return groups


def build_rules(slos: Sequence[SLO]) -> dict:
    """The Prometheus rule file ``{"groups": [...]}`` for ``slos``, in catalog order."""
    return {"groups": [g for slo in slos for g in slo_groups(slo)]}


class _Dumper(yaml.SafeDumper):
    """Block style (``|-``) for multi-line PromQL, and no anchors for repeated label sets."""

    def ignore_aliases(self, data) -> bool:
        return True


_Dumper.add_representer(
    str, lambda d, v: d.represent_scalar("tag:yaml.org,2002:str", v, "|" if "\n" in v else None)
)

HEADER = """\
# Generated by sre-pipeline export-rules; do not edit, regenerate from the specs instead.
# Specs: {files}
# Sloth-compatible names and labels (slo:sli_error:ratio_rate<W>, slo:* meta recordings,
# sloth_slo_info), so Sloth's Grafana dashboards work on these series.
# Burn-rate alerts have no `for:` clause: a multiwindow pair fires at the first rule
# evaluation where both windows burn strictly faster than its factor, exactly as the
# sre-pipeline evaluator reports it at 5-minute boundaries (the short window already filters
# blips).
# Windows equal the evaluator's bucket windows when samples and evaluations fall on 5-minute
# boundaries (as in promtool tests); live, they agree to within one scrape/evaluation interval.
"""


def _slo_comment(slo: SLO) -> str:
    lines = [
        f"# {slo.id}: objective {percent_text(slo)}% over "
        f"{slo.period.label}, {slo.window_set} windows"
        + (", aspirational (recording rules only)" if slo.aspirational else "")
        + (
            f", {slo.budgeting.method.replace('_', ' ')}"
            if slo.budgeting.method != "occurrences"
            else ""
        )
    ]
    if not slo.period.is_rolling:
        lines.append(
            f"# {slo.period.label} ({slo.period.time_zone}) is approximated by a rolling "
            f"{format_duration(slo.period.nominal)} window: live rules do not reset at the "
            "calendar boundary"
        )
    return "\n".join(lines) + "\n"


def rules_yaml(slos: Sequence[SLO]) -> str:
    """The rule file as deterministic YAML, with a header naming the spec files."""
    files = list(dict.fromkeys(s.source.file for s in slos))
    out = [
        HEADER.format(files=", ".join(files) or "(none)"),
        "groups:\n" if slos else "groups: []\n",
    ]
    for slo in slos:
        groups = slo_groups(slo)
        dumped = yaml.dump(
            groups, Dumper=_Dumper, sort_keys=False, width=1 << 20, allow_unicode=True
        )
        out += [_slo_comment(slo), dumped]
    return "".join(out)
