"""Impossible dates, alias bombs, non-finite numbers, unparseable PromQL and out-of-order
thresholds in every YAML input: a problem with file:line and field, exit code 2, no traceback.
"""

from __future__ import annotations

import time

import pytest

from sre_pipeline.config import load_config
from sre_pipeline.demo.plan import load_plan
from sre_pipeline.inputs.problems import SpecError
from sre_pipeline_tests.bad_input.helpers import (
    CAPACITY,
    LATENCY,
    NATIVE,
    OPENSLO,
    POSTMORTEM,
    SLOTH,
    cli,
    line_of,
    replaced,
    write,
)

BOMB = "".join(
    f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9) if i else 'x, x, x, x, x, x, x, x, x'}]\n"
    for i in range(10)
)  # ten levels of nine aliases each: 9**10 nodes once expanded
REFUSED = (
    "document refused: aliases expand it past 10 times its size (nested or recursive); "
    "expected the values written out (aliases only for repeats)"
)


def _validate(capsys, tmp_path, kind: str, text: str, name: str):
    """``validate`` on one file of ``kind`` (spec, capacity or postmortem)."""
    path = write(tmp_path / name, text)
    flag = {"spec": [], "capacity": ["--capacity"], "postmortem": ["--postmortems"]}[kind]
    return path, cli(capsys, "validate", *flag, path)


IMPOSSIBLE = ["2026-02-30", "2026-13-01", "2026-11-31T10:00Z", "2026-11-20 25:00:00"]


@pytest.mark.parametrize("value", IMPOSSIBLE)
@pytest.mark.parametrize(
    "kind, template, old, field",
    [
        ("spec", NATIVE, "objective: 99.9", "slos[0].objective"),
        ("spec", SLOTH, "objective: 99.9", "slos[0].objective"),
        (
            "spec",
            OPENSLO,
            'startTime: "2026-01-01 00:00:00"',
            "spec.timeWindow[0].calendar.startTime",
        ),
        ("capacity", CAPACITY, "warn: 70", "resources[0].thresholds.warn"),
        ("postmortem", POSTMORTEM, "started: 2026-11-20T10:00:00Z", "started"),
    ],
)
def test_impossible_dates_are_problems_with_file_line_and_field(
    capsys, tmp_path, value, kind, template, old, field
):
    key = old.split(":")[0]
    text = replaced(template, old, f"{key}: {value}")
    path, done = _validate(
        capsys, tmp_path, kind, text, "in.md" if kind == "postmortem" else "in.yaml"
    )
    assert done.code == 2
    line = line_of(text, f"{key}: {value}")
    assert any(
        ln.startswith(f"error: {path}:{line}") and f": {field}: " in ln for ln in done.lines
    ), done.err


@pytest.mark.parametrize("value", ["2026-02-30", "2026-13-01", "20260101", "2026-1-1"])
def test_config_start_date_must_be_a_real_day(capsys, tmp_path, monkeypatch, value):
    config = write(tmp_path / "sre_pipeline.yaml", f"time_zone: UTC\nstart_date: {value}\n")
    monkeypatch.setenv("SRE_PIPELINE_CONFIG", str(config))
    done = cli(capsys, "quality", "--week", "2026-11-09")
    assert done.code == 2
    assert done.lines[0].startswith(f"error: {config}:2 (document 1): start_date: ")
    assert "expected a real day as YYYY-MM-DD" in done.lines[0]


def test_demo_plan_authored_for_must_be_a_real_day(tmp_path):
    plan = write(
        tmp_path / "demo.yaml", "seed: 7\npostmortems: {path: pm, authored_for: 2026-11-31}\n"
    )
    with pytest.raises(SpecError) as info:
        load_plan(plan)
    (problem,) = info.value.problems
    assert str(problem).startswith(
        f"error: {plan}:2 (document 1): postmortems.authored_for: '2026-11-31' is not a real day"
    )


def test_a_date_in_a_text_field_is_just_text(capsys, tmp_path):
    # PyYAML built a date here, and raised a bare ValueError for an impossible one
    text = replaced(NATIVE, "    period: 30d", "    period: 30d\n    description: 2026-02-30")
    _, done = _validate(capsys, tmp_path, "spec", text, "shop.yaml")
    assert done.code == 0, done.err


@pytest.mark.parametrize("kind", ["spec", "capacity", "postmortem"])
def test_alias_bombs_are_refused_quickly(capsys, tmp_path, kind):
    name, text, line = {
        "spec": ("bomb.yaml", BOMB, 4),
        "capacity": ("capacity.yaml", BOMB, 4),
        "postmortem": ("pm.md", "---\nid: INC-1\n" + BOMB + "---\n# x\n", 6),
    }[kind]
    started = time.perf_counter()
    path, done = _validate(capsys, tmp_path, kind, text, name)
    assert time.perf_counter() - started < 5
    assert done.code == 2
    assert done.lines[0] == (
        f"error: {path}:{line}"
        + ("" if kind == "postmortem" else " (document 1)")
        + f": l3: {REFUSED}"
    )


def test_alias_bombs_in_the_config_and_the_demo_plan(tmp_path):
    for load, name in ((load_config, "sre_pipeline.yaml"), (load_plan, "demo.yaml")):
        path = write(tmp_path / name, BOMB)
        with pytest.raises(SpecError) as info:
            load(path)
        assert str(info.value.problems[0]) == f"error: {path}:4 (document 1): l3: {REFUSED}"


def test_a_recursive_alias_is_refused(capsys, tmp_path):
    path, done = _validate(capsys, tmp_path, "spec", "a: 1\nb: &b [*b]\n", "loop.yaml")
    assert done.code == 2
    assert done.lines[0].startswith(
        f"error: {path}:2 (document 1): b: document refused: nesting deeper than 100 levels "
        "(a recursive alias?)"
    )


def test_aliases_for_repeats_still_load(capsys, tmp_path):
    # what yaml.dump writes for a reused object, and a merge key written by hand
    text = replaced(NATIVE, "    period: 30d\n", "    period: &p 30d\n    labels: &l {tier: '1'}\n")
    text += "  - name: other\n    objective: 99\n    period: *p\n    labels: {<<: *l, x: y}\n"
    text += "    sli: {events: {bad: 'b[{{ .window }}]', total: 't[{{ .window }}]'}}\n"
    _, done = _validate(capsys, tmp_path, "spec", text, "shop.yaml")
    assert done.code == 0, done.err
    assert "2 SLO(s) OK" in done.err


def test_deep_nesting_is_refused(capsys, tmp_path):
    path, done = _validate(
        capsys, tmp_path, "spec", "a: " + "[" * 5000 + "]" * 5000 + "\n", "deep.yaml"
    )
    assert done.code == 2
    assert done.lines[0].startswith(
        f"error: {path}:1 (document 1): (document): document refused: nesting deeper than "
        "100 levels; expected at most 100 levels of nesting"
    )


@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan", "1e400", "1.0e+400"])
@pytest.mark.parametrize(
    "template, old, field",
    [
        (LATENCY, "threshold: 0.3", "slos[0].sli.latency.threshold"),
        (NATIVE, "objective: 99.9", "slos[0].objective"),
        (SLOTH, "objective: 99.9", "slos[0].objective"),
        (OPENSLO, "target: 0.999", "spec.objectives[0].target"),
    ],
)
def test_non_finite_numbers_are_problems(capsys, tmp_path, value, template, old, field):
    key = old.split(":")[0]
    text = replaced(template, old, f"{key}: {value}")
    path, done = _validate(capsys, tmp_path, "spec", text, "in.yaml")
    assert done.code == 2
    line = line_of(text, f"{key}: {value}")
    assert any(
        ln.startswith(f"error: {path}:{line}") and f": {field}: " in ln for ln in done.lines
    ), done.err


def test_capacity_thresholds_out_of_order(capsys, tmp_path):
    text = replaced(CAPACITY, "warn: 70, scale: 80", "warn: 85, scale: 80")
    path, done = _validate(capsys, tmp_path, "capacity", text, "capacity.yaml")
    assert done.code == 2
    assert done.lines[0] == (
        f"error: {path}:6 (document 1): resources[0].thresholds: warn 85, scale 80, emergency 90 "
        "are out of order; expected warn < scale < emergency, e.g. {warn: 70, scale: 80, "
        "emergency: 90}"
    )


def test_capacity_default_thresholds_count_in_the_order(capsys, tmp_path):
    text = replaced(CAPACITY, "{warn: 70, scale: 80, emergency: 90}", "{warn: 85}")
    path, done = _validate(capsys, tmp_path, "capacity", text, "capacity.yaml")
    assert done.code == 2 and f"{path}:6 (document 1): resources[0].thresholds: warn 85" in done.err


BAD_QUERY = "sum(rate(errors_total[{{ .window }}])"


@pytest.mark.parametrize(
    "template, old, new, field",
    [
        (
            NATIVE,
            "bad: sum(rate(errors_total[{{ .window }}]))",
            f"bad: {BAD_QUERY}",
            "slos[0].sli.events.bad",
        ),
        (
            SLOTH,
            "error_query: sum(rate(errors_total[{{.window}}]))",
            "error_query: sum(rate(errors_total[{{.window}}])",
            "slos[0].sli.events.error_query",
        ),
        (
            OPENSLO,
            "query: sum(rate(errors_total[{{ .window }}]))",
            f"query: {BAD_QUERY}",
            "spec.indicator.spec.ratioMetric.bad.metricSource.spec.query",
        ),
        (
            LATENCY,
            "matchers: {job: shop}",
            "matchers: ['job=shop']",
            "slos[0].sli.latency.matchers",
        ),
    ],
)
def test_promql_that_does_not_parse(capsys, tmp_path, template, old, new, field):
    text = replaced(template, old, new)
    path, done = _validate(capsys, tmp_path, "spec", text, "in.yaml")
    assert done.code == 2
    line = line_of(text, new.split(":")[0] + ":")
    first = done.lines[0]
    assert first.startswith(f"error: {path}:{line} (document 1): {field}: "), done.err
    assert "does not parse" in first
    assert done.lines[-1] == "1 error(s) in 1 file(s)"


def test_capacity_promql_that_does_not_parse(capsys, tmp_path):
    text = replaced(
        CAPACITY,
        'max(resource_utilisation_ratio{resource="db-cpu"})',
        'max(resource_utilisation_ratio{resource="db-cpu"}',
    )
    path, done = _validate(capsys, tmp_path, "capacity", text, "capacity.yaml")
    assert done.code == 2
    assert done.lines[0] == (
        f"error: {path}:5 (document 1): resources[0].utilisation: PromQL does not parse: "
        "unclosed left parenthesis; expected a PromQL expression such as "
        "sum(rate(http_requests_total[{{ .window }}]))"
    )


def test_every_example_query_parses(capsys):
    done = cli(capsys, "validate", "examples/slos", "--capacity", "examples/capacity.yaml")
    assert done.code == 0, done.err
    assert "18 SLO(s) OK" in done.err and "4 capacity resource(s) OK" in done.err
