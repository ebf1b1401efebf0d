"""``sre-pipeline incidents``: a week's incidents ranked by the error budget they cost, from the
warehouse (the ``incidents``, ``action_items`` and weekly ``incident_budget`` /
``incident_alerts`` tables).

The configuration is the code location's. Exit code 0 (a week without incidents too); 2 for
unusable input: no warehouse, another schema version, or a week with incidents whose budget
attribution has not run (the figures would be missing, not zero).
"""

from __future__ import annotations

import json
from datetime import timedelta

import pandas as pd

from sre_pipeline.commands import UsageError
from sre_pipeline.commands.stored import chosen_week, existing_warehouse
from sre_pipeline.config import load_config
from sre_pipeline.incidents.report import budget_by_cause, flags, week_incidents
from sre_pipeline.incidents.stored import read_week
from sre_pipeline.inputs.instants import week_label
from sre_pipeline.text_tables import text_table

HEADERS = [
    "incident",
    "sev",
    "cause",
    "worst SLO",
    "budget",
    "downtime",
    "MTTD/MTTA/MTTR",
    "postmortem",
    "open/late",
]


def _pct(v) -> str:
    return "–" if v is None else f"{v:.1%}"


def _min(v) -> str:
    if v is None:
        return "–"
    return f"{v:.0f}m" if v < 120 else f"{v / 60:.1f}h"


def incidents_table(rows: list[dict]) -> str:
    """The ranked incidents (:func:`~sre_pipeline.incidents.report.week_incidents`) as an
    aligned text table, then one line per incident that needs attention."""
    cells = [
        [
            r["incident_id"],
            r["severity"],
            r["cause"],
            r["worst_slo"] or "–",
            _pct(r["budget_share"]),
            _min(r["downtime_minutes"]),
            "/".join(_min(r[k]) for k in ("mttd_minutes", "mtta_minutes", "mttr_minutes")),
            r["postmortem_status"],
            f"{r['open_items']}/{r['overdue_items']}",
        ]
        for r in rows
    ]
    notes = [f"  {r['incident_id']}: {'; '.join(flags(r))}" for r in rows if flags(r)]
    return "\n".join([text_table(cells, HEADERS, "llllrrrlr"), *notes])


def _outside(outside: pd.DataFrame) -> list[dict]:
    spent = outside[outside["outside_bad_events"] > 0].sort_values(
        ["outside_share", "outside_bad_events"], ascending=False, na_position="last"
    )
    return [
        {
            "slo": r.slo,
            "bad_events": float(r.outside_bad_events),
            "budget_share": None if pd.isna(r.outside_share) else float(r.outside_share),
        }
        for r in spent.itertuples()
    ]


def outside_table(spent: list[dict]) -> str:
    """SLOs' budget spent outside any incident, indented under its heading."""
    cells = [[s["slo"], _pct(s["budget_share"]), f"{s['bad_events']:,.0f}"] for s in spent]
    table = text_table(cells, ["SLO", "budget", "bad events"], "lrr")
    return "\n".join(f"  {line}" for line in table.splitlines())


def run(args) -> int:
    """Print the week's incidents (table or JSON)."""
    config = load_config()
    monday = chosen_week(args.week, config.time_zone)
    label = week_label(monday)
    engine = existing_warehouse(config.warehouse_url)
    try:
        incidents, cost, detection, outside = read_week(engine, monday)
    finally:
        engine.dispose()
    if incidents and outside.empty:
        raise UsageError(
            f"--week {label}: {len(incidents)} incident(s) stored, but the week's budget "
            "attribution has not run; expected the weekly job for that week (the UI's "
            f"weekly_job, partition {monday}, or `dagster asset materialize --select "
            f"incident_budget,incident_alerts --partition {monday}`)"
        )
    today = pd.Timestamp.now(tz=config.time_zone).date()
    rows = week_incidents(incidents, cost, detection, today)
    by_cause = budget_by_cause(rows)
    spent = _outside(outside)
    if args.format == "json":
        print(
            json.dumps(
                {
                    "week": label,
                    "week_start": monday.isoformat(),
                    "incidents": rows,
                    "budget_share_by_cause": by_cause,
                    "outside_incidents": spent,
                    "attribution": "stored" if len(outside) else "not run",
                },
                indent=2,
            )
        )
        return 0
    span = f"{monday} .. {monday + timedelta(days=6)}"
    if not rows:
        print(f"No incidents in {label} ({span}).")
    else:
        flagged = sum(r["needs_p0_postmortem"] for r in rows)
        note = f", {flagged} need(s) a P0 postmortem" if flagged else ""
        print(f"Incidents of {label} ({span}): {len(rows)}{note}, worst budget first\n")
        print(incidents_table(rows))
        if by_cause:
            causes = ", ".join(f"{c} {s:.1%}" for c, s in sorted(by_cause.items()))
            print(f"\nBudget by cause (worst SLO's share, summed): {causes}")
    if outside.empty:
        print("Budget outside incidents: not computed (the week's attribution has not run).")
    elif spent:
        print(f"Budget spent outside incidents ({len(spent)} SLO(s), largest share first):")
        print(outside_table(spent[:5]))
        if len(spent) > 5:
            print(f"  ... and {len(spent) - 5} more (--format json lists them all)")
    else:
        print("Budget outside incidents: none.")
    return 0
