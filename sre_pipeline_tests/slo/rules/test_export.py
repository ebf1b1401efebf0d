"""Prometheus rules export: structure, ``promtool check rules`` on the examples, and a
``promtool test rules`` run whose expected alerts come from the Python evaluator."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sre_pipeline.inputs.durations import format_duration
from sre_pipeline.inputs.promql import render
from sre_pipeline.slo.budget.evaluator import Evaluator
from sre_pipeline.slo.model import Budgeting
from sre_pipeline.slo.periods import Period
from sre_pipeline.slo.rules.export import build_rules, rules_yaml, widened
from sre_pipeline.slo.rules.naming import label_name
from sre_pipeline.slo.rules.promql import sli_templates
from sre_pipeline.slo.spec.loader import load_catalog
from sre_pipeline.slo.windows import WindowPair, pyrra_windows
from sre_pipeline_tests.services.prometheus import assert_promtool_tests_pass, promtool
from sre_pipeline_tests.slo.factories import make_slo

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples" / "slos"
ENTRY = Path(sys.executable).parent / "sre-pipeline"
BASE = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"]


@pytest.fixture(scope="module")
def examples():
    return load_catalog([EXAMPLES]).by_id()


def groups_of(slo) -> dict[str, dict]:
    """Rule groups of one SLO by kind (sli-recordings, meta-recordings, alerts)."""
    prefix = f"sre-pipeline-slo-{slo.id}-"
    return {
        g["name"].removeprefix(prefix): g
        for g in build_rules([slo])["groups"]
        if g["name"].startswith(prefix)
    }


def records(slo) -> dict[str, dict]:
    return {r["record"]: r for r in groups_of(slo)["sli-recordings"]["rules"]}


# -- structure ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("slo_id", "extra"),
    [
        ("checkout-availability", ["30d"]),  # google 30d: the status windows + the period
        ("inventory-availability", ["4d", "28d"]),  # pyrra 28d: 4d long window
        ("shipping-label-creation", ["12h", "7d", "30d"]),  # custom 7d+12h
        ("catalog-availability", ["7d"]),
        ("catalog-latency", ["30d"]),  # calendar month: nominal 30 days
    ],
)
def test_sli_recordings_cover_status_pair_and_period_windows(examples, slo_id, extra):
    slo = examples[slo_id]
    recs = records(slo)
    windows = {r["labels"]["sloth_window"] for r in recs.values()}
    assert windows == set(BASE) | set(extra)
    for pair in slo.windows:
        for window in (pair.long, pair.short):
            assert f"slo:sli_error:ratio_rate{format_duration(widened(window))}" in recs
    for name, rule in recs.items():
        assert name == "slo:sli_error:ratio_rate" + rule["labels"]["sloth_window"]
        assert rule["labels"]["sloth_id"] == slo.id
        assert rule["labels"]["sloth_service"] == slo.service
        assert rule["labels"]["sloth_slo"] == slo.name


def test_groups_names_and_labels(examples):
    slo = examples["checkout-availability"]
    groups = build_rules([slo])["groups"]
    assert [g["name"] for g in groups] == [
        "sre-pipeline-slo-checkout-availability-sli-recordings",
        "sre-pipeline-slo-checkout-availability-meta-recordings",
        "sre-pipeline-slo-checkout-availability-alerts",
    ]
    rule = records(slo)["slo:sli_error:ratio_rate1h"]
    assert rule["labels"] == {
        "sloth_id": "checkout-availability",
        "sloth_service": "checkout",
        "sloth_slo": "availability",
        "tier": "1",
        "sloth_window": "1h",
    }


def test_period_uses_sloths_mean_of_5m_ratios(examples):
    expr = records(examples["checkout-availability"])["slo:sli_error:ratio_rate30d"]["expr"]
    sel = '{sloth_id="checkout-availability", sloth_service="checkout", sloth_slo="availability"}'
    assert expr == (
        f"sum_over_time(slo:sli_error:ratio_rate5m{sel}[30d])\n/ ignoring (sloth_window)\n"
        f"count_over_time(slo:sli_error:ratio_rate5m{sel}[30d])"
    )


def test_meta_recordings(examples):
    slo = examples["api-gateway-availability"]
    meta = {r["record"]: r for r in groups_of(slo)["meta-recordings"]["rules"]}
    assert list(meta) == [
        "slo:objective:ratio",
        "slo:error_budget:ratio",
        "slo:time_period:days",
        "slo:current_burn_rate:ratio",
        "slo:period_burn_rate:ratio",
        "slo:period_error_budget_remaining:ratio",
        "sloth_slo_info",
    ]
    assert meta["slo:objective:ratio"]["expr"] == "vector(0.9995)"
    assert meta["slo:error_budget:ratio"]["expr"] == "vector(0.0005)"
    assert meta["slo:time_period:days"]["expr"] == "vector(30)"
    assert "slo:sli_error:ratio_rate5m{" in meta["slo:current_burn_rate:ratio"]["expr"]
    assert (
        "/ on(sloth_id, sloth_slo, sloth_service) group_left"
        in (meta["slo:period_burn_rate:ratio"]["expr"])
    )
    assert meta["slo:period_error_budget_remaining:ratio"]["expr"].startswith(
        "1 - slo:period_burn_rate:ratio{"
    )
    info = meta["sloth_slo_info"]["labels"]
    assert info["sloth_version"] == "sre-pipeline" and info["sloth_objective"] == "99.95"
    assert all("sloth_window" not in r["labels"] for r in meta.values())


SLOTH_BODY = """\
service: shop
slos:
  - name: avail
    objective: 99.9
    sli:
      events:
        {error}: sum(rate(errors_total[{{{{.window}}}}]))
        {total}: sum(rate(requests_total[{{{{.window}}}}]))
    alerting:
      name: ShopAvail
"""
OPENSLO = """\
apiVersion: {version}
kind: SLO
metadata: {{name: avail}}
spec:
  service: shop
  budgetingMethod: Occurrences
  timeWindow: [{{duration: 28d, isRolling: true}}]
  objectives: [{{target: 0.999}}]
  indicator:
    metadata: {{name: avail-sli}}
    spec:
      ratioMetric:
        good:
          metricSource: {{type: Prometheus, spec: {{query: 'sum(rate(ok[{{{{ .window }}}}]))'}}}}
        total:
          metricSource: {{type: Prometheus, spec: {{query: 'sum(rate(all[{{{{ .window }}}}]))'}}}}
"""


@pytest.mark.parametrize(
    ("text", "mode", "spec"),
    [
        (
            "version: prometheus/v1\n"
            + SLOTH_BODY.format(error="error_query", total="total_query"),
            "cli-gen-prom",
            "prometheus/v1",
        ),
        (
            "apiVersion: sloth.slok.dev/v1\nkind: PrometheusServiceLevel\nmetadata: {name: x}\n"
            "spec:\n"
            + "".join(
                "  " + line + "\n"
                for line in SLOTH_BODY.format(error="errorQuery", total="totalQuery").splitlines()
            ),
            "cli-gen-k8s",
            "sloth.slok.dev/v1",
        ),
        (OPENSLO.format(version="openslo/v1"), "cli-gen-openslo", "openslo/v1"),
        (
            "apiVersion: openslo/v1alpha\nkind: SLO\nmetadata: {name: avail}\nspec:\n"
            "  service: shop\n  budgetingMethod: Occurrences\n"
            "  timeWindows: [{count: 30, unit: Day, isRolling: true}]\n"
            "  objectives:\n    - target: 0.999\n      value: 1\n      ratioMetrics:\n"
            "        good: {source: prometheus, queryType: promql,\n"
            "               query: 'sum(rate(ok[{{.window}}]))'}\n"
            "        total: {source: prometheus, queryType: promql,\n"
            "                query: 'sum(rate(a[{{.window}}]))'}\n",
            "cli-gen-openslo",
            "openslo/v1alpha",
        ),
    ],
    ids=["sloth-file", "sloth-k8s", "openslo", "openslo-v1alpha"],
)
def test_sloth_slo_info_names_the_input_format_as_sloth_does(tmp_path, text, mode, spec):
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    (slo,) = load_catalog([path]).slos
    meta = {r["record"]: r for r in groups_of(slo)["meta-recordings"]["rules"]}
    info = meta["sloth_slo_info"]["labels"]
    assert (info["sloth_mode"], info["sloth_spec"]) == (mode, spec)


@pytest.mark.parametrize(
    ("slo_id", "shape"),
    [
        ("cart-availability", "good"),  # events with a good query
        ("api-gateway-availability", "bad"),  # events with a bad query
        ("checkout-latency", "good"),  # histogram bucket / count
        ("api-gateway-uptime", "good"),  # probe: successes / samples
        ("user-profile-availability", "ratio"),
        ("notifications-requests-latency", "ratio"),  # Sloth raw, not a single call
    ],
)
def test_error_ratio_expressions(examples, slo_id, shape):
    slo = examples[slo_id]
    q = {role: render(t, "1h") for role, t in sli_templates(slo.sli).items()}
    expr = records(slo)["slo:sli_error:ratio_rate1h"]["expr"]
    if shape == "good":  # (total - good) / total; a missing good series counts as 0 events
        total = q["total"]
        assert expr == f"(\n  {total}\n  -\n  ({q['good']} or 0 * {total})\n)\n/\n{total}\n>= 0"
    elif shape == "bad":
        assert expr == f"({q['bad']} or 0 * {q['total']})\n/\n{q['total']}\n>= 0"
    else:
        ratio = q["error_ratio"].strip()
        assert expr in (f"{ratio}\n>= 0", f"({ratio})\n>= 0")
    assert "{{" not in expr


def test_timeslice_slo_counts_bad_slices_ending_in_the_window(examples):
    expr = records(examples["auth-login-availability"])["slo:sli_error:ratio_rate1h"]["expr"]
    assert expr.startswith("sum_over_time((")
    assert ") > bool 0.01\n)[59m59s999ms:5m])\n/\ncount_over_time((" in expr
    assert "[5m]))" in expr  # the slice's own error ratio


def test_alerts_one_per_severity_with_the_evaluators_factors(examples):
    for slo in examples.values():
        if slo.aspirational:
            assert "alerts" not in groups_of(slo)
            continue
        alerts = groups_of(slo)["alerts"]["rules"]
        assert [a["labels"]["sloth_severity"] for a in alerts] == sorted(
            {p.severity for p in slo.windows}, key=["page", "ticket"].index
        )
        for alert in alerts:
            sev = alert["labels"]["sloth_severity"]
            if slo.source.format != "sloth":  # Sloth specs may set their own severity label
                assert alert["labels"]["severity"] == sev
            assert "for" not in alert
            pairs = [p for p in slo.windows if p.severity == sev]
            assert alert["expr"].count("\nor\n") == len(pairs) - 1
            for p in pairs:
                for w in (p.long, p.short):
                    metric = f"slo:sli_error:ratio_rate{format_duration(w)}{{sloth_id="
                    threshold = f" > ({p.factor!r} * "
                    assert f"max({metric}" in alert["expr"] and threshold in alert["expr"]
            assert slo.id in alert["annotations"]["description"]


def test_alert_name_budget_and_factor_formatting(examples):
    slo = examples["search-availability"]  # OpenSLO, 28 d: factors 13.44 and 2.8
    (page, ticket) = groups_of(slo)["alerts"]["rules"]
    assert page["alert"] == ticket["alert"] == "SearchAvailabilityErrorBudgetBurn"
    assert "> (13.44 * 0.001)) without (sloth_window)" in page["expr"]
    assert "> (2.8 * 0.001)) without (sloth_window)" in ticket["expr"]
    assert "0.0009999" not in page["expr"]
    shipping = groups_of(examples["shipping-label-creation"])["alerts"]["rules"]
    factor = examples["shipping-label-creation"].windows[1].factor
    assert "ratio_rate7d{" in shipping[1]["expr"] and f"({factor!r} * 0.01)" in shipping[1]["expr"]


def test_windows_shorter_than_a_bucket_are_widened_as_in_the_evaluator():
    week = Period.rolling(timedelta(days=7))
    slo = make_slo("shop-fast", period=week, windows=pyrra_windows(week.nominal))
    assert [format_duration(p.short) for p in slo.windows][:2] == ["1m", "8m"]
    assert "slo:sli_error:ratio_rate1m" not in records(slo)
    page = groups_of(slo)["alerts"]["rules"][0]["expr"]
    assert "max(slo:sli_error:ratio_rate5m{" in page and "ratio_rate1m" not in page
    assert "max(slo:sli_error:ratio_rate15m{" in page  # long windows as declared


def test_timeslice_ranges_count_whole_buckets():
    sliced = Budgeting(method="timeslices", slice=timedelta(minutes=5), slice_target=0.99)
    pair = WindowPair(timedelta(hours=1, minutes=4), timedelta(minutes=1), 14.0, "page")
    slo = make_slo(budgeting=sliced, windows=(pair,))
    recs = records(slo)
    assert "[59m59s999ms:5m])" in recs["slo:sli_error:ratio_rate1h4m"]["expr"]
    assert "[4m59s999ms:5m])" in recs["slo:sli_error:ratio_rate5m"]["expr"]
    assert "[29d23h59m59s999ms:5m])" in recs["slo:sli_error:ratio_rate30d"]["expr"]


def test_aspirational_slo_gets_recordings_only(examples):
    groups = groups_of(examples["recommendations-availability"])
    assert set(groups) == {"sli-recordings", "meta-recordings"}


@pytest.mark.parametrize(
    ("key", "name"), [("tier", "tier"), ("team-name", "team_name"), ("1x", "_1x"), ("__a", "_a")]
)
def test_label_names_are_sanitised(key, name):
    assert label_name(key) == name


def test_yaml_is_deterministic_with_header(examples):
    slos = list(examples.values())
    text = rules_yaml(slos)
    assert text == rules_yaml(slos)
    assert text.startswith("# Generated by sre-pipeline export-rules; do not edit")
    assert "examples/slos/checkout.yaml" in text.splitlines()[1]
    assert "no `for:` clause" in text
    assert "# calendar-month (Europe/Berlin) is approximated by a rolling 30d window" in text
    assert yaml.safe_load(text) == build_rules(slos)
    assert "&id" not in text and "*id" not in text


# -- promtool check rules -------------------------------------------------------------------
def test_promtool_accepts_the_rules_for_every_example(tmp_path, examples):
    path = tmp_path / "rules.yaml"
    path.write_text(rules_yaml(list(examples.values())))
    done = subprocess.run(
        [promtool(), "check", "rules", str(path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


# -- the CLI --------------------------------------------------------------------------------
def cli(*args) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [str(ENTRY), "export-rules", *map(str, args)], capture_output=True, text=True, timeout=120
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done


def test_cli_writes_output_file(tmp_path):
    out = tmp_path / "rules" / "slo.rules.yaml"
    done = cli("--slos", EXAMPLES / "checkout.yaml", "--output", out)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert "2 SLO(s)" in done.stderr and "4 alerting rule(s)" in done.stderr
    assert out.read_text() == rules_yaml(load_catalog([EXAMPLES / "checkout.yaml"]).slos)
    assert [p.name for p in out.parent.iterdir()] == ["slo.rules.yaml"]  # no temp file left


def test_cli_stdout(tmp_path):
    done = cli("--slos", EXAMPLES / "cart.yaml")
    assert done.returncode == 0, done.stderr
    assert yaml.safe_load(done.stdout)["groups"][0]["name"].startswith("sre-pipeline-slo-cart")


def test_cli_bad_spec_exits_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: sre-pipeline/v1\nservice: {name: x}\nslos:\n  - name: y\n")
    out = tmp_path / "out.yaml"
    done = cli("--slos", bad, "--output", out)
    assert done.returncode == 2
    assert "error(s)" in done.stderr
    assert not out.exists()


# -- promtool test rules: Prometheus fires when the Python evaluator says so -----------------
SPEC = """\
apiVersion: sre-pipeline/v1
service: {name: web, labels: {tier: "1", team-name: storefront}}
slos:
  - name: availability
    objective: 99.9
    period: 30d
    sli:
      events:
        good: sum(rate(http_requests_total{service="web",code!~"5.."}[{{ .window }}]))
        total: sum(rate(http_requests_total{service="web"}[{{ .window }}]))
---
apiVersion: sre-pipeline/v1
service: {name: labels}
slos:
  - name: creation
    objective: 99
    period: 30d
    alerting:
      window_set: custom
      windows:
        - {long: 2h, short: 10m, factor: 12, severity: page}
        - {long: 1h4m, short: 1m, factor: 20, severity: page}
        - {long: 4d, short: 8h, budget_percent: 20, severity: ticket}
    sli:
      events:
        bad: sum(increase(labels_total{result="error"}[{{ .window }}]))
        total: sum(increase(labels_total[{{ .window }}]))
---
apiVersion: sre-pipeline/v1
service: {name: recs}
slos:
  - name: availability
    objective: 99.9
    period: 30d
    aspirational: true
    sli:
      events:
        good: sum(rate(http_requests_total{service="recs",code!~"5.."}[{{ .window }}]))
        total: sum(rate(http_requests_total{service="recs"}[{{ .window }}]))
---
apiVersion: sre-pipeline/v1
service: {name: search}
slos:
  - name: latency
    objective: 99
    period: 7d
    budgeting: {method: timeslices, slice: 15m, slice_target: 95}
    sli:
      latency:
        metric: http_request_duration_seconds
        matchers: {service: search}
        threshold: 0.3
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: availability}
spec:
  service: ledger
  budgetingMethod: RatioTimeslices
  timeWindow: [{duration: 7d, isRolling: true}]
  objectives: [{target: 0.99, timeSliceWindow: 15m}]
  indicator:
    metadata: {name: ledger-requests}
    spec:
      ratioMetric:
        bad:
          metricSource:
            type: Prometheus
            spec: {query: 'sum(increase(ledger_total{code="500"}[{{ .window }}]))'}
        total:
          metricSource:
            type: Prometheus
            spec: {query: 'sum(increase(ledger_total[{{ .window }}]))'}
"""
DAY = 288  # 5-minute buckets
N = 6 * DAY  # six days of history, from the Unix epoch (promtool's time 0)
EVAL_FROM, EVAL_TO = 4 * DAY, 6 * DAY  # every 5-minute boundary of the last two days


def at(day: int, hour: int = 0, minute: int = 0) -> int:
    """Bucket index of an offset from time 0."""
    return day * DAY + hour * 12 + minute // 5


def scenario() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per-bucket (good, total) counts per SLO: quiet spells, slow burns, sharp bursts, a
    traffic gap, and good and bad 15-minute slices."""
    web_t, web_b = np.full(N, 2000), np.full(N, 1)  # burn 0.5
    web_b[at(4) : at(5, 6)] = 8  # slow burn 4: tickets
    web_b[at(5, 9) : at(5, 9, 30)] = 200  # burst 100: page
    web_t[at(5, 14) : at(5, 14, 30)] = web_b[at(5, 14) : at(5, 14, 30)] = 0  # no traffic
    lab_t, lab_b = np.full(N, 100), np.full(N, 1)  # burn 1
    lab_b[at(4, 12) : at(5, 12)] = 6  # slow burn 6: ticket on 4d+8h
    lab_b[at(5, 16) : at(5, 17)] = 30  # burst 30: page on 2h+10m
    rec_t, rec_b = np.full(N, 1000), np.zeros(N, dtype=int)
    rec_b[at(4, 8) : at(4, 9)] = 500
    s_t, s_good = np.full(N, 100), np.full(N, 100)
    s_good[at(4, 6) : at(4, 6, 15)] = 90  # bad slice (90 %)
    s_good[at(4, 8)] = 88  # one bad bucket, good slice (96 %)
    s_good[at(4, 20)] = 80  # bad slice (93.3 %)
    s_t[at(4, 22) : at(4, 22, 15)] = s_good[at(4, 22) : at(4, 22, 15)] = 0  # no traffic
    s_good[at(5, 3) : at(5, 5)] = 94  # eight bad slices in a row
    # RatioTimeslices: each 15-minute slice costs its error ratio; a slow burn, then a burst
    led_t, led_b = np.full(N, 100), np.zeros(N, dtype=int)
    led_b[at(4, 2) : at(5, 2)] = 4  # 4 % all day: 4x the budget, a ticket
    led_b[at(5, 10) : at(5, 10, 45)] = 60  # three slices at 60 %: a page
    return {
        "web-availability": (web_t - web_b, web_t),
        "labels-creation": (lab_t - lab_b, lab_t),
        "recs-availability": (rec_t - rec_b, rec_t),
        "search-latency": (s_good, s_t),
        "ledger-availability": (led_t - led_b, led_t),
    }


def input_series(counts) -> dict[str, np.ndarray]:
    """Per-bucket increments of each counter series the SLIs read."""
    (wg, wt), (lg, lt), (rg, rt), (sg, st), (dg_, dt) = counts.values()
    return {
        'http_requests_total{service="web",code="200"}': wg,
        'http_requests_total{service="web",code="500"}': wt - wg,
        'labels_total{result="ok"}': lg,
        'labels_total{result="error"}': lt - lg,
        'http_requests_total{service="recs",code="200"}': rg,
        'http_requests_total{service="recs",code="500"}': rt - rg,
        'http_request_duration_seconds_bucket{service="search",le="0.3"}': sg,
        'http_request_duration_seconds_count{service="search"}': st,
        'ledger_total{code="200"}': dg_,
        'ledger_total{code="500"}': dt - dg_,
    }


def expanding(increments: np.ndarray) -> str:
    """promtool's series notation for a counter sampled at every bucket boundary (the value
    at sample k is the sum of the first k buckets): runs of equal steps as ``a+bxN``."""
    values = np.concatenate([[0], np.cumsum(increments)]).astype(int).tolist()
    parts, i = [], 0
    while i < len(values):
        j = i + 1
        if j == len(values):
            parts.append(str(values[i]))
            break
        step = values[j] - values[i]
        while j + 1 < len(values) and values[j + 1] - values[j] == step:
            j += 1
        parts.append(f"{values[i]}+{step}x{j - i}")
        i = j + 1
    return " ".join(parts)


def expected_firing(slos, counts) -> dict[str, dict[int, list[dict]]]:
    """Per SLO and evaluation index, the evaluator's firing pairs."""
    origin = pd.Timestamp(0, tz="UTC")
    starts = origin + pd.to_timedelta(np.arange(N) * 300, unit="s")
    events = pd.concat(
        pd.DataFrame({"slo": sid, "bucket_start": starts, "good": g, "total": t})
        for sid, (g, t) in counts.items()
    )
    width = timedelta(minutes=5)
    ev = Evaluator(events, slos, origin + EVAL_FROM * width, origin + EVAL_TO * width, width)
    out: dict[str, dict[int, list[dict]]] = {s.id: {} for s in slos}
    for k in range(EVAL_FROM, EVAL_TO + 1):
        status = ev.status(origin + k * width).set_index("slo")
        for slo in slos:
            out[slo.id][k] = status.loc[slo.id, "alerts"]
    return out


@pytest.mark.slow  # about 30 s: promtool evaluates every rule at every 5 minutes of 6 days
def test_promtool_fires_alerts_when_the_evaluator_does(tmp_path):
    spec = tmp_path / "specs.yaml"
    spec.write_text(SPEC)
    slos = load_catalog([spec]).slos
    counts = scenario()
    firing = expected_firing(slos, counts)
    rules = build_rules(slos)
    (tmp_path / "rules.yaml").write_text(rules_yaml(slos))
    annotations = {
        (r["alert"], r["labels"]["severity"]): r["annotations"]
        for g in rules["groups"]
        for r in g["rules"]
        if "alert" in r
    }
    cases = []
    for slo in slos:
        base = {"sloth_id": slo.id, "sloth_service": slo.service, "sloth_slo": slo.name}
        base |= {label_name(k): v for k, v in slo.labels.items()}
        name = "".join(w.capitalize() for w in slo.id.split("-")) + "ErrorBudgetBurn"
        for k, pairs in firing[slo.id].items():
            sevs = [] if slo.aspirational else sorted({p["severity"] for p in pairs})
            exp = [
                {
                    "exp_labels": {**base, "severity": s, "sloth_severity": s},
                    "exp_annotations": annotations[(name, s)],
                }
                for s in sevs
            ]
            cases.append(
                {"eval_time": format_duration(k * 300), "alertname": name, "exp_alerts": exp}
            )
    test = {
        "rule_files": ["rules.yaml"],
        "evaluation_interval": "5m",
        "group_eval_order": [g["name"] for g in rules["groups"]],
        "tests": [
            {
                "interval": "5m",
                "input_series": [
                    {"series": series, "values": expanding(inc)}
                    for series, inc in input_series(counts).items()
                ],
                "alert_rule_test": cases,
            }
        ],
    }
    (tmp_path / "test.yaml").write_text(yaml.safe_dump(test, sort_keys=False, width=1000))

    # the scenario is not vacuous: pages, ticket-only spells and quiet spells all occur
    def sevs(slo_id: str) -> list[set[str]]:
        return [{p["severity"] for p in f} for f in firing[slo_id].values()]

    for slo_id in ("web-availability", "labels-creation", "search-latency", "ledger-availability"):
        assert {"page"} <= set().union(*sevs(slo_id)), slo_id
        assert {"ticket"} in sevs(slo_id) and set() in sevs(slo_id), slo_id
    assert any(sevs("recs-availability"))  # the evaluator still lists an aspirational burn
    search = [p["long_window"] for p in firing["search-latency"][at(4, 6, 15)]]
    assert "1h" in search and "1h" not in [
        p["long_window"] for p in firing["search-latency"][at(4, 6, 20)]
    ]  # the 5m window holds the bad slice only at the instant it ends

    assert_promtool_tests_pass(tmp_path)


def test_sloth_alert_name_labels_and_annotations_are_kept():
    from sre_pipeline.slo.rules.export import build_rules
    from sre_pipeline.slo.spec.loader import load_catalog

    slos = load_catalog(["examples/slos/sloth"]).slos
    alerts = [
        rule
        for group in build_rules(slos)["groups"]
        for rule in group["rules"]
        if "alert" in rule and "requests-availability" in rule["expr"]
    ]
    assert {a["alert"] for a in alerts} == {"NotificationsHighErrorRate"}
    sloth_severities = {a["labels"]["sloth_severity"] for a in alerts}
    assert sloth_severities == {"page", "ticket"}
    by_severity = {a["labels"]["sloth_severity"]: a for a in alerts}
    assert by_severity["page"]["labels"]["severity"] == "pageteam"
    assert by_severity["ticket"]["labels"]["severity"] == "slack"
    assert by_severity["page"]["labels"]["category"] == "availability"
    summary = by_severity["ticket"]["annotations"]["summary"]
    assert summary == "High error rate on notification send requests"
