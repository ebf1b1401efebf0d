"""``sre-pipeline collect`` end to end against the real Prometheus, then ``evaluate``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

from sre_pipeline.slo.evaluator import Evaluator
from sre_pipeline.slo.report import status_records

CLI = str(Path(sys.executable).parent / "sre-pipeline")
ISO = "%Y-%m-%dT%H:%M:%SZ"


def run(*args, env=None):
    return subprocess.run([CLI, *args], capture_output=True, text=True, env=env, check=False)


def test_collect_writes_the_csv_that_evaluate_reads(backfilled, tmp_path):
    out = tmp_path / "events.csv"
    done = run("collect", "--slos", "examples/slos", "--prometheus-url", backfilled.server.url,
               "--start", backfilled.start.strftime(ISO), "--end", backfilled.end.strftime(ISO),
               "--output", str(out), "--header", "X-Scope-OrgID=test")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "for 18 of 18 SLOs" in done.stderr
    evaluated = run("evaluate", "--slos", "examples/slos", "--events", str(out), "--format", "json")
    assert evaluated.returncode == 0, evaluated.stderr
    at = backfilled.end
    expected = status_records(Evaluator(backfilled.truth, backfilled.slos, at, at).status(at))
    got = json.loads(evaluated.stdout)
    assert [r["slo"] for r in got] == [r["slo"] for r in expected]
    for g, e in zip(got, expected, strict=True):
        assert g["alerts"] == e["alerts"] and g["policy_tier"] == e["policy_tier"]
        for key in ("attainment", "budget_remaining", "coverage"):
            assert (g[key] is None and e[key] is None) or abs(g[key] - e[key]) < 1e-9


def test_partial_failure_exits_1_with_a_summary(backfilled, tmp_path):
    spec = tmp_path / "slos.yaml"
    spec.write_text(
        "service: {name: svc}\nslos:\n"
        "  - name: broken\n    objective: 99\n    sli:\n      events:\n"
        '        good: "sum(rate(x[{{ .window }}])"\n        total: "sum(rate(x[{{ .window }}]))"\n'
        "  - name: fine\n    objective: 99\n    sli:\n      events:\n"
        '        good: sum(rate(http_requests_total{service="cart",code="200"}[{{ .window }}]))\n'
        '        total: sum(rate(http_requests_total{service="cart"}[{{ .window }}]))\n'
    )
    out = tmp_path / "events.csv"
    env = {"PROMETHEUS_URL": backfilled.server.url, "PATH": "/usr/bin:/bin"}
    done = run("collect", "--slos", str(spec), "--start", backfilled.start.strftime(ISO),
               "--end", backfilled.end.strftime(ISO), "--output", str(out), env=env)  # fmt: skip
    assert done.returncode == 1
    assert "error: svc-broken (good): HTTP 400: bad_data" in done.stderr
    assert "PARTIAL: 1 SLO(s) failed: svc-broken" in done.stderr
    assert "Traceback" not in done.stderr
    assert set(pd.read_csv(out).slo) == {"svc-fine"}


def test_bad_flags_exit_2(tmp_path, monkeypatch):
    monkeypatch.delenv("PROMETHEUS_URL", raising=False)
    base = ["collect", "--slos", "examples/slos", "--output", str(tmp_path / "x.csv")]
    no_url = run(*base, "--start", "2026-10-01T00:00Z", "--end", "2026-10-02T00:00Z")
    assert no_url.returncode == 2 and "no Prometheus URL" in no_url.stderr
    odd = run(*base, "--prometheus-url", "http://127.0.0.1:1", "--start", "2026-10-01T00:02Z",
              "--end", "2026-10-02T00:00Z")  # fmt: skip
    assert odd.returncode == 2 and "not on a 300s bucket boundary" in odd.stderr
    assert "Traceback" not in no_url.stderr + odd.stderr


def test_demo_against_prometheus_collects_the_same_counts(backfilled, tmp_path):
    import sqlalchemy as sa

    from sre_pipeline.warehouse.reads import read_events

    env = {k: v for k, v in __import__("os").environ.items()
           if not k.startswith(("SRE_PIPELINE", "DAGSTER", "PROMETHEUS"))}  # fmt: skip
    home = tmp_path / "home"
    done = subprocess.run(
        [CLI, "demo", "--output-dir", str(home), "--prometheus-url", backfilled.server.url,
         "--end", backfilled.end.date().isoformat(), "--days", "2"],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "18 SLOs" in done.stdout
    engine = sa.create_engine(f"sqlite:///{home / 'warehouse.db'}")
    got = read_events(engine, backfilled.start, backfilled.end)
    engine.dispose()
    truth = backfilled.truth
    merged = truth.merge(got, on=["slo", "bucket_start"], how="outer", indicator=True,
                         suffixes=("_truth", "_got"))  # fmt: skip
    assert (merged["_merge"] == "both").all()
    assert ((merged.good_got - merged.good_truth).abs() <= 1e-9 * merged.total_truth + 1e-9).all()
