"""``sre-pipeline demo``: the whole Dagster graph for the example configuration over the last
28 days in the demo's own code location (generated history, SQLite warehouse in its home), in
process, then a summary.

It prints one line per run as it goes (``--verbose`` brings Dagster's own logs back), then the
results. Running it twice gives the same warehouse content: every asset replaces exactly its
slice. A failed run ends the demo with exit code 1 and says what failed.
"""

from __future__ import annotations

import json
import sys
import textwrap
import time
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from sre_pipeline.commands.flags import http_url
from sre_pipeline.incidents.model import open_and_overdue
from sre_pipeline.inputs.instants import week_label
from sre_pipeline.slo.exchange.report import status_table
from sre_pipeline.warehouse.engine import pipeline_home

EXIT_FAILED = 1


def _quality(engine, end: date):
    """The data-quality report of the demo's last seven days."""
    from sre_pipeline.config import load_config
    from sre_pipeline.quality.report import inputs_from_config, quality_report

    days = [end - timedelta(days=n) for n in range(7, 0, -1)]
    return quality_report(engine, inputs_from_config(load_config()), days, keep=True)


def _unreachable(url: str) -> str | None:
    """Why Prometheus at ``url`` cannot answer a query, or None when it can (a quick look
    before the runs, instead of every query retrying against a server that is not there)."""
    from sre_pipeline.sources.prometheus_http import (
        PrometheusClient,
        PrometheusConfig,
        PrometheusError,
    )

    config = PrometheusConfig(url=url.rstrip("/"), timeout_s=10, retries=2, backoff_s=0.2)
    try:
        with PrometheusClient(config) as client:
            client.query("vector(1)", time.time())
    except PrometheusError as exc:
        return f"Prometheus at {url} does not answer ({exc})"
    return None


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run(args) -> int:
    """Run the graph, then print the SLOs at risk, the alerts and where the outputs went."""
    from sre_pipeline.config import load_config
    from sre_pipeline.defs.factory import preflight
    from sre_pipeline.defs.partitions import lookback_days
    from sre_pipeline.defs.upstream_warnings import ignore_expected
    from sre_pipeline.demo.resources import demo_resources
    from sre_pipeline.demo.run import (
        EXAMPLES,
        DemoFailed,
        DemoHome,
        run_demo,
        use_home,
        write_home,
    )
    from sre_pipeline.slo.spec.loader import load_catalog

    ignore_expected()
    if args.prometheus_url:
        http_url("--prometheus-url", args.prometheus_url)  # before anything is created
        problem = _unreachable(args.prometheus_url)
        if problem:
            print(f"error: --prometheus-url: {problem}; nothing was collected", file=sys.stderr)
            return EXIT_FAILED
    home = DemoHome(Path(args.output_dir) if args.output_dir else pipeline_home())
    home.root.mkdir(parents=True, exist_ok=True)
    end = date.fromisoformat(args.end) if args.end else pd.Timestamp.now(tz="UTC").date()
    lookback = lookback_days(load_catalog([str(EXAMPLES / "slos")]).slos)
    first = end - timedelta(days=args.days + lookback)
    write_home(home, end, first, args.prometheus_url)
    use_home(home)
    config = load_config()  # the demo's own configuration, as its runs will read it
    preflight(config, demo_resources(config)["source"])
    started = time.perf_counter()
    _progress(f"demo: status of the {args.days} days before {end}, events from {first}")
    try:
        run_demo(end, args.days, lookback, verbose=args.verbose, log=_progress)
    except DemoFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        print("The warehouse keeps what it held before the failed run.", file=sys.stderr)
        return EXIT_FAILED
    _report(home, end, args.days, time.perf_counter() - started)
    return 0


def _capacity_line(engine, day: date) -> str:
    """The day's capacity in one line: states, the next forecast crossing of scale (80 % by
    default), the resources below their headroom target."""
    from sre_pipeline.capacity.status import WORST_FIRST
    from sre_pipeline.warehouse import schema as tables
    from sre_pipeline.warehouse.reads import read_slice

    rows = read_slice(engine, tables.capacity_status, "day", day, day + timedelta(days=1))
    states = rows["state"].value_counts().to_dict()
    text = ", ".join(f"{states[s]} {s}" for s in WORST_FIRST if s in states)
    lines = [f"Capacity on {day}: {text or 'no data'}"]
    coming = rows[rows["scale_status"] == "forecast"].sort_values("scale_on")
    for _, r in coming.head(2).iterrows():
        latest = f"{r['scale_latest']:%m-%d}" if r["scale_latest"] else "later"
        lines.append(
            f"  {r['resource']} forecast to reach its scale threshold on "
            f"{r['scale_on']:%Y-%m-%d} (between {r['scale_earliest']:%m-%d} and {latest})"
        )
    low = rows[rows["headroom_ok"] == False]  # noqa: E712 - a nullable column
    if len(low):
        items = ", ".join(
            f"{r.resource} {r.headroom:.1f}x/{r.headroom_target:g}x" for r in low.itertuples()
        )
        lines.append(f"  headroom under target: {items}")
    return "\n".join(lines)


def _incidents_lines(engine, end: date, days: int) -> str:
    """Response times and alert coverage over the evaluated weeks, and the last complete
    week's incidents ranked by the budget they cost (as ``sre-pipeline incidents`` prints)."""
    from sre_pipeline.commands.incidents import incidents_table
    from sre_pipeline.demo.run import complete_weeks
    from sre_pipeline.incidents.report import week_incidents
    from sre_pipeline.incidents.stored import read_week

    weeks = complete_weeks(end - timedelta(days=days), end)
    if not weeks:
        return "Incident budget: no complete week in the range"
    with engine.connect() as conn:
        metrics = pd.read_sql(
            sa.text(
                "SELECT SUM(incidents) AS n, SUM(mttd_minutes * incidents) / SUM(incidents) "
                "AS mttd, SUM(mtta_minutes * incidents) / SUM(incidents) AS mtta, "
                "SUM(mttr_minutes * incidents) / SUM(incidents) AS mttr "
                "FROM incident_metrics WHERE week_start >= :w"
            ),
            conn,
            params={"w": weeks[0]},
        ).iloc[0]
        alerts = pd.read_sql(
            sa.text(
                "SELECT SUM(episodes) AS episodes, SUM(linked_episodes) AS linked, "
                "SUM(unexplained_episodes) AS unexplained, SUM(detection_gaps) AS gaps "
                "FROM alert_coverage"
            ),
            conn,
        ).iloc[0]
        p0 = pd.read_sql(sa.text("SELECT item_id, owner FROM overdue_p0_items"), conn)

    def minutes(v) -> str:
        return "–" if pd.isna(v) else f"{v:.0f} min"

    lines = [
        f"Response ({int(metrics['n'] or 0)} incidents since {weeks[0]}): "
        f"MTTD {minutes(metrics['mttd'])}, MTTA {minutes(metrics['mtta'])}, "
        f"MTTR {minutes(metrics['mttr'])}",
        f"Alert episodes vs incidents ({week_label(weeks[0])}..{week_label(weeks[-1])}): "
        f"{int(alerts['episodes'] or 0)} episodes, {int(alerts['linked'] or 0)} during an "
        f"incident, {int(alerts['unexplained'] or 0)} without one",
        f"Detection gaps (no alert before people noticed): {int(alerts['gaps'] or 0)} incident(s)",
        "Overdue P0 action items: "
        + (", ".join(f"{r.item_id} ({r.owner})" for r in p0.itertuples()) or "none"),
    ]
    incidents, cost, detection, _ = read_week(engine, weeks[-1])
    rows = week_incidents(incidents, cost, detection, end)
    if rows:
        lines.append(f"\nIncidents of {week_label(weeks[-1])}, worst budget first:")
        lines.append(incidents_table(rows))
    else:
        lines.append(f"No incidents in {week_label(weeks[-1])}")
    return "\n".join(lines)


def _review_lines(home) -> str:
    """Where the last complete week's review went (the weekly job rendered it)."""
    from sre_pipeline.warehouse.engine import make_engine

    engine = make_engine(home.warehouse_url)
    with engine.connect() as conn:
        row = conn.execute(
            sa.text(
                "SELECT week_start, markdown_path, html_path FROM review_runs "
                "ORDER BY week_start DESC LIMIT 1"
            )
        ).first()
    engine.dispose()
    if row is None:
        return "Review: none (no complete week in the range)"
    folder = Path(row.html_path).parent
    sent = sorted((home.root / "outbox" / folder.name).glob("*.eml"))
    mails = ", ".join(p.name for p in sent) or "none"
    return (
        f"Review of the last complete week: {row.html_path}\n"
        f"  with {Path(row.markdown_path).name}, review.txt and charts/ beside it\n"
        f"  all weeks and one page per SLO: {folder.parent / 'index.html'}\n"
        f"E-mailed to the outbox {home.root / 'outbox' / folder.name}:\n  {mails}"
    )


def _ticket_lines(home) -> str:
    """The tickets the weekly job's ticket step left open in the outbox, and what it opened
    and closed in that week (from the ``tickets`` table, so a re-run prints the same), and how
    many of the postmortems' own ticket references could be read back."""
    from sre_pipeline.tickets.readback import not_read_back, stored_tracking
    from sre_pipeline.warehouse.engine import make_engine

    engine = make_engine(home.warehouse_url)
    with engine.connect() as conn:
        rows = pd.read_sql(sa.text("SELECT * FROM tickets ORDER BY opened_at, tracker_id"), conn)
        week = conn.execute(sa.text("SELECT MAX(week_start) FROM review_runs")).scalar()
    tracking = stored_tracking(engine)
    engine.dispose()
    if week is None:
        return "Tickets: none (no complete week in the range)"
    monday = pd.Timestamp(week).date()
    opened = rows[pd.to_datetime(rows["opened_week"]).dt.date == monday]
    open_now = rows[rows["state"] == "open"]
    closed = rows[(rows["state"] == "closed") & (rows["closed_by"] == "pipeline")]
    lines = [
        f"Tickets after {week_label(monday)} (outbox {home.root / 'tickets'}): "
        f"{len(opened)} opened, {len(closed)} closed, {len(open_now)} open"
    ]
    lines += [f"  #{r.tracker_id} {r.priority:<6} {r.title}" for r in open_now.itertuples()]
    read = tracking[tracking["source"] == "postmortem"]
    unread = not_read_back(tracking)
    if len(read):
        lines.append(
            f"Postmortem tickets read back: {len(read) - len(unread)} of {len(read)}"
            + ("; no configured tracker claims:" if unread else "")
        )
        # one reference is never split over two lines
        packed = textwrap.wrap(", ".join(u.replace(" ", "\0") for u in unread), 96)
        lines += ["  " + line.replace("\0", " ") for line in packed]
    return "\n".join(lines)


def _report(home, end: date, days: int, seconds: float) -> None:
    from sre_pipeline.warehouse.engine import make_engine

    engine = make_engine(home.warehouse_url)
    last_day = end - timedelta(days=1)
    with engine.connect() as conn:
        status = pd.read_sql(
            sa.text("SELECT * FROM slo_status WHERE day = :d"), conn, params={"d": last_day}
        )
        episodes = pd.read_sql(sa.text("SELECT severity FROM burn_alert_episodes"), conn)
        summary = pd.read_sql(sa.text("SELECT COUNT(*) AS n FROM weekly_slo_summary"), conn)
        incidents = pd.read_sql(sa.text("SELECT resolved_at FROM incidents"), conn)
        items = pd.read_sql(sa.text("SELECT status, due_date FROM action_items"), conn)
    status["alerts"] = status["alerts"].map(lambda a: a if isinstance(a, list) else json.loads(a))
    print(
        f"{len(status)} SLOs, status as of the end of {last_day} ({days} days evaluated, "
        f"{seconds:.0f} s)\n"
    )
    print(status_table(status))
    at_risk = status[status["policy_tier"].isin(["exhausted", "incident_mode", "feature_freeze"])]
    print(f"\nAt risk: {', '.join(sorted(at_risk['slo'])) or 'none'}")
    counts = episodes["severity"].value_counts().to_dict()
    print(
        f"Alert episodes: {counts.get('page', 0)} page, {counts.get('ticket', 0)} ticket; "
        f"weekly summary rows: {int(summary['n'].iloc[0])}"
    )
    open_items, overdue = open_and_overdue(items, end)
    print(
        f"Incidents: {len(incidents)} ({incidents['resolved_at'].isna().sum()} unresolved); "
        f"action items: {len(items)} ({open_items.sum()} open, {overdue.sum()} overdue)"
    )
    print(_incidents_lines(engine, end, days))
    print(_capacity_line(engine, last_day))
    print(f"Data quality, last 7 days: {_quality(engine, end).summary()}")
    engine.dispose()
    print(_review_lines(home))
    print(_ticket_lines(home))
    env = "".join(f"  {k}={v} \\\n" for k, v in home.environment().items())
    print(f"\nWarehouse: {home.warehouse_url}\nDagster home: {home.dagster}")
    print("See the runs (and re-execute them) in the Dagster UI:")
    print(f"{env}  dagster dev -w {home.workspace}")
