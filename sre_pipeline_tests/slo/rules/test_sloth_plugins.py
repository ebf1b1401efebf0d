"""Sloth's SLO plugins: the chain Sloth builds (priorities, overrides), each plugin's
configuration checked at load, and the exported rules they change, shown with ``promtool
test rules`` against values worked out from Sloth's documented generation."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest
import yaml

from sre_pipeline.inputs.problems import SpecError
from sre_pipeline.slo.rules.export import build_rules, rules_yaml
from sre_pipeline.slo.spec.loader import load_catalog
from sre_pipeline_tests.services.prometheus import assert_promtool_tests_pass
from sre_pipeline_tests.slo.rules.test_export import expanding

CORE = "sloth.dev/core/"
CONTRIB = "sloth.dev/contrib/"
DEFAULTS = [f"{CORE}{n}/v1" for n in ("validate", "sli_rules", "metadata_rules", "alert_rules")]
SLI = """\
  sli:
    events:
      error_query: sum(rate(err_total[{{.window}}]))
      total_query: sum(rate(req_total[{{.window}}]))
  alerting: {name: ShopErrors}
"""  # the end of an item of slos


def spec(tmp_path: Path, body: str, top: str = "", name: str = "s.yaml") -> Path:
    """A prometheus/v1 file of service ``shop`` with ``top`` keys and the ``slos`` items."""
    path = tmp_path / name
    head = "version: prometheus/v1\nservice: shop\nlabels: {team: web, generated: true}\n"
    path.write_text(head + textwrap.dedent(top) + "slos:\n" + textwrap.indent(body, "  "))
    return path


def slo_item(name: str, plugins: str = "", objective: float = 99.0) -> str:
    """An item of ``slos`` with the ``plugins`` block (written from column 0)."""
    own = textwrap.indent(textwrap.dedent(plugins), "  ")
    return f"- name: {name}\n  objective: {objective}\n" + own + SLI


def debug(msg: str, priority: int | None = None) -> str:
    prio = "" if priority is None else f", priority: {priority}"
    return f"    - {{id: {CORE}debug/v1, config: {{msg: {msg}}}{prio}}}\n"


def messages(slo) -> list[str]:
    return [p.config.get("msg", p.id) if "debug" in p.id else p.id for p in slo.rule_plugins]


def test_the_chain_is_sorted_by_priority_around_sloths_default_plugins(tmp_path):
    """As Sloth's slo-plugin example documents: negative priorities before the default
    chain, the others after it (priority 0 too), ties in file then SLO order."""
    top = "slo_plugins:\n  chain:\n" + debug("P99", 9999999) + debug("P0", -999999)
    own = (
        "plugins:\n  chain:\n"
        + "".join(debug(m, p) for m, p in [("P5", 1050), ("P1", -1000), ("P4", 1000), ("P2", -200)])
        + debug("P3")
    )
    (slo,) = load_catalog([spec(tmp_path, slo_item("a", own), top)]).slos
    assert messages(slo) == ["P0", "P1", "P2", *DEFAULTS, "P3", "P4", "P5", "P99"]


def test_override_previous_drops_the_defaults_and_at_slo_level_the_files_plugins(tmp_path):
    top = "slo_plugins:\n  overridePrevious: true\n  chain:\n" + debug("file")
    own = "plugins:\n  overridePrevious: true\n  chain:\n" + debug("mine")
    kept = load_catalog([spec(tmp_path, slo_item("a") + slo_item("b", own), top)]).slos
    assert [messages(s) for s in kept] == [["file"], ["mine"]]
    # nothing generates alerts without alert_rules: recordings only, as both alerts disabled
    assert all(s.aspirational for s in kept)
    assert build_rules(kept)["groups"] == []  # and no recording plugin either


def test_an_unknown_plugin_and_bad_configurations_are_errors_with_their_place(tmp_path):
    own = """\
    plugins:
      chain:
        - {id: sloth.dev/contrib/info_label/v1}
        - {id: sloth.dev/contrib/info_labels/v1, config: {labels: {}}}
        - {id: sloth.dev/contrib/rule_intervals/v1, config: {interval: {default: 5}}}
        - {id: sloth.dev/contrib/rule_intervals/v1, config: {interval: {sliError: 1m}}}
    """
    with pytest.raises(SpecError) as exc:
        load_catalog([spec(tmp_path, slo_item("a", own))])
    problems = {p.path: p for p in exc.value.problems}
    unknown = problems["slos[0].plugins.chain[0].id"]
    assert unknown.message == (
        "unknown SLO plugin 'sloth.dev/contrib/info_label/v1' (did you mean "
        "'sloth.dev/contrib/info_labels/v1'?)"
    )
    assert unknown.line == 9 and "sloth.dev/contrib/rule_intervals/v1" in unknown.expected
    assert problems["slos[0].plugins.chain[1].config.labels"].message == (
        "at least one label is required"
    )
    assert problems["slos[0].plugins.chain[2].config.interval.default"].message == (
        "5 is not a duration string"
    )
    missing = problems["slos[0].plugins.chain[3].config.interval.default"]
    assert missing.message == "required field is missing"
    assert len(problems) == 4


def test_an_unknown_option_is_ignored_with_a_warning_as_sloth_ignores_it(tmp_path):
    item = f"{{id: {CORE}sli_rules/v1, config: {{disableOptimised: true}}}}"
    own = f"plugins:\n  chain:\n    - {item}\n"
    catalog = load_catalog([spec(tmp_path, slo_item("a", own))])
    (warning,) = catalog.warnings
    assert warning.path == "slos[0].plugins.chain[0].config.disableOptimised"
    assert warning.message.startswith(
        "unknown option 'disableOptimised' of sloth.dev/core/sli_rules/v1 (did you mean "
        "'disableOptimized'?), ignored"
    )


def test_victoria_metrics_validation_takes_metricsql_instead_of_promql(tmp_path):
    vm = "sum(histogram_share(0.2, rate(req_bucket[{{.window}}])))"
    body = slo_item("a").replace("sum(rate(err_total[{{.window}}]))", f"1 - {vm}")
    with pytest.raises(SpecError) as exc:  # Sloth's default validation is PromQL
        load_catalog([spec(tmp_path, body)])
    (problem,) = exc.value.problems
    assert problem.path == "slos[0].sli.events.error_query"
    assert problem.message.startswith("PromQL does not parse: unknown function")
    top = f"""\
    slo_plugins:
      overridePrevious: true
      chain:
        - id: {CONTRIB}validate_victoria_metrics/v1
        - id: {CORE}sli_rules/v1
        - id: {CORE}metadata_rules/v1
        - id: {CORE}alert_rules/v1
    """
    (slo,) = load_catalog([spec(tmp_path, body, top)]).slos
    assert not slo.aspirational
    broken = body.replace("rate(req_bucket", "rate((req_bucket")
    with pytest.raises(SpecError) as exc:
        load_catalog([spec(tmp_path, broken, top)])
    assert exc.value.problems[0].message == "MetricsQL does not parse: unclosed '('"


def test_denominator_correction_needs_an_events_sli(tmp_path):
    top = f"slo_plugins:\n  chain:\n    - id: {CONTRIB}denominator_corrected_rules/v1\n"
    raw = slo_item("a").replace(
        "    events:\n      error_query: sum(rate(err_total[{{.window}}]))\n"
        "      total_query: sum(rate(req_total[{{.window}}]))\n",
        "    raw:\n      error_ratio_query: sum(rate(err_total[{{.window}}]))\n",
    )
    with pytest.raises(SpecError) as exc:
        load_catalog([spec(tmp_path, raw, top)])
    (problem,) = exc.value.problems
    assert problem.path == "slos[0].sli"
    assert problem.message.startswith("the denominator_corrected_rules plugin needs an events SLI")


def test_rule_intervals_on_each_group_normalised_as_prometheus_writes_them(tmp_path):
    top = f"""\
    slo_plugins:
      chain:
        - id: {CONTRIB}rule_intervals/v1
          config: {{interval: {{default: 90s, alert: 7d}}}}
    """
    slos = load_catalog([spec(tmp_path, slo_item("a"), top)]).slos
    groups = build_rules(slos)["groups"]
    assert [(g["name"].rsplit("-", 2)[-2:], g["interval"]) for g in groups] == [
        (["sli", "recordings"], "1m30s"),
        (["meta", "recordings"], "1m30s"),
        (["a", "alerts"], "1w"),
    ]
    assert list(groups[0]) == ["name", "interval", "rules"]  # as Sloth writes a group


# -- promtool: the recorded series and alerts are Sloth's --------------------------------------
DAY = 288  # 5-minute samples a day
DAYS = 30  # Sloth's default period, all of it filled with samples
N = DAYS * DAY
HOUR = 12
END = f"{DAYS * 24}h"  # the evaluation instant: the end of the 30 days

PLUGINS = f"""\
- name: plain
  objective: 99
{SLI}- name: corrected
  objective: 99
  plugins:
    chain:
      - id: {CONTRIB}denominator_corrected_rules/v1
{SLI}- name: raw-period
  objective: 99
  plugins:
    overridePrevious: true
    chain:
      - {{id: {CORE}sli_rules/v1, config: {{disableOptimized: true}}}}
      - id: {CORE}metadata_rules/v1
{SLI}- name: extras
  objective: 99
  labels: {{tier: "1", le: 0.20}}
  plugins:
    chain:
      - {{id: {CONTRIB}info_labels/v1, config: {{labels: {{plug: x}}}}}}
      - id: {CONTRIB}error_budget_exhausted_alert/v1
        config: {{threshold: 0.9, for: 10m, alert_labels: {{severity: critical}},
                  annotations: {{summary: budget gone}}}}
{SLI}- name: bare
  objective: 99
  labels: {{tier: "1"}}
  plugins:
    chain:
      - {{id: {CONTRIB}remove_labels/v1, config: {{preserveLabels: [team]}}}}
{SLI}"""


def increments() -> dict[str, list[int]]:
    """Per 5-minute sample: requests double for the last day, errors burst in the last hour."""
    req = [600] * (N - DAY) + [1200] * DAY
    err = [1] * (N - HOUR) + [60] * HOUR
    return {"req_total": req, "err_total": err}


def rate(steps: list[int], samples: int, end: int = N) -> float:
    """``rate(x[W])`` at sample ``end`` for W = ``samples`` 5-minute steps: samples fall
    on both ends of the range, so Prometheus extrapolates nothing."""
    return sum(steps[end - samples : end]) / (samples * 300)


def expected() -> dict[tuple[str, str], float]:
    """(SLO, record) -> value at the end, from Sloth's documented rules."""
    inc = increments()
    req, err = inc["req_total"], inc["err_total"]
    plain_1h = rate(err, HOUR) / rate(req, HOUR)
    correction_1h = rate(req, HOUR) / rate(req, N)
    # the optimised period ratio: the mean of the 5-minute ratios at each rule evaluation
    # (every hour) of the period; at 0 rate() has one sample only, so the hourly ones
    evals = range(HOUR, N + 1, HOUR)
    plain_5m = [rate(err, 1, k) / rate(req, 1, k) for k in evals]
    return {
        ("plain", "slo:sli_error:ratio_rate1h"): plain_1h,
        ("plain", "slo:sli_error:ratio_rate30d"): sum(plain_5m) / len(plain_5m),
        ("corrected", "slo:numerator_correction:ratio1h"): correction_1h,
        ("corrected", "slo:sli_error:ratio_rate1h"): correction_1h
        * rate(err, HOUR)
        / rate(req, HOUR),
        ("raw-period", "slo:sli_error:ratio_rate30d"): rate(err, N) / rate(req, N),
        ("raw-period", "slo:period_burn_rate:ratio"): rate(err, N) / rate(req, N) / 0.01,
    }


RESOURCE = """\
apiVersion: sloth.slok.dev/v1
kind: PrometheusServiceLevel
metadata: {name: kube}
spec:
  service: shop
  labels: {team: web, generated: "true"}
  slos:
    - name: kube
      objective: 99.9
      sli:
        events:
          errorQuery: sum(rate(err_total[{{.window}}]))
          totalQuery: sum(rate(req_total[{{.window}}]))
      alerting:
        name: KubeErrors
        labels: {category: availability}
        page_alert: {labels: {routing_key: nobody}}
        ticketAlert: {disable: true}
"""


@pytest.mark.slow  # promtool evaluates every rule hourly over 30 days
def test_promtool_records_what_sloths_plugins_generate(tmp_path):
    (tmp_path / "kube.yaml").write_text(RESOURCE)
    slos = load_catalog([spec(tmp_path, PLUGINS), tmp_path / "kube.yaml"]).slos
    rules = build_rules(slos)
    (tmp_path / "rules.yaml").write_text(rules_yaml(slos))
    ids = {s.name: {"sloth_id": s.id, "sloth_service": "shop", "sloth_slo": s.name} for s in slos}

    def labels(slo: str, **extra) -> str:
        merged = {**ids[slo], "generated": "true", "team": "web", **extra}
        return "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(merged.items())) + "}"

    close = []
    for (slo, record), value in expected().items():
        window = record.rsplit("ratio_rate", 1)[1] if "ratio_rate" in record else None
        if record == "slo:period_burn_rate:ratio":
            window = "30d"  # divides the period ratio, whose labels it keeps, as in Sloth
        extra = {"sloth_window": window} if window else {}
        selector = '{sloth_id="' + ids[slo]["sloth_id"] + '"}'
        close.append(
            {
                "expr": f"abs({record}{selector} - {value!r}) < bool 1e-12",
                "eval_time": END,
                "exp_samples": [{"labels": labels(slo, **extra), "value": 1}],
            }
        )
    info = {
        **ids["extras"],
        "generated": "true",
        "le": "0.2",
        "plug": "x",
        "sloth_mode": "cli-gen-prom",
        "sloth_objective": "99",
        "sloth_spec": "prometheus/v1",
        "sloth_version": "sre-pipeline",
        "team": "web",
        "tier": "1",
    }
    shown = [
        {  # info_labels: the plugin's label on the info metric, label values as Sloth's
            "expr": 'sloth_slo_info{sloth_slo="extras"}',
            "eval_time": END,
            "exp_samples": [{"labels": "sloth_slo_info" + _set(info), "value": 1}],
        },
        {  # remove_labels: only the id labels, sloth_window and the preserved team
            "expr": 'slo:sli_error:ratio_rate5m{sloth_slo="bare"}',
            "eval_time": END,
            "exp_samples": [
                {
                    "labels": "slo:sli_error:ratio_rate5m"
                    + _set({**ids["bare"], "sloth_window": "5m", "team": "web"}),
                    "value": expected_plain_5m(),
                }
            ],
        },
    ]
    budget_alert = {
        "eval_time": END,
        "alertname": "ErrorBudgetExhausted",
        "exp_alerts": [
            {
                "exp_labels": {  # sloth_window: the remaining budget is the period ratio's
                    **ids["extras"],
                    "sloth_window": "30d",
                    "generated": "true",
                    "le": "0.2",
                    "team": "web",
                    "tier": "1",
                    "severity": "critical",
                },
                "exp_annotations": {"summary": "budget gone"},
            }
        ],
    }
    # the corrected SLI reads the correction the meta group records; live, rules run every
    # minute or so and read the previous one; evaluated hourly here, the meta group goes first
    order = [g["name"] for g in rules["groups"]]
    meta = next(n for n in order if n.endswith("corrected-meta-recordings"))
    order = [meta] + [n for n in order if n != meta]
    # the Kubernetes resource: snake_case page_alert ignored as Sloth ignores it (no
    # routing_key), the info metric names the format as Sloth does
    kube_page = {
        "eval_time": END,
        "alertname": "KubeErrors",
        "exp_alerts": [
            {
                "exp_labels": {
                    **ids["kube"],
                    "generated": "true",
                    "team": "web",
                    "category": "availability",
                    "severity": "page",
                    "sloth_severity": "page",
                },
                "exp_annotations": next(
                    r["annotations"]
                    for g in rules["groups"]
                    for r in g["rules"]
                    if r.get("alert") == "KubeErrors"
                ),
            }
        ],
    }
    kube_info = {
        **ids["kube"],
        "generated": "true",
        "team": "web",
        "sloth_mode": "cli-gen-k8s",
        "sloth_objective": "99.9",
        "sloth_spec": "sloth.slok.dev/v1",
        "sloth_version": "sre-pipeline",
    }
    shown.append(
        {
            "expr": 'sloth_slo_info{sloth_slo="kube"}',
            "eval_time": END,
            "exp_samples": [{"labels": "sloth_slo_info" + _set(kube_info), "value": 1}],
        }
    )
    test = {
        "rule_files": ["rules.yaml"],
        "evaluation_interval": "1h",
        "group_eval_order": order,
        "tests": [
            {
                "interval": "5m",
                "input_series": [
                    {"series": name, "values": expanding(np.array(steps))}
                    for name, steps in increments().items()
                ],
                "promql_expr_test": close + shown,
                "alert_rule_test": [budget_alert, kube_page],
            }
        ],
    }
    (tmp_path / "test.yaml").write_text(yaml.safe_dump(test, sort_keys=False, width=1000))
    # the plugins change what they should: the hour's errors over the period's mean
    # traffic (half the last day's) weigh more than over the hour's own traffic
    values = expected()
    assert values[("corrected", "slo:sli_error:ratio_rate1h")] > (
        values[("plain", "slo:sli_error:ratio_rate1h")] * 1.5
    )
    assert values[("raw-period", "slo:sli_error:ratio_rate30d")] != pytest.approx(
        values[("plain", "slo:sli_error:ratio_rate30d")], rel=1e-3
    )
    assert_promtool_tests_pass(tmp_path)


def _set(labels: dict[str, str]) -> str:
    return "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"


def expected_plain_5m() -> float:
    inc = increments()
    return rate(inc["err_total"], 1) / rate(inc["req_total"], 1)


def test_an_empty_chain_is_no_plugins_as_sloth_reads_it(tmp_path):
    (slo,) = load_catalog([spec(tmp_path, slo_item("a", "plugins:\n  chain:\n"))]).slos
    assert [p.id for p in slo.rule_plugins] == DEFAULTS


def test_zero_durations_mean_sloths_defaults_and_a_null_sli_plugin_is_none(tmp_path):
    top = f"""\
    slo_plugins:
      chain:
        - id: {CONTRIB}rule_intervals/v1
          config: {{interval: {{default: 2m, alert: "0"}}}}
        - id: {CONTRIB}error_budget_exhausted_alert/v1
          config: {{for: "0"}}
    """
    body = slo_item("a").replace("  sli:\n", "  sli:\n    plugin:\n", 1)
    slos = load_catalog([spec(tmp_path, body, top)]).slos
    groups = build_rules(slos)["groups"]
    assert [g["interval"] for g in groups] == ["2m", "2m", "2m"]
    budget = next(r for r in groups[2]["rules"] if r["alert"] == "ErrorBudgetExhausted")
    assert budget["for"] == "5m"
    zero = top.replace("default: 2m", "default: 0s")
    with pytest.raises(SpecError) as exc:
        load_catalog([spec(tmp_path, slo_item("a"), zero)])
    assert exc.value.problems[0].message == "at least default interval is required"
