"""Benchmark of the Prometheus collector (issue 3): 500 SLOs x 7 days from a real Prometheus.

Back-fills a seeded history into Prometheus (``promtool``), then measures ``SLICollector`` at
concurrency 1, 2, 4, 8 (checked against ``truth_frame``), a naive sequential collector and the
peak memory of one collection, and writes the section of ``docs/performance.md``.
Run: ``.venv/bin/python benchmarks/bench_collector.py [--no-write] [--profile]``.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
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
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import msgspec
import numpy as np
import pandas as pd
from perfdoc import publish  # noqa: E402 - benchmarks/ is on sys.path when run

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout without installing the package
    sys.path.insert(0, str(ROOT))

from sre_pipeline.demo.history import simulate, truth_frame  # noqa: E402
from sre_pipeline.demo.openmetrics import write_openmetrics  # noqa: E402
from sre_pipeline.demo.plan import CountersIn, DemoPlan, SeriesIn  # noqa: E402
from sre_pipeline.inputs.promql import render as render_query  # noqa: E402
from sre_pipeline.slo.model import SLI, SLO  # noqa: E402
from sre_pipeline.slo.rules.promql import sli_templates  # noqa: E402
from sre_pipeline.sources.collector import SLICollector  # noqa: E402
from sre_pipeline.sources.prometheus_http import PrometheusClient, PrometheusConfig  # noqa: E402
from sre_pipeline_tests.services.prometheus import backfill, start_prometheus  # noqa: E402
from sre_pipeline_tests.slo.factories import make_slo  # noqa: E402

BUCKET_S, DAY_S, SEED = 300, 86_400, 7
END = pd.Timestamp("2026-11-01T00:00Z")
CONCURRENCIES, DEFAULT_C = (1, 2, 4, 8), 4
TARGET_RATIO, TARGET_PEAK_MB, RTOL = 1.5, 1000.0, 1e-9
# the previous version of this section (2026-11-22: answers kept as decoded JSON, gzip on)
BEFORE = {"wall": 5.95, "ratio": 2.58, "peak_mb": 648, "cpu": "4.16 s / 4.47 s"}
SECTION = "## Collector: 500 SLOs x 7 days from a real Prometheus (issue 3)"
OK = {True: "PASS", False: "FAIL"}


def make_slos(n: int) -> list[SLO]:
    """``n`` events SLOs, one per service ``svcNNN``, reading ``http_requests_total`` rates."""
    out = []
    for i in range(n):
        sel = f'service="svc{i:03d}"'
        sli = SLI(
            kind="events",
            good_query=f'sum(rate(http_requests_total{{{sel},code!~"5.."}}[{{{{ .window }}}}]))',
            total_query=f"sum(rate(http_requests_total{{{sel}}}[{{{{ .window }}}}]))",
        )
        out.append(make_slo(f"svc{i:03d}-availability").model_copy(update={"sli": sli}))
    return out


def make_plan(n: int) -> DemoPlan:
    """Seeded plan, no scenarios: a code=200 (good) / code=500 (bad) counter pair per SLO."""
    pair = dict(metric="http_requests_total", good={"code": "200"}, bad={"code": "500"})
    labels = [{"service": f"svc{i:03d}"} for i in range(n)]
    series = {f"{x['service']}-availability": CountersIn(labels=x, **pair) for x in labels}
    return DemoPlan(SEED, (), {k: SeriesIn(counters=v) for k, v in series.items()})


def setup(args: argparse.Namespace, work: Path) -> dict:
    """Simulate, write OpenMetrics, back-fill and start Prometheus; seconds of each step."""
    slos, plan = make_slos(args.slos), make_plan(args.slos)
    start, end = END - pd.Timedelta(days=args.days), END
    steps: dict[str, float] = {}

    def timed(name, fn, *a):
        t0 = time.perf_counter()
        out = fn(*a)
        steps[name] = time.perf_counter() - t0
        return out

    histories = timed("simulate", simulate, slos, start, end, plan)
    truth = timed("truth frame", truth_frame, histories)
    om = work / "history.om"
    families = timed("write OpenMetrics", write_openmetrics, histories, plan, om)
    del histories
    timed("promtool backfill", backfill, om, work / "data")
    om_mb = om.stat().st_size / 1e6
    om.unlink()
    server = timed("start Prometheus", start_prometheus, work / "data", work)
    out = dict(slos=slos, truth=truth, server=server, start=start, end=end, steps=steps)
    return {**out, "samples": sum(families.values()), "om_mb": om_mb}


def compare(events: pd.DataFrame, truth: pd.DataFrame) -> tuple[bool, float]:
    """(same (slo, bucket_start) set and counts within ``RTOL``, max relative difference)."""

    def arrays(df: pd.DataFrame):
        codes = df["slo"].cat.codes.to_numpy()
        ts = df["bucket_start"].to_numpy(dtype="datetime64[ns]").view("i8")
        order = np.lexsort((ts, codes))
        return codes[order], ts[order], df[["good", "total"]].to_numpy(float)[order]

    if list(events["slo"].cat.categories) != list(truth["slo"].cat.categories):
        return False, float("inf")
    (c1, t1, u), (c2, t2, v) = arrays(events), arrays(truth)
    if len(u) != len(v) or (c1 != c2).any() or (t1 != t2).any():
        return False, float("inf")
    rel = float((np.abs(u - v) / np.maximum(np.abs(v), 1.0)).max()) if len(u) else 0.0
    return rel <= RTOL, rel


def cpu_seconds(pid: int) -> tuple[float, float]:
    """CPU seconds (user + system) of this process, all threads, and of process ``pid``."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return r.ru_utime + r.ru_stime, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def collect_once(url: str, slos, start, end, c: int, prom_pid: int | None = None):
    """One ``collect`` with a fresh client (its own pool): figures and the result."""
    with PrometheusClient(PrometheusConfig(url=url, concurrency=c)) as client:
        collector = SLICollector(client, concurrency=c, stats=True)
        cpu0 = cpu_seconds(prom_pid) if prom_pid else (0.0, 0.0)
        t0 = time.perf_counter()
        result = collector.collect(slos, start, end, bucket_s=BUCKET_S)
        wall = time.perf_counter() - t0
        cpu1 = cpu_seconds(prom_pid) if prom_pid else (0.0, 0.0)
    ev = result.eval_seconds
    figures = dict(wall=wall, queries=result.queries, eval=ev, failures=len(result.failures))
    figures["ratio"] = wall / ev if ev else float("inf")
    figures["cpu_client"], figures["cpu_prom"] = cpu1[0] - cpu0[0], cpu1[1] - cpu0[1]
    return figures, result


def bench_ours(url: str, slos, start, end, truth, runs: int, pid: int) -> dict:
    """A warm-up run, then ``runs`` rounds over every concurrency (interleaved so drift hits
    all alike); per concurrency the run with the median wall time, and the median ratio."""

    def one(c: int) -> dict:
        gc.collect()
        fig, result = collect_once(url, slos, start, end, c, pid)
        fig["ok"], fig["max_rel"] = compare(result.events, truth)
        fig["ok"] = fig["ok"] and not fig["failures"]
        fig["rows"] = len(result.events)
        print(f"c={c}: {fig['wall']:.2f} s, eval {fig['eval']:.2f} s", file=sys.stderr)
        return fig

    warmup = one(DEFAULT_C)
    by_c: dict[int, list[dict]] = {c: [] for c in CONCURRENCIES}
    for _ in range(runs):
        for c in CONCURRENCIES:
            by_c[c].append(one(c))
    out = {"warmup": warmup}
    for c, rs in by_c.items():
        med = sorted(rs, key=lambda r: r["wall"])[len(rs) // 2]
        out[c] = {**med, "walls": [r["wall"] for r in rs], "all": rs}
        out[c]["ratio_median"] = statistics.median(r["ratio"] for r in rs)
    return out


def bench_naive(url: str, slos, start, end, subset: int) -> dict:
    """One ``httpx.get`` per SLO, role and day (a new client each, no pool), sequentially,
    values parsed with ``float`` per point, on the first ``subset`` SLOs; scaled to all."""
    s, e = int(start.timestamp()), int(end.timestamp())
    done = min(subset, len(slos))
    queries, sums = 0, {"good": 0.0, "total": 0.0}
    t0 = time.perf_counter()
    for slo in slos[:done]:
        for role, template in sli_templates(slo.sli).items():
            query = render_query(template, "5m")
            for day in range(s, e, DAY_S):
                params = dict(query=query, start=day + BUCKET_S, end=day + DAY_S, step=BUCKET_S)
                r = httpx.get(f"{url}/api/v1/query_range", params=params, timeout=60)
                r.raise_for_status()
                queries += 1
                for series in r.json()["data"]["result"]:
                    sums[role] += sum(float(v) * BUCKET_S for _, v in series["values"])
    measured = time.perf_counter() - t0
    scale = len(slos) / done
    out = dict(measured=measured, wall=measured * scale, evaluated=done, sums=sums)
    return {**out, "queries_measured": queries, "queries": round(queries * scale)}


def _status_kb(key: str) -> int:
    return int(re.search(rf"^{key}:\s*(\d+)", Path("/proc/self/status").read_text(), re.M)[1])


def child_memory(args: argparse.Namespace) -> None:
    """Child mode: build the SLOs, wait for the URL on stdin, collect once at the default
    concurrency, print memory figures as JSON. An empty line (or EOF) means: exit."""
    slos = make_slos(args.slos)
    start = END - pd.Timedelta(days=args.days)
    print("ready", flush=True)
    url = sys.stdin.readline().strip()
    if not url:
        return
    gc.collect()
    before = _status_kb("VmRSS")
    try:  # reset the kernel's peak-RSS mark (VmHWM) to the current RSS
        Path("/proc/self/clear_refs").write_text("5")
        reset = True
    except OSError:
        reset = False
    fig, _ = collect_once(url, slos, start, END, DEFAULT_C)
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out = dict(
        rss_before_kb=before, maxrss_kb=maxrss, hwm_kb=_status_kb("VmHWM") if reset else None
    )
    print(json.dumps({**out, "wall": fig["wall"]}), flush=True)


def spawn_child(args: argparse.Namespace) -> subprocess.Popen:
    """Start the memory child now, while this process is small (fork+exec inherits the
    parent's peak RSS), and wait until it is ready."""
    cmd = [sys.executable, __file__, "--child-memory", f"--slos={args.slos}", f"--days={args.days}"]
    child = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    if (line := child.stdout.readline().strip()) != "ready":
        raise RuntimeError(f"memory child did not start: {line!r}")
    return child


def machine(url: str) -> dict:
    """CPU count and model, RAM, versions (Prometheus's from its build-info endpoint)."""
    model = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
    mem = re.search(r"^MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text(), re.M)
    prom = httpx.get(f"{url}/api/v1/status/buildinfo", timeout=5).json()["data"]["version"]
    versions = (
        f"Python {platform.python_version()}, httpx {httpx.__version__}, msgspec "
        f"{msgspec.__version__}, numpy {np.__version__}, pandas {pd.__version__}"
    )
    cpu, ram = model.group(1).strip() if model else "unknown", int(mem.group(1)) / 2**20
    os_name = f"{platform.system()} {platform.release()}"
    return dict(nproc=os.cpu_count(), cpu=cpu, ram=ram, os=os_name, prom=prom, versions=versions)


def _s(s: float) -> str:
    return f"{s * 1000:,.0f} ms" if s < 1 else f"{s:,.2f} s"


def render(a, m: dict, st: dict, o: dict, nv: dict, mem: dict, truth_sums: dict, wall: float):
    """The Markdown section (heading included)."""
    date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    main, seq = o[DEFAULT_C], o[1]
    ratio_ok = main["ratio_median"] < TARGET_RATIO
    best = min(CONCURRENCIES, key=lambda c: o[c]["ratio_median"])
    every = [o["warmup"], *(x for c in CONCURRENCIES for x in o[c]["all"])]
    checks_ok, max_rel = all(x["ok"] for x in every), max(x["max_rel"] for x in every)
    peak_mb = mem["maxrss_kb"] * 1024 / 1e6
    floor = (main["cpu_client"] + main["cpu_prom"]) / m["nproc"]
    rise = (
        f"{(mem['hwm_kb'] - mem['rss_before_kb']) * 1024 / 1e6:,.0f} MB" if mem["hwm_kb"] else "n/a"
    )
    cmd = "python benchmarks/bench_collector.py"
    if (a.slos, a.days, a.runs, a.naive_subset) != (500, 7, 3, 100):
        cmd += f" --slos {a.slos} --days {a.days} --runs {a.runs} --naive-subset {a.naive_subset}"
    points = a.days * DAY_S // BUCKET_S
    steps = ", ".join(f"{k} {_s(v)}" for k, v in st["steps"].items())
    lines = [
        SECTION,
        "",
        f"Measured {date} on {m['nproc']} cores ({m['cpu']}), {m['ram']:.1f} GiB RAM, "
        f"{m['os']}; Prometheus {m['prom']} on the same machine (127.0.0.1, no gzip: "
        f"`compression` defaults to off for loopback URLs); {m['versions']}.",
        f"Reproduce: `.venv/bin/{cmd}` from the repository root (whole run {wall:.0f} s; "
        "needs `prometheus` and `promtool`; `--no-write` only prints, `--profile` prints the "
        "top of a cProfile of one collection).",
        "",
        f"Workload: {a.slos:,} events SLOs x {a.days} days of 5-minute buckets = "
        f"{a.slos * points:,} buckets, 2 range queries per SLO ({points:,} points each); each "
        'SLO is `sum(rate(http_requests_total{service="svcNNN",code!~"5.."}[5m]))` over '
        '`sum(rate(http_requests_total{service="svcNNN"}[5m]))`, one code=200 and one code=500 '
        f"counter per service (seed {SEED}, no scenarios), {st['samples']:,} samples back-filled "
        f"({st['om_mb']:,.0f} MB of OpenMetrics), buckets from {st['start']:%Y-%m-%d} to "
        f"{st['end']:%Y-%m-%d}. Setup, outside the measured collection: {steps}.",
        "",
        f"Ours: `SLICollector(client, concurrency=C, stats=True).collect`, fresh client per run, "
        f"median of {a.runs} runs per C (interleaved, after one warm-up run at C={DEFAULT_C}). "
        "*Eval* is the sum of Prometheus's `evalTotalTime` over the run's queries; *ratio* is "
        "wall / eval of the same run (median of the runs' ratios); *wall / uncontended eval* "
        "divides by the eval of the C=1 run instead; CPU seconds of the collector process and "
        "of Prometheus during the run (/proc).",
        "",
        "| C | Wall | Queries | Eval | Ratio | Wall / uncontended eval | CPU collector / "
        "Prometheus | All runs |",
        "|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for c in CONCURRENCIES:
        x = o[c]
        lines.append(
            f"| {c}{' (default)' if c == DEFAULT_C else ''} | {_s(x['wall'])} | "
            f"{x['queries']:,} | {_s(x['eval'])} | {x['ratio_median']:.2f} | "
            f"{x['wall'] / seq['eval']:.2f} | {_s(x['cpu_client'])} / {_s(x['cpu_prom'])} | "
            + " / ".join(_s(w) for w in x["walls"])
            + " |"
        )
    nv_how = (
        f"{nv['evaluated']} of {a.slos} SLOs measured: {nv['queries_measured']:,} queries "
        f"in {_s(nv['measured'])}, scaled linearly"
    )
    lines += [
        "",
        "| Measure | Value | Target | Result |",
        "|---|---:|---:|:---:|",
        f"| Ratio wall / eval, same run, default concurrency {DEFAULT_C} (the issue's "
        f"definition) | {main['ratio_median']:.2f} | < {TARGET_RATIO:g} | {OK[ratio_ok]} |",
        f"| - best concurrency for the ratio: C={best} | {o[best]['ratio_median']:.2f} "
        f"({_s(o[best]['wall'])}) | < {TARGET_RATIO:g} | "
        f"{OK[o[best]['ratio_median'] < TARGET_RATIO]} |",
        f"| - wall / uncontended eval (C=1 sum), at C={DEFAULT_C} | "
        f"{main['wall'] / seq['eval']:.2f} | | |",
        f"| Collected frame = ground truth (`truth_frame`): same {main['rows']:,} (slo, bucket) "
        f"rows, counts within {RTOL:g} rel; every run | max rel diff {max_rel:.1e} | equal | "
        f"{OK[checks_ok]} |",
        f"| Peak RSS of a child process doing one collection at C={DEFAULT_C} (`ru_maxrss`) | "
        f"{peak_mb:,.0f} MB | < {TARGET_PEAK_MB / 1000:g} GB | {OK[peak_mb < TARGET_PEAK_MB]} |",
        f"| - RSS before / rise during collection (VmHWM reset before it) | "
        f"{mem['rss_before_kb'] * 1024 / 1e6:,.0f} MB / {rise} | | |",
        f"| Naive sequential: `httpx.get` per SLO x role x day, no pool ({nv_how}) | "
        f"{_s(nv['wall'])} ({nv['queries']:,} queries) | | |",
        f"| Speed-up of ours (C={DEFAULT_C}) over naive | {nv['wall'] / main['wall']:,.1f}x | | |",
        f"| Before: this section on 2026-11-22 (JSON answers kept to the end, pandas merge, gzip)"
        f": wall, ratio, peak RSS, CPU collector / Prometheus | {_s(BEFORE['wall'])}, "
        f"{BEFORE['ratio']:.2f}, {BEFORE['peak_mb']} MB, {BEFORE['cpu']} | | |",
        "",
        "Notes: `evalTotalTime` is elapsed time inside Prometheus's engine, not CPU time. "
        f"Prometheus and the collector share the machine's {m['nproc']} cores, so with C "
        "queries in flight each evaluation also waits for a core (taken by the other queries "
        "or by the collector decoding answers), and summing over queries that overlap counts "
        f"that waiting once per query in flight: the same work sums to {_s(seq['eval'])} at C=1, "
        + ", ".join(f"{_s(o[c]['eval'])} at C={c}" for c in CONCURRENCIES[1:])
        + ". The same-run ratio therefore falls as C grows even when the wall time does not; "
        "wall / uncontended eval (the C=1 sum) does not have that bias. The run is mostly "
        f"CPU-bound: at C={DEFAULT_C} the two processes use {_s(main['cpu_client'])} + "
        f"{_s(main['cpu_prom'])} of CPU (Prometheus's includes serving HTTP and encoding JSON, "
        f"which `evalTotalTime` leaves out), at least {_s(floor)} of wall on {m['nproc']} "
        f"cores, against {_s(main['wall'])} measured. "
        f"Warm-up run (C={DEFAULT_C}): {_s(o['warmup']['wall'])}. "
        f"The naive collector's counts ({nv['evaluated']} SLOs) sum to good "
        f"{nv['sums']['good']:,.0f}, total {nv['sums']['total']:,.0f} events, vs "
        f"{truth_sums['good']:,.0f} / {truth_sums['total']:,.0f} in the truth. "
        "The memory child is started before this process generates anything (a fork+exec child "
        "inherits its parent's peak RSS), waits for the server's URL, then collects once.",
    ]
    return "\n".join(lines) + "\n"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--slos", type=int, default=500, help="number of SLOs (default 500)")
    p.add_argument("--days", type=int, default=7, help="days of 5-minute buckets (default 7)")
    p.add_argument("--runs", type=int, default=3, help="runs per concurrency (default 3)")
    help_naive = "time the naive collector on N SLOs and scale (default 100)"
    p.add_argument("--naive-subset", type=int, default=100, help=help_naive)
    p.add_argument("--no-write", action="store_true", help="do not update docs/performance.md")
    p.add_argument("--profile", action="store_true", help="print a cProfile of one collection")
    p.add_argument("--child-memory", action="store_true", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Set up, measure, print the report and (unless ``--no-write``) save it."""
    args = parse_args(argv)
    if args.child_memory:
        child_memory(args)
        return
    wall0 = time.perf_counter()
    child = spawn_child(args)  # first, while this process is small
    server = None
    try:
        with tempfile.TemporaryDirectory(prefix="bench-collector-") as tmp:
            st = setup(args, Path(tmp))
            server = st["server"]
            print(f"setup: {st['steps']}", file=sys.stderr)
            slos, truth, start, end = st["slos"], st["truth"], st["start"], st["end"]
            url = server.url
            ours = bench_ours(url, slos, start, end, truth, args.runs, server.process.pid)
            out, _ = child.communicate(url + "\n", timeout=300)
            if child.returncode != 0:
                raise RuntimeError(f"memory child failed with {child.returncode}")
            memory = json.loads(out.strip().splitlines()[-1])
            print(f"memory: {memory}", file=sys.stderr)
            if args.profile:  # top 15 cumulative entries, calling thread, one collection
                prof = cProfile.Profile()
                prof.runcall(collect_once, url, slos, start, end, DEFAULT_C)
                pstats.Stats(prof, stream=sys.stderr).sort_stats("cumulative").print_stats(15)
            naive = bench_naive(url, slos, start, end, args.naive_subset)
            print(f"naive: {naive['wall']:.1f} s, {naive['queries']} queries", file=sys.stderr)
            info = machine(url)
            server.stop()
            server = None
        part = truth[truth["slo"].isin([x.id for x in slos[: naive["evaluated"]]])]
        sums = {k: float(part[k].sum()) for k in ("good", "total")}
        wall = time.perf_counter() - wall0
        markdown = render(args, info, st, ours, naive, memory, sums, wall)
        publish(SECTION, markdown, write=not args.no_write)
    finally:
        if server is not None:
            server.stop()  # by PID
        if child.poll() is None:  # the memory child, by PID
            child.kill()
            child.wait(10)


if __name__ == "__main__":
    main()
