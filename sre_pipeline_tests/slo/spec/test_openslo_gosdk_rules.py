"""OpenSLO rules of the reference validator (go-sdk) beyond the SLO's own shape: metadata keys
and values, description lengths, reference names, duration shorthand, notification targets,
inline objects and decoding strictness. Each case is written as a user would write it."""

from __future__ import annotations

import pytest

from sre_pipeline.slo.spec.loader import load_catalog
from sre_pipeline_tests.slo.spec.test_openslo import (
    at,
    condition,
    doc,
    errors,
    metric,
    policy_doc,
    sli_doc,
    slo_doc,
    write,
)

LONG = "x" * 1051


def v2(kind: str, name: str, spec: dict, **metadata) -> dict:
    return {**doc(kind, name, spec, **metadata), "apiVersion": "openslo.com/v2alpha"}


@pytest.mark.parametrize(
    ("metadata", "path", "message"),
    [
        ({"labels": {"bad key": "x"}}, "metadata.labels", "label key 'bad key'"),
        ({"labels": {"k" * 64: "x"}}, "metadata.labels", "is not valid"),
        ({"labels": {"team.io/owner": "x"}}, "metadata.labels", "label key 'team.io/owner'"),
        ({"annotations": {"bad key": "x"}}, "metadata.annotations", "annotation key 'bad key'"),
        ({"annotations": {"a/b/c": "x"}}, "metadata.annotations", "annotation key 'a/b/c'"),
        ({"annotations": {"Bad_Prefix/x": "x"}}, "metadata.annotations", "annotation key"),
        ({"annotations": {"k" * 64: "x"}}, "metadata.annotations", "annotation key"),
    ],
)
def test_v1_label_and_annotation_keys(tmp_path, metadata, path, message):
    assert (
        message
        in at(
            errors(write(tmp_path, "m.yaml", doc("Service", "api", {}, **metadata))), path
        ).message
    )


def test_v1_keys_that_are_valid(tmp_path):
    metadata = {
        "labels": {"Team_1.x": ["a", "b"], "tier": "Gold Tier"},  # v1 values are free text
        "annotations": {"openslo.com/owner": "Jane Doe", "note": "any text"},
    }
    catalog = load_catalog(
        [write(tmp_path, "m.yaml", doc("Service", "api", {}, **metadata))], allow_empty=True
    )
    assert catalog.others == {"Service": 1}


@pytest.mark.parametrize(
    ("metadata", "path", "message"),
    [
        (
            {"labels": {"env": "Prod"}},
            "metadata.labels",
            "label env: 'Prod' is not a valid label value",
        ),
        ({"labels": {"env": "two words"}}, "metadata.labels", "not a valid label value"),
        ({"labels": {"env": "v" * 64}}, "metadata.labels", "not a valid label value"),
        ({"labels": {"/env": "x"}}, "metadata.labels", "label key '/env'"),
        ({"labels": {"a/b/c": "x"}}, "metadata.labels", "label key 'a/b/c'"),
        ({"labels": {"Bad.Prefix/env": "x"}}, "metadata.labels", "label key"),
        ({"annotations": {"bad key": "x"}}, "metadata.annotations", "annotation key 'bad key'"),
    ],
)
def test_v2alpha_label_and_annotation_rules(tmp_path, metadata, path, message):
    assert (
        message
        in at(errors(write(tmp_path, "m.yaml", v2("Service", "api", {}, **metadata))), path).message
    )


def test_v2alpha_qualified_keys_and_empty_values_are_valid(tmp_path):
    metadata = {
        "labels": {"team.io/Owner_1": "", "env": "prod-1.a"},
        "annotations": {"x.y/z": "Any Text"},
    }
    path = write(tmp_path, "m.yaml", v2("Service", "api", {}, **metadata))
    assert load_catalog([path], allow_empty=True).others == {"Service": 1}


@pytest.mark.parametrize(
    "document",
    [
        doc("Service", "api", {"description": LONG}),
        slo_doc(description=LONG),
        doc("AlertNotificationTarget", "t", {"target": "slack", "description": LONG}),
        doc(
            "AlertPolicy",
            "p",
            {
                "description": LONG,
                "conditions": [{"conditionRef": "c"}],
                "notificationTargets": [{"targetRef": "t"}],
            },
        ),
    ],
)
def test_descriptions_are_at_most_1050_characters(tmp_path, document):
    problem = at(errors(write(tmp_path, "d.yaml", sli_doc(), document)), "spec.description")
    assert "1050" in problem.message


def test_a_null_description_and_a_null_service_spec_are_valid(tmp_path):
    path = write(
        tmp_path,
        "s.yaml",
        doc("Service", "api", None),
        doc("Service", "web", {"description": None}),
    )
    assert load_catalog([path], allow_empty=True).others == {"Service": 2}


@pytest.mark.parametrize(
    ("spec", "path"),
    [
        ({"indicatorRef": "Bad Ref"}, "spec.indicatorRef"),
        ({"indicatorRef": ""}, "spec.indicatorRef"),
        (
            {"alertPolicies": [{"alertPolicyRef": "Bad Ref"}]},
            "spec.alertPolicies[0].alertPolicyRef",
        ),
    ],
)
def test_references_must_be_names_even_when_unresolved(tmp_path, spec, path):
    problem = at(errors(write(tmp_path, "r.yaml", sli_doc(), slo_doc(**spec))), path)
    assert "is not an RFC-1123 label" in problem.message


def test_condition_and_target_references_are_names(tmp_path):
    bad = doc(
        "AlertPolicy",
        "p",
        {"conditions": [{"conditionRef": "Bad"}], "notificationTargets": [{"targetRef": "x y"}]},
    )
    problems = errors(write(tmp_path, "p.yaml", bad))
    assert (
        "'Bad' is not an RFC-1123 label" in at(problems, "spec.conditions[0].conditionRef").message
    )
    assert "'x y' is not" in at(problems, "spec.notificationTargets[0].targetRef").message


@pytest.mark.parametrize(
    ("lookback", "message"),
    [
        ("1h30m", "'1h30m' is not an OpenSLO duration"),
        ("3600s", "'3600s' is not an OpenSLO duration"),
        ("1.5h", "'1.5h' is not an OpenSLO duration"),
    ],
)
def test_durations_are_shorthand(tmp_path, lookback, message):
    path = write(tmp_path, "c.yaml", condition("fast", "page", 14.4, lookback))
    assert at(errors(path), "spec.condition.lookbackWindow").message == message


def test_slice_windows_and_alert_after_are_shorthand(tmp_path):
    slo = slo_doc(
        budgetingMethod="Timeslices",
        objectives=[{"target": 0.99, "timeSliceTarget": 0.9, "timeSliceWindow": "30s"}],
    )
    assert (
        "'30s' is not an OpenSLO duration"
        in at(
            errors(write(tmp_path, "s.yaml", sli_doc(), slo)), "spec.objectives[0].timeSliceWindow"
        ).message
    )
    cond = condition("fast", "page", 14.4, "1h")
    cond["spec"]["condition"]["alertAfter"] = "5s"
    assert (
        at(errors(write(tmp_path, "c.yaml", cond)), "spec.condition.alertAfter").message
        == "'5s' is not an OpenSLO duration"
    )


def test_v2alpha_conditions_need_alert_after_and_v2alpha_units(tmp_path):
    cond = condition("fast", "page", 14.4, "1M")
    cond["apiVersion"] = "openslo.com/v2alpha"
    del cond["spec"]["condition"]["alertAfter"]
    problems = errors(write(tmp_path, "c.yaml", cond))
    assert at(problems, "spec.condition.alertAfter").message == "required field is missing"
    assert (
        at(problems, "spec.condition.lookbackWindow").message
        == "'1M' uses the unit 'M', not allowed here"
    )


def test_a_condition_names_its_kind(tmp_path):
    cond = condition("fast", "page", 14.4, "1h")
    del cond["spec"]["condition"]["kind"]
    assert (
        at(errors(write(tmp_path, "c.yaml", cond)), "spec.condition.kind").message
        == "required field is missing"
    )


def test_notification_targets_are_validated(tmp_path):
    problems = errors(
        write(
            tmp_path, "t.yaml", doc("AlertNotificationTarget", "oncall", {"description": "pager"})
        )
    )
    assert at(problems, "spec.target").message == "required field is missing"
    ok = write(
        tmp_path, "ok.yaml", doc("AlertNotificationTarget", "oncall", {"target": "pagerduty"})
    )
    assert load_catalog([ok], allow_empty=True).others == {"AlertNotificationTarget": 1}


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (
            {"metadata": {"name": "t"}, "spec": {"target": "slack"}},
            "an inline AlertNotificationTarget without kind",
        ),
        ({"kind": "AlertNotificationTarget", "spec": {"target": "slack"}}, "without metadata"),
        (
            {"kind": "AlertNotificationTarget", "metadata": {"name": "t"}, "spec": {}},
            "required field is missing",
        ),
    ],
)
def test_inline_targets_are_whole_objects(tmp_path, item, message):
    policy = policy_doc("p", {"conditionRef": "fast"})
    policy["spec"]["notificationTargets"] = [item]
    problems = errors(write(tmp_path, "p.yaml", policy, condition("fast", "page", 14.4, "1h")))
    assert any(
        message in p.message and p.path.startswith("spec.notificationTargets[0]") for p in problems
    ), problems


def test_inline_conditions_and_indicators_need_kind_and_metadata(tmp_path):
    inline = {"spec": condition("fast", "page", 14.4, "1h")["spec"]}
    problems = errors(write(tmp_path, "p.yaml", policy_doc("p", inline)))
    assert (
        "an inline AlertCondition without kind and metadata"
        in at(problems, "spec.conditions[0]").message
    )
    slo = slo_doc(indicatorRef=None, indicator={"spec": sli_doc()["spec"]})
    del slo["spec"]["indicatorRef"]
    assert (
        at(errors(write(tmp_path, "s.yaml", slo)), "spec.indicator.metadata").message
        == "required field is missing"
    )


def test_an_inline_threshold_indicator_needs_op_and_value(tmp_path):
    slo = slo_doc(
        indicator={
            "metadata": {"name": "lat"},
            "spec": {"thresholdMetric": metric("histogram_quantile(0.99, x)")},
        }
    )
    del slo["spec"]["indicatorRef"]
    problems = errors(write(tmp_path, "s.yaml", slo))
    assert sorted(p.message.split(":")[0] for p in problems) == ["no 'op'", "no 'value'"]


@pytest.mark.parametrize(
    ("objective", "message"),
    [
        ({"target": "0.99"}, "'0.99' is text, not a number"),
        ({"targetPercent": "99.9"}, "'99.9' is text, not a number"),
    ],
)
def test_quoted_numbers_are_refused_as_go_sdk_does(tmp_path, objective, message):
    slo = slo_doc(objectives=[objective])
    key = next(iter(objective))
    assert (
        at(errors(write(tmp_path, "s.yaml", sli_doc(), slo)), f"spec.objectives[0].{key}").message
        == message
    )


def test_counter_is_a_boolean_not_a_word(tmp_path):
    sli = sli_doc(counter="yes", bad=metric("x"), total=metric("y"))
    assert (
        "valid boolean"
        in at(errors(write(tmp_path, "s.yaml", sli)), "spec.ratioMetric.counter").message
    )


def test_a_window_without_is_rolling_needs_a_calendar(tmp_path):
    slo = slo_doc(timeWindow=[{"duration": "28d"}])
    problem = at(errors(write(tmp_path, "s.yaml", sli_doc(), slo)), "spec.timeWindow[0]")
    assert problem.message == "no isRolling and no calendar"


def test_an_empty_list_file_is_valid_with_a_warning(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("[]\n", encoding="utf-8")
    catalog = load_catalog([str(path)], allow_empty=True)
    assert [w.message for w in catalog.warnings] == ["no documents"]
