"""Action items as their tickets say (docs/tickets.md "Action items read back").

An action item lives as a ticket in one of two ways: the pipeline opened one for it
(``tickets``), or its postmortem names one (``tracker_ref``: a URL, a Jira key, ``#12``; see
:mod:`sre_pipeline.tickets.refs`). The ticket step reads each back (state, status, assignee, due
date, closed date) into ``action_item_tracking``, one row per item, rebuilt every run. The review
and ``stg_action_items`` count an item closed in its tracker as done (the tracker is where the
work is tracked), and :func:`apply_tickets` words every disagreement between postmortem and
tracker. A tracker that cannot be read keeps its items' previous rows: a failed read never
turns what was known into nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import sqlalchemy as sa

from sre_pipeline.tickets.trackers.base import Ticket, Tracker, TrackerError
from sre_pipeline.warehouse import schema as tables
from sre_pipeline.warehouse.reads import read_slice

CLOSED = ("done", "wontfix")
BY_TRACKER = ("tracker", "tracker-cleared")  # closed by a person, not by the pipeline
COLUMNS = [c.name for c in tables.action_item_tracking.c]


@dataclass
class ReadBack:
    """One read-back: the rows stored, and the trackers that could not be read (their items
    keep the rows of the previous read)."""

    rows: list[dict] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT


def _day(value) -> date | None:
    return None if _blank(value) or pd.isna(value) else pd.Timestamp(value).date()


def _utc(value) -> datetime | None:
    if _blank(value) or pd.isna(value):
        return None
    stamp = pd.Timestamp(value)
    return (stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp).to_pydatetime()


def _monday(instant: datetime | None, zone: str) -> date | None:
    if instant is None:
        return None
    local = instant.astimezone(ZoneInfo(zone)).date()
    return local - timedelta(days=local.weekday())


def tracking_frame(rows) -> pd.DataFrame:
    """``action_item_tracking`` rows as a frame indexed by item id (the column stays)."""
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame.set_index(frame["item_id"].rename(None))


def stored_tracking(engine) -> pd.DataFrame:
    """``action_item_tracking`` as stored (:func:`tracking_frame`)."""
    with engine.connect() as conn:
        return tracking_frame(conn.execute(sa.select(tables.action_item_tracking)).mappings().all())


def _ours(engine) -> dict[str, dict]:
    """The newest ``tickets`` row of each action item the pipeline opened a ticket for."""
    t = tables.tickets
    query = sa.select(t).where(t.c.kind == "action-item").order_by(t.c.opened_at, t.c.tracker_id)
    with engine.connect() as conn:
        return {r["subject"]: dict(r) for r in conn.execute(query).mappings()}


def _from_ticket(item: str, ref: str, name: str, ticket: Ticket, before, as_of, zone) -> dict:
    closed = ticket.state == "closed"
    closed_at = _utc(ticket.closed_at) if closed else None
    if closed and closed_at is None:
        # a tracker that does not say when: when it was first seen closed
        known = before is not None and before["state"] == "closed"
        closed_at = _utc(before["closed_at"]) if known else as_of
    return {
        "item_id": item,
        "source": "postmortem",
        "ref": ref,
        "tracker": name,
        "tracker_id": ticket.tracker_id,
        "url": ticket.url,
        "state": ticket.state,
        "closed_by": "tracker" if closed else None,
        "remote_status": ticket.status,
        "assignee": ticket.assignee,
        "due_date": ticket.due_date,
        "closed_at": closed_at,
        "closed_week": _monday(closed_at, zone),
        "detail": None,
    }


def _ours_row(item: str, row: dict, zone: str) -> dict:
    closed_at = _utc(row["closed_at"])
    return {
        "item_id": item,
        "source": "pipeline",
        "ref": None,
        "tracker": row["tracker"],
        "tracker_id": row["tracker_id"],
        "url": row["url"],
        "state": row["state"],
        "closed_by": row["closed_by"],
        "remote_status": row["remote_status"],
        "assignee": row["assignee"],
        "due_date": row["due_date"],
        "closed_at": closed_at,
        "closed_week": _monday(closed_at, zone),
        "detail": None,
    }


def read_back(
    engine,
    trackers: Mapping[str, Tracker],
    resolve: Callable[[str, object], tuple[str, str] | None],
    as_of: datetime,
    zone: str = "UTC",
    dry_run: bool = False,
) -> ReadBack:
    """Read every action item's ticket back and replace ``action_item_tracking`` with the
    result (in one transaction; not at all in a dry run). ``resolve(ref, item)`` maps a
    postmortem's reference to ``(tracker name, id)``. An item done in its postmortem whose
    ticket was already seen closed is not asked again; a tracker that fails is asked no more
    this run, and its items keep their previous rows."""
    items = read_slice(engine, tables.action_items)
    before = stored_tracking(engine)
    ours = _ours(engine)
    out = ReadBack()
    for item in items.itertuples():
        iid = str(item.item_id)
        prev = before.loc[iid].to_dict() if iid in before.index else None
        ref = None if _blank(item.tracker_ref) else str(item.tracker_ref).strip() or None
        if ref is None:
            if iid in ours:
                out.rows.append(_ours_row(iid, ours[iid], zone))
            continue
        target = resolve(ref, item)
        base = {c: None for c in COLUMNS} | {"item_id": iid, "source": "postmortem", "ref": ref}
        if target is None:
            detail = "no configured tracker claims this reference"
            out.rows.append({**base, "state": "unresolved", "detail": detail})
            continue
        name, tid = target
        same = prev is not None and prev["ref"] == ref
        if name not in trackers or name in out.errors:
            if same:
                out.rows.append(prev)
            continue
        if same and prev["state"] == "closed" and str(item.status).lower() in CLOSED:
            out.rows.append(prev)  # settled: both sides say closed
            continue
        try:
            ticket = trackers[name].get(tid)
        except TrackerError as exc:
            if exc.status == 404:
                out.rows.append(
                    {
                        **base,
                        "tracker": name,
                        "tracker_id": tid,
                        "state": "missing",
                        "detail": f"{trackers[name].label} has no ticket {tid}",
                    }
                )
                continue
            out.errors[name] = f"reading back {ref} (action item {iid}): {exc}"
            if same:
                out.rows.append(prev)
            continue
        out.rows.append(_from_ticket(iid, ref, name, ticket, prev, as_of, zone))
    if not dry_run:
        _store(engine, out.rows, as_of)
    return out


def _store(engine, rows: list[dict], as_of: datetime) -> None:
    t = tables.action_item_tracking
    # a row carried from the previous read keeps the instant it was read
    clean = [{c: (None if _blank(r.get(c)) else r.get(c)) for c in COLUMNS} for r in rows]
    for r in clean:
        r["synced_at"] = r["synced_at"] or as_of
    with engine.begin() as conn:
        conn.execute(t.delete())
        if clean:
            conn.execute(t.insert(), clean)


def _where(tk) -> str:
    tid = str(tk["tracker_id"])
    return f"{tk['tracker']} #{tid}" if tid.isdigit() else f"{tk['tracker']} {tid}"


def not_read_back(tracking: pd.DataFrame) -> list[str]:
    """``"AI-31-1 (SRCH-112)"`` for each postmortem reference no configured tracker claims."""
    gone = tracking[tracking["state"] == "unresolved"]
    return [f"{r.item_id} ({r.ref})" for r in gone.sort_values("item_id").itertuples()]


def apply_tickets(items: pd.DataFrame, tracking: pd.DataFrame, zone: str = "UTC"):
    """``(items, conflicts)``: the action items with those closed in their tracker marked
    done (``completed_at`` / ``completed_week`` from the tracker's close), and one sentence
    per disagreement: closed in the tracker but open in the postmortem (counted as done), done
    in the postmortem but open in the ticket it names, a reference to a ticket the tracker does
    not have, another due date."""
    items = items.copy()
    conflicts = []
    for i, r in items.iterrows():
        if r["item_id"] not in tracking.index:
            continue
        tk = tracking.loc[r["item_id"]]
        if tk["state"] == "unresolved":
            continue
        where = _where(tk)
        done = str(r["status"]).lower() in CLOSED
        if tk["state"] == "missing":
            conflicts.append(f"{r['item_id']}: {tk['ref']} is not a ticket in {tk['tracker']}")
            continue
        if tk["state"] == "closed" and tk["closed_by"] in BY_TRACKER and not done:
            closed = _utc(tk["closed_at"])
            local = closed.astimezone(ZoneInfo(zone)).date()
            items.at[i, "status"] = "done"
            items.at[i, "completed_at"] = pd.Timestamp(closed)
            items.at[i, "completed_week"] = local - timedelta(days=local.weekday())
            conflicts.append(
                f"{r['item_id']}: closed in {where} on {local} ({tk['remote_status'] or 'closed'})"
                ", still open in the postmortem; counted as done"
            )
        elif tk["state"] == "open" and tk["source"] == "postmortem" and done:
            conflicts.append(
                f"{r['item_id']}: {r['status']} in the postmortem, still open in {where}"
                f" ({tk['remote_status'] or 'open'})"
            )
        tracker_due, item_due = _day(tk["due_date"]), _day(r["due_date"])
        if tracker_due and item_due and tracker_due != item_due:
            conflicts.append(
                f"{r['item_id']}: due {item_due} in the postmortem, {tracker_due} in {where}"
            )
    return items, conflicts
