"""The ``sre-pipeline`` command: in process through ``main(argv)`` (what every sub-command does
with its arguments), plus the installed console script and ``python -m sre_pipeline.cli`` as
real processes."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sre_pipeline.cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "slos"
ENTRY = Path(sys.executable).parent / "sre-pipeline"
CAPTURE = {"capture_output": True, "text": True, "timeout": 120}
AT = pd.Timestamp("2026-01-31T00:00Z")
# fmt: off
JSON_KEYS = ["slo", "objective", "period", "attainment", "budget_remaining",
             "budget_remaining_events", "budget_remaining_minutes", "burn_rates",
             "time_to_exhaustion_hours", "escalation", "policy_tier", "coverage", "alerts"]
# fmt: on
BURN_KEYS = ["5m", "30m", "1h", "2h", "6h", "1d", "3d", "period"]


def run(
    *args, module: bool = False, env_home: Path | None = None, env: dict | None = None
) -> subprocess.CompletedProcess:
    """The command with these arguments: in this process through ``main(argv)`` (fast), or,
    with ``module``, as ``python -m sre_pipeline.cli`` in a real process."""
    extra = {**({"SRE_PIPELINE_HOME": str(env_home)} if env_home else {}), **(env or {})}
    if module:
        done = subprocess.run(
            [sys.executable, "-m", "sre_pipeline.cli", *map(str, args)],
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, **extra},
        )
    else:
        done = _in_process([str(a) for a in args], extra)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def _in_process(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    out, err = io.StringIO(), io.StringIO()
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:  # argparse: --help, --version, usage errors
                code = exc.code if isinstance(exc.code, int) else 2
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())


def specs(tmp_path: Path, *names: str) -> Path:
    slos = "".join(
        f"  - name: {n}\n    objective: 99.9\n    period: 30d\n"
        "    sli: {events: {bad: 'b[{{ .window }}]', total: 't[{{ .window }}]'}}\n"
        for n in names
    )
    path = tmp_path / "shop.yaml"
    path.write_text(f"apiVersion: sre-pipeline/v1\nservice: {{name: shop}}\nslos:\n{slos}")
    return path


def rows(slo: str, total: int = 1000, bad: int = 0, bad_buckets: int = 0) -> list[str]:
    """30 days of 5-minute buckets ending at AT; ``bad`` bad events in each of the last few."""
    starts = pd.date_range(AT - pd.Timedelta(days=30), AT, freq="5min", inclusive="left")
    first_bad = len(starts) - bad_buckets
    return [
        f"{slo},{t:%Y-%m-%dT%H:%M:%SZ},{total - (bad if i >= first_bad else 0)},{total}"
        for i, t in enumerate(starts)
    ]


def events(tmp_path: Path, lines: list[str], name: str = "events.csv") -> Path:
    path = tmp_path / name
    path.write_text("slo,bucket_start,good,total\n" + "\n".join(lines) + "\n")
    return path


def as_json(text: str) -> list[dict]:
    def no_constants(name):
        raise AssertionError(f"{name} in JSON output")

    return json.loads(text, parse_constant=no_constants)


def assert_close(a, b, path="$"):
    """Equal structures; floats equal to 1e-12 relative."""
    if isinstance(a, float) and isinstance(b, float):
        assert a == pytest.approx(b, rel=1e-12, abs=1e-12), path
    elif isinstance(a, dict) and isinstance(b, dict):
        assert list(a) == list(b), path
        for key in a:
            assert_close(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_close(x, y, f"{path}[{i}]")
    else:
        assert a == b, path


# -- validate ------------------------------------------------------------------------------


def test_entry_point_is_installed():
    assert ENTRY.is_file() and os.access(ENTRY, os.X_OK)
    done = subprocess.run([str(ENTRY), "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("sre-pipeline ")


def test_the_console_script_exits_with_the_commands_code_and_all_its_output(tmp_path):
    """It ends with os._exit (no slow teardown): the code, the output and a usage error's
    message must all still come out."""
    ok = subprocess.run([str(ENTRY), "validate", str(EXAMPLES)], **CAPTURE)
    assert ok.returncode == 0 and ok.stdout.count("\n") > 10  # every SLO listed, flushed
    bad = subprocess.run([str(ENTRY), "validate", str(tmp_path / "none.yaml")], **CAPTURE)
    assert bad.returncode == 2 and "no such file or directory" in bad.stderr
    usage = subprocess.run([str(ENTRY), "validate", "--no-such-flag"], **CAPTURE)
    assert usage.returncode == 2 and "unrecognized arguments: --no-such-flag" in usage.stderr
    helped = subprocess.run([str(ENTRY), "--help"], **CAPTURE)
    assert helped.returncode == 0 and "usage: sre-pipeline" in helped.stdout
    # under a profiler (or coverage) the exit is Python's own, so its data is written
    profile = tmp_path / "run.prof"
    cmd = [sys.executable, "-m", "cProfile", "-o", str(profile), str(ENTRY), "--version"]
    profiled = subprocess.run(cmd, **CAPTURE)
    assert profiled.returncode == 0 and profile.stat().st_size > 0


def test_validate_examples_lists_every_slo():
    done = run("validate", EXAMPLES)
    assert done.returncode == 0, done.stderr
    header, *lines = done.stdout.splitlines()
    assert header.split() == ["SLO", "OBJECTIVE", "PERIOD", "SLI", "FORMAT", "SOURCE"]
    table = {cells[0]: cells[1:5] for cells in (re.split(r"\s{2,}", x) for x in lines)}
    assert len(lines) == len(table) == 18
    assert table["checkout-availability"] == ["99.9%", "30d", "events", "native"]
    assert table["payments-availability"] == ["99.95%", "28d", "events", "native"]
    assert table["catalog-latency"] == [
        "99%",
        "calendar-month (Europe/Berlin)",
        "latency",
        "native",
    ]
    assert table["auth-login-availability"] == ["99.9%", "30d", "events (timeslices)", "native"]
    assert table["api-gateway-uptime"] == ["99.9%", "30d", "probe", "native"]
    assert table["user-profile-availability"] == ["99.5%", "30d", "ratio", "native"]
    assert table["notifications-requests-latency"] == ["99%", "30d", "ratio", "sloth"]
    assert table["search-latency"] == [
        "99%",
        "calendar-month (Europe/Berlin)",
        "events (timeslices)",
        "openslo",
    ]
    assert {v[3] for v in table.values()} == {"native", "openslo", "sloth"}
    assert done.stderr.strip() == (
        "18 SLO(s) OK (and 2 AlertCondition(s), 1 AlertNotificationTarget(s), 2 AlertPolicy(s), "
        "1 SLI(s), 1 Service(s))"
    )


def test_validate_sloth_period():
    done = run("validate", EXAMPLES / "sloth", "--sloth-period", "28d", module=True)
    assert done.returncode == 0, done.stderr
    assert [re.split(r"\s{2,}", x)[2] for x in done.stdout.splitlines()[1:]] == ["28d", "28d"]


def test_sloth_period_from_the_configuration_and_the_flag_wins(tmp_path):
    config = tmp_path / "sre_pipeline.yaml"
    config.write_text("sloth_period: 28d\n")
    env = {"SRE_PIPELINE_CONFIG": str(config)}
    for flags, want in (([], "28d"), (["--sloth-period", "7d"], "7d")):
        done = run("validate", EXAMPLES / "sloth", *flags, env=env)
        assert done.returncode == 0, done.stderr
        periods = {re.split(r"\s{2,}", x)[2] for x in done.stdout.splitlines()[1:]}
        assert periods == {want}


def test_validate_reports_every_error_with_file_and_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "apiVersion: sre-pipeline/v1\nservice: {name: shop}\nslos:\n  - name: a\n"
        "    objective: 100\n    period: 12h\n    sli: {probe: {query: up}}\n"
    )
    for module in (False, True):
        done = run("validate", bad, module=module)
        assert done.returncode == 2
        assert done.stdout == ""
        assert done.stderr.splitlines() == [
            f"error: {bad}:5 (document 1): slos[0].objective: objective 100.0 is out of range; "
            "expected a percentage above 0 and below 100, e.g. 99.9",
            f"error: {bad}:6 (document 1): slos[0].period.rolling: rolling period '12h' is not "
            "a whole number of days; expected e.g. 7d, 28d, 30d",
            "2 error(s) in 1 file(s)",
        ]


def test_validate_missing_path_and_bad_flag(tmp_path):
    done = run("validate", tmp_path / "nope.yaml")
    assert (done.returncode, done.stdout) == (2, "")
    assert "nope.yaml: (path): no such file or directory" in done.stderr
    done = run("validate", EXAMPLES, "--sloth-period", "1M")
    assert done.returncode == 2
    assert "calendar unit 'M'" in done.stderr and "usage:" in done.stderr


POSTMORTEMS = EXAMPLES.parent / "postmortems"


def test_validate_postmortems_with_the_catalog():
    # the SLO directory after the flag is still a spec path (the flag takes one path)
    done = run("validate", "--postmortems", POSTMORTEMS, EXAMPLES)
    assert done.returncode == 0, done.stderr
    assert "18 SLO(s) OK" in done.stderr
    lines = done.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("INCIDENT"))
    incidents = [line.split()[0] for line in lines[header + 1 :]]
    assert incidents[0] == "INC-2026-031" and len(incidents) == 6
    assert "6 incident(s), 11 action item(s) OK" in done.stderr
    assert "not in the SLO catalog" not in done.stderr
    assert lines[header + 2].split()[-1].endswith("2026-11-14-cart-cache-stampede.md")


def test_validate_postmortems_errors_and_unknown_services(tmp_path):
    text = (POSTMORTEMS / "2026-11-20-checkout-payment-errors.md").read_text()
    affected = "**Services Affected:** checkout"  # the incident-report template form
    (tmp_path / "a.md").write_text(text.replace(affected, "**Services Affected:** chekout"))
    done = run("validate", EXAMPLES, "--postmortems", tmp_path)
    assert done.returncode == 0
    assert "warning: INC-2026-042: service(s) chekout not in the SLO catalog" in done.stderr
    (tmp_path / "a.md").write_text(text.replace("| 2026-11-27 |", "| 27/11/2026 |"))
    done = run("validate", "--postmortems", tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    assert (
        "a.md:32: action items row 2: Due: '27/11/2026' is not a date; expected a real day "
        "as YYYY-MM-DD"
    ) in done.stderr
    done = run("validate")
    assert done.returncode == 2 and "--postmortems" in done.stderr
    done = run("validate", "--postmortems", tmp_path, "--time-zone", "Mars/Base")
    assert done.returncode == 2 and "unknown time zone 'Mars/Base'" in done.stderr


# -- quality -------------------------------------------------------------------------------


@pytest.mark.slow
def test_quality_week_from_the_configured_warehouse(tmp_path):
    from sre_pipeline.incidents.model import action_items_frame, incidents_frame
    from sre_pipeline.incidents.postmortems import load_postmortems
    from sre_pipeline.warehouse import schema as tables
    from sre_pipeline.warehouse.engine import make_engine
    from sre_pipeline.warehouse.migrate import upgrade
    from sre_pipeline.warehouse.writes import Slice, replace_slice
    from sre_pipeline_tests.slo.factories import constant_events

    url = f"sqlite:///{tmp_path}/w.db"
    config = tmp_path / "sre_pipeline.yaml"
    config.write_text(
        f"slos: [{EXAMPLES / 'checkout.yaml'}]\ncapacity: null\nwarehouse_url: {url}\n"
    )
    engine = make_engine(url)
    upgrade(engine)
    start, end = pd.Timestamp("2026-11-09", tz="UTC"), pd.Timestamp("2026-11-16", tz="UTC")
    events = pd.concat(
        [
            constant_events(s, "2026-11-09", "2026-11-16T00:00")
            for s in ("checkout-availability", "checkout-latency")
        ]
    )
    events = events[events["bucket_start"] < pd.Timestamp("2026-11-15T12:00Z")]  # half a day lost
    replace_slice(engine, tables.sli_events, events, Slice("bucket_start", start, end))
    found = load_postmortems([POSTMORTEMS / "2026-11-20-checkout-payment-errors.md"])
    replace_slice(engine, tables.incidents, incidents_frame(found.incidents, "UTC"), Slice())
    replace_slice(engine, tables.action_items, action_items_frame(found.incidents), Slice())
    env = {"SRE_PIPELINE_CONFIG": str(config)}
    done = run("quality", "--week", "2026-11-12", env=env)
    assert done.returncode == 0, done.stderr
    assert "## Data quality (2026-11-09 to 2026-11-15)" in done.stdout
    assert "| checkout-latency | 50.0% | 1 |" in done.stdout
    # an action item loses its owner: the blocking check fails, and so does the command
    items = action_items_frame(found.incidents)
    items.loc[0, "owner"] = None
    replace_slice(engine, tables.action_items, items, Slice())
    engine.dispose()
    done = run("quality", "--week", "2026-11-12", "--format", "json", env=env)
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["failed"] == [
        {"suite": "action_items", "scope": "all", "errors": ["owner not null"]}
    ]
    assert report["low_coverage"][0]["slo"] == "checkout-availability"  # same loss, sorted
    assert report["partial_data"] is True and report["check_runs"] == 9
    done = run("quality", "--week", "last monday", env=env)
    assert done.returncode == 2 and "expected an ISO week such as 2026-W48" in done.stderr
    assert (
        run("quality", "--week", "2026-W46", env=env).stdout
        == run("quality", "--week", "2026-11-12", env=env).stdout
    )  # the ISO week and a day of it name the same week
    # incidents stored, the week's budget attribution not run: a clear error, not zeros
    done = run("incidents", "--week", "2026-W47", env=env)
    assert done.returncode == 2 and done.stdout == ""
    assert "--week 2026-W47: 1 incident(s) stored, but the week's budget attribution has not" in (
        done.stderr
    )
    assert "--partition 2026-11-16" in done.stderr
    done = run("incidents", "--week", "2026-W46", "--format", "json", env=env)
    assert done.returncode == 0 and json.loads(done.stdout)["incidents"] == []
    assert json.loads(done.stdout)["attribution"] == "not run"
    done = run("quality", "--week", "2026-10-12", env=env)  # nothing collected that week
    assert done.returncode == 1 and "no SLI events stored for 2026-10-12..2026-10-18" in done.stderr


@pytest.mark.parametrize("command", ["quality", "incidents"])
def test_reports_never_create_or_upgrade_a_warehouse(tmp_path, command):
    config = tmp_path / "sre_pipeline.yaml"
    missing = tmp_path / "typo.db"
    config.write_text(f"slos: [{EXAMPLES / 'checkout.yaml'}]\nwarehouse_url: sqlite:///{missing}\n")
    done = run(command, env={"SRE_PIPELINE_CONFIG": str(config)})
    assert (done.returncode, done.stdout) == (2, "")
    assert f"no warehouse at sqlite:///{missing}" in done.stderr and not missing.exists()
    import sqlite3

    sqlite3.connect(tmp_path / "other.db").execute("CREATE TABLE t (x)").connection.close()
    config.write_text(config.read_text().replace("typo.db", "other.db"))
    done = run(command, env={"SRE_PIPELINE_CONFIG": str(config)})
    assert done.returncode == 2 and "is at schema (none), expected" in done.stderr


# -- evaluate ------------------------------------------------------------------------------


@pytest.fixture
def burning(tmp_path) -> tuple[Path, Path]:
    """99.9 % over 30 d, 1000 events per 5 min, 144 bad in each of the last 24 buckets (2 h):
    3456 bad of 8,640,000 is 40 % of the budget (8640 events)."""
    return specs(tmp_path, "avail"), events(tmp_path, rows("shop-avail", bad=144, bad_buckets=24))


def test_evaluate_json_hand_computed(burning):
    spec, csv = burning
    done = run("evaluate", "--slos", spec, "--events", csv, "--format", "json")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    (rec,) = as_json(done.stdout)
    assert list(rec) == JSON_KEYS
    assert (rec["slo"], rec["objective"], rec["period"]) == ("shop-avail", 0.999, "30d")
    approx = pytest.approx  # noqa: N806 - reads better below
    assert rec["attainment"] == approx(1 - 3456 / 8_640_000, rel=1e-12)
    assert rec["budget_remaining"] == approx(0.6, rel=1e-9)
    assert rec["budget_remaining_events"] == approx(8640 - 3456, rel=1e-9)
    assert rec["budget_remaining_minutes"] == approx(0.6 * 43.2, rel=1e-9)  # 25.92 min
    assert list(rec["burn_rates"]) == BURN_KEYS
    # 144/1000 bad is 144x the 0.1 % budget in every window inside the last 2 h; 6 h: 48x, ...
    expected = dict(zip(BURN_KEYS, [144, 144, 144, 144, 48, 12, 4, 0.4], strict=True))
    assert rec["burn_rates"] == approx(expected, rel=1e-9)
    assert rec["time_to_exhaustion_hours"] == approx(0.6 * 720 / 144, rel=1e-9)  # 3 h
    # 144x is ten times the fastest page factor (14.4): a page, whatever the TTE
    assert (rec["escalation"], rec["policy_tier"], rec["coverage"]) == ("page", "normal", 1.0)
    assert rec["alerts"] == [
        {"severity": "page", "long_window": "1h", "short_window": "5m", "factor": 14.4},
        {"severity": "page", "long_window": "6h", "short_window": "30m", "factor": 6.0},
        {"severity": "ticket", "long_window": "1d", "short_window": "2h", "factor": 3.0},
        {"severity": "ticket", "long_window": "3d", "short_window": "6h", "factor": 1.0},
    ]


def test_at_defaults_to_the_end_of_the_last_bucket_and_bucket_flag(burning):
    spec, csv = burning
    base = ("evaluate", "--slos", spec, "--events", csv, "--format", "json")
    default = run(*base).stdout
    assert run(*base, "--at", "2026-01-31T00:00Z").stdout == default
    assert run(*base, "--at", "2026-01-31T01:00+01:00").stdout == default
    assert run(*base, "--bucket", "5m").stdout == default
    earlier = as_json(run(*base, "--at", "2026-01-30T22:00Z").stdout)[0]
    assert earlier["burn_rates"]["1h"] == 0.0  # before the bad buckets
    assert earlier["alerts"] == []


@pytest.mark.parametrize("module", [False, True])
def test_bad_at(burning, module):
    spec, csv = burning
    done = run("evaluate", "--slos", spec, "--events", csv, "--at", "soon", module=module)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.splitlines()[-1] == (
        "sre-pipeline evaluate: error: argument --at: 'soon' is not an ISO 8601 time; expected "
        "an ISO 8601 time such as 2026-11-02T10:00Z"
    )


def test_empty_at_is_rejected(burning):
    spec, csv = burning
    done = run("evaluate", "--slos", spec, "--events", csv, "--at", "")
    assert done.returncode == 2


def test_bucket_width_problems(tmp_path):
    spec = specs(tmp_path, "avail")
    one = events(tmp_path, rows("shop-avail")[-1:])
    done = run("evaluate", "--slos", spec, "--events", one)
    assert done.returncode == 2
    assert "cannot infer the bucket width from a single bucket; pass --bucket" in done.stderr
    assert run("evaluate", "--slos", spec, "--events", one, "--bucket", "5m").returncode == 0
    done = run("evaluate", "--slos", spec, "--events", one, "--bucket", "7m")
    assert done.returncode == 2
    assert f"{one}:2: bucket_start: 2026-01-30T23:55:00Z is not on the 7m bucket grid" in (
        done.stderr
    )


def test_unknown_slo_rows_and_zero_traffic(tmp_path):
    spec = specs(tmp_path, "idle")
    unknown = rows("ghost-x")[:2] + ["ghost-y,2026-01-01T00:00Z,1,1"]
    csv = events(tmp_path, rows("shop-idle", total=0) + unknown)
    done = run("evaluate", "--slos", spec, "--events", csv, "--format", "json")
    assert done.returncode == 0
    assert f"warning: {csv}: 2 row(s) for SLO 'ghost-x' not in the specs" in done.stderr
    assert f"warning: {csv}: 1 row(s) for SLO 'ghost-y' not in the specs" in done.stderr
    assert "NaN" not in done.stdout and "Infinity" not in done.stdout
    (rec,) = as_json(done.stdout)
    assert rec["coverage"] == 1.0  # every bucket has data, but no events
    nulls = [k for k in JSON_KEYS[3:-1] if k not in ("burn_rates", "coverage")]
    assert {k: rec[k] for k in nulls} == dict.fromkeys(nulls)
    assert rec["burn_rates"] == dict.fromkeys(BURN_KEYS)


def test_bad_events_csv_exits_2(tmp_path):
    csv = events(tmp_path, ["shop-avail,yesterday,1,1"])
    done = run("evaluate", "--slos", specs(tmp_path, "avail"), "--events", csv)
    assert done.returncode == 2
    assert done.stderr.splitlines()[0].startswith(f"error: {csv}:2: bucket_start: not an ISO")


def test_table_is_sorted_worst_budget_first(tmp_path):
    spec = specs(tmp_path, "fine", "idle", "burning", "gone")
    lines = rows("shop-fine") + rows("shop-idle", total=0)
    lines += rows("shop-burning", bad=144, bad_buckets=24) + rows(
        "shop-gone", bad=500, bad_buckets=24
    )
    done = run("evaluate", "--slos", spec, "--events", events(tmp_path, lines))
    assert done.returncode == 0, done.stderr
    header, rule, *body = done.stdout.splitlines()
    assert header.split()[:3] == ["SLO", "target", "period"]
    assert set(rule.replace(" ", "")) == {"-"}
    table, footer = body[:4], body[4:]
    assert [b.split()[0] for b in table] == ["shop-gone", "shop-burning", "shop-fine", "shop-idle"]
    assert "exhausted" in table[0] and "normal" in table[1] and "full_velocity" in table[2]
    assert "60.0%" in table[1]
    assert "no data" in table[3] and "nan" not in done.stdout.lower()  # no traffic: no data
    assert max(len(line) for line in done.stdout.splitlines()) <= 120
    assert footer[1].startswith("Alerts firing: ")


def test_an_unrelated_configuration_problem_does_not_stop_validate(tmp_path):
    config = tmp_path / "sre_pipeline.yaml"
    config.write_text("sloth_period: 28d\ncoverage_threshold: 7\n")
    done = run("validate", EXAMPLES / "sloth", env={"SRE_PIPELINE_CONFIG": str(config)})
    assert done.returncode == 0, done.stderr
    assert {re.split(r"\s{2,}", x)[2] for x in done.stdout.splitlines()[1:]} == {"28d"}


def test_validate_checks_time_slices_against_the_configured_buckets(tmp_path):
    """An 8-minute slice cannot be made of 5-minute buckets: validate says so before a run
    collects anything; with 1-minute buckets configured the same spec is fine."""
    spec = tmp_path / "slices.yaml"
    spec.write_text(
        "apiVersion: sre-pipeline/v1\nservice: {name: shop}\nslos:\n  - name: api\n"
        "    objective: 99.9\n    period: 28d\n"
        "    budgeting: {method: timeslices, slice: 8m, slice_target: 99}\n"
        "    sli: {events: {good: 'sum(rate(ok[{{.window}}]))', "
        "total: 'sum(rate(all[{{.window}}]))'}}\n"
    )
    config = tmp_path / "sre_pipeline.yaml"
    config.write_text("time_zone: UTC\n")
    env = {"SRE_PIPELINE_CONFIG": str(config)}
    done = run("validate", spec, env=env)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert (
        f"error: {spec} (document 1): (SLO shop-api): a time slice of 480s is not a whole "
        "number of 300s buckets dividing one day (bucket_minutes: 5)"
    ) in done.stderr
    config.write_text("bucket_minutes: 1\n")
    assert run("validate", spec, env=env).returncode == 0
