"""``sre-pipeline collect`` end to end against the real Prometheus, then ``evaluate``."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sre_pipeline.cli import main
from sre_pipeline.slo.budget.evaluator import Evaluator
from sre_pipeline.slo.exchange.report import status_records
from sre_pipeline_tests.services.drip_server import DripServer
from sre_pipeline_tests.services.faulty_proxy import FaultyProxy

pytestmark = pytest.mark.slow  # a real Prometheus and dripping servers

CLI = str(Path(sys.executable).parent / "sre-pipeline")
ISO = "%Y-%m-%dT%H:%M:%SZ"


def run(*args, env=None):
    return subprocess.run([CLI, *args], capture_output=True, text=True, env=env, check=False)


def test_collect_writes_the_csv_that_evaluate_reads(backfilled, tmp_path):
    out = tmp_path / "events.csv"
    done = run(
        "collect",
        "--slos",
        "examples/slos",
        "--prometheus-url",
        backfilled.server.url,
        "--start",
        backfilled.start.strftime(ISO),
        "--end",
        backfilled.end.strftime(ISO),
        "--output",
        str(out),
        "--header",
        "X-Scope-OrgID=test",
    )
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
        # parses (validate accepts it) but the server refuses it: a regex label_replace
        # compiles only when it runs
        '        good: label_replace(sum(rate(x[{{ .window }}])), "d", "$1", "s", "(")\n'
        '        total: "sum(rate(x[{{ .window }}]))"\n'
        "  - name: fine\n    objective: 99\n    sli:\n      events:\n"
        '        good: sum(rate(http_requests_total{service="cart",code="200"}[{{ .window }}]))\n'
        '        total: sum(rate(http_requests_total{service="cart"}[{{ .window }}]))\n'
    )
    out = tmp_path / "events.csv"
    env = {"PROMETHEUS_URL": backfilled.server.url, "PATH": "/usr/bin:/bin"}
    done = run(
        "collect",
        "--slos",
        str(spec),
        "--start",
        backfilled.start.strftime(ISO),
        "--end",
        backfilled.end.strftime(ISO),
        "--output",
        str(out),
        env=env,
    )
    assert done.returncode == 1
    assert (
        "error: svc-broken (good): HTTP 422: execution: invalid regular expression" in done.stderr
    )
    assert "PARTIAL: 1 SLO(s) failed: svc-broken" in done.stderr
    assert "Traceback" not in done.stderr
    assert set(pd.read_csv(out).slo) == {"svc-fine"}


def test_bad_flags_exit_2(tmp_path, monkeypatch):
    monkeypatch.delenv("PROMETHEUS_URL", raising=False)
    base = ["collect", "--slos", "examples/slos", "--output", str(tmp_path / "x.csv")]
    no_url = run(*base, "--start", "2026-10-01T00:00Z", "--end", "2026-10-02T00:00Z")
    assert no_url.returncode == 2 and "no Prometheus URL" in no_url.stderr
    odd = run(
        *base,
        "--prometheus-url",
        "http://127.0.0.1:1",
        "--start",
        "2026-10-01T00:02Z",
        "--end",
        "2026-10-02T00:00Z",
    )
    assert odd.returncode == 2 and "not on a 300s bucket boundary" in odd.stderr
    assert "Traceback" not in no_url.stderr + odd.stderr


@pytest.mark.slow
def test_demo_against_prometheus_collects_the_same_counts(backfilled, tmp_path):
    import sqlalchemy as sa

    from sre_pipeline.warehouse.reads import read_events

    env = {
        k: v
        for k, v in __import__("os").environ.items()
        if not k.startswith(("SRE_PIPELINE", "DAGSTER", "PROMETHEUS"))
    }
    home = tmp_path / "home"
    done = subprocess.run(
        [
            CLI,
            "demo",
            "--output-dir",
            str(home),
            "--prometheus-url",
            backfilled.server.url,
            "--end",
            backfilled.end.date().isoformat(),
            "--days",
            "2",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "18 SLOs" in done.stdout
    engine = sa.create_engine(f"sqlite:///{home / 'warehouse.db'}")
    got = read_events(engine, backfilled.start, backfilled.end)
    engine.dispose()
    truth = backfilled.truth
    merged = truth.merge(
        got, on=["slo", "bucket_start"], how="outer", indicator=True, suffixes=("_truth", "_got")
    )
    assert (merged["_merge"] == "both").all()
    assert ((merged.good_got - merged.good_truth).abs() <= 1e-9 * merged.total_truth + 1e-9).all()


def _clean_env() -> dict[str, str]:
    return {
        k: v
        for k, v in __import__("os").environ.items()
        if not k.startswith(("SRE_PIPELINE", "DAGSTER", "PROMETHEUS"))
    }


def _demo(home, url: str, end: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            CLI,
            "demo",
            "--output-dir",
            str(home),
            "--prometheus-url",
            url,
            "--end",
            end,
            "--days",
            "2",
        ],
        capture_output=True,
        text=True,
        env=_clean_env(),
        check=False,
        timeout=600,
    )


def _tables(home) -> dict[str, list]:
    import sqlalchemy as sa

    from sre_pipeline.warehouse.schema import metadata

    engine = sa.create_engine(f"sqlite:///{home / 'warehouse.db'}")
    with engine.connect() as conn:
        out = {
            t.name: sorted(map(tuple, conn.execute(sa.select(t)).all()), key=repr)
            for t in metadata.sorted_tables
        }
    engine.dispose()
    return out


def test_demo_against_a_stopped_prometheus_exits_1_and_says_so(tmp_path):
    from sre_pipeline_tests.services.system import free_port

    home = tmp_path / "home"
    done = _demo(home, f"http://127.0.0.1:{free_port()}", "2026-11-01")
    assert done.returncode == 1, done.stderr[-2000:]
    assert "does not answer (connection failed" in done.stderr
    assert "nothing was collected" in done.stderr and "Traceback" not in done.stderr
    assert not (home / "warehouse.db").exists()


@pytest.mark.slow
def test_demo_re_collecting_through_failing_queries_keeps_the_warehouse(backfilled, tmp_path):
    """Prometheus answers, but every SLI and capacity query fails: the demo exits 1 naming
    what failed, and the warehouse of the earlier successful demo is left exactly as it was."""
    home = tmp_path / "home"
    end = backfilled.end.date().isoformat()
    first = _demo(home, backfilled.server.url, end)
    assert first.returncode == 0, first.stderr[-3000:]
    before = _tables(home)
    assert before["sli_events"]
    with FaultyProxy(backfilled.server.url, fail_matching="_", fail_status=400) as proxy:
        again = _demo(home, proxy.url, end)
    assert again.returncode == 1, again.stdout[-2000:]
    assert "SLI collection: 18 failed, kept as stored; 0 replaced" in again.stderr
    assert "HTTP 400" in again.stderr and "Traceback" not in again.stderr
    assert "The warehouse keeps what it held before the failed run." in again.stderr
    assert "18 SLOs, status as of" not in again.stdout  # no figures computed from the hole
    assert _tables(home) == before


@pytest.fixture
def no_prometheus_env(monkeypatch):
    """No ``PROMETHEUS_*`` setting of the developer's shell leaks into a test."""
    for name in ("URL", "CA_BUNDLE", "BEARER_TOKEN", "BASIC_AUTH", "HEADERS"):
        monkeypatch.delenv(f"PROMETHEUS_{name}", raising=False)


WINDOW = ["--start", "2026-10-01T00:00Z", "--end", "2026-10-01T01:00Z"]


@pytest.mark.parametrize("mode", ["body", "headers"])
def test_collect_against_a_dripping_server_fails_within_the_deadline(
    mode, tmp_path, capsys, no_prometheus_env
):
    out = tmp_path / "events.csv"
    earlier = "slo,bucket_start,good,total\ncart-availability,2026-09-30T00:00:00Z,9,10\n"
    out.write_text(earlier)  # an earlier run's CSV must survive
    with DripServer(mode) as server:
        started = time.monotonic()
        code = main(
            [
                "collect",
                "--slos",
                "examples/slos",
                "--prometheus-url",
                server.url,
                *WINDOW,
                "--output",
                str(out),
                "--timeout",
                "1",
                "--retries",
                "1",
                "--concurrency",
                "16",
            ]
        )
        elapsed = time.monotonic() - started
    err = capsys.readouterr().err
    assert code == 1
    assert elapsed < 60  # a safety bound only: about 3 rounds of 16 one-second attempts
    assert "timed out after 1s" in err
    assert f"FAILED: all 18 SLO(s) failed; {out} not written" in err
    assert "Traceback" not in err
    assert out.read_text() == earlier
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.csv"]  # no .tmp either


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--timeout", "0"], "--timeout: 0 is not a positive number; expected seconds"),
        (["--timeout", "-1.5"], "--timeout: -1.5 is not a positive number; expected seconds"),
        (["--timeout", "nan"], "--timeout: nan is not a positive number; expected seconds"),
        (["--timeout", "inf"], "--timeout: inf is not a positive number; expected seconds"),
        (["--concurrency", "0"], "--concurrency: 0 is less than 1; expected queries in flight"),
        (["--retries", "0"], "--retries: 0 is less than 1; expected attempts per query"),
        (["--retries", "-2"], "--retries: -2 is less than 1; expected attempts per query"),
        (
            ["--ca-bundle", "{tmp}/missing.pem"],
            "--ca-bundle: no such file '{tmp}/missing.pem'; expected a PEM file",
        ),
        (["--ca-bundle", "{tmp}/garbage.pem"], "--ca-bundle: cannot load '{tmp}/garbage.pem' "),
        (
            ["--output", "{tmp}/no/such/dir/out.csv"],
            "--output: directory '{tmp}/no/such/dir' "
            "does not exist; expected a file in an "
            "existing directory",
        ),
        (["--output", "{tmp}"], "--output: '{tmp}' is a directory; expected a file name"),
        (
            ["--prometheus-url", "localhost:9090"],
            "--prometheus-url: 'localhost:9090' is not an http(s) URL; expected http(s)://host",
        ),
        (
            ["--prometheus-url", "ftp://prometheus"],
            "--prometheus-url: 'ftp://prometheus' is not an http(s) URL; expected http(s)://",
        ),
        (["--prometheus-url", "http://"], "--prometheus-url: 'http://' has no host; expected"),
        (
            ["--prometheus-url", "http://prometheus:99999"],
            "--prometheus-url: 'http://prometheus:99999' has port 99999, outside 1-65535; expected",
        ),
        (
            ["--prometheus-url", "http://alice:s3cret@prom etheus"],
            "--prometheus-url: 'http://***@prom etheus' contains white space; expected",
        ),
    ],
)
def test_unusable_flags_exit_2_with_one_line_before_collecting(
    flags, message, tmp_path, capsys, monkeypatch, no_prometheus_env
):
    monkeypatch.setattr(
        "sre_pipeline.sources.collector.SLICollector.collect",
        lambda *a, **k: pytest.fail("collected despite an unusable flag"),
    )
    (tmp_path / "garbage.pem").write_text("not a certificate\n")
    before = sorted(tmp_path.iterdir())
    argv = [
        "collect",
        "--slos",
        "examples/slos",
        "--prometheus-url",
        "http://127.0.0.1:1",
        *WINDOW,
        "--output",
        str(tmp_path / "out.csv"),
    ]
    code = main([*argv, *(f.replace("{tmp}", str(tmp_path)) for f in flags)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: " + message.replace("{tmp}", str(tmp_path))), err
    assert err.count("\n") == 1 and "; expected" in err and "Traceback" not in err
    assert "s3cret" not in err
    assert sorted(tmp_path.iterdir()) == before  # nothing written


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("PROMETHEUS_URL", "prometheus:9090", "error: PROMETHEUS_URL: 'prometheus:9090' is not"),
        ("PROMETHEUS_CA_BUNDLE", "/nonexistent/ca.pem", "error: PROMETHEUS_CA_BUNDLE: no such"),
    ],
)
def test_unusable_environment_values_name_the_variable(
    variable, value, message, tmp_path, capsys, monkeypatch, no_prometheus_env
):
    monkeypatch.setenv("PROMETHEUS_URL", "http://127.0.0.1:1")
    monkeypatch.setenv(variable, value)
    code = main(
        ["collect", "--slos", "examples/slos", *WINDOW, "--output", str(tmp_path / "out.csv")]
    )
    err = capsys.readouterr().err
    assert code == 2 and err.startswith(message) and err.count("\n") == 1
    assert not (tmp_path / "out.csv").exists()


def test_demo_checks_its_prometheus_url_before_creating_anything(tmp_path, capsys):
    home = tmp_path / "home"
    code = main(["demo", "--prometheus-url", "prometheus:9090", "--output-dir", str(home)])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: --prometheus-url: 'prometheus:9090' is not")
    assert not home.exists()
