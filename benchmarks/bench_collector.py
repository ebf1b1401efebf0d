"""Benchmark of the Prometheus collector (issue 3): many SLOs x days from a real Prometheus.

Default size: 500 SLOs x 7 days of 5-minute buckets. Setup (timed, but outside the measured
collection): build the SLOs and a demo plan with one ``http_requests_total`` good/bad counter
pair per SLO, simulate the history, write OpenMetrics, back-fill it with ``promtool`` and start
Debian's ``prometheus`` on 127.0.0.1. Then, in the same run against the same server:

1. ours: ``SLICollector(client, concurrency=C, stats=True).collect(...)`` for C = 2, 4, 8
   (a first, cold run at C = 4, then ``--runs`` warm runs per C): wall time, queries,
   ``eval_seconds`` (the sum of Prometheus's ``stats.timings.evalTotalTime``) and the ratio
   wall / eval; every run's frame is checked against the ground truth (``truth_frame``);
2. a naive sequential collector: one ``httpx.get`` per SLO, role and day (new connection per
   request, as a cron script would), same step and window; its wall time, queries and ratio
   to ours;
3. peak memory of one collection in a child process started before the parent allocates
   anything (``ru_maxrss`` and the VmHWM rise during ``collect``);
4. a profile of one collection (``cProfile`` in the calling thread and in every worker thread);

then prints a Markdown report and writes it as a section of ``docs/performance.md``.

Run: ``.venv/bin/python benchmarks/bench_collector.py [--slos 500] [--days 7] [--no-write]``.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import platform
import pstats
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout without installing the package
    sys.path.insert(0, str(ROOT))

from sre_pipeline.slo.model import SLI, SLO  # noqa: E402
from sre_pipeline.slo.promql import render as render_query  # noqa: E402
from sre_pipeline.slo.promql import sli_templates  # noqa: E402
from sre_pipeline.sources.collector import CollectResult, SLICollector  # noqa: E402
from sre_pipeline.sources.demo import simulate, truth_frame  # noqa: E402
from sre_pipeline.sources.demo_plan import CountersIn, DemoPlan, SeriesIn  # noqa: E402
from sre_pipeline.sources.openmetrics import write_openmetrics  # noqa: E402
from sre_pipeline.sources.prometheus_http import PrometheusClient, PrometheusConfig  # noqa: E402
from sre_pipeline_tests.services.prometheus import backfill, start_prometheus  # noqa: E402
from sre_pipeline_tests.slo.factories import make_slo  # noqa: E402

BUCKET_S = 300
DAY_S = 86_400
END = pd.Timestamp("2026-11-01T00:00Z")
SEED = 7
CONCURRENCIES = (2, 4, 8)
MAIN_CONCURRENCY = 4
TARGET_RATIO, TARGET_PEAK_MB = 1.5, 1000.0
RTOL = 1e-9
NAIVE_BUDGET_S, NAIVE_PROBE, NAIVE_SUBSET = 60.0, 20, 100
SECTION = "## Collector: 500 SLOs x 7 days from a real Prometheus (issue 3)"
DOC = ROOT / "docs" / "performance.md"
DOC_INTRO = """# Performance

Benchmarks live in `benchmarks/`; each is a plain script that generates seeded synthetic data,
times the code in one process run and rewrites its own section of this file.
"""


# -- workload --------------------------------------------------------------------------------
def service(i: int) -> str:
    """Service label of the ``i``-th SLO."""
    return f"svc{i:03d}"


def make_slos(n: int) -> list[SLO]:
    """``n`` events SLOs, one per service, reading ``http_requests_total`` rates."""
    slos = []
    for i in range(n):
        svc = service(i)
        sli = SLI(
            kind="events",
            good_query=f'sum(rate(http_requests_total{{service="{svc}",code!~"5.."}}'
            "[{{ .window }}]))",
            total_query=f'sum(rate(http_requests_total{{service="{svc}"}}[{{{{ .window }}}}]))',
        )
        slos.append(make_slo(f"{svc}-availability").model_copy(update={"sli": sli}))
    return slos


def make_plan(n: int) -> DemoPlan:
    """Seeded plan, no scenarios; each SLO's events are a code=200 / code=500 counter pair."""
    series = {
        f"{service(i)}-availability": SeriesIn(
            counters=CountersIn(
                metric="http_requests_total",
                labels={"service": service(i)},
                good={"code": "200"},
                bad={"code": "500"},
            )
        )
        for i in range(n)
    }
    return DemoPlan(SEED, (), series)


def time_range(days: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Bucket starts ``[start, end)`` of the benchmark."""
    return END - pd.Timedelta(days=days), END


def setup(args: argparse.Namespace, work: Path) -> dict:
    """Simulate, write OpenMetrics, back-fill and start Prometheus; seconds of each step."""
    steps: dict[str, float] = {}
    slos = make_slos(args.slos)
    plan = make_plan(args.slos)
    start, end = time_range(args.days)
    t0 = time.perf_counter()
    histories = simulate(slos, start, end, plan)
    steps["simulate"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    truth = truth_frame(histories)
    steps["truth frame"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    om = work / "history.om"
    families = write_openmetrics(histories, plan, om)
    steps["write OpenMetrics"] = time.perf_counter() - t0
    del histories
    t0 = time.perf_counter()
    backfill(om, work / "data")
    steps["promtool backfill"] = time.perf_counter() - t0
    om_bytes = om.stat().st_size
    om.unlink()
    t0 = time.perf_counter()
    server = start_prometheus(work / "data", work)
    steps["start Prometheus"] = time.perf_counter() - t0
    return {
        "slos": slos,
        "truth": truth,
        "server": server,
        "start": start,
        "end": end,
        "steps": steps,
        "samples": sum(families.values()),
        "om_mb": om_bytes / 1e6,
    }


# -- checks ----------------------------------------------------------------------------------
def compare(events: pd.DataFrame, truth: pd.DataFrame) -> dict:
    """Same (slo, bucket_start) set and counts within ``RTOL`` relative of the ground truth."""

    def ordered(df: pd.DataFrame) -> pd.DataFrame:
        out = df.assign(slo=df["slo"].astype(str))
        return out.sort_values(["slo", "bucket_start"], ignore_index=True)

    a, b = ordered(events), ordered(truth)
    same_keys = len(a) == len(b) and bool(
        (a["slo"].to_numpy() == b["slo"].to_numpy()).all()
        and (a["bucket_start"].to_numpy() == b["bucket_start"].to_numpy()).all()
    )
    max_rel = float("inf")
    if same_keys:
        x = a[["good", "total"]].to_numpy(float)
        y = b[["good", "total"]].to_numpy(float)
        max_rel = float((np.abs(x - y) / np.maximum(np.abs(y), 1.0)).max()) if len(x) else 0.0
    return {
        "rows": len(a),
        "truth_rows": len(b),
        "same_keys": same_keys,
        "max_rel": max_rel,
        "ok": same_keys and max_rel <= RTOL,
    }


# -- ours ------------------------------------------------------------------------------------
def collect_once(url: str, slos, start, end, concurrency: int, client_wrapper=None):
    """One timed ``collect`` with a fresh client (its own pool of ``concurrency`` connections)."""
    config = PrometheusConfig(url=url, concurrency=concurrency)
    with PrometheusClient(config) as client:
        target = client_wrapper(client) if client_wrapper else client
        collector = SLICollector(target, concurrency=concurrency, stats=True)
        t0 = time.perf_counter()
        result = collector.collect(slos, start, end, bucket_s=BUCKET_S)
        wall = time.perf_counter() - t0
    return wall, result


def _run_figures(wall: float, result: CollectResult, check: dict) -> dict:
    return {
        "wall_s": wall,
        "queries": result.queries,
        "eval_s": result.eval_seconds,
        "ratio": wall / result.eval_seconds if result.eval_seconds else float("inf"),
        "failures": len(result.failures),
        "check": check,
    }


def bench_ours(url: str, slos, start, end, truth, runs: int) -> dict:
    """A cold run at the main concurrency, then ``runs`` warm runs per concurrency."""
    gc.collect()
    wall, result = collect_once(url, slos, start, end, MAIN_CONCURRENCY)
    cold = _run_figures(wall, result, compare(result.events, truth))
    print(f"ours cold c={MAIN_CONCURRENCY}: {wall:.2f} s", file=sys.stderr)
    del result
    per_c: dict[int, list[dict]] = {c: [] for c in CONCURRENCIES}
    for _ in range(runs):  # interleaved, so drift affects every concurrency alike
        for c in CONCURRENCIES:
            gc.collect()
            wall, result = collect_once(url, slos, start, end, c)
            per_c[c].append(_run_figures(wall, result, compare(result.events, truth)))
            del result
            print(f"ours c={c}: {wall:.2f} s, eval {per_c[c][-1]['eval_s']:.2f} s", file=sys.stderr)
    summary = {}
    for c, rs in per_c.items():
        median_run = sorted(rs, key=lambda r: r["wall_s"])[len(rs) // 2]
        summary[c] = {
            **median_run,
            "walls": [r["wall_s"] for r in rs],
            "ratio_median": statistics.median(r["ratio"] for r in rs),
            "all_ok": all(r["check"]["ok"] and not r["failures"] for r in rs),
        }
    return {"cold": cold, "by_c": summary}


# -- profile ---------------------------------------------------------------------------------
class _ProfiledClient:
    """Wraps a client so each worker thread's ``query_range`` calls run under its own
    ``cProfile`` profiler (cProfile only sees the thread that enabled it)."""

    def __init__(self, client: PrometheusClient):
        self._client = client
        self._local = threading.local()
        self.profiles: list[cProfile.Profile] = []
        self._lock = threading.Lock()

    def query_range(self, *args, **kwargs):
        """Profiled ``PrometheusClient.query_range``."""
        prof = getattr(self._local, "prof", None)
        if prof is None:
            prof = self._local.prof = cProfile.Profile()
            with self._lock:
                self.profiles.append(prof)
        prof.enable()
        try:
            return self._client.query_range(*args, **kwargs)
        finally:
            prof.disable()


def _cum(stats: pstats.Stats, pattern: str) -> float:
    """Largest cumulative time of functions whose ``file:function`` matches ``pattern``."""
    rx = re.compile(pattern)
    best = 0.0
    for (file, _, func), (_, _, _, ct, _) in stats.stats.items():
        if rx.search(f"{file}:{func}"):
            best = max(best, ct)
    return best


def _tot(stats: pstats.Stats, pattern: str) -> float:
    """Sum of own (not cumulative) time of functions whose ``file:function`` matches."""
    rx = re.compile(pattern)
    return sum(tt for (f, _, fn), (_, _, tt, _, _) in stats.stats.items() if rx.search(f"{f}:{fn}"))


def profile_collect(url: str, slos, start, end) -> dict:
    """One collection at the main concurrency under cProfile (calling thread and workers)."""
    wrappers: list[_ProfiledClient] = []

    def wrap(client):
        wrappers.append(_ProfiledClient(client))
        return wrappers[-1]

    gc.collect()
    main = cProfile.Profile()
    main.enable()
    wall, result = collect_once(url, slos, start, end, MAIN_CONCURRENCY, wrap)
    main.disable()
    ms = pstats.Stats(main)
    workers = [p for w in wrappers for p in w.profiles]
    ws = pstats.Stats(workers[0])
    for p in workers[1:]:
        ws.add(p)
    n_workers = len(workers)
    queries = result.queries
    out = {
        "wall_s": wall,
        "eval_s": result.eval_seconds,
        "workers": n_workers,
        "main": {
            "pool_wait": _cum(ms, r"threading\.py:wait$|_base\.py:result$"),
            "assemble": _cum(ms, r"collector\.py:_assemble$"),
            "merge": _cum(ms, r"collector\.py:_merge$"),
            "merge_asarray": _tot(ms, r"numpy.*:asarray$|~:<built-in method numpy.asarray>"),
            "merge_astype": _tot(ms, r"<method 'astype' of 'numpy.ndarray' objects>"),
            "merge_groupby": _cum(ms, r"groupby/groupby\.py:sum$"),
            "counts": _cum(ms, r"collector\.py:_counts$"),
            "frame": _cum(ms, r"collector\.py:_frame$"),
            "concat": _cum(ms, r"reshape/concat\.py:concat$"),
        },
        "worker": {  # summed over all worker threads
            "query_range": _cum(ws, r"prometheus_http\.py:query_range$"),
            "post": _cum(ws, r"httpx/_client\.py:post$"),
            "socket_read": _tot(ws, r"<method 'recv_into' of '_socket.socket' objects>|"
                                r"<method 'recv' of '_socket.socket' objects>"),
            "json": _cum(ws, r"httpx/_models\.py:json$"),
            "json_decode": _tot(ws, r"<method 'decode' of 'bytes' objects>|"
                                r"json/decoder\.py:raw_decode$|<built-in method _json"),
        },
        "queries": queries,
    }
    buf = io.StringIO()
    pstats.Stats(main, stream=buf).sort_stats("cumulative").print_stats(25)
    out["main_text"] = buf.getvalue()
    buf = io.StringIO()
    pstats.Stats(workers[0], stream=buf).add(*workers[1:]).sort_stats("tottime").print_stats(20)
    out["worker_text"] = buf.getvalue()
    return out


def parse_cost(url: str, slos, start, end, sample: int = 100) -> dict:
    """Client-side cost per answer, isolated: fetch ``sample`` answers' bodies once, then time
    ``json.loads`` and the collector's ``_merge`` on them in this thread (no network)."""
    from sre_pipeline.sources.collector import _merge

    s, e = int(start.timestamp()) + BUCKET_S, int(end.timestamp())
    queries = [
        render_query(t, "5m") for slo in slos[:sample] for t in sli_templates(slo.sli).values()
    ]
    bodies = []
    with httpx.Client(base_url=url, timeout=60) as client:
        for q in queries:
            params = {"query": q, "start": s, "end": e, "step": BUCKET_S, "stats": "all"}
            bodies.append(client.post("/api/v1/query_range", data=params).content)
    t0 = time.perf_counter()
    datas = [json.loads(b)["data"] for b in bodies]
    t_json = time.perf_counter() - t0
    t0 = time.perf_counter()
    for d in datas:
        _merge([d])
    t_merge = time.perf_counter() - t0
    n = len(bodies)
    return {
        "answers": n,
        "kb_per_answer": sum(map(len, bodies)) / n / 1e3,
        "json_ms": t_json / n * 1e3,
        "merge_ms": t_merge / n * 1e3,
    }


# -- naive -----------------------------------------------------------------------------------
def bench_naive(url: str, slos, start, end, subset: int | None = None) -> dict:
    """One ``httpx.get`` per SLO, role and day, sequentially, no shared pool; values parsed
    with ``float`` per point as a small script would. Sums the collected counts per role.

    All SLOs when the projection (after :data:`NAIVE_PROBE` SLOs) fits
    :data:`NAIVE_BUDGET_S`, else the first ``NAIVE_SUBSET`` (or ``subset``) SLOs,
    extrapolated linearly to all."""
    s, e = int(start.timestamp()), int(end.timestamp())
    queries, points = 0, 0
    sums = {"good": 0.0, "total": 0.0}
    limit = len(slos) if subset is None else min(subset, len(slos))
    done = 0
    t0 = time.perf_counter()
    for slo in slos[:limit]:
        for role, template in sli_templates(slo.sli).items():
            query = render_query(template, "5m")
            for day in range(s, e, DAY_S):
                params = {"query": query, "start": day + BUCKET_S, "end": day + DAY_S}
                params["step"] = BUCKET_S
                r = httpx.get(f"{url}/api/v1/query_range", params=params, timeout=60)
                r.raise_for_status()
                queries += 1
                for series in r.json()["data"]["result"]:
                    values = [float(v) * BUCKET_S for _, v in series["values"]]
                    points += len(values)
                    sums[role] += sum(values)
        done += 1
        projected = (time.perf_counter() - t0) / done * len(slos)
        if subset is None and done == NAIVE_PROBE and projected > NAIVE_BUDGET_S:
            limit = min(NAIVE_SUBSET, len(slos))
        if done >= limit:
            break
    wall = time.perf_counter() - t0
    scale = len(slos) / done
    return {
        "measured_s": wall,
        "wall_s": wall * scale,
        "evaluated": done,
        "extrapolated": done < len(slos),
        "queries_measured": queries,
        "queries": round(queries * scale),
        "points": points,
        "sums": sums,
    }


def truth_sums(truth: pd.DataFrame, slos) -> dict[str, float]:
    """Good and total events of ``slos`` in the ground truth."""
    part = truth[truth["slo"].isin([x.id for x in slos])]
    return {"good": float(part["good"].sum()), "total": float(part["total"].sum())}


# -- memory (child process) ------------------------------------------------------------------
def _rss_kb() -> tuple[int, int | None]:
    """(current VmRSS, VmHWM) in KiB from /proc/self/status (Linux)."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0])
    return fields["VmRSS"], fields.get("VmHWM")


def _reset_hwm() -> bool:
    """Reset the kernel's peak-RSS mark to the current RSS (Linux >= 4.0); False if refused."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def child_memory(args: argparse.Namespace) -> None:
    """Child-process mode: build the SLOs, wait for the server URL on stdin, collect once,
    print memory figures as JSON. An empty line (or EOF) means: exit without collecting."""
    slos = make_slos(args.slos)
    start, end = time_range(args.days)
    print("ready", flush=True)
    url = sys.stdin.readline().strip()
    if not url:
        return
    gc.collect()
    rss_before, _ = _rss_kb()
    maxrss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    hwm_reset = _reset_hwm()
    wall, result = collect_once(url, slos, start, end, MAIN_CONCURRENCY)
    maxrss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rss_after, hwm = _rss_kb()
    out = {
        "rss_before_kb": rss_before,
        "rss_after_kb": rss_after,
        "maxrss_before_kb": maxrss_before,
        "maxrss_after_kb": maxrss_after,
        "hwm_collect_kb": hwm if hwm_reset else None,
        "wall_s": wall,
        "rows": len(result.events),
        "frame_mb": result.events.memory_usage(deep=True).sum() / 1e6,
    }
    print(json.dumps(out), flush=True)


def spawn_child(args: argparse.Namespace) -> subprocess.Popen:
    """Start the memory child now (while this process is small) and wait until it is ready."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child-memory"]
    cmd += ["--slos", str(args.slos), "--days", str(args.days)]
    child = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = child.stdout.readline().strip()
    if line != "ready":
        raise RuntimeError(f"memory child did not start: {line!r}")
    return child


def run_child(child: subprocess.Popen, url: str) -> dict:
    """Hand the URL to the waiting child; its JSON figures."""
    out, _ = child.communicate(url + "\n", timeout=300)
    if child.returncode != 0:
        raise RuntimeError(f"memory child failed with {child.returncode}")
    return json.loads(out.strip().splitlines()[-1])


def end_child(child: subprocess.Popen | None) -> None:
    """Stop the memory child (by its PID) if it is still running."""
    if child is None or child.poll() is not None:
        return
    try:
        child.communicate("\n", timeout=10)
    except (subprocess.TimeoutExpired, OSError, ValueError):
        child.kill()
        child.wait(10)


# -- report ----------------------------------------------------------------------------------
def machine(url: str | None) -> dict:
    """CPU count and model, RAM, versions (Prometheus's from its build-info endpoint)."""
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    mem = re.search(r"^MemTotal:\s*(\d+)", meminfo, re.M)
    prom = "unknown"
    if url:
        try:
            prom = httpx.get(f"{url}/api/v1/status/buildinfo", timeout=5).json()["data"]["version"]
        except (httpx.HTTPError, KeyError, ValueError):
            pass
    return {
        "nproc": os.cpu_count(),
        "cpu": model.group(1).strip() if model else platform.processor() or "unknown",
        "ram_gib": int(mem.group(1)) / 2**20 if mem else float("nan"),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "httpx": httpx.__version__,
        "prometheus": prom,
        "os": f"{platform.system()} {platform.release()}",
    }


def _ok(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


def _s(s: float) -> str:
    return f"{s * 1000:,.0f} ms" if s < 1 else f"{s:,.2f} s"


def _mb(kb: float) -> str:
    return f"{kb * 1024 / 1e6:,.0f} MB"


def render(r: dict) -> str:
    """The Markdown section (heading included)."""
    a, m, st, o, nv, mem, pf = (
        r["args"], r["machine"], r["setup"], r["ours"], r["naive"], r["memory"], r["profile"],
    )  # fmt: skip
    main = o["by_c"][MAIN_CONCURRENCY]
    cold = o["cold"]
    peak_mb = mem["maxrss_after_kb"] * 1024 / 1e6
    hwm = mem.get("hwm_collect_kb")
    rise = (hwm - mem["rss_before_kb"]) if hwm else None
    checks_ok = cold["check"]["ok"] and all(x["all_ok"] for x in o["by_c"].values())
    ratio_ok = main["ratio_median"] < TARGET_RATIO
    cmd = "python benchmarks/bench_collector.py"
    if (a.slos, a.days, a.runs) != (500, 7, 3):
        cmd += f" --slos {a.slos} --days {a.days} --runs {a.runs}"
    buckets = a.slos * a.days * DAY_S // BUCKET_S
    naive_how = (
        f" ({nv['evaluated']} of {a.slos} SLOs measured: {nv['queries_measured']:,} queries in "
        f"{_s(nv['measured_s'])}, extrapolated linearly)"
        if nv["extrapolated"]
        else ""
    )
    steps = ", ".join(f"{k} {_s(v)}" for k, v in st["steps"].items())
    lines = [
        SECTION,
        "",
        f"Measured {r['date']} on {m['nproc']} cores ({m['cpu']}), {m['ram_gib']:.1f} GiB RAM, "
        f"{m['os']}; Prometheus {m['prometheus']} on the same machine (127.0.0.1); Python "
        f"{m['python']}, httpx {m['httpx']}, numpy {m['numpy']}, pandas {m['pandas']}.",
        f"Reproduce: `.venv/bin/{cmd}` from the repository root (whole run took "
        f"{r['wall_s']:.0f} s, needs `prometheus` and `promtool`; add `--no-write` to only "
        "print).",
        "",
        f"Workload: {a.slos:,} events SLOs x {a.days} days of 5-minute buckets = {buckets:,} "
        f"buckets; each SLO is `sum(rate(http_requests_total{{service=\"svcNNN\","
        f"code!~\"5..\"}}[5m]))` over `sum(rate(http_requests_total{{service=\"svcNNN\"}}[5m]))`"
        f", one code=200 and one code=500 counter per service (seed {SEED}, no scenarios), "
        f"{st['samples']:,} samples back-filled ({st['om_mb']:,.0f} MB of OpenMetrics), range "
        f"{r['start']:%Y-%m-%d} to {r['end']:%Y-%m-%d}. Setup, not part of the measured "
        f"collection: {steps}.",
        "",
        "| Measure | Value | Target | Result |",
        "|---|---:|---:|:---:|",
        f"| Ours: `SLICollector(concurrency={MAIN_CONCURRENCY}, stats=True).collect`, median "
        f"of {a.runs} warm runs | {_s(main['wall_s'])} ({main['queries']:,} queries) | | |",
        f"| - Prometheus evaluation time, sum of `evalTotalTime` (same run) | "
        f"{_s(main['eval_s'])} | | |",
        f"| - ratio wall / evaluation (median of the {a.runs} runs' ratios) | "
        f"{main['ratio_median']:.2f} | < {TARGET_RATIO:g} | {_ok(ratio_ok)} |",
        f"| - first (cold) run, concurrency {MAIN_CONCURRENCY} | {_s(cold['wall_s'])}, eval "
        f"{_s(cold['eval_s'])}, ratio {cold['ratio']:.2f} | | |",
    ]
    for c in CONCURRENCIES:
        if c == MAIN_CONCURRENCY:
            continue
        x = o["by_c"][c]
        lines.append(
            f"| Ours at concurrency {c} (median of {a.runs}) | {_s(x['wall_s'])}, eval "
            f"{_s(x['eval_s'])}, ratio {x['ratio_median']:.2f} | | |"
        )
    walls = ", ".join(
        f"c={c}: " + " / ".join(_s(w) for w in o["by_c"][c]["walls"]) for c in CONCURRENCIES
    )
    lines += [
        f"| - all warm runs | {walls} | | |",
        f"| Collected frame = ground truth (`truth_frame`): same {main['check']['rows']:,} "
        f"(slo, bucket) rows, counts within {RTOL:g} rel, every run | max rel diff "
        f"{max(x['check']['max_rel'] for x in o['by_c'].values()):.1e} | equal | "
        f"{_ok(checks_ok)} |",
        f"| Peak RSS of a child process doing one collection (`ru_maxrss`) | {peak_mb:,.0f} MB "
        f"| < {TARGET_PEAK_MB / 1000:g} GB | {_ok(peak_mb < TARGET_PEAK_MB)} |",
        f"| - RSS before collection (interpreter, pandas, httpx, SLOs) | "
        f"{_mb(mem['rss_before_kb'])} | | |",
    ]
    if rise is not None:
        lines.append(f"| - rise during collection (VmHWM reset before it) | {_mb(rise)} | | |")
    lines += [
        f"| - result frame (deep) | {mem['frame_mb']:,.0f} MB ({mem['rows']:,} rows) | | |",
        f"| Naive sequential: `httpx.get` per SLO x role x day, new connection each"
        f"{naive_how} | {_s(nv['wall_s'])} ({nv['queries']:,} queries) | | |",
        f"| Speed-up of ours (median, concurrency {MAIN_CONCURRENCY}) over naive | "
        f"{nv['wall_s'] / main['wall_s']:,.1f}x | | |",
    ]
    pm, pw, pc = pf["main"], pf["worker"], r["parse"]
    lines += [
        "",
        "Notes: the ratio compares the client's wall time with the time Prometheus itself "
        "spent evaluating the same queries (`stats=all`, summed over queries, so concurrent "
        "queries count in full); both come from the same run, so it carries over to other "
        "machines better than the wall time. Prometheus and the collector share the machine's "
        f"{m['nproc']} cores. Each run uses a fresh client (its own connection pool). "
        f"The naive collector's counts ({nv['evaluated']} SLOs) sum to good "
        f"{nv['sums']['good']:,.0f}, total {nv['sums']['total']:,.0f} events, vs "
        f"{r['truth_sums']['good']:,.0f} / {r['truth_sums']['total']:,.0f} in the truth. Memory figures come from a child "
        "process started before the parent generated anything (a fork+exec child inherits "
        "the parent's peak RSS); it waits for the server's URL, then collects once at "
        f"concurrency {MAIN_CONCURRENCY}.",
        "",
        f"Where the time goes (one profiled collection at concurrency {MAIN_CONCURRENCY}: "
        f"{_s(pf['wall_s'])} under cProfile, Prometheus evaluation {_s(pf['eval_s'])}). "
        f"Calling thread: waiting for the thread pool {_s(pm['pool_wait'])}, then assembling "
        f"{_s(pm['assemble'])}, of which `_merge` {_s(pm['merge'])} (object-array "
        f"`np.asarray` {_s(pm['merge_asarray'])}, `astype` {_s(pm['merge_astype'])}, pandas "
        f"`groupby().sum()` {_s(pm['merge_groupby'])}), `_counts` {_s(pm['counts'])}, "
        f"`pd.concat` {_s(pm['concat'])}. Worker threads ({pf['workers']}, summed): "
        f"`query_range` {_s(pw['query_range'])}, of which `response.json()` "
        f"{_s(pw['json'])} and socket reads {_s(pw['socket_read'])}. Isolated, per answer "
        f"({pc['kb_per_answer']:.0f} kB, {pc['answers']} answers): `json.loads` "
        f"{pc['json_ms']:.2f} ms, `_merge` {pc['merge_ms']:.2f} ms.",
    ]
    if r.get("advice"):
        lines += ["", r["advice"]]
    return "\n".join(lines) + "\n"


def write_section(markdown: str, path: Path = DOC) -> None:
    """Replace (or append) this benchmark's section in ``path``; other sections are kept."""
    text = path.read_text() if path.exists() else DOC_INTRO
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.M | re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: markdown + "\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + markdown
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.rstrip("\n") + "\n")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--slos", type=int, default=500, help="number of SLOs (default 500)")
    p.add_argument("--days", type=int, default=7, help="days of 5-minute buckets (default 7)")
    p.add_argument("--runs", type=int, default=3, help="warm runs per concurrency (default 3)")
    p.add_argument(
        "--naive-subset",
        type=int,
        default=None,
        help="time the naive collector on the first N SLOs and extrapolate (default: all, "
        f"unless projected over {NAIVE_BUDGET_S:.0f} s, then {NAIVE_SUBSET})",
    )
    p.add_argument("--no-write", action="store_true", help="do not update docs/performance.md")
    p.add_argument("--profile-text", action="store_true", help="print the raw cProfile tables")
    p.add_argument("--child-memory", action="store_true", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Set up, run every measurement, print the report and (unless ``--no-write``) save it."""
    args = parse_args(argv)
    if args.child_memory:
        child_memory(args)
        return
    wall0 = time.perf_counter()
    child = server = None
    try:
        # First, while this process is small: a fork+exec child inherits the peak RSS.
        child = spawn_child(args)
        with tempfile.TemporaryDirectory(prefix="bench-collector-") as tmp:
            st = setup(args, Path(tmp))
            server = st["server"]
            print(f"setup: {st['steps']}", file=sys.stderr)
            slos, truth, start, end, url = st["slos"], st["truth"], st["start"], st["end"], server.url
            ours = bench_ours(url, slos, start, end, truth, args.runs)
            memory = run_child(child, url)
            print(f"memory: {memory}", file=sys.stderr)
            profile = profile_collect(url, slos, start, end)
            parse = parse_cost(url, slos, start, end)
            if args.profile_text:
                print(profile["main_text"], profile["worker_text"], sep="\n", file=sys.stderr)
            naive = bench_naive(url, slos, start, end, args.naive_subset)
            print(f"naive: {naive['wall_s']:.1f} s, {naive['queries']} queries", file=sys.stderr)
            info = machine(url)
            server.stop()
            server = None
        result = {
            "args": args,
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": info,
            "setup": st,
            "start": start,
            "end": end,
            "ours": ours,
            "naive": naive,
            "memory": memory,
            "profile": profile,
            "parse": parse,
            "truth_sums": truth_sums(truth, slos[: naive["evaluated"]]),
            "wall_s": time.perf_counter() - wall0,
        }
        markdown = render(result)
        print(markdown)
        if not args.no_write:
            write_section(markdown)
            print(f"wrote {DOC.relative_to(ROOT)}", file=sys.stderr)
    finally:
        if server is not None:
            server.stop()
        end_child(child)


if __name__ == "__main__":
    main()
