"""OpenSLO ``openslo/v1alpha``, the version Sloth reads: one SLO per objective with Sloth's
ids, go-sdk's rules, and warnings where Sloth reads what go-sdk refuses."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from sre_pipeline.inputs.problems import SpecError
from sre_pipeline.slo.spec.loader import load_catalog

SLO = """\
apiVersion: openslo/v1alpha
kind: SLO
metadata: {name: checkout-requests, displayName: Checkout requests}
spec:
  service: checkout
  budgetingMethod: Occurrences
  timeWindows:
    - {count: 28, unit: Day, isRolling: true}
  objectives:
    - target: 0.99
      value: 1
      ratioMetrics:
        good: {source: prometheus, queryType: promql, query: 'sum(rate(ok_total[{{.window}}]))'}
        total: {source: prometheus, queryType: promql, query: 'sum(rate(all_total[{{.window}}]))'}
    - target: 0.999
      value: 1
      ratioMetrics:
        good: {source: prometheus, queryType: promql, query: 'sum(rate(ok_total[{{.window}}]))'}
        total: {source: prometheus, queryType: promql, query: 'sum(rate(all_total[{{.window}}]))'}
---
apiVersion: openslo/v1alpha
kind: Service
metadata: {name: checkout}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "v1alpha.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def problems(path: Path) -> list:
    with pytest.raises(SpecError) as exc:
        load_catalog([path])
    return exc.value.problems


def test_each_objective_is_an_slo_with_sloths_id(tmp_path):
    catalog = load_catalog([write(tmp_path, SLO)])
    assert catalog.warnings == []
    assert [(s.id, s.objective, s.period.label) for s in catalog.slos] == [
        ("checkout-checkout-requests-0", 0.99, "28d"),
        ("checkout-checkout-requests-1", 0.999, "28d"),
    ]
    first = catalog.slos[0]
    assert first.sli.good_query == "sum(rate(ok_total[{{.window}}]))"
    assert (first.source.format, first.source.spec) == ("openslo", "openslo/v1alpha")
    assert first.window_set == "google" and not first.aspirational


def test_what_sloth_reads_and_go_sdk_refuses_loads_with_warnings(tmp_path):
    text = SLO.replace("{count: 28, unit: Day, isRolling: true}", "{count: 30, unit: Day}")
    catalog = load_catalog([write(tmp_path, text.replace("      value: 1\n", ""))])
    assert {(w.path, w.line) for w in catalog.warnings} == {
        ("spec.timeWindows[0]", 8),
        ("spec.objectives[0].value", 10),
        ("spec.objectives[1].value", 14),
    }
    assert {s.period.label for s in catalog.slos} == {"30d"}


@pytest.mark.parametrize(
    ("old", "new", "path", "message"),
    [
        (
            "name: checkout-requests,",
            "name: Checkout Requests,",
            "metadata.name",
            "'Checkout Requests' is not an RFC-1123 label",
        ),
        (
            "      value: 1\n      ratioMetrics",
            "      op: gt\n      ratioMetrics",
            "spec.objectives[0].op",
            "'op' is forbidden with ratioMetrics",
        ),
        ("unit: Day", "unit: Year", "spec.timeWindows[0].unit", "'Year' is not allowed"),
    ],
)
def test_go_sdk_rules_are_errors_with_their_place(tmp_path, old, new, path, message):
    found = [p for p in problems(write(tmp_path, SLO.replace(old, new, 1))) if p.path == path]
    assert [p.message for p in found] == [message]


def test_kinds_other_than_service_and_slo_do_not_exist_in_v1alpha(tmp_path):
    text = "apiVersion: openslo/v1alpha\nkind: SLI\nmetadata: {name: x}\nspec: {}\n"
    (problem,) = problems(write(tmp_path, text))
    assert problem.path == "kind"
    assert problem.message == "kind 'SLI' does not exist in openslo/v1alpha"


def test_an_unsupported_apiversion_is_named(tmp_path):
    text = "apiVersion: openslo/v9\nkind: Service\nmetadata: {name: x}\n"
    (problem,) = problems(write(tmp_path, text))
    assert (problem.path, problem.message) == (
        "apiVersion",
        "unsupported OpenSLO apiVersion 'openslo/v9'",
    )


def test_an_apiversion_no_format_has_is_named_not_an_unknown_format(tmp_path):
    text = "apiVersion: foo\nkind: Service\nmetadata: {name: x}\n"
    (problem,) = problems(write(tmp_path, text))
    assert (problem.path, problem.message) == ("apiVersion", "unsupported apiVersion 'foo'")
    assert "openslo/v1alpha" in problem.expected and "sloth.slok.dev/v1" in problem.expected


def test_objectives_the_pipeline_cannot_evaluate_are_listed(tmp_path):
    """Another source, Timeslices (v1alpha has no slice length): valid, listed in the
    catalog with a warning, not collected; a threshold metric is collected as events."""
    text = SLO.replace(
        "good: {source: prometheus, queryType: promql, query: 'sum(rate(ok_total",
        "good: {source: datadog, queryType: query, query: 'sum(rate(ok_total",
        1,
    )
    catalog = load_catalog([write(tmp_path, text)])
    assert [s.id for s in catalog.slos] == ["checkout-checkout-requests-1"]
    (listed,) = catalog.listed
    assert listed.note == "source 'datadog' (queryType 'query') is not one the pipeline queries"
    threshold = """\
    apiVersion: openslo/v1alpha
    kind: SLO
    metadata: {name: latency}
    spec:
      service: checkout
      budgetingMethod: Occurrences
      timeWindows: [{count: 7, unit: Day, isRolling: true}]
      indicator:
        thresholdMetric: {source: prometheus, queryType: promql, query: 'p99_seconds'}
      objectives: [{target: 0.99, op: lte, value: 0.3}]
    """
    (slo,) = load_catalog([write(tmp_path, threshold)]).slos
    assert slo.collectable and slo.sli.kind == "events"  # each sample an event
    assert slo.sli.good_query == "sum(sum_over_time(((p99_seconds) <= bool 0.3)[{{ .window }}:]))"
    assert slo.sli.total_query == "sum(count_over_time((p99_seconds)[{{ .window }}:]))"


def test_odd_shapes_are_problems_not_tracebacks(tmp_path):
    mixed = SLO.replace(
        "    - target: 0.999\n      value: 1\n      ratioMetrics:",
        "    - target: 0.999\n      value: 1\n      ignored:",
        1,
    )
    found = [p.path for p in problems(write(tmp_path, mixed))]
    assert "spec.objectives[1].ignored" in found
    text = "apiVersion: openslo/v1\nkind: [SLO]\nmetadata: {name: x}\n"
    (problem,) = problems(write(tmp_path, text))
    assert (problem.path, problem.message) == ("kind", "kind ['SLO'] is not a name")


def test_an_objective_without_ratio_metrics_beside_one_with_is_an_error(tmp_path):
    text = SLO.replace(
        "      ratioMetrics:\n        good: {source: prometheus, queryType: promql, query: "
        "'sum(rate(ok_total[{{.window}}]))'}\n        total: {source: prometheus, queryType: "
        "promql, query: 'sum(rate(all_total[{{.window}}]))'}\n    - target: 0.999",
        "    - target: 0.999",
        1,
    )
    found = {p.path: p.message for p in problems(write(tmp_path, text))}
    assert found == {"spec.objectives[0]": "the objective has no ratioMetrics"}


THRESHOLD = """\
apiVersion: openslo/v1alpha
kind: SLO
metadata: {name: latency}
spec:
  service: checkout
  budgetingMethod: Timeslices
  timeWindows: [{count: 7, unit: Day, isRolling: true}]
  indicator:
    thresholdMetric: {source: prometheus, queryType: promql, query: 'p99_seconds'}
  objectives: [{target: 0.99, op: lte, value: 0.3, timeSliceTarget: 0.9}]
"""


def test_a_timeslices_threshold_objective_is_listed_not_evaluated_as_occurrences(tmp_path):
    catalog = load_catalog([write(tmp_path, THRESHOLD)], allow_empty=True)
    assert catalog.slos == []
    (listed,) = catalog.listed
    assert listed.note == "Timeslices in openslo/v1alpha has no slice length to evaluate"
    assert listed.sli.kind == "threshold" and listed.sli.threshold_query == "p99_seconds"


def test_time_slice_targets_and_empty_objectives(tmp_path):
    found = problems(
        write(tmp_path, THRESHOLD.replace("timeSliceTarget: 0.9", "timeSliceTarget: 1.01"))
    )
    assert [p.path for p in found] == ["spec.objectives[0].timeSliceTarget"]
    empty = THRESHOLD.replace(
        "objectives: [{target: 0.99, op: lte, value: 0.3, timeSliceTarget: 0.9}]", "objectives: []"
    )
    catalog = load_catalog([write(tmp_path, empty)], allow_empty=True)
    assert [(w.path, w.message) for w in catalog.warnings] == [
        ("spec.objectives", "the SLO has no objectives: nothing to evaluate")
    ]
