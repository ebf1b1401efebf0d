"""Query templates per SLI kind and the ``le`` matching of latency thresholds."""

from __future__ import annotations

import re

import pytest

from sre_pipeline.inputs.promql import render
from sre_pipeline.slo.model import SLI
from sre_pipeline.slo.rules.promql import le_regex, sli_templates


@pytest.mark.parametrize(
    ("threshold", "matches", "rejects"),
    [
        (0.3, ["0.3", "0.30", "0.300"], ["0.03", "3", "0.31", "0.3e0"]),
        (1, ["1", "1.0", "1.00"], ["10", "0.1", "1.5"]),
        (2.5, ["2.5", "2.50"], ["2.05", "25"]),
        (0.025, ["0.025", "0.0250"], ["0.25", "0.0025"]),
    ],
)
def test_le_regex_matches_every_spelling_of_the_bucket(threshold, matches, rejects):
    pattern = re.compile(le_regex(threshold))
    assert all(pattern.fullmatch(m) for m in matches)
    assert not any(pattern.fullmatch(r) for r in rejects)


def test_latency_templates_use_bucket_and_count():
    sli = SLI(
        kind="latency",
        metric="http_request_duration_seconds",
        matchers=('service="checkout"',),
        threshold=0.3,
    )
    t = sli_templates(sli)
    assert t["good"] == (
        'sum(increase(http_request_duration_seconds_bucket{service="checkout",le=~"0\\\\.30*"}'
        "[{{ .window }}]))"
    )
    assert render(t["total"], "5m") == (
        'sum(increase(http_request_duration_seconds_count{service="checkout"}[5m]))'
    )


def test_events_probe_and_ratio_templates():
    events = SLI(kind="events", bad_query="b[{{.window}}]", total_query="t[{{ .window }}]")
    assert {k: render(v, "1h") for k, v in sli_templates(events).items()} == {
        "bad": "b[1h]",
        "total": "t[1h]",
    }
    probe = sli_templates(SLI(kind="probe", probe_query='probe_success{job="bb"}'))
    assert render(probe["good"], "5m") == 'sum(sum_over_time(probe_success{job="bb"}[5m]))'
    assert "count_over_time" in probe["total"]
    ratio = SLI(kind="ratio", error_ratio_query="avg_over_time(x[{{ .window }}])")
    assert sli_templates(ratio) == {"error_ratio": "avg_over_time(x[{{ .window }}])"}
