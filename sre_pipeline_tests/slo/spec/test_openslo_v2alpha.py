"""OpenSLO ``openslo.com/v2alpha``: v1's kinds with v2alpha's spellings (``serviceRef``,
``sli``/``sliRef``, ``dataSourceRef``/``dataSourceSpec``), checked as OpenSLO's validator
checks them and converted as v1."""

from __future__ import annotations

from pathlib import Path

import pytest

from sre_pipeline.inputs.problems import SpecError
from sre_pipeline.slo.spec.loader import load_catalog

DOCS = """\
- apiVersion: openslo.com/v2alpha
  kind: DataSource
  metadata: {name: prom}
  spec: {type: Prometheus, connectionDetails: {url: http://127.0.0.1:9090}}
- apiVersion: openslo.com/v2alpha
  kind: DataSource
  metadata: {name: dd}
  spec: {type: Datadog, connectionDetails: null}
- apiVersion: openslo.com/v2alpha
  kind: SLI
  metadata: {name: web-errors, labels: {team: web}}
  spec:
    ratioMetric:
      counter: true
      bad: {dataSourceRef: prom, spec: {query: 'sum(rate(errors_total[{{ .window }}]))'}}
      total: {dataSourceRef: prom, spec: {query: 'sum(rate(requests_total[{{ .window }}]))'}}
- apiVersion: openslo.com/v2alpha
  kind: SLO
  metadata: {name: availability}
  spec:
    serviceRef: web
    sliRef: web-errors
    budgetingMethod: Occurrences
    timeWindow: [{duration: 4w, isRolling: true}]
    objectives: [{target: 0.999}]
- apiVersion: openslo.com/v2alpha
  kind: SLO
  metadata: {name: checkout}
  spec:
    service: web
    sli:
      metadata: {name: checkout-inline}
      spec:
        ratioMetric:
          good: {dataSourceRef: dd, spec: {query: 'sum:ok{*}'}}
          total: {dataSourceRef: dd, spec: {query: 'sum:all{*}'}}
    budgetingMethod: Occurrences
    timeWindow: [{duration: 28d, isRolling: true}]
    objectives: [{target: 0.99}]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "v2alpha.yaml"
    path.write_text(text)
    return path


def test_v2alpha_slos_load_and_a_datadog_one_is_listed(tmp_path):
    catalog = load_catalog([write(tmp_path, DOCS)])
    (web,) = catalog.slos
    assert (web.id, web.objective, web.period.label) == ("web-availability", 0.999, "28d")
    assert web.sli.bad_query == "sum(rate(errors_total[{{ .window }}]))"
    assert web.source.spec == "openslo.com/v2alpha"
    (listed,) = catalog.listed
    assert listed.id == "web-checkout"  # go-sdk before 0.8 spelled serviceRef "service"
    assert listed.note == "metric source Datadog is not one the pipeline queries"
    assert catalog.others == {"DataSource": 2, "SLI": 1}


@pytest.mark.parametrize(
    ("old", "new", "path", "message"),
    [
        (
            "metadata: {name: availability}",
            "metadata: {name: availability, displayName: A}",
            "[3].metadata.displayName",
            "unknown key 'displayName'",
        ),
        (
            "duration: 4w",
            "duration: 1M",
            "[3].spec.timeWindow[0].duration",
            "'1M' uses the unit 'M', not allowed here",
        ),
        (
            "bad: {dataSourceRef: prom, spec",
            "bad: {dataSourceRef: prom, dataSourceSpec: "
            "{type: Prometheus, connectionDetails: {}}, spec",
            "[2].spec.ratioMetric.bad",
            "give exactly one of 'dataSourceRef' and 'dataSourceSpec'",
        ),
        (
            "sum(rate(errors_total[{{ .window }}]))",
            "sum(rate(errors_total[{{ .window }}])",
            "[2].spec.ratioMetric.bad.spec.query",
            "PromQL does not parse",
        ),
    ],
)
def test_v2alpha_rules_with_their_place(tmp_path, old, new, path, message):
    with pytest.raises(SpecError) as exc:
        load_catalog([write(tmp_path, DOCS.replace(old, new, 1))])
    found = [p for p in exc.value.problems if p.path == path]
    assert len(found) == 1 and found[0].message.startswith(message), exc.value


def test_a_query_of_an_undefined_data_source_is_promql_or_listed(tmp_path):
    """A reference to a DataSource the files do not define: a PromQL query is collected (the
    pipeline's one source), another is listed, not reported as bad PromQL."""
    text = DOCS.replace("dataSourceRef: dd", "dataSourceRef: elsewhere")
    catalog = load_catalog([write(tmp_path, text)])
    (listed,) = catalog.listed
    assert listed.note == (
        "metric source of DataSource 'elsewhere' (not in the files given) is not one the "
        "pipeline queries"
    )
