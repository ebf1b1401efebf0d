"""Postmortems written from the common incident-report templates, without front matter
(docs/incidents.md): ``**Field:** value`` lines, a timeline of ``**19:22 UTC** - what
happened`` lines, and action items as task lists (``- [x] ...``) or tables.

Two variants are read: the incident report ("Incident Summary": Severity, Status, Started,
Resolved, Duration, Impact; "Impact Assessment": Services Affected) and the post-mortem
(Date, Authors, Status Draft / Review / Final). Detection and acknowledgement times come from
the timeline (:data:`DETECTION_PHRASES`, :data:`ACKNOWLEDGEMENT_PHRASES`) unless a
``**Detected:**`` / ``**Acknowledged:**`` line says otherwise. A line that looks like a field
but cannot be read is a warning with its line, never dropped without a word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sre_pipeline.incidents.markdown import Body, CheckItem, TextLine
from sre_pipeline.incidents.model import (
    CAUSES,
    POSTMORTEM_STATUSES,
    PRIORITIES,
    SEVERITIES,
    normalise_cause,
    normalise_priority,
    normalise_severity,
)
from sre_pipeline.inputs.problems import did_you_mean

# "**Severity:** SEV2", "**Severity**: SEV2", "- **Services Affected:** a, b"
_FIELD = re.compile(r"^\s*\*\*(?P<key>[^*]+?)\s*(?::\s*\*\*|\*\*\s*:)\s*(?P<value>.*?)\s*$")
# "**19:22 UTC** - Alert fired", "**2026-11-20 19:22** – ...", "19:22 UTC: ..."
_ENTRY = re.compile(
    r"^\s*(?:\*\*)?(?P<when>(?:\d{4}-\d{2}-\d{2}[ T])?\d{1,2}:\d{2}(?::\d{2})?"
    r"(?:\s*(?:UTC|GMT|Z|[+-]\d{2}:?\d{2}|[A-Za-z]+/[A-Za-z_]+))?)(?:\*\*)?"
    r"\s*(?:[-–—:|]\s*)?(?P<what>.+)$"
)
_WHEN = re.compile(
    r"^(?:(?P<date>\d{4}-\d{2}-\d{2})[ T])?(?P<clock>\d{1,2}:\d{2}(?::\d{2})?)"
    r"\s*(?P<zone>UTC|GMT|Z|[+-]\d{2}:?\d{2}|[A-Za-z]+/[A-Za-z_]+)?$"
)
_DURATION = re.compile(
    r"^(?:(?P<h>\d+)\s*(?:h|hours?|hrs?))?\s*,?\s*(?:and\s+)?(?:(?P<m>\d+)\s*(?:m|min|mins|minutes?))?$",
    re.I,
)

# timeline phrases (lower case, matched as words in the entry's text)
DETECTION_PHRASES = (
    "alert fired",
    "alert triggered",
    "alerted",
    "page fired",
    "detected",
    "customer report",
    "reported by",
    "first report",
)
ACKNOWLEDGEMENT_PHRASES = (
    "acknowledged",
    "ack'd",
    "acked",
    "responder joined",
    "on-call engaged",
    "engineer engaged",
    "incident declared",
)
RESOLUTION_PHRASES = ("incident resolved", "resolved", "service restored", "fully recovered")

# field name (lower case, spaces collapsed) -> what it fills
FIELDS = {
    "id": "id",
    "incident id": "id",
    "incident": "id",
    "title": "title",
    "severity": "severity",
    "sev": "severity",
    "status": "status",
    "started": "started",
    "start": "started",
    "start time": "started",
    "began": "started",
    "detected": "detected",
    "acknowledged": "acknowledged",
    "resolved": "resolved",
    "end": "resolved",
    "end time": "resolved",
    "duration": "duration",
    "services affected": "services",
    "affected services": "services",
    "services": "services",
    "service": "services",
    "cause": "cause",
    "cause category": "cause",
    "root cause category": "cause",
    "date": "date",
    "authors": "authors",
    "author": "authors",
    "published": "published",
    "tracker": "tracker",
    "ticket": "tracker",
}
# fields of the templates that carry nothing the pipeline stores (read silently)
FREE_TEXT_FIELDS = {
    "impact",
    "summary",
    "incident commander",
    "commander",
    "trigger",
    "resolution",
    "detection",
    "root cause",
    "customer impact",
    "users affected",
    "revenue impact",
    "reviewers",
    "participants",
    "lessons learned",
    "owner",
    "team",
    "severity rationale",
}
_INCIDENT_STATES = {
    "resolved": "resolved",
    "closed": "resolved",
    "mitigated": "mitigated",
    "monitoring": "mitigated",
    "investigating": "open",
    "identified": "open",
    "ongoing": "open",
    "open": "open",
    "active": "open",
}
_ITEM_KEYS = {
    "owner": "owner",
    "assignee": "owner",
    "due": "due_date",
    "due date": "due_date",
    "priority": "priority",
    "severity": "severity",
    "team": "team",
    "ticket": "tracker_ref",
    "tracker": "tracker_ref",
    "status": "status",
    "completed": "completed_at",
    "done on": "completed_at",
}
# " - Owner: alice", " | Due: ...": a separator, then a short "Key:" (any key: an unknown one
# is a warning, not glued onto the field before it)
_ITEM_SPLIT = re.compile(r"\s+[-–—|,;]\s*(?=[A-Za-z][A-Za-z ]{0,20}:)")
_ITEM_FIELD = re.compile(r"^(?P<key>[A-Za-z ]+?)\s*:\s*(?P<value>.*)$")
_PRIORITY_TAG = re.compile(r"^\[?(P[0-3])\]?[:\s]\s*", re.I)
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


@dataclass
class Issue:
    """A problem found in the template text: line, field, message, what was expected."""

    line: int | None
    where: str
    message: str
    expected: str | None = None
    warning: bool = False


@dataclass
class TemplateFields:
    """What a template-form postmortem says, parsed; times are naive when written without a
    zone (the reader applies the configured zone), aware otherwise."""

    values: dict[str, object] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)  # field -> the line it was read from
    issues: list[Issue] = field(default_factory=list)
    state: str | None = None  # the incident's status: open, mitigated, resolved


def looks_like_template(body: Body) -> bool:
    """True when the body has ``**Field:** value`` lines a template-form postmortem needs."""
    keys = {_key(m.group("key")) for ln in body.lines if (m := _FIELD.match(ln.text))}
    known = {FIELDS.get(k) for k in keys} - {None}
    return len(known & {"severity", "started", "services", "resolved", "status", "date"}) >= 2


def _key(raw: str) -> str:
    return " ".join(raw.lower().strip(" .").split())


def parse_time(text: str, day: date | None = None) -> datetime | None:
    """``2026-11-20 19:00 UTC``, ``2026-11-20T19:00:00Z``, ``2026-11-20 20:00 +01:00``,
    ``19:22 UTC`` (on ``day``), ``2026-11-20 19:00 Europe/Berlin``; naive without a zone.
    ``None`` when the text is none of these."""
    text = text.strip()
    if re.search(r"\d[Tt]\d", text):
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
    m = _WHEN.match(text)
    if m is None or (m.group("date") is None and day is None):
        return None
    try:
        on = date.fromisoformat(m.group("date")) if m.group("date") else day
        clock = time.fromisoformat(
            m.group("clock").zfill(5 if m.group("clock").count(":") == 1 else 8)
        )
    except ValueError:
        return None
    when = datetime.combine(on, clock)
    zone = m.group("zone")
    if zone is None:
        return when
    if zone.upper() in ("UTC", "GMT", "Z"):
        return when.replace(tzinfo=ZoneInfo("UTC"))
    if zone[0] in "+-":
        offset = zone.replace(":", "")
        delta = timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5]))
        return when.replace(tzinfo=timezone(delta if zone[0] == "+" else -delta))
    try:
        return when.replace(tzinfo=ZoneInfo(zone))
    except (ZoneInfoNotFoundError, ValueError):
        return None


def parse_duration_text(text: str) -> timedelta | None:
    """``0 hours 52 minutes``, ``52m``, ``1h 5m``, ``2 hours`` -> a timedelta; None otherwise."""
    m = _DURATION.match(text.strip())
    if m is None or (m.group("h") is None and m.group("m") is None):
        return None
    return timedelta(hours=int(m.group("h") or 0), minutes=int(m.group("m") or 0))


def _head(value: str) -> str:
    """The value before a comment: "SEV2 (Major)", "Sev 1 - critical", "deployment: a bad flag"."""
    return re.split(r"\s[-–—]\s|[(,:]", value, maxsplit=1)[0].strip()


def _list(value: str) -> list[str]:
    parts = re.split(r"\s*(?:,|;|\band\b|&)\s*", value.replace("`", ""))
    return [p.strip() for p in parts if p.strip()]


def read_fields(body: Body) -> TemplateFields:
    """The ``**Field:** value`` lines and the timeline of a template-form postmortem."""
    out = TemplateFields()
    timeline: list[TextLine] = []
    for ln in body.lines:
        if "timeline" in ln.heading.lower():
            timeline.append(ln)
            continue
        m = _FIELD.match(ln.text)
        if m is None:
            continue
        key, value = _key(m.group("key")), m.group("value")
        target = FIELDS.get(key)
        if target is None:
            if key not in FREE_TEXT_FIELDS:
                hint = did_you_mean(key, list(FIELDS))
                out.issues.append(
                    Issue(
                        ln.line,
                        f"**{m.group('key')}**",
                        f"not a field read here, ignored{hint}",
                        "fields among: " + ", ".join(sorted(set(FIELDS))),
                        warning=True,
                    )
                )
            continue
        if target in out.lines:
            out.issues.append(
                Issue(
                    ln.line,
                    f"**{m.group('key')}**",
                    f"a second {target} (first on line {out.lines[target]}), ignored",
                    "each field once",
                    warning=True,
                )
            )
            continue
        _field(out, target, value, ln.line, m.group("key"))
    _timeline(out, timeline)
    return out


def _field(out: TemplateFields, target: str, value: str, line: int, label: str) -> None:
    where = f"**{label}**"

    def bad(message: str, expected: str) -> None:
        out.issues.append(Issue(line, where, message, expected, warning=True))

    if target in ("started", "detected", "acknowledged", "resolved", "published"):
        when = parse_time(value)
        if when is None:
            return bad(
                f"'{value}' is not a date and time",
                "a date and time such as 2026-11-20 19:00 UTC",
            )
        out.values[target] = when
    elif target == "date":
        try:
            out.values["date"] = date.fromisoformat(value.strip()[:10])
        except ValueError:
            return bad(f"'{value}' is not a date", "a date as YYYY-MM-DD")
    elif target == "severity":
        # "SEV2 (Major)", "Sev 2 - major", "2"
        head = _head(value)
        sev = normalise_severity(head)
        if sev is None:
            return bad(f"unknown severity '{value}'", "one of " + ", ".join(SEVERITIES))
        out.values["severity"] = sev
    elif target == "status":
        word = _key(_head(value))
        if word in POSTMORTEM_STATUSES:
            out.values["postmortem_status"] = word
        elif word in _INCIDENT_STATES:
            out.state = _INCIDENT_STATES[word]
        else:
            return bad(
                f"unknown status '{value}'",
                "Resolved, Mitigated, Investigating (the incident) or Draft, Review, Final "
                "(the postmortem)",
            )
    elif target == "duration":
        length = parse_duration_text(value)
        if length is None:
            return bad(f"'{value}' is not a duration", "e.g. 0 hours 52 minutes, 52m, 1h 5m")
        out.values["duration"] = length
    elif target == "services":
        services = _list(value)
        if not services:
            return bad("no services", "services as the SLO catalog names them, comma-separated")
        out.values["services"] = services
    elif target == "authors":
        out.values["authors"] = _list(value)
    elif target == "cause":
        cause = normalise_cause(_head(value))
        if cause is None:
            return bad(f"unknown cause '{value}'", "one of " + ", ".join(CAUSES))
        out.values["cause"] = cause
    else:  # id, title, tracker
        if not value.strip():
            return bad("empty", f"a {target}")
        out.values[target] = (
            _LINK.sub(r"\2", value).strip() if target == "tracker" else value.strip()
        )
    out.lines[target] = line


def _timeline(out: TemplateFields, entries: list[TextLine]) -> None:
    """Detection, acknowledgement (and resolution, when no field gives it) from the entries."""
    start = out.values.get("started")
    day = start.date() if isinstance(start, datetime) else out.values.get("date")
    previous: datetime | None = None
    found: dict[str, tuple[datetime, int]] = {}
    for ln in entries:
        m = _ENTRY.match(ln.text)
        if m is None:
            if re.match(r"^\s*\*\*[^*]+\*\*\s*[-–—:|]", ln.text):  # "**when** - what"
                out.issues.append(
                    Issue(
                        ln.line,
                        "timeline",
                        f"'{ln.text.strip()}' has a time that cannot be read",
                        "**19:22 UTC** - what happened",
                        warning=True,
                    )
                )
            continue
        when = parse_time(m.group("when"), day)
        if when is None:
            out.issues.append(
                Issue(
                    ln.line,
                    "timeline",
                    f"'{m.group('when')}' cannot be read as a time"
                    + ("" if day else " (no Started or Date field to put it on a day)"),
                    "**19:22 UTC** - what happened, after a **Started:** line",
                    warning=True,
                )
            )
            continue
        if when.tzinfo is None and isinstance(start, datetime) and start.tzinfo is not None:
            when = when.replace(tzinfo=start.tzinfo)  # "19:22" under a "Started: ... UTC"
        comparable = previous is not None and (previous.tzinfo is None) == (when.tzinfo is None)
        if (
            comparable
            and when + timedelta(hours=12) < previous
            and not m.group("when")[:4].isdigit()
        ):
            when += timedelta(days=1)  # past midnight: the next day
        previous = when
        found.setdefault("first", (when, ln.line))
        what = m.group("what").lower().replace("’", "'")
        for kind, phrases in (
            ("acknowledged", ACKNOWLEDGEMENT_PHRASES),
            ("detected", DETECTION_PHRASES),
            ("resolved", RESOLUTION_PHRASES),
        ):
            if kind not in found and any(re.search(rf"\b{re.escape(p)}\b", what) for p in phrases):
                found[kind] = (when, ln.line)
    if "acknowledged" in found and "detected" not in found:
        found["detected"] = found["acknowledged"]  # paged and acknowledged: detected by then
    first = found.pop("first", None)
    if first and "started" not in out.values:  # no Started line: the first entry
        out.values["started"], out.lines["started"] = first
    for kind, (when, line) in found.items():
        if kind not in out.values:  # a field line overrides the timeline
            out.values[kind] = when
            out.lines[kind] = line


@dataclass
class CheckedItem:
    """An action item read from a task-list line, before it becomes an ActionItem."""

    line: int
    title: str
    done: bool
    cells: dict[str, str]  # field -> text as written (owner, due_date, priority, ...)


def read_check(item: CheckItem) -> tuple[CheckedItem, list[Issue]]:
    """``[ ] Canary the client - Owner: alice - Due: 2026-12-04 - Priority: P0`` ->
    the title and its fields; ``[P1] title ...`` and a trailing ``[CART-1](url)`` work too."""
    issues: list[Issue] = []
    parts = _ITEM_SPLIT.split(item.text)
    title, cells = parts[0].strip(), {}
    tag = _PRIORITY_TAG.match(title)
    if tag:
        cells["priority"] = tag.group(1).upper()
        title = title[tag.end() :].strip()
    for part in parts[1:]:
        m = _ITEM_FIELD.match(part.strip())
        key = _ITEM_KEYS.get(_key(m.group("key"))) if m else None
        if key is None:
            issues.append(
                Issue(
                    item.line,
                    "action item",
                    f"'{part.strip()}' cannot be read",
                    "Owner: name, Due: YYYY-MM-DD, Priority: P0..P3",
                    warning=True,
                )
            )
            continue
        cells[key] = m.group("value").strip()
    link = _LINK.search(cells.get("tracker_ref", ""))
    if link:
        cells["tracker_ref"] = link.group(2)
    if "tracker_ref" not in cells:
        tail = _LINK.search(title)
        if tail and title.endswith(tail.group(0)):
            cells["tracker_ref"] = tail.group(2)
            title = title[: tail.start()].rstrip(" -–—(")
    if "priority" in cells and normalise_priority(cells["priority"]) is None:
        issues.append(
            Issue(
                item.line,
                "action item: Priority",
                f"unknown priority '{cells['priority']}'",
                "one of " + ", ".join(PRIORITIES),
            )
        )
    return CheckedItem(item.line, title, item.done, cells), issues
