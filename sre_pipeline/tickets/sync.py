"""The ticket lifecycle (docs/tickets.md "Lifecycle"): compare what should have a ticket open
(:mod:`sre_pipeline.tickets.conditions`) with what each tracker has open, then open, comment,
bump and close so each problem has exactly one ticket.

Per tracker, under a lock (:func:`sre_pipeline.warehouse.locks.outbound_lock`, so two runs at
once give one ticket) and with the tracker's own open tickets as the truth (so a lost
warehouse does not duplicate):

- wanted and open in the tracker: kept; one comment per ISO week while it lasts (none in the
  week it opened); an overdue action item gets one "overdue" comment, and after the grace
  period its priority raised one step;
- wanted and not open: opened, at most ``max_new`` per run, the rest listed in one summary
  ticket (fingerprint ``overflow:<tracker>``);
- wanted, but the ticket the pipeline opened was closed in the tracker by a person: left
  closed while the condition lasts (the person decided), re-opened as a new ticket only after
  the condition cleared and came back;
- open in the tracker, managed by the pipeline, of a kind this run evaluates, and no longer
  wanted: a comment saying it cleared and, unless ``close_on_clear`` is off, closed.

Every outbound action (and every failure) is a row of ``outbound_audit`` (kind ``ticket``);
``tickets`` keeps one row per ticket. A dry run reads the trackers and plans, writes nothing to
them and records its plan with the outcome ``dry-run``. The emergency stop halts everything
before the first request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

import pandas as pd
import sqlalchemy as sa

from sre_pipeline.tickets.conditions import Wanted
from sre_pipeline.tickets.trackers.base import (
    MANAGED_LABEL,
    PRIORITIES,
    NewTicket,
    Ticket,
    Tracker,
    TrackerError,
    with_marker,
)
from sre_pipeline.warehouse import schema as tables
from sre_pipeline.warehouse.locks import outbound_lock

AUDIT_KIND = "ticket"
OVERFLOW = "overflow"


@dataclass(frozen=True)
class SyncSettings:
    """The lifecycle's knobs (``tickets:`` in ``sre_pipeline.yaml``)."""

    dry_run: bool = False
    max_new: int = 20
    close_on_clear: bool = True
    overdue_grace_days: int = 7


@dataclass(frozen=True)
class Action:
    """One thing the sync did (or, in a dry run, would do)."""

    action: str  # open | comment | close | priority | adopt | keep | closed-in-tracker | capped
    tracker: str
    fingerprint: str
    title: str
    tracker_id: str | None = None
    url: str | None = None
    detail: str = ""


@dataclass
class SyncReport:
    """What one sync did, per tracker; ``halted`` names the emergency stop that held it."""

    actions: list[Action] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    conflicts: list[str] = field(default_factory=list)
    not_read_back: list[str] = field(default_factory=list)  # references no tracker claims
    dry_run: bool = False
    halted: str | None = None

    def count(self, action: str) -> int:
        """How many actions of one kind."""
        return sum(a.action == action for a in self.actions)

    def summary(self) -> dict[str, int]:
        """``{"opened": 2, "updated": 1, "closed": 0, ...}`` for metadata and the CLI."""
        return {
            "opened": self.count("open"),
            "updated": self.count("comment") + self.count("priority"),
            "closed": self.count("close"),
            "kept": self.count("keep") + self.count("adopt"),
            "closed_in_tracker": self.count("closed-in-tracker"),
            "capped": self.count("capped"),
            "failed": len(self.errors),
        }


def iso_week(day: date) -> date:
    """The Monday of ``day``'s ISO week."""
    return day - timedelta(days=day.weekday())


def bump(priority: str) -> str:
    """One step up the priority scale (``urgent`` stays)."""
    i = PRIORITIES.index(priority) if priority in PRIORITIES else 1
    return PRIORITIES[min(i + 1, len(PRIORITIES) - 1)]


def _kind(fingerprint: str) -> str:
    return fingerprint.split(":", 1)[0]


class _Store:
    """The ``tickets`` rows of one tracker, written as each action succeeds."""

    def __init__(self, engine, tracker: str, as_of: datetime, dry_run: bool):
        self.engine, self.tracker, self.as_of, self.dry_run = engine, tracker, as_of, dry_run
        t = tables.tickets
        with engine.connect() as conn:
            rows = conn.execute(
                sa.select(t).where(t.c.tracker == tracker).order_by(t.c.opened_at, t.c.tracker_id)
            ).mappings()
            self.rows = [dict(r) for r in rows]

    def latest(self, fingerprint: str) -> dict | None:
        """The newest row of a fingerprint (an open one first)."""
        mine = [r for r in self.rows if r["fingerprint"] == fingerprint]
        opened = [r for r in mine if r["state"] == "open"]
        return (opened or mine or [None])[-1]

    def put(self, row: dict) -> None:
        """Insert or replace one ticket's row."""
        row = {**row, "tracker": self.tracker, "synced_at": self.as_of}
        self.rows = [r for r in self.rows if r["tracker_id"] != row["tracker_id"]] + [row]
        if self.dry_run:
            return
        t = tables.tickets
        with self.engine.begin() as conn:
            conn.execute(
                t.delete().where(t.c.tracker == self.tracker, t.c.tracker_id == row["tracker_id"])
            )
            conn.execute(t.insert(), [{c.name: row.get(c.name) for c in t.columns}])


def _audit(engine, action: Action, outcome: str, at: datetime, target: str) -> None:
    row = {
        "at": at,
        "kind": AUDIT_KIND,
        "action": action.action,
        "target": f"{target} {action.tracker_id or ''}".strip(),
        "fingerprint": action.fingerprint[:128],
        "outcome": outcome,
        "detail": (action.detail or action.title)[:2000],
    }
    with engine.begin() as conn:
        conn.execute(tables.outbound_audit.insert(), [row])


def _row(w: Wanted, ticket: Ticket, week: date, as_of: datetime) -> dict:
    return {
        "tracker_id": ticket.tracker_id,
        "fingerprint": w.fingerprint,
        "kind": w.kind,
        "subject": w.subject,
        "title": ticket.title or w.title,
        "url": ticket.url,
        "state": "open",
        "priority": ticket.priority or w.priority,
        "team": w.team,
        "opened_at": as_of,
        "opened_week": week,
        "last_comment_week": week,
        "closed_at": None,
        "closed_by": None,
        "overdue_noted": False,
        "remote_status": ticket.status,
        "assignee": ticket.assignee,
        "due_date": ticket.due_date,
    }


class _Run:
    """One tracker's sync: the decisions above, each action audited and recorded."""

    def __init__(self, engine, tracker: Tracker, settings: SyncSettings, as_of, week, report):
        self.engine, self.tracker, self.settings = engine, tracker, settings
        self.as_of, self.week, self.report = as_of, week, report
        self.store = _Store(engine, tracker.name, as_of, settings.dry_run)

    def act(self, action: Action, call: Callable[[], object] | None = None):
        """Do ``call`` (unless a dry run), audit it, report it; a failure is audited and
        re-raised."""
        result = None
        if call is not None and not self.settings.dry_run:
            try:
                result = call()
            except TrackerError as exc:
                _audit(
                    self.engine,
                    replace(action, detail=str(exc)),
                    "failed",
                    self.as_of,
                    self.tracker.label,
                )
                raise
        if call is not None:
            if isinstance(result, Ticket):
                action = replace(action, tracker_id=result.tracker_id, url=result.url)
            outcome = "dry-run" if self.settings.dry_run else "done"
            _audit(self.engine, action, outcome, self.as_of, self.tracker.label)
        self.report.actions.append(action)
        return result

    def run(self, wanted: Sequence[Wanted], kinds: set[str]) -> None:
        remote = {t.fingerprint: t for t in self.tracker.open_tickets() if t.fingerprint}
        wanted_prints = {w.fingerprint for w in wanted}
        overflow: list[Wanted] = []
        opened = 0
        for w in wanted:
            ticket = remote.get(w.fingerprint)
            row = self.store.latest(w.fingerprint)
            if ticket is not None:
                self.keep(w, ticket, row)
            elif row is not None and row["state"] == "open":
                self.closed_by_person(w, row)
            elif row is not None and row["closed_by"] == "tracker":
                continue  # a person closed it while the condition lasts: their decision
            elif opened >= self.settings.max_new:
                overflow.append(w)
            else:
                self.open(w)
                opened += 1
        for fingerprint, ticket in remote.items():
            if fingerprint in wanted_prints or not (
                _kind(fingerprint) in kinds or fingerprint in kinds
            ):
                continue
            if _kind(fingerprint) == OVERFLOW and overflow:
                continue
            self.clear(fingerprint, ticket)
        for row in list(self.store.rows):
            if row["closed_by"] == "tracker" and row["fingerprint"] not in wanted_prints:
                # cleared after a person closed it: a recurrence gets a new ticket
                self.store.put({**row, "closed_by": "tracker-cleared"})
        if overflow:
            self.summarise(overflow, remote.get(f"{OVERFLOW}:{self.tracker.name}"))

    def open(self, w: Wanted) -> None:
        late = self._late(w)
        body = w.body + (f"\n\nOverdue: due on {w.due_date} ({late} days ago)." if late else "")
        new = NewTicket(
            w.fingerprint,
            w.title,
            with_marker(body, w.fingerprint),
            w.priority,
            (MANAGED_LABEL, w.kind, *w.labels),
            w.assignee,
            w.due_date,
        )
        action = Action("open", self.tracker.name, w.fingerprint, w.title, detail=w.body)
        ticket = self.act(action, lambda: self.tracker.create(new))
        if ticket is None:  # dry run
            ticket = Ticket(f"dry-run:{w.fingerprint}", w.title, "open", priority=w.priority)
        self.store.put({**_row(w, ticket, self.week, self.as_of), "overdue_noted": late > 0})

    def _late(self, w: Wanted) -> int:
        """Days an action item is past its due date (0 when not due yet or not an item)."""
        if w.kind != "action-item" or w.due_date is None:
            return 0
        return max((self.as_of.date() - w.due_date).days, 0)

    def keep(self, w: Wanted, ticket: Ticket, row: dict | None) -> None:
        if row is None or row["tracker_id"] != ticket.tracker_id or row["state"] != "open":
            # open in the tracker but not (or not so) in the warehouse: adopt, do not duplicate
            self.act(Action("adopt", self.tracker.name, w.fingerprint, w.title, ticket.tracker_id))
            row = _row(w, ticket, self.week, self.as_of)
            self.store.put(row)
        elif row["closed_by"] == "cleared":  # it came back before anyone closed it
            row = {**row, "closed_by": None}
            self.store.put(row)
        seen = {
            "remote_status": ticket.status,
            "assignee": ticket.assignee,
            "due_date": ticket.due_date,
        }
        if any(row[k] != v for k, v in seen.items() if v is not None):
            # read back from the tracker: what people changed there (action items)
            row = {**row, **{k: v for k, v in seen.items() if v is not None}}
            self.store.put(row)
        tid = ticket.tracker_id
        if row["last_comment_week"] is None or row["last_comment_week"] < self.week:
            text = f"Still the case as of the week of {self.week}: {w.body}"
            self.act(
                Action("comment", self.tracker.name, w.fingerprint, w.title, tid, detail=text),
                lambda: self.tracker.comment(tid, text),
            )
            row = {**row, "last_comment_week": self.week}
            self.store.put(row)
        else:
            self.report.actions.append(
                Action("keep", self.tracker.name, w.fingerprint, w.title, tid)
            )
        if self._late(w):
            self.overdue(w, row, tid)

    def overdue(self, w: Wanted, row: dict, tid: str) -> None:
        late = self._late(w)
        if not row["overdue_noted"]:
            text = f"Overdue: this action item was due on {w.due_date} ({late} days ago)."
            self.act(
                Action("comment", self.tracker.name, w.fingerprint, w.title, tid, detail=text),
                lambda: self.tracker.comment(tid, text),
            )
            row = {**row, "overdue_noted": True}
            self.store.put(row)
        target = bump(w.priority)
        if late > self.settings.overdue_grace_days and row["priority"] != target:
            self.act(
                Action(
                    "priority",
                    self.tracker.name,
                    w.fingerprint,
                    w.title,
                    tid,
                    detail=f"{row['priority']} -> {target} ({late} days overdue)",
                ),
                lambda: self.tracker.set_priority(tid, target),
            )
            self.store.put({**row, "priority": target})

    def closed_by_person(self, w: Wanted, row: dict) -> None:
        try:
            ticket = self.tracker.get(row["tracker_id"])
        except TrackerError as exc:
            if exc.status != 404:
                raise
            ticket = Ticket(row["tracker_id"], row["title"], "closed", status="deleted")
        self.report.actions.append(
            Action(
                "closed-in-tracker",
                self.tracker.name,
                w.fingerprint,
                w.title,
                row["tracker_id"],
                row["url"],
                f"status {ticket.status or 'closed'}",
            )
        )
        self.store.put(
            {
                **row,
                "state": "closed",
                "closed_by": "tracker",
                "closed_at": ticket.closed_at or self.as_of,
                "remote_status": ticket.status,
                "assignee": ticket.assignee or row["assignee"],
                "due_date": ticket.due_date or row["due_date"],
            }
        )

    def clear(self, fingerprint: str, ticket: Ticket) -> None:
        row = self.store.latest(fingerprint)
        if row is None or row["tracker_id"] != ticket.tracker_id:
            # open in the tracker, unknown here: record it as found, then clear it
            kind, _, subject = fingerprint.partition(":")
            found = Wanted(fingerprint, kind, subject, ticket.title, "", ticket.priority or "")
            row = {**_row(found, ticket, self.week, self.as_of), "last_comment_week": None}
            row["priority"] = ticket.priority
        text = f"Cleared as of the week of {self.week}: the condition no longer holds."
        tid = ticket.tracker_id
        if self.settings.close_on_clear:
            self.act(
                Action(
                    "close", self.tracker.name, fingerprint, ticket.title, tid, ticket.url, text
                ),
                lambda: self.tracker.close(tid, text),
            )
            self.store.put(
                {**row, "state": "closed", "closed_by": "pipeline", "closed_at": self.as_of}
            )
        elif row["closed_by"] != "cleared":
            self.act(
                Action(
                    "comment", self.tracker.name, fingerprint, ticket.title, tid, ticket.url, text
                ),
                lambda: self.tracker.comment(tid, text),
            )
            self.store.put({**row, "closed_by": "cleared", "last_comment_week": self.week})

    def summarise(self, overflow: list[Wanted], existing: Ticket | None) -> None:
        for w in overflow:
            self.report.actions.append(Action("capped", self.tracker.name, w.fingerprint, w.title))
        lines = "\n".join(f"- {w.title} ({w.fingerprint})" for w in overflow)
        body = (
            f"The pipeline opens at most {self.settings.max_new} tickets per run; these "
            f"{len(overflow)} conditions hold as well and get their tickets in the next runs:"
            f"\n\n{lines}"
        )
        w = Wanted(
            f"{OVERFLOW}:{self.tracker.name}",
            OVERFLOW,
            self.tracker.name,
            f"{len(overflow)} more reliability problems waiting for tickets",
            body,
            "normal",
        )
        if existing is None:
            self.open(w)
        else:
            self.keep(w, existing, self.store.latest(w.fingerprint))


def sync(
    engine,
    trackers: dict[str, Tracker],
    route: Callable[[Wanted], str],
    wanted: Iterable[Wanted],
    kinds: set[str],
    as_of: datetime,
    settings: SyncSettings | None = None,
    halted: str | None = None,
    week: date | None = None,
) -> SyncReport:
    """Bring every tracker in line with ``wanted`` (see the module docstring). ``route``
    names the tracker of each wanted ticket; ``kinds`` are the kinds (``burn-page``, with
    ``overflow`` for the summary ticket) or single fingerprints (``run-failure:status_job``)
    this run evaluated: only those tickets are closed when absent; ``as_of`` is the instant the
    conditions describe and ``week`` (default: ``as_of``'s ISO week) the week it counts in,
    for the one-comment-a-week rule. A tracker that fails is reported
    in ``errors`` and the others still run."""
    settings = settings or SyncSettings()
    report = SyncReport(dry_run=settings.dry_run, halted=halted)
    if halted:
        return report
    by_tracker: dict[str, list[Wanted]] = {name: [] for name in trackers}
    for w in wanted:
        name = route(w)
        if name not in trackers:
            report.errors[name] = f"no tracker named '{name}' is configured (for {w.fingerprint})"
            continue
        by_tracker[name].append(w)
    for name, mine in by_tracker.items():
        tracker = trackers[name]
        try:
            # two runs at once: the second waits, then finds the first's tickets open
            with outbound_lock(engine, f"{AUDIT_KIND}:{name}"):
                _Run(engine, tracker, settings, as_of, week or iso_week(as_of.date()), report).run(
                    mine, kinds
                )
        except TrackerError as exc:
            report.errors[name] = str(exc)
    return report


def open_tickets(engine) -> pd.DataFrame:
    """The tickets the warehouse records as open, oldest first."""
    t = tables.tickets
    query = sa.select(t).where(t.c.state == "open").order_by(t.c.opened_at, t.c.tracker_id)
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(query).mappings().all(), columns=[c.name for c in t.c])
