"""``sre-pipeline demo``: the whole Dagster graph for the example configuration over the last
28 days with the embedded defaults (demo source, SQLite warehouse), in process, then a summary.

Running it twice gives the same warehouse content: every asset replaces exactly its slice.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from sre_pipeline.commands.flags import http_url
from sre_pipeline.incidents.model import open_and_overdue
from sre_pipeline.slo.report import status_table
from sre_pipeline.warehouse.engine import pipeline_home


def _quality(engine, end: date):
    """The data-quality report of the demo's last seven days."""
    from sre_pipeline.config import load_config
    from sre_pipeline.quality.report import inputs_from_config, quality_report

    days = [end - timedelta(days=n) for n in range(7, 0, -1)]
    return quality_report(engine, inputs_from_config(load_config()), days)


def run(args) -> int:
    """Run the graph, then print the SLOs at risk, the alerts and where the outputs went."""
    if args.prometheus_url:
        http_url("--prometheus-url", args.prometheus_url)  # before anything is created
    home = Path(args.output_dir) if args.output_dir else pipeline_home()
    home.mkdir(parents=True, exist_ok=True)
    os.environ["SRE_PIPELINE_HOME"] = str(home)
    if args.prometheus_url:
        os.environ["PROMETHEUS_URL"] = args.prometheus_url
    end = date.fromisoformat(args.end) if args.end else pd.Timestamp.now(tz="UTC").date()
    started = time.perf_counter()
    from sre_pipeline.defs.demo_run import run_demo
    from sre_pipeline.warehouse.engine import make_engine

    run_demo(home, end, args.days, log=lambda m: print(m, file=sys.stderr))
    engine = make_engine()
    last_day = (pd.Timestamp(end) - pd.Timedelta(days=1)).date()
    with engine.connect() as conn:
        status = pd.read_sql(
            sa.text("SELECT * FROM slo_status WHERE day = :d"), conn, params={"d": last_day}
        )
        episodes = pd.read_sql(sa.text("SELECT severity FROM burn_alert_episodes"), conn)
        summary = pd.read_sql(sa.text("SELECT COUNT(*) AS n FROM weekly_slo_summary"), conn)
    status["alerts"] = status["alerts"].map(
        lambda a: a if isinstance(a, list) else __import__("json").loads(a)
    )
    print(
        f"{len(status)} SLOs, status as of the end of {last_day} ({args.days} days evaluated, "
        f"{time.perf_counter() - started:.0f} s)\n"
    )
    print(status_table(status))
    at_risk = status[status["policy_tier"].isin(["exhausted", "incident_mode", "feature_freeze"])]
    print(f"\nAt risk: {', '.join(sorted(at_risk['slo'])) or 'none'}")
    firing = status[status["alerts"].map(len) > 0]
    print(f"Alerts firing at the end: {', '.join(sorted(firing['slo'])) or 'none'}")
    counts = episodes["severity"].value_counts().to_dict()
    print(
        f"Alert episodes: {counts.get('page', 0)} page, {counts.get('ticket', 0)} ticket; "
        f"weekly summary rows: {int(summary['n'].iloc[0])}"
    )
    with engine.connect() as conn:
        incidents = pd.read_sql(sa.text("SELECT resolved_at FROM incidents"), conn)
        items = pd.read_sql(sa.text("SELECT status, due_date FROM action_items"), conn)
    open_items, overdue = open_and_overdue(items, end)
    print(
        f"Incidents: {len(incidents)} ({incidents['resolved_at'].isna().sum()} unresolved); "
        f"action items: {len(items)} ({open_items.sum()} open, {overdue.sum()} overdue)"
    )
    print(f"Data quality, last 7 days: {_quality(engine, end).summary()}")
    print(f"\nWarehouse: {engine.url}\nDagster home: {home / 'dagster'}")
    print(
        f"See the runs: DAGSTER_HOME={home / 'dagster'} SRE_PIPELINE_HOME={home} "
        "dagster dev -w workspace.yaml"
    )
    return 0
