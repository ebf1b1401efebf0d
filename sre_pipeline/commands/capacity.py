"""``sre-pipeline capacity``: each resource's capacity status and forecasts of one day, from the
warehouse, worst first (emergency, scale, warn, ok; hotter first within a state).

The configuration is the code location's. Exit code 0; 2 for unusable input (no warehouse,
another schema version, a day without capacity status).
"""

from __future__ import annotations

import json
import math
from datetime import date

import pandas as pd
import sqlalchemy as sa

from sre_pipeline.capacity.status import WORST_FIRST, worst_first
from sre_pipeline.commands import UsageError
from sre_pipeline.commands.stored import existing_warehouse
from sre_pipeline.config import load_config
from sre_pipeline.text_tables import text_table
from sre_pipeline.warehouse import schema as tables
from sre_pipeline.warehouse.reads import read_slice

LEVELS = ("warn", "scale", "emergency")
HEADERS = ["resource", "state", "peak", "p95", "headroom", "7d growth", "trend", *LEVELS]


def _value(v):
    """JSON-safe: dates as ISO text, NaN and NaT as null."""
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT:
        return None
    if isinstance(v, pd.Timestamp | date):
        return v.isoformat()[:10]
    return v.item() if hasattr(v, "item") else v


def _pct(v) -> str:
    return "–" if _value(v) is None else f"{v:.0%}"


def _short(v) -> str:
    return str(_value(v))[5:] if _value(v) else "?"  # MM-DD: the year is the day's


def _crossing(row, level: str) -> str:
    status = row[f"{level}_status"]
    if status == "already above":
        return f"since {_short(row[f'{level}_since'])}"
    if status == "forecast":
        on, first, last = (_short(row[f"{level}_{p}"]) for p in ("on", "earliest", "latest"))
        # the band's latest edge may lie past the horizon: "?"
        return on if first == on == last else f"{on} ({first}..{last})"
    return _value(status) or "–"


def _headroom(row) -> str:
    if _value(row["headroom"]) is None:
        return "–"
    mark = "" if row["headroom_ok"] else " < target"
    return f"{row['headroom']:.1f}x{mark}"


def _table(frame: pd.DataFrame) -> str:
    rows = [
        [
            r["resource"],
            _value(r["state"]) or "no data",
            _pct(r["peak_utilisation"]),
            _pct(r["p95_utilisation"]),
            _headroom(r),
            "–" if _value(r["peak_growth_wow"]) is None else f"{r['peak_growth_wow']:+.0%}",
            _value(r["trend"]) or "–",
            *(_crossing(r, level) for level in LEVELS),
        ]
        for _, r in frame.iterrows()
    ]
    return text_table(rows, HEADERS, "llrrrrllll")


def run(args) -> int:
    """Print the status of ``--day`` (default: the newest day stored)."""
    config = load_config()
    engine = existing_warehouse(config.warehouse_url)
    try:
        day = args.day and date.fromisoformat(args.day)
        if day is None:
            with engine.connect() as conn:
                day = conn.execute(sa.select(sa.func.max(tables.capacity_status.c.day))).scalar()
            if day is None:
                raise UsageError(
                    "no capacity status stored yet; expected a warehouse where capacity_status "
                    "has run (the status job, `sre-pipeline backfill` or `sre-pipeline demo`)"
                )
            day = day if isinstance(day, date) else date.fromisoformat(str(day)[:10])
        frame = read_slice(engine, tables.capacity_status, "day", day, day + pd.Timedelta(days=1))
    finally:
        engine.dispose()
    if frame.empty:
        raise UsageError(f"--day {day}: no capacity status stored for that day")
    frame = worst_first(frame)
    if args.format == "json":
        records = [{k: _value(v) for k, v in r.items()} for r in frame.to_dict("records")]
        print(json.dumps({"day": day.isoformat(), "resources": records}, indent=2))
        return 0
    states = frame["state"].value_counts().to_dict()
    summary = ", ".join(f"{states[s]} {s}" for s in WORST_FIRST if s in states) or "no data"
    print(f"Capacity on {day}: {len(frame)} resources ({summary})\n")
    print(_table(frame))
    return 0
