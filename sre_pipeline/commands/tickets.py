"""``sre-pipeline tickets list|sync``: the tickets the pipeline manages, and the ticket step
alone (docs/tickets.md).

``list`` prints the open tickets the warehouse records (``--format json``: a list of objects
with ``fingerprint``, ``kind``, ``title``, ``tracker``, ``tracker_id``, ``url``, ``state``,
``priority``, ``team``, ``opened_at``). ``sync`` runs one week's ticket step (default the last
complete week) and prints what it opened, updated and closed. Exit codes: 0 done (or halted
by the emergency stop, which it says), 1 a tracker failed (the others were synced; re-run to
retry), 2 unusable input.
"""

from __future__ import annotations

import json
import sys

import pandas as pd

from sre_pipeline.commands import UsageError
from sre_pipeline.commands.stored import chosen_week, existing_warehouse
from sre_pipeline.config import load_config
from sre_pipeline.inputs.instants import week_label
from sre_pipeline.text_tables import text_table
from sre_pipeline.tickets.sync import SyncReport, open_tickets
from sre_pipeline.tickets.trackers.base import TrackerError
from sre_pipeline.tickets.wanted import NoStatusError

EXIT_FAILED = 1
LIST_FIELDS = (
    "fingerprint",
    "kind",
    "title",
    "tracker",
    "tracker_id",
    "url",
    "state",
    "priority",
    "team",
    "opened_at",
)
VERBS = {
    "open": "opened",
    "comment": "updated",
    "priority": "updated",
    "close": "closed",
    "adopt": "found open",
    "closed-in-tracker": "closed in the tracker",
    "capped": "waiting (cap)",
}


def report_lines(report: SyncReport, label: str) -> list[str]:
    """What a sync did, one line per action, then the totals (the demo prints these too)."""
    if report.halted:
        return [f"tickets {label}: halted, nothing sent ({report.halted})"]
    dry = " (dry run: nothing sent)" if report.dry_run else ""
    lines = []
    for a in report.actions:
        if a.action in VERBS:
            where = f"{a.tracker} #{a.tracker_id}" if a.tracker_id else a.tracker
            lines.append(f"  {VERBS[a.action]:<22} {where:<18} {a.fingerprint}  {a.title}")
    s = report.summary()
    lines.append(
        f"tickets {label}{dry}: {s['opened']} opened, {s['updated']} updated, "
        f"{s['closed']} closed, {s['kept']} kept open"
        + (f", {s['capped']} waiting for the cap" if s["capped"] else "")
    )
    lines += [f"  conflict: {c}" for c in report.conflicts]
    if report.not_read_back:
        lines.append(
            "  not read back (no configured tracker claims the postmortem's ticket): "
            + ", ".join(report.not_read_back)
        )
    return lines


def _list(engine, fmt: str) -> int:
    frame = open_tickets(engine)
    rows = [
        {k: (None if v != v else v) for k, v in r.items()}  # NaN -> None
        for r in frame[list(LIST_FIELDS)].to_dict("records")
    ]
    for r in rows:
        opened = r["opened_at"]
        r["opened_at"] = None if opened is None else pd.Timestamp(opened, tz="UTC").isoformat()
    if fmt == "json":
        print(json.dumps(rows, indent=2, default=str))
        return 0
    if not rows:
        print("no open tickets")
        return 0
    cells = [
        [
            r["tracker"],
            r["tracker_id"],
            r["kind"],
            r["priority"] or "–",
            r["opened_at"][:10],
            r["title"],
        ]
        for r in rows
    ]
    print(text_table(cells, ["tracker", "id", "kind", "priority", "opened", "title"]))
    return 0


def run(args) -> int:
    """``list`` or ``sync``."""
    config = load_config()
    engine = existing_warehouse(config.warehouse_url)
    try:
        if args.action == "list":
            return _list(engine, args.format)
        from sre_pipeline.tickets.setup import sync_week

        week = chosen_week(args.week, config.time_zone)
        try:
            report = sync_week(engine, config, week, dry_run=True if args.dry_run else None)
        except (TrackerError, NoStatusError) as exc:
            raise UsageError(f"--week {week_label(week)}: {exc}") from None
    finally:
        engine.dispose()
    for line in report_lines(report, week_label(week)):
        print(line)
    for tracker, why in report.errors.items():
        print(f"error: {tracker}: {why}", file=sys.stderr)
    if report.errors:
        print("Re-run to retry; what was done is recorded and not repeated.", file=sys.stderr)
        return EXIT_FAILED
    return 0
