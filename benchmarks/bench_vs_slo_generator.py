"""Versus slo-generator (issue 17): google/slo-generator 2.6.0 and this project on one job.

    .venv/bin/python benchmarks/bench_vs_slo_generator.py [--services 500] [--days 28]
        [--rounds 3] [--code REV] [--keep] [--no-write]

slo-generator's own job: an error-budget report for every SLO over its period, read from a real
Prometheus. The script

1. installs ``slo-generator[prometheus]==2.6.0`` (with ``setuptools<81``: its CLI imports
   ``pkg_resources``) into its own virtualenv under ``benchmarks/.cache/`` (git-ignored by a
   ``.gitignore`` of its own), once;
2. simulates ``--services`` services x ``--days`` days of 1-minute ``http_requests_total``
   counters (``code="200"`` and ``code="500"``, seeded, a few outages and slow burns), back-fills
   them into a Prometheus it starts on a free 127.0.0.1 port (``promtool``), and keeps the
   ground truth: bad and total events per service over the whole history;
3. writes one SLO per service for each tool (objective 99.9 %, period = the history): the
   project's native specs, and slo-generator v2 configs (``good_bad_ratio`` with
   ``filter_good`` / ``filter_valid``, a one-step error-budget policy over the period, and an
   exporter that appends each report to a JSON-lines file);
4. times, alternately for ``--rounds`` rounds, (a) ``slo-generator compute -f DIR -c CONFIG -e``
   over all SLOs, (b) this project's daily run (``sre-pipeline backfill`` of the last day's
   ``sli_events`` and ``slo_status``, against a SQLite warehouse already holding the days
   before it: prepared once, untimed, and restored before each round) and (c) this project's
   back-fill of the whole history into an empty warehouse, each in a cold process as a user
   runs it; then profiles one more daily run (cProfile, untimed) and times one load of the
   project's specs, to say where the daily run's time goes;
5. checks every run's figures (slo-generator's JSON reports; the project's ``slo_status`` rows
   of the last day) against the truth, prints the section and, unless ``--no-write``, rewrites
   it in ``docs/performance.md``. Prometheus is stopped by PID at the end.

slo-generator 2.6.0's Prometheus backend does not pass the report's timestamp to Prometheus
(``--timestamp`` only labels the report; google/slo-generator pull request 605): its queries
are evaluated at the wall clock's now. The filters therefore pin the window's end with
PromQL's ``@`` modifier, so both tools read the same window ending at the data's end.

``--code REV`` measures the project as committed at ``REV`` (a ``git archive`` export put first
on the ``PYTHONPATH`` of the project's processes) rather than the working tree, for a run while
the working tree is being edited.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import pstats
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from bench_collector import cpu_seconds, machine, make_plan, make_slos  # noqa: E402
from perfdoc import publish  # noqa: E402 - benchmarks/ is on sys.path when run

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout without installing the package
    sys.path.insert(0, str(ROOT))

from sre_pipeline.demo.history import simulate  # noqa: E402
from sre_pipeline.demo.openmetrics import write_openmetrics  # noqa: E402
from sre_pipeline.demo.plan import Scenario  # noqa: E402
from sre_pipeline_tests.services.prometheus import backfill, start_prometheus  # noqa: E402

SECTION = "## Versus slo-generator (issue 17)"
SG_VERSION = "2.6.0"
SG_REQUIREMENTS = (f"slo-generator[prometheus]=={SG_VERSION}", "setuptools<81")
CACHE = ROOT / "benchmarks" / ".cache"
SG_VENV = CACHE / f"slo-generator-{SG_VERSION}"
CLI = Path(sys.executable).parent / "sre-pipeline"
SEED = 17
OBJECTIVE = 99.9  # percent
BUDGET = 1 - OBJECTIVE / 100
SAMPLE = timedelta(minutes=1)  # counter samples (and simulated buckets) every minute
BUCKET_MINUTES = 5  # the project's default bucket
CHUNK_SERVICES = 25  # services simulated and written to OpenMetrics at a time
ASSETS = ("sli_events", "slo_status")
GOALS = {"daily": (0.2, 0.4), "backfill": (1.0, 2.0)}  # (goal, at least), project / slo-gen
OK = {True: "PASS", False: "FAIL"}
CHUNK_LINE = re.compile(r"^(?P<label>.+): ok in (?P<s>[\d.]+) s \(run ", re.M)


# -- slo-generator: its own virtualenv ------------------------------------------------------
def ensure_slo_generator(venv: Path = SG_VENV) -> Path:
    """The ``slo-generator`` executable of ``venv``, creating the venv and installing
    :data:`SG_REQUIREMENTS` into it unless it already answers with :data:`SG_VERSION`."""
    exe = venv / "bin" / "slo-generator"
    if exe.exists() and _sg_version(exe) == SG_VERSION:
        return exe
    CACHE.mkdir(parents=True, exist_ok=True)
    (CACHE / ".gitignore").write_text("# benchmark caches (virtualenvs), never committed\n*\n")
    if venv.exists():
        shutil.rmtree(venv)
    print(f"installing slo-generator {SG_VERSION} into {venv}", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [
        str(venv / "bin" / "python"),
        "-m",
        "pip",
        "install",
        "-q",
        "--disable-pip-version-check",
    ]
    subprocess.run([*pip, *SG_REQUIREMENTS], check=True)
    if (found := _sg_version(exe)) != SG_VERSION:
        raise RuntimeError(f"slo-generator in {venv} reports version {found!r}")
    return exe


def _sg_version(exe: Path) -> str | None:
    done = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=False)
    m = re.search(r"slo-generator v(\S+)", done.stdout)
    return m.group(1) if m else None


# -- the workload ---------------------------------------------------------------------------
def service(i: int) -> str:
    """The name of service ``i``: ``svc000``, ``svc001``, ..."""
    return f"svc{i:03d}"


def make_workload(n: int, days: int):
    """``n`` events SLOs (objective 99.9 %, ids ``svcNNN-availability``) and the seeded plan
    of their counters (bench_collector's code=200 / code=500 pair per service), with an
    outage on every 50th service from the 8th and a slow burn on every 50th from the 24th,
    placed as fractions of the history so a short history gets them too."""
    slos, plan = make_slos(n), make_plan(n)
    period = timedelta(days=days)
    scenarios = []
    for i in range(n):
        slo = f"{service(i)}-availability"
        if i % 50 == 7:  # 40x the budget for 1.2 % of the period (8 h of 28 d): +48 %
            scenarios.append(Scenario(slo, _minutes(period * 0.3), _minutes(period * 0.012), 40))
        if i % 50 == 23:  # 3x the budget for 18 % of the period (5 d of 28 d): +54 %
            scenarios.append(Scenario(slo, _minutes(period * 0.6), _minutes(period * 0.18), 3))
    return slos, dataclasses.replace(plan, seed=SEED, scenarios=tuple(scenarios))


def _minutes(td: timedelta) -> timedelta:
    return timedelta(minutes=round(td.total_seconds() / 60))


def write_history(slos, plan, start, end, path: Path) -> tuple[pd.DataFrame, dict]:
    """Simulate 1-minute counts of ``[start, end)`` and write them as OpenMetrics counters
    sampled every minute from ``start`` to ``end`` (``write_openmetrics``, in chunks of
    :data:`CHUNK_SERVICES` services appended to one family); returns the truth per service
    (total and bad events of the whole history) and figures of the file."""
    rows, samples = [], 0
    part = path.with_suffix(".part")
    with path.open("w") as out:
        for lo in range(0, len(slos), CHUNK_SERVICES):
            histories = simulate(slos[lo : lo + CHUNK_SERVICES], start, end, plan, width=SAMPLE)
            samples += sum(write_openmetrics(histories, plan, part).values())
            text = part.read_text()
            out.write(text.removesuffix("# EOF\n"))
            rows += [(h.slo.service, h.total.sum(), h.bad.sum()) for h in histories]
        out.write("# EOF\n")
    part.unlink()
    truth = pd.DataFrame(rows, columns=["service", "total", "bad"]).set_index("service")
    return truth, {"samples": samples, "om_mb": path.stat().st_size / 1e6}


def truth_figures(truth: pd.DataFrame) -> pd.DataFrame:
    """SLI, budget consumed (fraction of the budget) and burn rate over the period, per
    service, from the counts."""
    out = truth.copy()
    ratio = truth["bad"] / truth["total"]
    out["sli"] = 1 - ratio
    out["consumed"] = ratio / BUDGET
    out["burn"] = ratio / BUDGET  # over the whole period the burn rate is the share consumed
    return out


# -- the two tools' configurations -------------------------------------------------------------
def good_valid(i: int) -> tuple[str, str]:
    """The good and valid series selectors of service ``i`` (the same for both tools)."""
    sel = f'service="{service(i)}"'
    return f'http_requests_total{{{sel},code!~"5.."}}', f"http_requests_total{{{sel}}}"


def write_project_specs(folder: Path, n: int, days: int) -> None:
    """One native spec file per service: ``<svc>-availability``, 99.9 % over ``days`` days,
    events counted with ``increase`` (exact on boundary-aligned counters)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        good, total = good_valid(i)
        text = (
            "apiVersion: sre-pipeline/v1\n"
            f"service:\n  name: {service(i)}\n  team: team{i % 20:02d}\n"
            "slos:\n"
            "  - name: availability\n"
            f"    description: {service(i)} requests that do not fail with a 5xx.\n"
            f"    objective: {OBJECTIVE}\n"
            f"    period: {days}d\n"
            "    sli:\n"
            "      events:\n"
            f"        good: sum(increase({good}[{{{{ .window }}}}]))\n"
            f"        total: sum(increase({total}[{{{{ .window }}}}]))\n"
        )
        (folder / f"{service(i)}.yaml").write_text(text)


def write_project_config(
    folder: Path, slos: Path, url: str, first_day: date, code: Path | None = None
) -> dict:
    """``sre_pipeline.yaml`` of one warehouse in ``folder`` and the environment its runs get
    (configuration, pipeline home and Dagster home inside ``folder``; ``code`` first on
    ``PYTHONPATH`` when the project is measured from an export, see :func:`export_code`)."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "sre_pipeline.yaml"
    config.write_text(
        f"slos: ['{slos}']\n"
        "capacity: null\n"
        "time_zone: UTC\n"
        f"start_date: {first_day.isoformat()}\n"
        f"bucket_minutes: {BUCKET_MINUTES}\n"
        f"warehouse_url: 'sqlite:///{folder / 'warehouse.db'}'\n"
        f"prometheus:\n  url: {url}\n"
    )
    drop = ("SRE_PIPELINE", "DAGSTER", "PROMETHEUS_URL", "PYTHONPATH")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    if code is not None:
        env["PYTHONPATH"] = str(code)
    return {
        **env,
        "SRE_PIPELINE_CONFIG": str(config),
        "SRE_PIPELINE_HOME": str(folder / "home"),
        "DAGSTER_HOME": str(folder / "dagster"),
    }


EXPORTER = '''"""slo-generator exporter for the benchmark: one JSON line per report, appended."""

import json


class JsonlExporter:
    """Appends each SLO report to the file ``path`` of its configuration."""

    def export(self, data, **config):
        """Append ``data`` (one report) as a JSON line."""
        with open(config["path"], "a", encoding="utf-8") as out:
            out.write(json.dumps(data) + "\\n")
        return {"status": "ok"}
'''


def write_sg_configs(folder: Path, n: int, days: int, url: str, end: pd.Timestamp) -> dict:
    """slo-generator's shared configuration (the Prometheus backend, the JSON-lines exporter,
    a one-step error-budget policy over the period) and one v2 SLO config per service in
    ``folder/slos``; returns the paths."""
    slos = folder / "slos"
    slos.mkdir(parents=True, exist_ok=True)
    (folder / "bench_exporter.py").write_text(EXPORTER)
    reports = folder / "reports.jsonl"
    exporter = "bench_exporter.JsonlExporter"
    at = int(end.timestamp())
    shared = folder / "config.yaml"
    shared.write_text(
        "backends:\n"
        f"  prometheus:\n    url: {url}\n"
        "exporters:\n"
        f"  {exporter}:\n    path: {reports}\n"
        "error_budget_policies:\n"
        "  default:\n"
        "    steps:\n"
        f"    - name: {days} days\n"
        "      burn_rate_threshold: 1\n"
        "      alert: false\n"
        "      message_alert: Freeze release, unless related to reliability or security\n"
        "      message_ok: Unfreeze release, per the agreed roll-out policy\n"
        f"      window: {days * 86_400}\n"
    )
    for i in range(n):
        good, valid = good_valid(i)
        (slos / f"slo_{service(i)}_availability.yaml").write_text(
            "apiVersion: sre.google.com/v2\n"
            "kind: ServiceLevelObjective\n"
            "metadata:\n"
            f"  name: {service(i)}-requests-availability\n"
            "  labels:\n"
            f"    service_name: {service(i)}\n"
            "    feature_name: requests\n"
            "    slo_name: availability\n"
            "spec:\n"
            f"  description: {OBJECTIVE:g}% of {service(i)} requests do not fail with a 5xx\n"
            "  backend: prometheus\n"
            "  method: good_bad_ratio\n"
            f"  exporters:\n  - {exporter}\n"
            "  service_level_indicator:\n"
            f"    filter_good: '{good}[window] @ {at}'\n"
            f"    filter_valid: '{valid}[window] @ {at}'\n"
            f"  goal: {OBJECTIVE / 100:g}\n"
        )
    return {"dir": folder, "slos": slos, "config": shared, "reports": reports, "at": at}


def export_code(rev: str, dest: Path) -> str:
    """The project's runtime files (package, SQL models, examples) as committed at ``rev``,
    exported into ``dest`` with ``git archive`` (reads the repository, changes nothing);
    returns the short commit. On ``PYTHONPATH`` that copy comes before the editable install,
    so the project's processes run it instead of the working tree."""
    git = ["git", "--no-optional-locks", "-C", str(ROOT)]
    commit = subprocess.run(
        [*git, "rev-parse", "--short", f"{rev}^{{commit}}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    dest.mkdir(parents=True)
    paths = ["sre_pipeline", "dbt_like_sql", "examples", "pyproject.toml", "workspace.yaml"]
    archive = subprocess.run([*git, "archive", commit, *paths], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    return commit


# -- timed runs -------------------------------------------------------------------------------
def timed_run(cmd: list[str], env: dict, cwd: Path, log: Path, prom_pid: int) -> dict:
    """Run ``cmd`` to the end in a fresh process: wall time, CPU of the process (and its
    children) and of Prometheus, its output in ``log``; raises when it fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    prom0 = cpu_seconds(prom_pid)[1]
    t0 = time.perf_counter()
    with log.open("w") as out:
        done = subprocess.run(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    prom = cpu_seconds(prom_pid)[1] - prom0
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(cmd[:3])} failed ({done.returncode}):\n{log.read_text()[-3000:]}"
        )
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    runs = [(m["label"], float(m["s"])) for m in CHUNK_LINE.finditer(log.read_text())]
    return {"wall": wall, "cpu": cpu, "prom_cpu": prom, "runs": runs}


def run_sg(exe: Path, sg: dict, prom_pid: int, log: Path) -> dict:
    """``slo-generator compute -f SLOS -c CONFIG -e -t END`` over every SLO config; the
    figures of the run and its reports (JSON lines written by the exporter)."""
    sg["reports"].unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("PROMETHEUS_URL", "DEBUG")}
    cmd = [str(exe), "compute", "-f", str(sg["slos"]), "-c", str(sg["config"]), "-e"]
    out = timed_run([*cmd, "-t", str(sg["at"])], env, sg["dir"], log, prom_pid)
    lines = sg["reports"].read_text().splitlines() if sg["reports"].exists() else []
    out["reports"] = [json.loads(x) for x in lines]
    return out


def backfill_cmd(first: date, end: date) -> list[str]:
    """``sre-pipeline backfill`` of the collection and status assets of ``first..end-1``."""
    return [str(CLI), "backfill", "--start", first.isoformat(), "--end", end.isoformat(),
            "--assets", *ASSETS]  # fmt: skip


def project_status(folder: Path, day: date) -> pd.DataFrame:
    """The ``slo_status`` rows of ``day`` in the warehouse of ``folder``, by service."""
    with sqlite3.connect(folder / "warehouse.db") as con:
        frame = pd.read_sql_query(
            "SELECT slo, attainment, budget_remaining, burn_rate_period, events_total, "
            "events_bad, coverage FROM slo_status WHERE day = ?",
            con,
            params=(day.isoformat(),),
        )
    frame["service"] = frame["slo"].str.removesuffix("-availability")
    return frame.set_index("service")


# -- accuracy ---------------------------------------------------------------------------------
def accuracy_project(status: pd.DataFrame, truth: pd.DataFrame) -> dict:
    """Max absolute differences of the project's figures from the truth (NaN-safe: a missing
    SLO or figure counts as infinitely wrong)."""
    s = status.reindex(truth.index)
    return _diffs(
        truth,
        sli=s["attainment"],
        consumed=1 - s["budget_remaining"],
        burn=s["burn_rate_period"],
        total=s["events_total"],
        bad=s["events_bad"],
        n=int(s["attainment"].notna().sum()),
    )


def accuracy_sg(reports: list[dict], truth: pd.DataFrame) -> dict:
    """Max absolute differences of slo-generator's reports from the truth: its SLI
    (``sli_measurement``, rounded to 6 decimals), budget consumed
    (``error_budget_consumed_ratio``, percent of the budget), burn rate
    (``error_budget_burn_rate``, rounded to 0.1) and event counts."""
    frame = pd.DataFrame([r for r in reports if r.get("valid", True)])
    if frame.empty:
        frame = pd.DataFrame(columns=["service_name", "sli_measurement"])
    frame = frame.set_index("service_name").reindex(truth.index)
    return _diffs(
        truth,
        sli=frame["sli_measurement"],
        consumed=frame.get("error_budget_consumed_ratio", np.nan) / 100,
        burn=frame.get("error_budget_burn_rate", np.nan),
        total=frame.get("events_count", np.nan),
        bad=frame.get("bad_events_count", np.nan),
        n=int(frame["sli_measurement"].notna().sum()),
    )


def _diffs(truth: pd.DataFrame, n: int, **got: pd.Series) -> dict:
    t = truth_figures(truth)
    out: dict = {"n": n}
    for key, values in got.items():
        diff = (pd.to_numeric(values, errors="coerce") - t[key]).abs().fillna(np.inf)
        out[key] = float(diff.max()) if len(diff) else 0.0
    return out


def worst(accs: list[dict]) -> dict:
    """The largest of each difference over several runs (and the fewest SLOs reported)."""
    keys = [k for k in accs[0] if k != "n"]
    return {"n": min(a["n"] for a in accs), **{k: max(a[k] for a in accs) for k in keys}}


# -- the benchmark ----------------------------------------------------------------------------
def setup(args, work: Path) -> dict:
    """History, truth, Prometheus, both tools' configurations; seconds of each step."""
    end = pd.Timestamp.now(tz="UTC").floor("D")  # today's midnight: the history has ended
    start = end - pd.Timedelta(days=args.days)
    steps: dict[str, float] = {}

    def step(name, fn, *a, **kw):
        t0 = time.perf_counter()
        out = fn(*a, **kw)
        steps[name] = time.perf_counter() - t0
        print(f"{name}: {steps[name]:.1f} s", file=sys.stderr)
        return out

    code, commit = None, None
    if args.code:
        code = work / "code"
        commit = export_code(args.code, code)
    slos, plan = make_workload(args.services, args.days)
    om = work / "history.om"
    truth, om_figures = step(
        "simulate + write OpenMetrics", write_history, slos, plan, start, end, om
    )
    step("promtool backfill", backfill, om, work / "tsdb")
    om.unlink()
    server = step("start Prometheus", start_prometheus, work / "tsdb", work)
    specs = work / "project-slos"
    write_project_specs(specs, args.services, args.days)
    sg = write_sg_configs(work / "sg", args.services, args.days, server.url, end)
    return dict(
        end=end, start=start, truth=truth, server=server, specs=specs, sg=sg, steps=steps,
        code=code, commit=commit,
        outages=sum(x.burn > 10 for x in plan.scenarios),
        slow_burns=sum(x.burn <= 10 for x in plan.scenarios), **om_figures,
    )  # fmt: skip


def prepare_daily(st: dict, work: Path) -> dict:
    """The daily run's warehouse: the days before the last one back-filled (untimed), kept as
    a snapshot that :func:`restore` puts back before each round."""
    first, last = st["start"].date(), (st["end"] - pd.Timedelta(days=1)).date()
    live, snapshot = work / "daily", work / "daily.snapshot"
    env = write_project_config(live, st["specs"], st["server"].url, first, st["code"])
    t0 = time.perf_counter()
    if last > first:
        prep = timed_run(
            backfill_cmd(first, last), env, live, work / "prepare.log", st["server"].process.pid
        )
    else:
        prep = {"wall": 0.0, "runs": []}
    shutil.copytree(live, snapshot)
    print(f"prepare daily warehouse: {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return {"live": live, "snapshot": snapshot, "env": env, "day": last, "prepare": prep}


def restore(daily: dict) -> None:
    """Put the prepared daily warehouse (and its Dagster instance) back in place, on disk:
    without the ``sync`` the run's first commit waits for the kernel to write back the whole
    copied warehouse (0.8 s of a 750 MB copy's writeback measured inside one commit), a cost
    of the restore, not of the run."""
    shutil.rmtree(daily["live"])
    shutil.copytree(daily["snapshot"], daily["live"])
    os.sync()


def cold_start(exe: list[str], env: dict, runs: int = 3) -> float:
    """Median wall time of ``exe --version`` in a fresh process (imports, no work)."""
    walls = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(exe, env=env, capture_output=True, check=True)
        walls.append(time.perf_counter() - t0)
    return statistics.median(walls)


def bench(args, st: dict, exe: Path, work: Path) -> dict:
    """The rounds: (a) slo-generator, (b) the daily run, (c) the back-fill, alternately."""
    pid, url, truth = st["server"].process.pid, st["server"].url, st["truth"]
    first, end = st["start"].date(), st["end"].date()
    daily = prepare_daily(st, work)
    out: dict = {"sg": [], "daily": [], "backfill": [], "prepare": daily["prepare"]}
    out["loads"] = []
    for r in range(args.rounds):
        out["loads"].append(os.getloadavg()[0])
        a = run_sg(exe, st["sg"], pid, work / f"sg-{r}.log")
        a["acc"] = accuracy_sg(a.pop("reports"), truth)
        out["sg"].append(a)
        restore(daily)
        b = timed_run(backfill_cmd(daily["day"], end), daily["env"], daily["live"],
                      work / f"daily-{r}.log", pid)  # fmt: skip
        b["acc"] = accuracy_project(project_status(daily["live"], daily["day"]), truth)
        out["daily"].append(b)
        fresh = work / "backfill"
        shutil.rmtree(fresh, ignore_errors=True)
        env = write_project_config(fresh, st["specs"], url, first, st["code"])
        c = timed_run(backfill_cmd(first, end), env, fresh, work / f"backfill-{r}.log", pid)
        c["acc"] = accuracy_project(project_status(fresh, daily["day"]), truth)
        out["backfill"].append(c)
        print(
            f"round {r + 1}: slo-generator {a['wall']:.1f} s, daily {b['wall']:.1f} s, "
            f"back-fill {c['wall']:.1f} s",
            file=sys.stderr,
        )
    out["cold_sg"] = cold_start([str(exe), "--version"], os.environ.copy())
    out["cold_project"] = cold_start([str(CLI), "--version"], daily["env"])
    out["profile"] = profile_daily(daily, end, work)
    out["catalog_load"] = catalog_load(st["specs"], daily["env"])
    out["code"] = code_state(st["commit"])
    return out


PROFILED = {  # what the profile of a daily run is searched for: (file ends with, function)
    "command": ("commands/backfill.py", "run"),
    "runs": ("defs/runner.py", "run"),
    "catalog": ("slo/spec/loader.py", "load_catalog"),
    "defs": ("defs/factory.py", "build_defs"),
    "gx": ("great_expectations/__init__.py", "<module>"),
}


def profile_daily(daily: dict, end: date, work: Path) -> dict:
    """One more daily run (untimed, from the restored warehouse) under cProfile: calls and
    cumulative seconds of the entries of :data:`PROFILED` (None where the code has no such
    function)."""
    restore(daily)
    prof = work / "daily.prof"
    cmd = [sys.executable, "-m", "cProfile", "-o", str(prof), *backfill_cmd(daily["day"], end)]
    with (work / "daily-profile.log").open("w") as log:
        subprocess.run(cmd, env=daily["env"], cwd=daily["live"], stdout=log, stderr=log, check=True)
    stats = pstats.Stats(str(prof)).stats  # (file, line, function) -> (cc, nc, tt, ct, callers)
    out: dict = {}
    for key, (tail, func) in PROFILED.items():
        found = [(v[1], v[3]) for (f, _, fn), v in stats.items() if f.endswith(tail) and fn == func]
        out[key] = max(found, key=lambda x: x[1]) if found else None
    return out


def catalog_load(specs: Path, env: dict) -> float | None:
    """Seconds of one ``load_catalog`` of the project's specs in a fresh process (median of 3
    in it), outside the profiler; None when the code has no such function."""
    code = (
        "import statistics, sys, time\n"
        "from sre_pipeline.slo.spec.loader import load_catalog\n"
        "walls = []\n"
        "for _ in range(3):\n"
        "    t0 = time.perf_counter(); load_catalog([sys.argv[1]])\n"
        "    walls.append(time.perf_counter() - t0)\n"
        "print(statistics.median(walls))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(specs)], env=env, capture_output=True, text=True
    )
    return float(done.stdout.strip()) if done.returncode == 0 else None


# -- the report -------------------------------------------------------------------------------
def _s(s: float) -> str:
    return f"{s * 1000:,.0f} ms" if s < 1 else f"{s:,.1f} s"


def _median_run(runs: list[dict]) -> dict:
    return sorted(runs, key=lambda r: r["wall"])[len(runs) // 2]


def _diff(x: float, digits: int = 1) -> str:
    if not np.isfinite(x):
        return "missing"
    return "0" if x == 0 else f"{x:.{digits}e}"


def code_state(exported: str | None = None) -> str:
    """What code the project's runs used: the ``exported`` commit, or the working tree's
    commit and whether the package's files differed from it (read-only git calls;
    ``--no-optional-locks`` so not even the index is refreshed)."""
    if exported:
        return (
            f"the project's code as committed at {exported} (`--code`: exported with "
            "`git archive`; uncommitted changes in the working tree not measured)"
        )
    git = ["git", "--no-optional-locks", "-C", str(ROOT)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(
        [*git, "status", "--porcelain", "--", "sre_pipeline"], capture_output=True, text=True
    )
    if head.returncode != 0:
        return "code state unknown (no git)"
    changed = len(dirty.stdout.splitlines())
    extra = f" with {changed} uncommitted file(s) under `sre_pipeline/`" if changed else ""
    return f"code at commit {head.stdout.strip()}{extra}"


def _versions() -> str:
    import dagster
    import sqlalchemy

    return (
        f"dagster {dagster.__version__}, SQLAlchemy {sqlalchemy.__version__}, SQLite "
        f"{sqlite3.sqlite_version}; slo-generator {SG_VERSION} (its own venv, Python "
        f"{platform.python_version()}, requests, prometheus-http-client)"
    )


def render(args, m: dict, st: dict, o: dict, wall: float, load: tuple) -> str:
    """The Markdown section (heading included)."""
    date_s = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    n, days = args.services, args.days
    med = {k: statistics.median(r["wall"] for r in o[k]) for k in ("sg", "daily", "backfill")}
    ratio = {k: med[k] / med["sg"] for k in ("daily", "backfill")}
    acc_sg, acc_daily = worst([r["acc"] for r in o["sg"]]), worst([r["acc"] for r in o["daily"]])
    acc_bf = worst([r["acc"] for r in o["backfill"]])
    cmd = "python benchmarks/bench_vs_slo_generator.py"
    if (n, days, args.rounds) != (500, 28, 3):
        cmd += f" --services {n} --days {days} --rounds {args.rounds}"
    if args.code:
        cmd += f" --code {st['commit']}"
    steps = ", ".join(f"{k} {_s(v)}" for k, v in st["steps"].items())
    day = (st["end"] - pd.Timedelta(days=1)).date()
    window = f"{st['start']:%Y-%m-%d %H:%M} to {st['end']:%Y-%m-%d %H:%M} UTC"
    t = truth_figures(st["truth"])
    lines = [
        SECTION,
        "",
        f"Measured {date_s} on {m['nproc']} cores ({m['cpu']}), {m['ram']:.1f} GiB RAM, "
        f"{m['os']}; Prometheus {m['prom']} on the same machine (127.0.0.1); {m['versions']}, "
        f"{_versions()}; {o['code']}. Load average (1 min) {load[0]:.2f} at the start, "
        + ", ".join(f"{x:.2f}" for x in o["loads"])
        + f" at the start of each round, {load[1]:.2f} at the end (the machine is shared: "
        "other jobs ran alongside, so single runs vary).",
        f"Reproduce: `.venv/bin/{cmd}` from the repository root (whole run {wall / 60:.1f} min; "
        "needs `prometheus` and `promtool`; installs slo-generator into "
        "`benchmarks/.cache/` on its first run; `--no-write` only prints, `--services N "
        "--days D` makes a small run).",
        "",
        f"Workload: slo-generator's own job, an error-budget report of every SLO over its "
        f"period from a real Prometheus. {n:,} services x {days} days of 1-minute counter "
        'samples, `http_requests_total{service="svcNNN",code="200"|"500"}` '
        f"({st['samples']:,} samples, {st['om_mb']:,.0f} MB of OpenMetrics back-filled with "
        f"promtool; seed {SEED}; {st['outages']} outages, {st['slow_burns']} slow burns), "
        f"{window}. One SLO "
        f"per service in each tool: {OBJECTIVE:g} % of the requests not 5xx over {days} days "
        f"ending at the data's end; SLIs in the truth from {t['sli'].min():.5f} to "
        f"{t['sli'].max():.5f}, budget consumed from {t['consumed'].min():.0%} to "
        f"{t['consumed'].max():.0%} ({int((t['consumed'] > 1).sum())} exhausted). "
        f"Setup, untimed: {steps}; the daily run's warehouse ({days - 1} days) back-filled once "
        f"in {_s(o['prepare']['wall'])} and restored before each round.",
        "",
        "- **slo-generator**: `slo-generator compute -f slos/ -c config.yaml -e -t END`, one v2 "
        "config per SLO (`backend: prometheus`, `method: good_bad_ratio`, `filter_good` "
        '`http_requests_total{service="svcNNN",code!~"5.."}[window] @ END`, `filter_valid` '
        "the same without `code`, `goal: 0.999`), an error-budget policy of one step (the "
        "period), and an exporter that appends each report to a JSON-lines file (a class of "
        "its own, loaded by slo-generator's custom-exporter path). Each SLO costs two instant "
        "queries `sum(increase(...[Ns] @ END))`, sent one after the other with a new HTTP "
        "connection each.",
        f"- **Daily run (ours)**: `sre-pipeline backfill --start {day} --end "
        f"{st['end']:%Y-%m-%d} --assets sli_events slo_status`, one run: the catalog, the "
        f"day's collection ({BUCKET_MINUTES}-minute buckets, range queries at concurrency 4) "
        f"and its status (the {days}-day period and the windows of whole days from the daily "
        "roll-ups, buckets only of the day itself), with the blocking "
        f"data-quality checks of both, against a SQLite warehouse holding the {days - 1} days "
        "before it.",
        f"- **Back-fill (ours)**: `sre-pipeline backfill --start {st['start']:%Y-%m-%d} --end "
        f"{st['end']:%Y-%m-%d} --assets sli_events slo_status` into an empty warehouse and "
        "a new Dagster instance: the collection and then the status of every day, in runs of "
        "up to 14 days.",
        "",
        f"Each in a cold process, as a user runs it; {args.rounds} rounds, the three "
        "alternating. CPU is the process's (user + system, with its children) and "
        "Prometheus's during the run.",
        "",
        "| Run | Median wall | CPU process / Prometheus (median run) | All runs |",
        "|---|---:|---:|---|",
    ]
    names = {"sg": "slo-generator report, all SLOs", "daily": "Ours: daily run (1 day)",
             "backfill": f"Ours: back-fill ({days} days)"}  # fmt: skip
    for key, label in names.items():
        x = _median_run(o[key])
        lines.append(
            f"| {label} | {_s(med[key])} | {_s(x['cpu'])} / {_s(x['prom_cpu'])} | "
            + " / ".join(_s(r["wall"]) for r in o[key])
            + " |"
        )
    lines += [
        "",
        "| Measure | Value | Target | Result |",
        "|---|---:|---:|:---:|",
    ]
    for key, label in (("daily", "daily run"), ("backfill", f"{days}-day back-fill")):
        goal, least = GOALS[key]
        lines += [
            f"| Ratio ours / slo-generator: {label} (medians) | {ratio[key]:.2f}x | "
            f"<= {goal:g}x | {OK[ratio[key] <= goal]} |",
            f"| - at least | | < {least:g}x | {OK[ratio[key] < least]} |",
        ]
    # slo-generator's rounding: the SLI to 6 decimals (5e-7), the budget consumed computed
    # from that SLI (5e-7 / 0.1 % = 5e-4), the burn rate from it too, then to 0.1 (0.05 + 5e-4)
    tol = {"sli": 5e-7, "consumed": 5e-4, "burn": 0.0505}
    eps, exact = 1e-12, 1e-9
    sg_counts = max(acc_sg["total"], acc_sg["bad"])
    lines += [
        f"| slo-generator: SLOs reported (of {n:,}), every run | {acc_sg['n']:,} | {n:,} | "
        f"{OK[acc_sg['n'] == n]} |",
        f"| - max abs diff of the SLI (`sli_measurement`, rounded to 6 decimals) vs truth | "
        f"{_diff(acc_sg['sli'], 2)} | <= {tol['sli']:g} | "
        f"{OK[acc_sg['sli'] <= tol['sli'] + eps]} |",
        "| - max abs diff of the budget consumed (`error_budget_consumed_ratio` / 100, from "
        f"the rounded SLI) | {_diff(acc_sg['consumed'], 2)} | <= {tol['consumed']:g} | "
        f"{OK[acc_sg['consumed'] <= tol['consumed'] + eps]} |",
        "| - max abs diff of the burn rate (`error_budget_burn_rate`: from the rounded SLI, "
        f"then rounded to 0.1) | {_diff(acc_sg['burn'], 2)} | <= {tol['burn']:g} | "
        f"{OK[acc_sg['burn'] <= tol['burn'] + eps]} |",
        "| - max abs diff of the event counts (`events_count`, `bad_events_count`) | "
        f"{_diff(sg_counts)} | 0 | {OK[sg_counts == 0]} |",
    ]
    for label, acc in (("daily run", acc_daily), ("back-fill", acc_bf)):
        counts = max(acc["total"], acc["bad"])
        lines += [
            f"| Ours, {label}: SLOs in `slo_status` of {day} (of {n:,}), every run | "
            f"{acc['n']:,} | {n:,} | {OK[acc['n'] == n]} |",
            f"| - max abs diff of the SLI (`attainment`) / budget consumed (1 - "
            f"`budget_remaining`) / burn rate (`burn_rate_period`) vs truth | "
            f"{_diff(acc['sli'])} / {_diff(acc['consumed'])} / {_diff(acc['burn'])} | "
            f"<= {exact:g} | {OK[max(acc['sli'], acc['consumed'], acc['burn']) <= exact]} |",
            f"| - max abs diff of the event counts (`events_total`, `events_bad`) | "
            f"{_diff(counts)} | 0 | {OK[counts == 0]} |",
        ]
    lines += ["", _notes(o, st, med, days)]
    return "\n".join(lines) + "\n"


def _notes(o: dict, st: dict, med: dict, days: int) -> str:
    daily, bf = _median_run(o["daily"]), _median_run(o["backfill"])
    sg = _median_run(o["sg"])
    run_s = sum(s for _, s in daily["runs"])
    parts = "; ".join(f"{label} {_s(s)}" for label, s in daily["runs"])
    bf_parts = "; ".join(f"{label} {_s(s)}" for label, s in bf["runs"])
    return (
        "Notes: the truth is the simulated counts (bad and total events of each service over "
        "the whole history), which the back-filled counters hold exactly (sampled on every "
        "minute, so `increase` over a window whose ends are sample times is exact). "
        "slo-generator 2.6.0's Prometheus backend does not pass the report's timestamp to "
        "Prometheus (`-t` only labels the report; google/slo-generator pull request 605), so "
        "without `@ END` in the filters it reports the window ending at the wall clock's now. "
        "It rounds the SLI to 6 decimals and computes the budget consumed, the minutes and "
        "the burn rate from that rounded SLI, then the burn rate to one decimal, hence its "
        "tolerances (5e-7 of SLI is 5e-4 of a 0.1 % budget). Its policy has one step here, "
        "its cheapest configuration: each further step (its sample policy has four: 1 h, "
        "12 h, 7 d, 28 d) costs two more queries per SLO. It computes no per-day history, no "
        "burn rates over other windows, no alert episodes and no data-quality checks, and "
        "stores nothing but what its exporters send. Of its median run's CPU, "
        f"{_s(sg['prom_cpu'])} was Prometheus evaluating the {days}-day `increase` of every "
        f"series and {_s(sg['cpu'])} slo-generator's own process. "
        f"Cold start (`--version`, median of 3): slo-generator {_s(o['cold_sg'])}, "
        f"sre-pipeline {_s(o['cold_project'])}. "
        f"In the daily run's median round the runs the command reported took {_s(run_s)} "
        f"({parts}); the rest of its {_s(daily['wall'])} is the process around them: "
        "imports, the code location's definitions and the Dagster instance (code before "
        "ff61f11 ran the catalog, the collection and the status as three runs). "
        + _profile_note(o, st)
        + f"The back-fill's runs: {bf_parts}."
    )


def _profile_note(o: dict, st: dict) -> str:
    """What the profile of one daily run says, as shares of the command's profiled time."""
    p = o["profile"]
    if not p.get("command"):
        return ""
    total = p["command"][1]

    def share(key: str, what: str) -> str:
        if not p.get(key):
            if key == "gx":  # imported in the GX worker process, which is not profiled
                return f"{what}: not in this process (the GX worker's)"
            return f"{what}: not found"
        calls, secs = p[key]
        return f"{what} {calls} time(s), {secs / total:.0%}"

    load = o["catalog_load"]
    one = f" (one load of the {len(st['truth']):,} spec files takes {_s(load)} unprofiled)"
    return (
        f"A cProfile of one more daily run ({_s(total)} under the profiler, which slows pure "
        "Python most) shares its time as: "
        + "; ".join(
            [
                share("runs", "runs executed"),
                share("catalog", "SLO specs loaded (`load_catalog`)") + (one if load else ""),
                share("defs", "code location's definitions built (`build_defs`)"),
                share("gx", "Great Expectations imported"),
            ]
        )
        + " (the shares overlap: the runs build definitions and load specs too). "
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--services", type=int, default=500, help="services, one SLO each (500)")
    p.add_argument("--days", type=int, default=28, help="days of history = SLO period (28)")
    p.add_argument("--rounds", type=int, default=3, help="rounds of the three runs (3)")
    p.add_argument("--no-write", action="store_true", help="do not update docs/performance.md")
    p.add_argument("--keep", action="store_true", help="keep the work directory (prints it)")
    help_code = (
        "measure the project as committed at REV (e.g. HEAD: a git-archive export on the "
        "PYTHONPATH of its processes) instead of the working tree"
    )
    p.add_argument("--code", metavar="REV", help=help_code)
    args = p.parse_args(argv)
    if not 1 <= args.services <= 1000:
        p.error("--services: expected 1..1000 (service names have three digits)")
    if not 2 <= args.days <= 90:
        p.error("--days: expected 2..90 (the daily run needs a day before it)")
    if args.rounds < 1:
        p.error("--rounds: expected at least 1")
    return args


def main(argv: list[str] | None = None) -> None:
    """Install slo-generator, set up, measure, print the report and (unless ``--no-write``)
    save it."""
    args = parse_args(argv)
    wall0 = time.perf_counter()
    load0 = os.getloadavg()[0]
    exe = ensure_slo_generator()
    server = None
    work = Path(tempfile.mkdtemp(prefix="bench-vs-slo-generator-"))
    try:
        st = setup(args, work)
        server = st["server"]
        out = bench(args, st, exe, work)
        info = machine(server.url)
        server.stop()  # by PID
        server = None
        wall = time.perf_counter() - wall0
        markdown = render(args, info, st, out, wall, (load0, os.getloadavg()[0]))
        publish(SECTION, markdown, write=not args.no_write)
    finally:
        if server is not None:
            server.stop()  # by PID
        if args.keep:
            print(f"work directory kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
