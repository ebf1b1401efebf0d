"""OpenSLO v1 import, tested through ``load_catalog`` as users run it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from sre_pipeline.inputs.problems import Problem, SpecError
from sre_pipeline.slo.model import SLO
from sre_pipeline.slo.periods import Period
from sre_pipeline.slo.spec.loader import load_catalog
from sre_pipeline.slo.windows import WindowPair, preset_windows

GOOD = 'sum(rate(http_requests_total{service="api",code!~"5.."}[{{ .window }}]))'
BAD = 'sum(rate(http_requests_total{service="api",code=~"5.."}[{{.window}}]))'
TOTAL = 'sum(rate(http_requests_total{service="api"}[{{ .window }}]))'
EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "slos"


def metric(query: str, key: str = "query") -> dict:
    return {"metricSource": {"type": "Prometheus", "spec": {key: query}}}


def sli_spec(**ratio) -> dict:
    return {"ratioMetric": ratio or {"counter": True, "bad": metric(BAD), "total": metric(TOTAL)}}


def doc(kind: str, name: str, spec: dict, **metadata) -> dict:
    return {
        "apiVersion": "openslo/v1",
        "kind": kind,
        "metadata": {"name": name, **metadata},
        "spec": spec,
    }


def sli_doc(name: str = "api-errors", **ratio) -> dict:
    return doc("SLI", name, sli_spec(**ratio))


def slo_doc(name: str = "availability", labels: dict | None = None, **spec) -> dict:
    base = {
        "service": "api",
        "indicatorRef": "api-errors",
        "timeWindow": [{"duration": "28d", "isRolling": True}],
        "budgetingMethod": "Occurrences",
        "objectives": [{"displayName": "Good requests", "target": 0.999}],
    }
    return doc("SLO", name, {**base, **spec}, **({"labels": labels} if labels else {}))


def condition(name: str, severity: str, threshold: float, lookback: str) -> dict:
    spec = {
        "severity": severity,
        "condition": {
            "kind": "burnrate",
            "op": "gte",
            "threshold": threshold,
            "lookbackWindow": lookback,
            "alertAfter": "5m",
        },
    }
    return doc("AlertCondition", name, spec)


TARGETS = {"notificationTargets": [{"targetRef": "oncall"}]}


def policy_doc(name: str, *conditions: dict) -> dict:
    """An AlertPolicy (OpenSLO: exactly one condition, at least one notification target)."""
    return doc("AlertPolicy", name, {"conditions": list(conditions), **TARGETS})


def write(tmp_path: Path, name: str, *docs: dict) -> str:
    path = tmp_path / name
    path.write_text(yaml.safe_dump_all(docs, sort_keys=False), encoding="utf-8")
    return str(path)


def load_one(tmp_path: Path, *docs: dict) -> SLO:
    catalog = load_catalog([write(tmp_path, "slos.yaml", *docs)])
    assert len(catalog.slos) == 1
    return catalog.slos[0]


def errors(*paths: str) -> list[Problem]:
    with pytest.raises(SpecError) as exc:
        load_catalog(list(paths))
    return [p for p in exc.value.problems if p.severity == "error"]


def at(problems: list[Problem], path: str) -> Problem:
    found = [p for p in problems if p.path == path]
    assert len(found) == 1, f"{path}: {[str(p) for p in problems]}"
    return found[0]


# -- valid specs ---------------------------------------------------------------------------


def test_referenced_sli_with_service_labels(tmp_path):
    service = doc(
        "Service",
        "api",
        {"description": "Public API"},
        labels={"owner": "api-oncall", "team": ["platform", "edge"]},
    )
    slo = load_one(tmp_path, service, sli_doc(), slo_doc(labels={"tier": "1", "zones": ["a", "b"]}))
    assert slo.id == "api-availability"
    assert (slo.service, slo.name) == ("api", "availability")
    assert (slo.owner, slo.team) == ("api-oncall", "platform,edge")
    assert slo.labels == {"tier": "1", "zones": "a,b"}
    assert slo.objective == 0.999
    assert slo.period == Period.rolling(timedelta(days=28))
    assert slo.budgeting.method == "occurrences"
    assert (slo.sli.kind, slo.sli.bad_query, slo.sli.total_query) == ("events", BAD, TOTAL)
    assert slo.window_set == "google"
    assert slo.windows == preset_windows("google", timedelta(days=28))
    assert (slo.source.format, slo.source.document) == ("openslo", 3)
    assert slo.source.file.endswith("slos.yaml")


def test_inline_indicator_good_total_and_undefined_service(tmp_path):
    inline = {"metadata": {"name": "ok"}, "spec": sli_spec(good=metric(GOOD), total=metric(TOTAL))}
    slo = load_one(tmp_path, slo_doc(indicatorRef=None, indicator=inline, service="checkout"))
    assert slo.id == "checkout-availability"
    assert (slo.owner, slo.team) == (None, None)
    assert (slo.sli.good_query, slo.sli.bad_query, slo.sli.total_query) == (GOOD, None, TOTAL)


@pytest.mark.parametrize(("raw_type", "expected"), [("failure", BAD), ("success", f"1 - ({GOOD})")])
def test_raw_ratio(tmp_path, raw_type, expected):
    raw = metric(GOOD if raw_type == "success" else BAD, key="promql")
    slo = load_one(tmp_path, sli_doc(raw=raw, rawType=raw_type), slo_doc())
    assert (slo.sli.kind, slo.sli.error_ratio_query) == ("ratio", expected)


def test_timeslices_and_target_percent(tmp_path):
    objectives = [{"targetPercent": 99.5, "timeSliceTarget": 0.95, "timeSliceWindow": 2}]
    slo = load_one(
        tmp_path, sli_doc(), slo_doc(budgetingMethod="Timeslices", objectives=objectives)
    )
    assert slo.objective == 0.995
    assert slo.budgeting.method == "timeslices"
    # a bare number is minutes in OpenSLO
    assert (slo.budgeting.slice, slo.budgeting.slice_target) == (timedelta(minutes=2), 0.95)


def test_multiple_objectives_with_own_indicator(tmp_path):
    """A composite SLO: each objective has its own indicator. One on the SLO as well is an
    error, as in go-sdk (an SLO is standard or composite)."""
    fast = {"metadata": {"name": "fast"}, "spec": sli_spec(good=metric(GOOD), total=metric(TOTAL))}
    objectives = [
        {"displayName": "Few errors", "target": 0.99, "indicatorRef": "api-errors"},
        {"target": 0.999, "indicatorRef": "api-errors"},
        {"name": "fast", "target": 0.95, "indicator": fast},
    ]
    both = slo_doc(objectives=objectives)
    problem = at(errors(write(tmp_path, "both.yaml", sli_doc(), both)), "spec.objectives[0]")
    assert problem.message == "an indicator on the objective and one on the SLO"
    composite = slo_doc(objectives=objectives)
    del composite["spec"]["indicatorRef"]
    catalog = load_catalog([write(tmp_path, "a.yaml", sli_doc(), composite)])
    by_id = catalog.by_id()
    assert list(by_id) == [
        "api-availability-Few-errors",
        "api-availability-2",
        "api-availability-fast",
    ]
    assert by_id["api-availability-2"].objective == 0.999
    assert by_id["api-availability-2"].sli.bad_query == BAD
    assert by_id["api-availability-fast"].sli.good_query == GOOD


@pytest.mark.parametrize(
    ("duration", "unit"), [("1w", "week"), ("1M", "month"), ("1Q", "quarter"), ("1Y", "year")]
)
def test_calendar_windows(tmp_path, duration, unit):
    window = {
        "duration": duration,
        "calendar": {"startTime": "2025-01-01 00:00:00", "timeZone": "America/New_York"},
    }
    slo = load_one(tmp_path, sli_doc(), slo_doc(timeWindow=[window]))
    assert slo.period == Period.calendar(unit, "America/New_York")
    assert slo.windows == preset_windows("google", slo.period.nominal)


def test_calendar_start_time_as_yaml_timestamp(tmp_path):
    path = tmp_path / "cal.yaml"
    text = yaml.safe_dump(slo_doc(), sort_keys=False).replace(
        "- duration: 28d\n    isRolling: true",
        "- duration: 1M\n    isRolling: false\n    calendar:\n"
        "      startTime: 2025-01-01 00:00:00\n      timeZone: Europe/Berlin",
    )
    path.write_text(yaml.safe_dump(sli_doc()) + "---\n" + text, encoding="utf-8")
    (slo,) = load_catalog([str(path)]).slos
    assert slo.period == Period.calendar("month", "Europe/Berlin")


def test_alert_policies_inline_and_referenced(tmp_path):
    fast = {"kind": "AlertCondition", **condition("fast", "Critical", 14.4, "1h")}
    del fast["apiVersion"]
    inline_policy = {
        "kind": "AlertPolicy",
        "metadata": {"name": "inline"},
        "spec": {"conditions": [fast], **TARGETS},
    }
    inline_ref = {
        "kind": "AlertPolicy",
        "metadata": {"name": "inline-ref"},
        "spec": {"conditions": [{"conditionRef": "slow"}], **TARGETS},
    }
    named = policy_doc("named", {"conditionRef": "very-slow"})
    slo = slo_doc(alertPolicies=[inline_policy, inline_ref, {"alertPolicyRef": "named"}])
    got = load_one(
        tmp_path,
        sli_doc(),
        slo,
        named,
        condition("slow", "warning", 6, "6h"),
        condition("very-slow", "HIGH", 1, "3d"),
        doc("AlertNotificationTarget", "mail", {"target": "email"}),
        doc("DataSource", "prom", {"type": "Prometheus", "connectionDetails": {"url": "x"}}),
    )
    assert got.window_set == "openslo"
    assert got.windows == (
        WindowPair(timedelta(hours=1), timedelta(minutes=5), 14.4, "page"),
        WindowPair(timedelta(hours=6), timedelta(minutes=30), 6.0, "ticket"),
        WindowPair(timedelta(days=3), timedelta(hours=6), 1.0, "page"),
    )


def test_short_window_rounds_to_a_minute(tmp_path):
    policy = policy_doc("p", {"conditionRef": "c"})
    slo = load_one(
        tmp_path,
        sli_doc(),
        slo_doc(alertPolicies=[{"alertPolicyRef": "p"}]),
        policy,
        condition("c", "page", 10, "30m"),
    )
    # 30m / 12 = 2.5m, rounded half up
    assert slo.windows == (WindowPair(timedelta(minutes=30), timedelta(minutes=3), 10, "page"),)


def test_references_across_files(tmp_path):
    slos = write(tmp_path, "a-slos.yaml", slo_doc(alertPolicies=[{"alertPolicyRef": "burn"}]))
    policy = policy_doc("burn", {"conditionRef": "fast"})
    defs = write(tmp_path, "b-defs.yaml", sli_doc(), policy, condition("fast", "page", 14, "1h"))
    (slo,) = load_catalog([slos, defs]).slos
    assert slo.sli.bad_query == BAD
    assert slo.windows[0].factor == 14
    assert (slo.source.file, slo.source.document) == (slos, 1)


def test_metric_source_ref_without_type(tmp_path):
    ref = {"metricSource": {"metricSourceRef": "prom", "spec": {"query": TOTAL}}}
    slo = load_one(tmp_path, sli_doc(bad=metric(BAD), total=ref), slo_doc())
    assert slo.sli.total_query == TOTAL


def test_examples_load():
    catalog = load_catalog([EXAMPLES / "openslo"])
    by_id = catalog.by_id()
    assert set(by_id) == {"search-availability", "search-latency"}
    latency = by_id["search-latency"]
    assert latency.budgeting.method == "timeslices"
    assert latency.period == Period.calendar("month", "Europe/Berlin")
    assert [w.severity for w in latency.windows] == ["page", "ticket"]
    assert by_id["search-availability"].team == "discovery"


# -- errors ----------------------------------------------------------------------------------


def test_unknown_keys_suggest_and_are_all_reported(tmp_path):
    bad = slo_doc()
    bad["spec"]["budgetMethod"] = bad["spec"].pop("budgetingMethod")
    bad["spec"]["objectives"][0]["targt"] = 0.9
    bad["metadata"]["lables"] = {}
    path = write(tmp_path, "bad.yaml", sli_doc(), bad)
    problems = errors(path)
    assert {(p.file, p.document) for p in problems} == {(path, 2)}
    assert "did you mean 'budgetingMethod'" in at(problems, "spec.budgetMethod").message
    assert "did you mean 'target'" in at(problems, "spec.objectives[0].targt").message
    assert "did you mean 'labels'" in at(problems, "metadata.lables").message
    assert at(problems, "spec.budgetingMethod").message == "required field is missing"
    lines = Path(path).read_text().splitlines()
    assert at(problems, "metadata.lables").line == lines.index("  lables: {}") + 1


def test_minutes_for_months(tmp_path):
    path = write(tmp_path, "m.yaml", sli_doc(), slo_doc(timeWindow=[{"duration": "1m"}]))
    problem = at(errors(path), "spec.timeWindow[0].duration")
    assert (problem.file, problem.document) == (path, 2)
    assert problem.message == (
        "timeWindow duration '1m' is 1 minute, shorter than one day "
        "(did you mean '1M', one month? 'm' is minutes, 'M' is months)"
    )


def test_short_period_without_minutes(tmp_path):
    window = [{"duration": "12h", "isRolling": True}]
    path = write(tmp_path, "h.yaml", sli_doc(), slo_doc(timeWindow=window))
    problem = at(errors(path), "spec.timeWindow[0].duration")
    assert "12h, shorter than one day" in problem.message
    assert "did you mean" not in problem.message


@pytest.mark.parametrize(
    ("window", "message"),
    [
        ({"duration": "1M", "isRolling": True}, "is in months, which have no fixed length"),
        ({"duration": "36h", "isRolling": True}, "is not whole days"),
        (
            {"duration": "2M", "calendar": {"startTime": "2025-01-01", "timeZone": "UTC"}},
            "spans 2 months",
        ),
        (
            {"duration": "30d", "calendar": {"startTime": "2025-01-01", "timeZone": "UTC"}},
            "is not a calendar unit",
        ),
    ],
)
def test_bad_window_durations(tmp_path, window, message):
    path = write(tmp_path, "w.yaml", sli_doc(), slo_doc(timeWindow=[window]))
    assert message in at(errors(path), "spec.timeWindow[0].duration").message


def test_bad_time_zone(tmp_path):
    window = {
        "duration": "1M",
        "calendar": {"startTime": "2025-01-01", "timeZone": "Europe/Paris2"},
    }
    path = write(tmp_path, "tz.yaml", sli_doc(), slo_doc(timeWindow=[window]))
    problem = at(errors(path), "spec.timeWindow[0].calendar.timeZone")
    assert problem.message == "unknown time zone 'Europe/Paris2'"
    assert problem.document == 2


def test_missing_references_suggest_known_names(tmp_path):
    slo = slo_doc(indicatorRef="api-eror", alertPolicies=[{"alertPolicyRef": "burn-rates"}])
    policy = policy_doc("burn-rate", {"conditionRef": "fast-burm"})
    path = write(
        tmp_path, "refs.yaml", sli_doc(), slo, policy, condition("fast-burn", "page", 1, "1h")
    )
    problems = errors(path)
    assert len(problems) == 3
    ref = at(problems, "spec.indicatorRef")
    assert (ref.file, ref.document) == (path, 2)
    assert ref.message == "no SLI named 'api-eror' (did you mean 'api-errors'?)"
    assert "api-errors" in ref.expected
    assert (
        "did you mean 'burn-rate'" in at(problems, "spec.alertPolicies[0].alertPolicyRef").message
    )
    cond = at(problems, "spec.conditions[0].conditionRef")
    assert cond.document == 3
    assert "no AlertCondition named 'fast-burm' (did you mean 'fast-burn'?)" == cond.message


def test_reference_to_invalid_definition_is_not_reported_twice(tmp_path):
    broken = sli_doc(bad=metric("sum(rate(errors[5m])"), total=metric(TOTAL))
    path = write(tmp_path, "broken.yaml", broken, slo_doc())
    problems = errors(path)
    assert len(problems) == 1
    problem = at(problems, "spec.ratioMetric.bad.metricSource.spec.query")
    assert problem.message.startswith("PromQL does not parse")
    assert problem.document == 1


@pytest.mark.parametrize(
    ("query", "counter", "template"),
    [
        (
            'http_requests_total{code="500"}',
            True,
            'sum(increase(http_requests_total{code="500"}[{{ .window }}]))',
        ),
        (
            'sum(http_requests_total{code="500"})',
            True,
            'increase((sum(http_requests_total{code="500"}))[{{ .window }}:])',
        ),
    ],
)
def test_queries_without_a_window_are_bucketed_as_documented(tmp_path, query, counter, template):
    sli = sli_doc(counter=counter, bad=metric(query), total=metric("http_requests_total"))
    slo = load_one(tmp_path, sli, slo_doc())
    assert slo.sli.bad_query == template
    assert slo.sli.total_query == "sum(increase(http_requests_total[{{ .window }}]))"


def test_a_raw_ratio_without_a_window_is_averaged_and_a_plain_gauge_is_listed(tmp_path):
    raw = sli_doc(raw=metric("job:error_ratio"), rawType="failure")
    assert load_one(tmp_path, raw, slo_doc()).sli.error_ratio_query == (
        "avg_over_time((job:error_ratio)[{{ .window }}:])"
    )
    gauge = sli_doc(counter=False, bad=metric("errors_now"), total=metric("requests_now"))
    catalog = load_catalog([write(tmp_path, "g.yaml", gauge, slo_doc())], allow_empty=True)
    assert catalog.slos == [] and [s.id for s in catalog.listed] == ["api-availability"]
    assert "has no buckets" in catalog.listed[0].note


def test_duplicate_names_across_files(tmp_path):
    """Two SLOs of one name would be one id: an error. Other kinds: a warning, as OpenSLO's
    validator does not check names across objects; references take the first."""
    first = write(tmp_path, "a.yaml", sli_doc(), slo_doc())
    second = write(tmp_path, "b.yaml", sli_doc(), slo_doc())
    with pytest.raises(SpecError) as exc:
        load_catalog([first, second])
    problems = exc.value.problems
    assert [(p.file, p.document, p.path, p.severity) for p in problems] == [
        (second, 1, "metadata.name", "warning"),
        (second, 2, "metadata.name", "error"),
    ]
    assert problems[0].message == (
        f"duplicate SLI name 'api-errors', first defined in {first} (document 1); "
        "references use the first"
    )
    assert "duplicate SLO name 'availability'" in problems[1].message


def test_threshold_metrics_and_ratio_timeslices_are_evaluated(tmp_path):
    """A thresholdMetric: every sample an event, good when it meets op/value; RatioTimeslices:
    the mean of the slices' ratios. Without op/value a threshold objective is listed."""
    threshold = doc("SLI", "latency", {"thresholdMetric": metric("p99_latency_seconds")})
    slos = [
        slo_doc(
            "fast",
            indicatorRef="latency",
            budgetingMethod="Timeslices",
            objectives=[
                {
                    "target": 0.99,
                    "op": "lte",
                    "value": 0.3,
                    "timeSliceTarget": 0.9,
                    "timeSliceWindow": "5m",
                }
            ],
        ),
        slo_doc("unbounded", indicatorRef="latency"),
        slo_doc(
            "ratio-slices",
            budgetingMethod="RatioTimeslices",
            objectives=[{"target": 0.99, "timeSliceWindow": "10m"}],
        ),
    ]
    catalog = load_catalog([write(tmp_path, "t.yaml", threshold, sli_doc(), *slos)])
    by_id = {s.id: s for s in catalog.slos}
    fast = by_id["api-fast"]
    assert fast.sli.good_query == (
        "sum(sum_over_time(((p99_latency_seconds) <= bool 0.3)[{{ .window }}:]))"
    )
    assert fast.sli.total_query == "sum(count_over_time((p99_latency_seconds)[{{ .window }}:]))"
    assert (fast.budgeting.method, fast.budgeting.slice_target) == ("timeslices", 0.9)
    ratio = by_id["api-ratio-slices"].budgeting
    assert (ratio.method, ratio.slice) == ("ratio_timeslices", timedelta(minutes=10))
    (listed,) = catalog.listed
    assert (listed.id, listed.note) == (
        "api-unbounded",
        "a thresholdMetric objective without op and value",
    )


def test_timeslices_need_slice_fields(tmp_path):
    objectives = [{"target": 0.99, "timeSliceWindow": "1m"}, {"target": 0.9}]
    path = write(
        tmp_path, "ts.yaml", sli_doc(), slo_doc(budgetingMethod="Timeslices", objectives=objectives)
    )
    problems = errors(path)
    assert [p.path for p in problems] == [
        "spec.objectives[0].timeSliceTarget",
        "spec.objectives[1].timeSliceTarget",
        "spec.objectives[1].timeSliceWindow",
    ]
    assert "needs 'timeSliceTarget'" in problems[0].message


@pytest.mark.parametrize(
    ("objective", "field", "message"),
    [
        ({"target": 99.9}, "target", "target 99.9 is not a ratio between 0 and 1"),
        ({"target": 1}, "target", "target 1.0 is not a ratio between 0 and 1"),
        ({"targetPercent": 100}, "targetPercent", "targetPercent 100.0 is out of range"),
        ({"target": 0.9, "timeSliceTarget": 1.5}, "timeSliceTarget", "not a ratio in (0, 1]"),
    ],
)
def test_bad_targets(tmp_path, objective, field, message):
    path = write(tmp_path, "tg.yaml", sli_doc(), slo_doc(objectives=[objective]))
    assert message in at(errors(path), f"spec.objectives[0].{field}").message


def test_target_as_percent_hints_target_percent(tmp_path):
    path = write(tmp_path, "tp.yaml", sli_doc(), slo_doc(objectives=[{"target": 99.9}]))
    assert at(errors(path), "spec.objectives[0].target").expected == (
        "a ratio such as 0.999, or targetPercent: 99.9"
    )


def test_unknown_kind(tmp_path):
    path = write(tmp_path, "k.yaml", sli_doc(), doc("SLOs", "x", {}))
    problem = at(errors(path), "kind")
    assert (problem.file, problem.document) == (path, 2)
    assert problem.message == "unknown kind 'SLOs' (did you mean 'SLO'?)"
    assert "AlertNotificationTarget" in problem.expected


def test_missing_indicator_and_bad_condition(tmp_path):
    cond = condition("c", "page", 2, "1h")
    policy = {"spec": {"conditions": [{"conditionRef": "c", "spec": cond["spec"]}], **TARGETS}}
    slo = slo_doc(indicatorRef=None, alertPolicies=[policy])
    path = write(tmp_path, "mi.yaml", slo)
    problems = errors(path)
    assert (
        "both 'conditionRef' and an inline AlertCondition"
        in at(problems, "spec.alertPolicies[0].spec.conditions[0]").message
    )
    assert len(problems) == 1
    # the SLO itself validated, so the missing indicator is found once references resolve
    path2 = write(
        tmp_path,
        "mi2.yaml",
        slo_doc(indicatorRef=None, alertPolicies=[{"alertPolicyRef": "p"}]),
        policy_doc("p", {"conditionRef": "c2"}),
        condition("c2", "page", 2, "1h"),
    )
    problem = at(errors(path2), "spec")
    assert problem.message == "no indicator"


def test_a_condition_below_its_threshold_is_valid_and_not_evaluated(tmp_path):
    """``op: lt`` is valid OpenSLO but alerts while the budget is safe: a warning, and the
    SLO keeps its other conditions."""
    lt = condition("lt", "page", 2, "1h")
    lt["spec"]["condition"]["op"] = "lt"
    policies = [{"alertPolicyRef": "low"}, {"alertPolicyRef": "fast"}]
    catalog = load_catalog(
        [
            write(
                tmp_path,
                "lt.yaml",
                sli_doc(),
                slo_doc(alertPolicies=policies),
                policy_doc("low", {"conditionRef": "lt"}),
                policy_doc("fast", {"conditionRef": "f"}),
                lt,
                condition("f", "page", 14.4, "1h"),
            )
        ]
    )
    (warning,) = catalog.warnings
    assert warning.path == "spec.conditions[0]" and warning.document == 3
    assert "this condition is not evaluated" in warning.message
    assert [w.factor for w in catalog.slos[0].windows] == [14.4]


def test_op_and_value_are_forbidden_with_an_inline_ratio_indicator(tmp_path):
    inline = {"metadata": {"name": "inl"}, "spec": sli_spec()}
    objective = {"target": 0.99, "op": "gt", "value": 1}
    problems = errors(
        write(
            tmp_path,
            "op.yaml",
            slo_doc(indicatorRef=None, indicator=inline, objectives=[objective]),
        )
    )
    assert [(p.path, p.message.split(" (")[0]) for p in problems] == [
        ("spec.objectives[0].op", "'op' is forbidden with a ratioMetric indicator"),
        ("spec.objectives[0].value", "'value' is forbidden with a ratioMetric indicator"),
    ]
    # with a referenced SLI the reference validator checks neither; both are ignored
    assert load_one(tmp_path, sli_doc(), slo_doc(objectives=[objective])).objective == 0.99


def test_policy_needs_one_condition_and_a_target_and_null_policies_are_none(tmp_path):
    two = doc("AlertPolicy", "two", {"conditions": [{"conditionRef": "a"}, {"conditionRef": "b"}]})
    problems = errors(write(tmp_path, "p.yaml", two))
    assert at(problems, "spec.conditions").message == (
        "an AlertPolicy holds exactly one condition, found 2"
    )
    assert at(problems, "spec.notificationTargets").message == "required field is missing"
    slo = slo_doc(alertPolicies=None)
    assert load_one(tmp_path, sli_doc(), slo).window_set == "google"


def test_another_metric_source_is_valid_and_listed_not_collected(tmp_path):
    datadog = {"metricSource": {"type": "Datadog", "spec": {"query": "sum:requests{*}"}}}
    path = write(tmp_path, "dd.yaml", sli_doc(bad=metric(BAD), total=datadog), slo_doc())
    catalog = load_catalog([path], allow_empty=True)
    (listed,) = catalog.listed
    assert listed.note == "metric source Datadog is not one the pipeline queries"
    (warning,) = catalog.warnings
    assert (warning.path, warning.document) == ("spec", 2)
    assert warning.message == (
        "not collected: metric source Datadog is not one the pipeline queries; the SLO is "
        "listed in the catalog only"
    )
    with pytest.raises(SpecError) as exc:  # a run needs at least one SLO it can collect
        load_catalog([path])
    assert exc.value.problems[-1].message == (
        "no SLOs found that the pipeline can collect (listed only: api-availability)"
    )


def test_policies_with_only_conditions_below_threshold_give_no_alerts(tmp_path):
    lt = condition("lt", "page", 2, "1h")
    lt["spec"]["condition"]["op"] = "lt"
    docs = [
        sli_doc(),
        slo_doc(alertPolicies=[{"alertPolicyRef": "low"}]),
        policy_doc("low", {"conditionRef": "lt"}),
        lt,
    ]
    catalog = load_catalog([write(tmp_path, "lt.yaml", *docs)])
    (slo,) = catalog.slos
    assert slo.aspirational  # no pages, no tickets: not the default window set's alerts
    assert any(w.path == "spec.alertPolicies" for w in catalog.warnings)


def test_a_file_whose_slos_all_need_other_files_validates_with_warnings(tmp_path):
    path = write(tmp_path, "one.yaml", slo_doc(indicatorRef="elsewhere"))
    catalog = load_catalog([path], allow_empty=True, strict_references=False)
    assert catalog.slos == [] and catalog.warnings[0].message.startswith("no SLI named")
    assert (
        load_one(
            tmp_path, sli_doc(), slo_doc(objectives=[{"target": 0.99, "compositeWeight": 2}])
        ).objective
        == 0.99
    )
