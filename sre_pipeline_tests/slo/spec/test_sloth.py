"""Sloth ``prometheus/v1`` import (plain files and the Kubernetes resource), through
``load_catalog``."""

from __future__ import annotations

import textwrap
from datetime import timedelta
from pathlib import Path

import pytest

from sre_pipeline.inputs.problems import Problem, SpecError
from sre_pipeline.slo.periods import Period
from sre_pipeline.slo.spec.loader import load_catalog
from sre_pipeline.slo.windows import preset_windows

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "slos"
ERRORS = 'sum(rate(http_requests_total{service="mail",code=~"5.."}[{{.window}}]))'
TOTAL = 'sum(rate(http_requests_total{service="mail"}[{{.window}}]))'
RATIO = "sum(rate(mail_errors_total[{{ .window }}])) / sum(rate(mail_total[{{ .window }}]))"

SLOTH = f"""\
version: "prometheus/v1"
service: "mail"
labels:
  owner: "mail-oncall"
  team: "messaging"
  tier: "2"
slos:
  - name: "requests-availability"
    objective: 99.9
    description: "Most sends succeed."
    labels:
      tier: "1"
      category: availability
    sli:
      events:
        error_query: '{ERRORS}'
        total_query: '{TOTAL}'
    alerting:
      name: MailHighErrorRate
      page_alert:
        labels:
          severity: page
  - name: "ratio"
    objective: 99
    sli:
      raw:
        error_ratio_query: '{RATIO}'
    alerting:
      name: MailRatio
      ticket_alert:
        disable: true
"""


def write(tmp_path: Path, text: str, name: str = "sloth.yaml") -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


def errors(path: str) -> list[Problem]:
    with pytest.raises(SpecError) as exc:
        load_catalog([path])
    return [p for p in exc.value.problems if p.severity == "error"]


def at(problems: list[Problem], path: str) -> Problem:
    found = [p for p in problems if p.path == path]
    assert len(found) == 1, f"{path}: {[str(p) for p in problems]}"
    return found[0]


def test_events_and_raw(tmp_path):
    path = write(tmp_path, SLOTH)
    events, raw = load_catalog([path]).slos
    assert (events.id, events.service, events.name) == (
        "mail-requests-availability",
        "mail",
        "requests-availability",
    )
    assert events.description == "Most sends succeed."
    assert (events.owner, events.team) == ("mail-oncall", "messaging")
    # the SLO's labels win over the service's
    assert events.labels == {
        "owner": "mail-oncall",
        "team": "messaging",
        "tier": "1",
        "category": "availability",
    }
    assert events.objective == 0.999
    assert (events.sli.kind, events.sli.bad_query, events.sli.total_query) == (
        "events",
        ERRORS,
        TOTAL,
    )
    assert events.period == Period.rolling(timedelta(days=30))
    assert events.window_set == "google"
    assert events.windows == preset_windows("google", timedelta(days=30))
    assert not events.aspirational
    assert (events.source.format, events.source.file, events.source.document) == ("sloth", path, 1)
    assert (raw.sli.kind, raw.sli.error_ratio_query) == ("ratio", RATIO)
    assert raw.labels["tier"] == "2"


def test_custom_period(tmp_path):
    slos = load_catalog([write(tmp_path, SLOTH)], sloth_period=timedelta(days=28)).slos
    assert slos[0].period == Period.rolling(timedelta(days=28))
    assert slos[0].windows == preset_windows("google", timedelta(days=28))
    assert slos[0].windows[0].factor == pytest.approx(13.44)


@pytest.mark.parametrize(
    ("page", "ticket", "severities", "aspirational"),
    [
        ("false", "false", ["page", "page", "ticket", "ticket"], False),
        ("true", "false", ["ticket", "ticket"], False),
        ("false", "true", ["page", "page"], False),
        ("true", "true", ["page", "page", "ticket", "ticket"], True),
    ],
)
def test_disabled_alerts(tmp_path, page, ticket, severities, aspirational):
    text = SLOTH.replace(
        "      page_alert:\n        labels:\n          severity: page\n",
        f"      page_alert:\n        disable: {page}\n"
        f"      ticket_alert:\n        disable: {ticket}\n",
    )
    slo = load_catalog([write(tmp_path, text)]).slos[0]
    assert [w.severity for w in slo.windows] == severities
    assert slo.aspirational is aspirational


def test_both_alerts_disabled_needs_no_alert_name(tmp_path):
    text = SLOTH.replace("      name: MailRatio\n", "      page_alert: {disable: true}\n")
    slo = load_catalog([write(tmp_path, text)]).slos[1]
    assert slo.aspirational


def test_kubernetes_resource(tmp_path):
    text = f"""\
    version: "prometheus/v1"
    service: other
    slos:
      - name: a
        objective: 99
        sli: {{raw: {{error_ratio_query: '{RATIO}'}}}}
        alerting: {{name: A}}
    ---
    apiVersion: sloth.slok.dev/v1
    kind: PrometheusServiceLevel
    metadata:
      name: mail-slos
      namespace: monitoring
      labels:
        release: prometheus
    spec:
      service: mail
      labels:
        team: messaging
      slos:
        - name: availability
          objective: 99.5
          sli:
            events:
              errorQuery: '{ERRORS}'
              totalQuery: '{TOTAL}'
          alerting:
            name: MailAvailability
            pageAlert:
              disable: true
            ticketAlert:
              labels:
                severity: ticket
    """
    path = write(tmp_path, text)
    _, slo = load_catalog([path]).slos
    assert (slo.id, slo.team, slo.objective) == ("mail-availability", "messaging", 0.995)
    assert slo.sli.bad_query == ERRORS
    assert [w.severity for w in slo.windows] == ["ticket", "ticket"]
    assert (slo.source.file, slo.source.document) == (path, 2)


def test_ratio_like_objective_warns(tmp_path):
    catalog = load_catalog([write(tmp_path, SLOTH.replace("objective: 99.9", "objective: 0.999"))])
    (warning,) = catalog.warnings
    assert warning.path == "slos[0].objective"
    assert "looks like a ratio" in warning.message
    assert catalog.slos[0].objective == pytest.approx(0.00999)


def test_example_loads():
    slos = load_catalog([EXAMPLES / "sloth"]).slos
    assert [s.id for s in slos] == [
        "notifications-requests-availability",
        "notifications-requests-latency",
    ]
    assert [w.severity for w in slos[1].windows] == ["ticket", "ticket"]


# -- errors ----------------------------------------------------------------------------------


def test_all_problems_of_a_file_at_once(tmp_path):
    text = (
        SLOTH.replace("objective: 99.9", "objetive: 99.9")
        .replace(f"total_query: '{TOTAL}'", "total_query: sum(rate(mail_total[5m]))")
        .replace("      raw:\n", "      plugin:\n        id: x\n      raw:\n")
        .replace("      name: MailRatio\n", "")
    )
    path = write(tmp_path, text)
    problems = errors(path)
    assert {(p.file, p.document) for p in problems} == {(path, 1)}
    unknown = at(problems, "slos[0].objetive")
    assert unknown.message == "unknown key 'objetive' (did you mean 'objective'?)"
    assert at(problems, "slos[0].objective").message == "required field is missing"
    query = at(problems, "slos[0].sli.events.total_query")
    assert query.message == "query has no {{.window}} placeholder"
    plugin = at(problems, "slos[1].sli.plugin")
    assert plugin.message.startswith("SLI plugin 'x' is not supported: Sloth runs the plugin's")
    assert plugin.expected.startswith(
        "its queries written out: events (error_query, total_query) or raw (error_ratio_query)"
    )
    assert at(problems, "slos[1].alerting").message == "alerting has no 'name'"
    assert len(problems) == 5


@pytest.mark.parametrize("objective", ["100", "0", "-5", "150"])
def test_objective_out_of_range(tmp_path, objective):
    path = write(tmp_path, SLOTH.replace("objective: 99.9", f"objective: {objective}"))
    problem = at(errors(path), "slos[0].objective")
    assert "is out of range" in problem.message
    assert problem.line == 9


def test_sli_kinds_and_alert_name(tmp_path):
    events = f"      events: {{error_query: '{ERRORS}', total_query: '{TOTAL}'}}\n"
    text = SLOTH.replace("      raw:\n", events + "      raw:\n").replace(
        "      name: MailRatio\n", "      page_alert: {disable: true}\n"
    )
    text = text.replace("      name: MailHighErrorRate\n", "")
    problems = errors(write(tmp_path, text))
    assert at(problems, "slos[1].sli").message == "2 SLI kinds given"
    alerting = at(problems, "slos[0].alerting")
    assert alerting.message == "alerting has no 'name'"
    assert "required unless both page_alert and ticket_alert are disabled" in alerting.expected


def test_resource_keys_are_camel_case_and_snake_ones_ignored_as_sloth_does(tmp_path):
    """Kubernetes decoding ignores unknown fields, so Sloth ignores ``error_query`` and
    ``page_alert`` in a resource: a warning each, and the camelCase field still missing."""
    text = f"""\
    apiVersion: sloth.slok.dev/v1
    kind: PrometheusServiceLevel
    metadata: {{name: x}}
    spec:
      service: mail
      slos:
        - name: availability
          objective: 99.5
          sli:
            events:
              error_query: '{ERRORS}'
              totalQuery: '{TOTAL}'
          alerting:
            name: A
            page_alert: {{disable: true}}
    """
    with pytest.raises(SpecError) as exc:
        load_catalog([write(tmp_path, text)])
    problems = exc.value.problems
    snake = at(problems, "spec.slos[0].sli.events.error_query")
    assert snake.severity == "warning"
    assert snake.message == (
        "'error_query' is ignored, as Sloth ignores it in a Kubernetes resource (the resource "
        "spells it 'errorQuery')"
    )
    assert at(problems, "spec.slos[0].sli.events.errorQuery").message == "required field is missing"
    alert = at(problems, "spec.slos[0].alerting.page_alert")
    assert alert.severity == "warning" and "spells it 'pageAlert'" in alert.message
    assert len(problems) == 3
    # without the snake_case query the resource loads, page_alert ignored: both severities
    fixed = text.replace("error_query:", "errorQuery:")
    catalog = load_catalog([write(tmp_path, fixed)])
    assert [w.path for w in catalog.warnings] == ["spec.slos[0].alerting.page_alert"]
    assert {w.severity for w in catalog.slos[0].windows} == {"page", "ticket"}


def test_unknown_version(tmp_path):
    problem = at(
        errors(write(tmp_path, SLOTH.replace("prometheus/v1", "prometheus/v2"))), "version"
    )
    assert problem.message == "'prometheus/v2' is not allowed"


def test_label_values_that_yaml_reads_as_other_types_are_strings_as_sloth_writes_them(tmp_path):
    """Sloth decodes labels into Go strings: ``true`` is "true", ``0.20`` is "0.2" (a
    float32's shortest digits), ``1e3`` "1000" and ``y`` "true" (YAML 1.1 in Go), and the
    rules carry them so."""
    text = (
        SLOTH.replace('  tier: "2"\n', "  tier: 2\n  generated: true\n")
        .replace("      category: availability\n", "      le: 0.20\n      empty:\n      ok: y\n")
        .replace("          severity: page\n", "          severity: page\n          rank: 1e3\n")
    )
    mail, _ = load_catalog([write(tmp_path, text)]).slos
    assert mail.labels == {
        "owner": "mail-oncall",
        "team": "messaging",
        "tier": "1",
        "generated": "true",
        "le": "0.2",
        "empty": "",
        "ok": "true",
    }
    assert mail.alert_meta.by_severity_labels["page"] == {"severity": "page", "rank": "1000"}


def test_a_resource_label_that_is_not_a_string_is_refused_as_sloth_refuses_it(tmp_path):
    text = """\
    apiVersion: sloth.slok.dev/v1
    kind: PrometheusServiceLevel
    metadata: {name: x}
    spec:
      service: mail
      labels: {tier: 2, quoted: "2"}
      slos:
        - name: availability
          objective: 99.5
          sli: {raw: {errorRatioQuery: 'sum(rate(e[{{.window}}]))'}}
          alerting: {name: A}
    """
    (problem,) = errors(write(tmp_path, text))
    assert problem.path == "spec.labels.tier" and problem.line == 6
    assert problem.message == "int 2 is not a string: Sloth's Kubernetes decoding refuses it"
    assert problem.expected == 'a quoted value, e.g. "2"'


def test_an_alert_windows_catalog_is_named_not_taken_for_a_broken_spec(tmp_path):
    text = """\
    apiVersion: sloth.slok.dev/v1
    kind: AlertWindows
    spec:
      sloPeriod: 7d
    """
    (problem,) = errors(write(tmp_path, text))
    assert problem.path == "kind" and problem.message.startswith(
        "an AlertWindows document is Sloth's alert-window catalog"
    )
