"""Action items as their tickets say (docs/tickets.md "Action items read back"): the ticket
step records each action-item ticket's state, status, assignee and due date from the tracker;
the review counts an item closed in the tracker as done (the tracker is where the work is
tracked), and every disagreement between postmortem and tracker is reported."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import sqlalchemy as sa

from sre_pipeline.warehouse import schema as tables

CLOSED = ("done", "wontfix")


def item_tickets(engine) -> pd.DataFrame:
    """The newest ``tickets`` row of each action item (``subject`` = item id)."""
    t = tables.tickets
    query = sa.select(t).where(t.c.kind == "action-item").order_by(t.c.opened_at, t.c.tracker_id)
    with engine.connect() as conn:
        rows = pd.DataFrame(conn.execute(query).mappings().all(), columns=[c.name for c in t.c])
    return rows.groupby("subject", as_index=False).tail(1).set_index("subject")


def _day(value) -> date | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()


def apply_tickets(items: pd.DataFrame, tickets: pd.DataFrame, zone: str = "UTC"):
    """``(items, conflicts)``: the action items with those closed in their tracker marked
    done (``completed_at`` / ``completed_week`` from the tracker's close), and one sentence
    per disagreement (closed in the tracker but open in the postmortem, another due date)."""
    items = items.copy()
    conflicts = []
    for i, r in items.iterrows():
        if r["item_id"] not in tickets.index:
            continue
        tk = tickets.loc[r["item_id"]]
        where = f"{tk['tracker']} #{tk['tracker_id']}"
        if tk["closed_by"] in ("tracker", "tracker-cleared") and r["status"] not in CLOSED:
            closed = pd.Timestamp(tk["closed_at"])
            closed = closed.tz_localize("UTC") if closed.tzinfo is None else closed
            local = closed.tz_convert(ZoneInfo(zone)).date()
            items.at[i, "status"] = "done"
            items.at[i, "completed_at"] = closed
            items.at[i, "completed_week"] = local - timedelta(days=local.weekday())
            conflicts.append(
                f"{r['item_id']}: closed in {where} on {local} ({tk['remote_status'] or 'closed'})"
                ", still open in the postmortem; counted as done"
            )
        tracker_due, item_due = _day(tk["due_date"]), _day(r["due_date"])
        if tracker_due and item_due and tracker_due != item_due:
            conflicts.append(
                f"{r['item_id']}: due {item_due} in the postmortem, {tracker_due} in {where}"
            )
    return items, conflicts
