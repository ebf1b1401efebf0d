"""Incidents and postmortem action items: the records, their allowed values, and the warehouse
frames they become.

Words people write in postmortems ("In progress", "won't fix", "sev2") are mapped to one
canonical value each, so the marts group on a fixed set.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from sre_pipeline.slo.budget.daily import week_start

SEVERITIES = ("SEV1", "SEV2", "SEV3")
ACTION_ITEM_STATUSES = ("open", "in_progress", "done", "wontfix")
PRIORITIES = ("P0", "P1", "P2", "P3")
CAUSES = (
    "deployment",
    "configuration",
    "infrastructure",
    "dependency",
    "capacity",
    "traffic",
    "unknown",
)
POSTMORTEM_STATUSES = ("draft", "review", "final")

# words postmortems use for a cause -> the category (docs/incidents.md)
_CAUSE_WORDS = {
    **{c: c for c in CAUSES},
    "deploy": "deployment",
    "release": "deployment",
    "rollout": "deployment",
    "change": "deployment",
    "code change": "deployment",
    "config": "configuration",
    "config change": "configuration",
    "misconfiguration": "configuration",
    "feature flag": "configuration",
    "infra": "infrastructure",
    "hardware": "infrastructure",
    "network": "infrastructure",
    "cloud": "infrastructure",
    "third party": "dependency",
    "third-party": "dependency",
    "vendor": "dependency",
    "upstream": "dependency",
    "external": "dependency",
    "resource exhaustion": "capacity",
    "saturation": "capacity",
    "load": "traffic",
    "traffic spike": "traffic",
    "ddos": "traffic",
    "unknown": "unknown",
    "undetermined": "unknown",
    "tbd": "unknown",
}

_STATUS_WORDS = {
    "open": "open",
    "todo": "open",
    "to do": "open",
    "new": "open",
    "in progress": "in_progress",
    "in_progress": "in_progress",
    "in-progress": "in_progress",
    "doing": "in_progress",
    "started": "in_progress",
    "done": "done",
    "closed": "done",
    "fixed": "done",
    "completed": "done",
    "resolved": "done",
    "wontfix": "wontfix",
    "won't fix": "wontfix",
    "wont fix": "wontfix",
    "won't do": "wontfix",
    "cancelled": "wontfix",
    "canceled": "wontfix",
    "rejected": "wontfix",
}


def normalise_severity(value: object) -> str | None:
    """``"sev2"``, ``"SEV 2"``, ``2`` -> ``"SEV2"``; ``None`` when it is none of SEV1..SEV3."""
    text = str(value).strip().upper().replace(" ", "").replace("-", "")
    if text in ("1", "2", "3"):
        text = "SEV" + text
    return text if text in SEVERITIES else None


def normalise_priority(value: object) -> str | None:
    """``"P0"``, ``"p1"``, ``"P 2"`` -> ``"P0"`` .. ``"P3"``; ``None`` otherwise."""
    text = str(value).strip().upper().replace(" ", "")
    return text if text in PRIORITIES else None


def normalise_cause(value: object) -> str | None:
    """A cause as written ("Deployment", "config change", "third-party") -> one of
    :data:`CAUSES`; ``None`` when it is none of them."""
    text = " ".join(str(value).replace("_", " ").lower().strip(" .").split())
    return _CAUSE_WORDS.get(text)


def normalise_status(value: str) -> str | None:
    """A status word as written -> one of :data:`ACTION_ITEM_STATUSES` (``None`` if unknown);
    an empty cell is ``open``."""
    text = " ".join(value.replace("’", "'").lower().split())
    return "open" if not text else _STATUS_WORDS.get(text)


@dataclass(frozen=True)
class ActionItem:
    """One follow-up of a postmortem; ``owner``/``due_date`` may be missing (a data-quality
    error the ``action_items`` check reports, not a reason to drop the item)."""

    item_id: str
    incident_id: str
    title: str
    owner: str | None
    team: str | None
    severity: str | None
    status: str
    created_at: datetime | None
    due_date: date | None
    completed_at: datetime | None
    tracker_ref: str | None
    line: int | None = None  # where it was read (postmortem table row), for messages
    priority: str | None = None  # P0 .. P3
    source: str | None = None  # the file it was read from (a CSV export's, or the postmortem)


@dataclass(frozen=True)
class Incident:
    """One incident as its postmortem records it; times are tz-aware UTC."""

    incident_id: str
    title: str
    severity: str
    services: tuple[str, ...]
    started_at: datetime
    detected_at: datetime | None
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    postmortem_published_at: datetime | None
    postmortem_ref: str
    action_items: tuple[ActionItem, ...] = ()
    source: str = ""  # the file it was read from
    cause: str = "unknown"  # one of CAUSES
    postmortem_status: str | None = None  # draft / review / final; None: published or not


INCIDENT_COLUMNS = [
    "incident_id",
    "title",
    "severity",
    "services",
    "started_at",
    "detected_at",
    "acknowledged_at",
    "resolved_at",
    "postmortem_published_at",
    "postmortem_ref",
    "cause",
    "postmortem_status",
    "week_start",
]
ACTION_ITEM_COLUMNS = [
    "item_id",
    "incident_id",
    "title",
    "owner",
    "team",
    "severity",
    "status",
    "created_at",
    "due_date",
    "completed_at",
    "tracker_ref",
    "priority",
    "created_week",
    "completed_week",
]


CLOSED_STATUSES = ("done", "wontfix")


def open_and_overdue(items: pd.DataFrame, day: date) -> tuple[pd.Series, pd.Series]:
    """Masks over an ``action_items`` frame: still open, and open with a due date before
    ``day`` (due on ``day`` is not late yet), as the action-item mart counts them."""
    is_open = ~items["status"].isin(CLOSED_STATUSES)
    due = pd.to_datetime(items["due_date"]).dt.date
    overdue = is_open & due.notna() & (due < day)
    return is_open, overdue


def _times(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    for c in columns:
        frame[c] = pd.to_datetime(frame[c], utc=True)
    return frame


def incidents_frame(incidents: list[Incident], time_zone: str) -> pd.DataFrame:
    """The ``incidents`` table rows; ``week_start`` is the Monday (in ``time_zone``) of the
    week the incident started."""
    rows = [
        {
            **{c: getattr(i, c) for c in INCIDENT_COLUMNS[:-1]},
            "services": list(i.services),
            "postmortem_status": i.postmortem_status
            or ("final" if i.postmortem_published_at else "draft"),
            "week_start": week_start(pd.Timestamp(i.started_at).tz_convert(time_zone).date()),
        }
        for i in incidents
    ]
    frame = pd.DataFrame(rows, columns=INCIDENT_COLUMNS)
    return _times(frame, INCIDENT_COLUMNS[4:9])


def _week_of(ts, time_zone: str) -> date | None:
    if ts is None or pd.isna(ts):
        return None
    return week_start(pd.Timestamp(ts).tz_convert(time_zone).date())


def action_items_frame(incidents: list[Incident], time_zone: str = "UTC") -> pd.DataFrame:
    """The ``action_items`` table rows of every incident; ``created_week`` and
    ``completed_week`` are the Mondays (in ``time_zone``) of the weeks the item was created
    and completed, so the marts count items per week without time-zone arithmetic in SQL."""
    rows = [
        {
            **{c: getattr(a, c) for c in ACTION_ITEM_COLUMNS[:-2]},
            "created_week": _week_of(a.created_at, time_zone),
            "completed_week": _week_of(a.completed_at, time_zone),
        }
        for i in incidents
        for a in i.action_items
    ]
    frame = pd.DataFrame(rows, columns=ACTION_ITEM_COLUMNS)
    for column in ("due_date", "created_week", "completed_week"):
        frame[column] = frame[column].astype(object)
    return _times(frame, ["created_at", "completed_at"])


def _value(v):
    """A stored cell as a Python value: NaN, NaT and None are None; timestamps as datetime."""
    if v is None or (not isinstance(v, list | tuple) and pd.isna(v)):
        return None
    return v.to_pydatetime() if isinstance(v, pd.Timestamp) else v


def incidents_from_tables(incidents: pd.DataFrame, items: pd.DataFrame) -> list[Incident]:
    """The incidents as the warehouse holds them (the ``incidents`` and ``action_items``
    tables read back), with their action items: what the budget and alert steps, and the
    ``incidents`` command, compute from, so they see exactly what the incidents step stored."""
    by_incident: dict[str, list[ActionItem]] = {}
    for row in items.to_dict("records"):
        item = ActionItem(**{c: _value(row.get(c)) for c in ACTION_ITEM_COLUMNS[:-2]})
        by_incident.setdefault(str(item.incident_id), []).append(item)
    out = []
    for row in incidents.to_dict("records"):
        fields = {c: _value(row.get(c)) for c in INCIDENT_COLUMNS[:-1]}
        fields["services"] = tuple(row["services"] or ())
        fields["postmortem_ref"] = fields["postmortem_ref"] or ""
        fields["cause"] = fields["cause"] or "unknown"
        out.append(Incident(**fields, action_items=tuple(by_incident.get(row["incident_id"], ()))))
    return out
