"""Read incidents and their action items from postmortem Markdown files (docs/incidents.md).

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
from datetime import date, datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator, Field, field_validator

from sre_pipeline.incidents.markdown import Table, action_item_tables, front_matter
from sre_pipeline.incidents.model import (
    ACTION_ITEM_STATUSES,
    SEVERITIES,
    ActionItem,
    Incident,
    normalise_severity,
    normalise_status,
)
from sre_pipeline.inputs.instants import YEARS
from sre_pipeline.inputs.problems import Problem, SpecError, did_you_mean
from sre_pipeline.inputs.validation import DocContext, InputModel, invalid
from sre_pipeline.inputs.yamldocs import parse_documents

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.#-]*$"
POSTMORTEM_SUFFIXES = (".md", ".markdown")
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
    "priority": "severity",
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
            expected = "the file to start with '---', the incident's fields, then '---'"
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
        items = self._items(text, fm.end_line + 1, meta)
        times = {}
        for key in ("started", "detected", "acknowledged", "resolved", "published"):
            value = getattr(meta, key)
            if value is not None and value.tzinfo is None and not _exists(value, self.zone):
                self.problem(
                    docs[0].line_of((key,)),
                    key,
                    f"{value:%Y-%m-%d %H:%M} does not exist in {self.zone.key} (the "
                    "clocks skip it)",
                    "a time with an offset, e.g. +01:00",
                )
            times[key] = _aware(value, self.zone)
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
            postmortem_ref=meta.tracker or self.path.name,
            action_items=tuple(items),
            source=str(self.path),
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

    def _items(self, text: str, body_line: int, meta: PostmortemIn) -> list[ActionItem]:
        tables, heading = action_item_tables(text, body_line)
        if not tables:
            if heading is not None:
                self.problem(
                    heading,
                    "action items",
                    "the section has no table",
                    "a Markdown table under the heading",
                    warning=True,
                )
            elif meta.published is not None:
                self.problem(
                    body_line,
                    "action items",
                    "a published postmortem without an 'Action items' section",
                    "a heading such as '## Action items' "
                    "with a table under it (or none, if there is nothing to do)",
                    warning=True,
                )
            return []
        created = _aware(meta.published or meta.resolved or meta.started, self.zone)
        items: list[ActionItem] = []
        n = 0  # rows are numbered across the section's tables: default ids stay unique
        seen: dict[str, int] = {}
        for table in tables:
            columns = self._columns(table)
            for line, cells in table.rows:
                n += 1
                if "title" not in columns:
                    continue
                if len(cells) > len(table.header):
                    self.problem(
                        line,
                        f"action items row {n}",
                        f"{len(cells)} cells under {len(table.header)} columns; the "
                        "extra ones are ignored",
                        "a '\\|' for a pipe inside a cell",
                        warning=True,
                    )
                item = self._item(n, line, cells, columns, meta, created)
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

    def _item(self, n, line, cells, columns, meta, created) -> ActionItem | None:
        def cell(name: str) -> str:
            i = columns.get(name)
            return cells[i] if i is not None and i < len(cells) else ""

        where = f"action items row {n}"
        if not cell("title").strip():
            self.problem(line, f"{where}: Action", "empty action", "what is to be done")
            return None
        ok = True
        severity = meta.severity
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
        done = dates["completed_at"]
        return ActionItem(
            item_id=cell("item_id").strip() or f"{meta.id}-{n}",
            incident_id=meta.id,
            title=cell("title").strip(),
            owner=None if _missing(cell("owner")) else cell("owner").strip(),
            team=None if _missing(cell("team")) else cell("team").strip(),
            severity=severity,
            status=status,
            created_at=created,
            due_date=dates["due_date"],
            completed_at=_aware(datetime(done.year, done.month, done.day), self.zone)
            if done
            else None,
            tracker_ref=None if _missing(cell("tracker_ref")) else cell("tracker_ref").strip(),
            line=line,
        )


def load_postmortems(paths: Iterable[str | Path], time_zone: str = "UTC") -> PostmortemSet:
    """Read every postmortem under ``paths``. Times without an offset are in ``time_zone``.
    Raises :class:`SpecError` with every problem of every file when there are errors."""
    files, problems = postmortem_files(paths)
    zone = ZoneInfo(time_zone)
    incidents: list[Incident] = []
    seen: dict[str, str] = {}
    items_seen: dict[str, str] = {}
    for path in files:
        reader = _Reader(path, zone)
        incident = reader.read()
        problems += reader.problems
        if incident is None:
            continue
        if incident.incident_id in seen:
            where = seen[incident.incident_id]
            message = f"incident '{incident.incident_id}' also in {where}"
            problems.append(
                Problem(str(path), None, "id", message, "each incident once", reader.id_line)
            )
            continue
        seen[incident.incident_id] = str(path)
        for item in incident.action_items:
            if item.item_id in items_seen:
                problems.append(
                    Problem(
                        str(path),
                        None,
                        "action items: ID",
                        f"action item '{item.item_id}' also in {items_seen[item.item_id]}",
                        "unique ids across postmortems",
                        item.line,
                    )
                )
            items_seen[item.item_id] = f"{path}:{item.line}"
        incidents.append(incident)
    if any(p.severity == "error" for p in problems):
        raise SpecError(problems)  # warnings too: "extra cells" explains the errors after it
    return PostmortemSet(incidents, files, [p for p in problems if p.severity != "error"])
