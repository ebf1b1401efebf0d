"""Read incidents and their action items from postmortem Markdown files (docs/incidents.md):
with YAML front matter, or in the incident-report and post-mortem templates (:mod:`.template`).

A postmortem is Markdown with YAML front matter (the incident: id, severity, services, times)
and an "Action items" table. Format problems (unknown keys, unparseable times or dates, an
unknown severity or status, duplicate ids) are errors with file, line and field, all reported
at once. Completeness and consistency (an item without owner or due date, times out of order,
a service the catalog does not know) are left to the data-quality checks, which block
publishing and show the offending rows: a postmortem still being written is worth loading
(``validate --postmortems`` warns about the first two, see :mod:`.completeness`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator, Field, field_validator

from sre_pipeline.incidents import template
from sre_pipeline.incidents.markdown import Body, Table, front_matter, read_body
from sre_pipeline.incidents.model import (
    ACTION_ITEM_STATUSES,
    CAUSES,
    POSTMORTEM_STATUSES,
    PRIORITIES,
    SEVERITIES,
    ActionItem,
    Incident,
    normalise_cause,
    normalise_priority,
    normalise_severity,
    normalise_status,
)
from sre_pipeline.inputs.instants import YEARS
from sre_pipeline.inputs.problems import Problem, SpecError, did_you_mean
from sre_pipeline.inputs.validation import DocContext, InputModel, invalid
from sre_pipeline.inputs.yamldocs import parse_documents

TIME_KEYS = ("started", "detected", "acknowledged", "resolved", "published")
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.#-]*$"
POSTMORTEM_SUFFIXES = (".md", ".markdown", ".csv")  # CSV: exports (csv_import)
_MISSING = {"", "-", "—", "tbd", "tba", "n/a", "none", "?", "unassigned"}

# header text (lower case) -> field; several spellings seen in postmortem templates
COLUMNS = {
    "id": "item_id",
    "action": "title",
    "action item": "title",
    "item": "title",
    "title": "title",
    "owner": "owner",
    "assignee": "owner",
    "team": "team",
    "severity": "severity",
    "priority": "priority",
    "due": "due_date",
    "due date": "due_date",
    "status": "status",
    "completed": "completed_at",
    "done on": "completed_at",
    "ticket": "tracker_ref",
    "bug": "tracker_ref",
    "tracker": "tracker_ref",
}
# columns of common templates that carry nothing the pipeline stores (not worth a warning)
IGNORED_COLUMNS = {"type", "notes", "comment", "comments", "#"}


_TIME_EXPECTED = "an ISO 8601 date and time such as 2026-11-20T10:05:00Z"


def _time(value: object) -> datetime:
    """A date and time, nothing else: YAML reads ``10:06`` as the number 606 and ``2026-11-20``
    as a date, and pydantic would take numbers as Unix times; all three are mistakes here."""
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise invalid(f"'{value}' is a date without a time", _TIME_EXPECTED)
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise invalid(f"'{value}' is not a date and time", _TIME_EXPECTED) from None
    if isinstance(value, datetime):
        if not YEARS[0] <= value.year <= YEARS[1]:
            raise invalid(f"year {value.year} is out of range", f"a year in {YEARS[0]}..{YEARS[1]}")
        return value
    if isinstance(value, date):
        raise invalid(f"'{value}' is a date without a time", _TIME_EXPECTED)
    raise invalid(f"{value!r} is not a date and time", _TIME_EXPECTED)


Time = Annotated[datetime, BeforeValidator(_time)]


class PostmortemIn(InputModel):
    id: str = Field(pattern=ID_PATTERN)
    title: str = Field(min_length=1)
    severity: str
    services: list[str] = Field(min_length=1)
    started: Time
    detected: Time | None = None
    acknowledged: Time | None = None
    resolved: Time | None = None
    published: Time | None = None  # when the postmortem was published; absent = draft
    tracker: str | None = None  # the incident's ticket or document
    authors: list[str] = []
    cause: str = "unknown"  # deployment, configuration, infrastructure, dependency, ...
    status: str | None = None  # the postmortem's: draft, review, final

    @field_validator("cause", mode="before")
    @classmethod
    def _cause(cls, v: object) -> str:
        cause = normalise_cause(v)
        if cause is None:
            raise invalid(f"unknown cause '{v}'", "one of " + ", ".join(CAUSES))
        return cause

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, v: object) -> str | None:
        if v is None:
            return None
        word = str(v).strip().lower()
        if word not in POSTMORTEM_STATUSES:
            raise invalid(f"unknown status '{v}'", "one of " + ", ".join(POSTMORTEM_STATUSES))
        return word

    @field_validator("severity", mode="before")
    @classmethod
    def _severity(cls, v: object) -> str:
        sev = normalise_severity(v)
        if sev is None:
            raise invalid(f"unknown severity '{v}'", "one of " + ", ".join(SEVERITIES))
        return sev


@dataclass
class PostmortemSet:
    """The incidents read, the files they came from, and warnings that did not stop reading."""

    incidents: list[Incident]
    files: list[Path]
    warnings: list[Problem] = field(default_factory=list)


def postmortem_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[Problem]]:
    """Markdown files under ``paths`` (files or directories, recursively), sorted; a README is
    not a postmortem."""
    files: list[Path] = []
    problems: list[Problem] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            files += sorted(
                f
                for f in p.rglob("*")
                if f.suffix in POSTMORTEM_SUFFIXES and f.is_file() and f.stem.lower() != "readme"
            )
        elif p.is_file():
            files.append(p)
        else:
            problems.append(
                Problem(
                    str(p),
                    None,
                    "(file)",
                    "no such file or directory",
                    "a postmortem file or a directory of them",
                )
            )
    return files, problems


def _aware(value: datetime | None, zone: ZoneInfo) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(ZoneInfo("UTC"))


def _exists(naive: datetime, zone: ZoneInfo) -> bool:
    """False for a wall-clock time the zone skips (the spring-forward gap)."""
    aware = naive.replace(tzinfo=zone)
    back = aware.astimezone(ZoneInfo("UTC")).astimezone(zone)
    return back.replace(tzinfo=None) == naive


def _no_document(problem: Problem) -> Problem:
    # a postmortem has one YAML document; "(document 1)" would only be noise
    return dataclasses.replace(problem, document=None)


def _missing(cell: str) -> bool:
    return cell.strip().lower() in _MISSING


def _cell_date(cell: str) -> date | None:
    text = cell.strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError
    return date.fromisoformat(text)


class _Reader:
    """Problems and results of one file."""

    def __init__(self, path: Path, zone: ZoneInfo):
        self.path, self.zone = path, zone
        self.problems: list[Problem] = []
        self.id_line: int | None = None

    def problem(self, line, where, message, expected=None, warning=False) -> None:
        severity = "warning" if warning else "error"
        self.problems.append(
            Problem(str(self.path), None, where, message, expected, line, severity)
        )

    def read(self) -> Incident | None:
        try:
            text = self.path.read_text(encoding="utf-8-sig")  # an editor's BOM is not content
        except (OSError, UnicodeDecodeError) as exc:
            self.problem(None, "(file)", f"cannot read file: {exc}", "a UTF-8 Markdown file")
            return None
        fm = front_matter(text)
        if fm is None:
            body = read_body(text)
            if template.looks_like_template(body):
                return self._from_template(body)
            expected = (
                "the file to start with '---', the incident's fields, then '---'; or the "
                "incident-report template's '**Severity:** SEV2' and '**Started:** ...' lines"
            )
            self.problem(1, "(front matter)", "no YAML front matter", expected)
            return None
        docs, problems = parse_documents(fm.text, str(self.path), fm.first_line)
        self.problems += [_no_document(p) for p in problems]
        if not docs or not isinstance(docs[0].data, dict):
            if not problems:
                self.problem(
                    fm.first_line,
                    "(front matter)",
                    "front matter is not a mapping",
                    "keys such as id, title, severity, services, started",
                )
            return None
        ctx = DocContext(docs[0])
        self.id_line = docs[0].line_of(("id",))
        meta = ctx.validate(PostmortemIn, docs[0].data)
        self.problems += [_no_document(p) for p in ctx.problems]
        if meta is None:
            return None
        times = self.times_of(meta, lambda key: docs[0].line_of((key,)))
        body = read_body(text, fm.end_line + 1)
        items = self._items(body, fm.end_line + 1, meta.id, meta.severity, times)
        return self.incident_of(meta, times, self.path.name, items)

    def times_of(self, meta: PostmortemIn, line_of) -> dict[str, datetime | None]:
        """The incident's times in UTC (``line_of(key)``: where each was written)."""
        return {key: self._utc(getattr(meta, key), line_of(key), key) for key in TIME_KEYS}

    def incident_of(self, meta: PostmortemIn, times, ref: str, items=()) -> Incident:
        """The incident that validated front matter (or a CSV row) describes."""
        return Incident(
            incident_id=meta.id,
            title=meta.title,
            severity=meta.severity,
            services=tuple(meta.services),
            started_at=times["started"],
            detected_at=times["detected"],
            acknowledged_at=times["acknowledged"],
            resolved_at=times["resolved"],
            postmortem_published_at=times["published"],
            postmortem_ref=meta.tracker or ref,
            action_items=tuple(items),
            source=str(self.path),
            cause=meta.cause,
            postmortem_status=meta.status,
        )

    def _utc(self, value: datetime | None, line: int | None, key: str) -> datetime | None:
        """``value`` in UTC; a time without an offset is in the configured zone, and one the
        zone skips (spring forward) is an error."""
        if value is not None and value.tzinfo is None and not _exists(value, self.zone):
            self.problem(
                line,
                key,
                f"{value:%Y-%m-%d %H:%M} does not exist in {self.zone.key} (the clocks skip it)",
                "a time with an offset, e.g. +01:00",
            )
        return _aware(value, self.zone)

    def _from_template(self, body: Body) -> Incident | None:
        """An incident from the incident-report / post-mortem template (:mod:`.template`)."""
        fields = template.read_fields(body)
        for issue in fields.issues:
            self.problem(issue.line, issue.where, issue.message, issue.expected, issue.warning)
        v, at = fields.values, fields.lines
        ok = True
        for key, expected in (
            ("severity", "a '**Severity:** SEV1' line (SEV1, SEV2 or SEV3)"),
            ("services", "a '**Services Affected:** checkout, payments' line"),
            ("started", "a '**Started:** 2026-11-20 19:00 UTC' line or a timeline"),
        ):
            if key not in v:
                self.problem(body.title_line or 1, key, f"no {key}", expected)
                ok = False
        incident_id = str(v.get("id") or self.path.stem)
        self.id_line = at.get("id")
        if not re.match(ID_PATTERN, incident_id):
            self.problem(
                at.get("id", 1),
                "id",
                f"'{incident_id}' is not an incident id",
                "letters, digits and _ . # - (an '**Incident ID:**' line, else the file name)",
            )
            ok = False
        if not ok:
            return None
        times = {key: self._utc(v.get(key), at.get(key), key) for key in TIME_KEYS}
        if times["resolved"] is None and "duration" in v:
            times["resolved"] = times["started"] + v["duration"]
        elif times["resolved"] is not None and "duration" in v:
            length = times["resolved"] - times["started"]
            if abs(length - v["duration"]) > timedelta(minutes=1):
                self.problem(
                    at["duration"],
                    "**Duration**",
                    f"{_minutes(v['duration'])} does not match Started to Resolved "
                    f"({_minutes(length)}); the times are used",
                    "a duration equal to Resolved - Started",
                    warning=True,
                )
        if fields.state == "resolved" and times["resolved"] is None:
            self.problem(
                at.get("status"),
                "**Status**",
                "resolved, but no resolution time",
                "a '**Resolved:** 2026-11-20 19:52 UTC' line",
                warning=True,
            )
        status = v.get("postmortem_status")
        if times["published"] is None and status == "final" and "date" in v:
            # a final post-mortem was published by the end of its date (the next midnight)
            on = v["date"] + timedelta(days=1)
            times["published"] = _aware(datetime(on.year, on.month, on.day), self.zone)
        items = self._items(body, 1, incident_id, v["severity"], times)
        return Incident(
            incident_id=incident_id,
            title=str(v.get("title") or _title(body.title) or self.path.stem),
            severity=v["severity"],
            services=tuple(v["services"]),
            started_at=times["started"],
            detected_at=times["detected"],
            acknowledged_at=times["acknowledged"],
            resolved_at=times["resolved"],
            postmortem_published_at=times["published"],
            postmortem_ref=str(v.get("tracker") or self.path.name),
            action_items=tuple(items),
            source=str(self.path),
            cause=str(v.get("cause", "unknown")),
            postmortem_status=status,
        )

    def _columns(self, table: Table) -> dict[str, int]:
        columns: dict[str, int] = {}
        for i, name in enumerate(table.header):
            key = " ".join(name.lower().strip("* _").split())
            target = COLUMNS.get(key)
            if target is None:
                if key not in IGNORED_COLUMNS:
                    hint = did_you_mean(key, list(COLUMNS))
                    self.problem(
                        table.header_line,
                        f"action items column '{name}'",
                        f"unknown column, ignored{hint}",
                        "columns among: " + ", ".join(sorted(set(COLUMNS))),
                        warning=True,
                    )
            elif target in columns:
                self.problem(
                    table.header_line,
                    f"action items column '{name}'",
                    f"a second column for {target}",
                    "each column once",
                )
            else:
                columns[target] = i
        if "title" not in columns:
            self.problem(
                table.header_line,
                "action items table",
                "no 'Action' column",
                "a column named Action (or Action item, Item, Title)",
            )
        return columns

    def _items(self, body: Body, body_line: int, incident_id, severity, times) -> list[ActionItem]:
        if not body.tables and not body.checks:
            if body.section is not None:
                self.problem(
                    body.section,
                    "action items",
                    "the section has no table or checklist",
                    "a Markdown table or '- [ ] ...' items under the heading",
                    warning=True,
                )
            elif times["published"] is not None:
                self.problem(
                    body_line,
                    "action items",
                    "a published postmortem without an 'Action items' section",
                    "a heading such as '## Action items' "
                    "with a table or checklist under it (or none, if there is nothing to do)",
                    warning=True,
                )
            return []
        created = times["published"] or times["resolved"] or times["started"]
        rows: list[tuple[int, dict[str, str], bool | None]] = []
        for table in body.tables:
            columns = self._columns(table)
            for line, cells in table.rows:
                rows.append((line, self._row(line, len(rows) + 1, table, columns, cells), None))
        for check in body.checks:
            checked, issues = template.read_check(check)
            for issue in issues:
                self.problem(issue.line, issue.where, issue.message, issue.expected, issue.warning)
            rows.append((check.line, {**checked.cells, "title": checked.title}, checked.done))
        items: list[ActionItem] = []
        seen: dict[str, int] = {}
        # rows are numbered across the section's tables and lists: default ids stay unique
        for n, (line, cells, done) in enumerate(rows, start=1):
            if cells is None:
                continue
            item = self._item(n, line, cells, done, incident_id, severity, created)
            if item is None:
                continue
            if item.item_id in seen:
                self.problem(
                    line,
                    f"action items row {n}: ID",
                    f"action item '{item.item_id}' already on line {seen[item.item_id]}",
                    "unique ids",
                )
                continue
            seen[item.item_id] = line
            items.append(item)
        return items

    def _row(self, line, n, table: Table, columns, cells) -> dict[str, str] | None:
        """A table row as field -> cell text (None when the table has no Action column)."""
        if "title" not in columns:
            return None
        if len(cells) > len(table.header):
            self.problem(
                line,
                f"action items row {n}",
                f"{len(cells)} cells under {len(table.header)} columns; the extra ones are ignored",
                "a '\\|' for a pipe inside a cell",
                warning=True,
            )
        return {name: cells[i] for name, i in columns.items() if i < len(cells)}

    def _item(
        self, n, line, cells, done, incident_id, severity, created, default_id=None
    ) -> ActionItem | None:
        def cell(name: str) -> str:
            return cells.get(name, "")

        where = f"action items row {n}"
        if not cell("title").strip():
            self.problem(line, f"{where}: Action", "empty action", "what is to be done")
            return None
        ok = True
        priority = None
        if not _missing(cell("priority")):
            priority = normalise_priority(cell("priority"))
            if priority is None and normalise_severity(cell("priority")):
                cells = {**cells, "severity": cell("priority")}  # "Priority: SEV1" (older form)
            elif priority is None:
                self.problem(
                    line,
                    f"{where}: Priority",
                    f"unknown priority '{cell('priority')}'",
                    "one of " + ", ".join(PRIORITIES) + " (or a severity, SEV1..SEV3)",
                )
                ok = False
        if not _missing(cell("severity")):
            severity = normalise_severity(cell("severity"))
            if severity is None:
                self.problem(
                    line,
                    f"{where}: Severity",
                    f"unknown severity '{cell('severity')}'",
                    "one of " + ", ".join(SEVERITIES),
                )
                ok = False
        status = normalise_status(cell("status"))
        if done is not None and not cell("status").strip():
            status = "done" if done else "open"  # the checkbox
        if status is None:
            self.problem(
                line,
                f"{where}: Status",
                f"unknown status '{cell('status')}'",
                "one of " + ", ".join(ACTION_ITEM_STATUSES),
            )
            ok = False
        dates: dict[str, date | None] = {}
        for name, label in (("due_date", "Due"), ("completed_at", "Completed")):
            dates[name] = None
            if not _missing(cell(name)):
                try:
                    dates[name] = _cell_date(cell(name))
                except ValueError:
                    self.problem(
                        line,
                        f"{where}: {label}",
                        f"'{cell(name)}' is not a date",
                        "a real day as YYYY-MM-DD",
                    )
                    ok = False
        if not ok:
            return None
        finished = dates["completed_at"]
        return ActionItem(
            item_id=cell("item_id").strip() or default_id or f"{incident_id}-{n}",
            incident_id=incident_id,
            title=cell("title").strip(),
            owner=None if _missing(cell("owner")) else cell("owner").strip(),
            team=None if _missing(cell("team")) else cell("team").strip(),
            severity=severity,
            status=status,
            created_at=created,
            due_date=dates["due_date"],
            completed_at=_aware(datetime(finished.year, finished.month, finished.day), self.zone)
            if finished
            else None,
            tracker_ref=None if _missing(cell("tracker_ref")) else cell("tracker_ref").strip(),
            line=line,
            priority=priority,
            source=str(self.path),
        )


def _minutes(length: timedelta) -> str:
    return f"{round(length.total_seconds() / 60):g} min"


def _title(heading: str | None) -> str | None:
    """The first heading without a template prefix ("Post-Mortem: ...", "Incident Report: ...")."""
    if not heading:
        return None
    text = re.sub(r"^(post-?mortem|incident report|incident)\s*[:\-–—]\s*", "", heading, flags=re.I)
    return text.strip() or None


def load_postmortems(paths: Iterable[str | Path], time_zone: str = "UTC") -> PostmortemSet:
    """Read every postmortem under ``paths``, and the incidents and action items of CSV
    exports among them (:mod:`.csv_import`). Times without an offset are in ``time_zone``.
    Raises :class:`SpecError` with every problem of every file when there are errors."""
    from sre_pipeline.incidents import csv_import  # it builds on this module's reader

    files, problems = postmortem_files(paths)
    zone = ZoneInfo(time_zone)
    incidents: list[Incident] = []
    seen: dict[str, str] = {}
    items_seen: dict[str, str] = {}
    item_files = []

    def add(incident: Incident, path: Path, line: int | None) -> None:
        if incident.incident_id in seen:
            where = seen[incident.incident_id]
            message = f"incident '{incident.incident_id}' also in {where}"
            problems.append(Problem(str(path), None, "id", message, "each incident once", line))
            return
        seen[incident.incident_id] = str(path)
        incidents.append(incident)

    for path in files:
        reader = _Reader(path, zone)
        if path.suffix == ".csv":
            header, rows, trouble = csv_import.read_rows(path)
            problems += trouble
            kind = csv_import.kind_of(header) if not trouble else "unreadable"
            if kind == "incidents":
                for incident in csv_import.read_incidents(path, header, rows, reader):
                    add(incident, path, None)
            elif kind == "action_items":
                item_files.append((path, header, rows))
            elif kind is None:
                reader.problem(
                    1,
                    "(header)",
                    "neither an incidents nor an action-items CSV",
                    "an incidents CSV (columns id, title, severity, services, started, ...) or "
                    "an action-items CSV (columns incident, action, owner, due, ...)",
                )
            problems += reader.problems
            continue
        incident = reader.read()
        problems += reader.problems
        if incident is not None:
            add(incident, path, reader.id_line)
    by_id = {i.incident_id: i for i in incidents}
    for path, header, rows in item_files:  # after every incident is known
        reader = _Reader(path, zone)
        for item in csv_import.read_items(path, header, rows, reader, by_id):
            incident = by_id[item.incident_id]
            by_id[item.incident_id] = dataclasses.replace(
                incident, action_items=(*incident.action_items, item)
            )
        problems += reader.problems
    incidents = [by_id[i.incident_id] for i in incidents]
    for incident in incidents:
        for item in incident.action_items:
            where = f"{item.source or incident.source}:{item.line}"
            if item.item_id in items_seen:
                problems.append(
                    Problem(
                        item.source or incident.source,
                        None,
                        "action items: ID",
                        f"action item '{item.item_id}' also in {items_seen[item.item_id]}",
                        "unique ids across postmortems",
                        item.line,
                    )
                )
            items_seen[item.item_id] = where
    if any(p.severity == "error" for p in problems):
        raise SpecError(problems)  # warnings too: "extra cells" explains the errors after it
    return PostmortemSet(incidents, files, [p for p in problems if p.severity != "error"])
