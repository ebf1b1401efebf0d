"""Incidents and action items exported from another tool as CSV (docs/incidents.md), checked
like postmortems: every problem names the file, the line and the column.

An incidents CSV has a ``started`` column and the front-matter keys as columns (``id``,
``title``, ``severity``, ``services`` separated by ``;`` or ``,``, the times, ``published``,
``cause``, ``status`` ...). An action-items CSV has an ``incident`` (or ``incident_id``) column
and the action-items table's columns (Action, Owner, Due, Status, Priority ...). Empty cells
are absent values.
"""

from __future__ import annotations

import csv
import dataclasses
import re
from pathlib import Path

from sre_pipeline.incidents.model import ActionItem, Incident
from sre_pipeline.incidents.postmortems import (
    COLUMNS,
    IGNORED_COLUMNS,
    PostmortemIn,
    _Reader,
)
from sre_pipeline.inputs.problems import Problem, did_you_mean
from sre_pipeline.inputs.validation import DocContext
from sre_pipeline.inputs.yamldocs import Document

INCIDENT_KEYS = {
    name: name for name in PostmortemIn.model_fields if name not in ("authors", "services")
} | {"incident_id": "id", "incident": "id", "services": "services", "authors": "authors"}
ITEM_INCIDENT = {"incident", "incident id", "incident_id"}
_LISTS = ("services", "authors")


def _header(name: str) -> str:
    return " ".join(name.lower().strip(" *_").replace("_", " ").split())


def kind_of(header: list[str]) -> str | None:
    """``"incidents"`` or ``"action_items"`` from a CSV header; None when it is neither."""
    names = {_header(h) for h in header}
    if "started" in names:
        return "incidents"
    if names & {_header(n) for n in ITEM_INCIDENT} and {COLUMNS.get(n) for n in names} & {"title"}:
        return "action_items"
    return None


def read_rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]], list[Problem]]:
    """The header and the rows with their line numbers (a quoted cell may span lines)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [], [Problem(str(path), None, "(file)", f"cannot read file: {exc}", "UTF-8 CSV")]
    reader = csv.reader(text.splitlines(keepends=True))
    try:
        header = next(reader, [])
        rows = []
        line = reader.line_num + 1
        for cells in reader:
            if any(c.strip() for c in cells):
                rows.append((line, cells))
            line = reader.line_num + 1
    except csv.Error as exc:
        return [], [], [Problem(str(path), None, "(csv)", str(exc), "a CSV file", reader.line_num)]
    return header, rows, []


def _problem(path: Path, line: int, where: str, message: str, expected: str) -> Problem:
    return Problem(str(path), None, where, message, expected, line)


def read_incidents(path: Path, header, rows, reader: _Reader) -> list[Incident]:
    """The incidents of an incidents CSV (problems go to ``reader``)."""
    columns: dict[int, str] = {}
    for i, name in enumerate(header):
        key = INCIDENT_KEYS.get(_header(name).replace(" ", "_"))
        if key is None:
            hint = did_you_mean(_header(name), list(INCIDENT_KEYS))
            reader.problem(
                1,
                f"column '{name}'",
                f"unknown column, ignored{hint}",
                "columns among: " + ", ".join(sorted(INCIDENT_KEYS)),
                warning=True,
            )
        else:
            columns[i] = key
    out = []
    for line, cells in rows:
        data = {}
        for i, key in columns.items():
            value = cells[i].strip() if i < len(cells) else ""
            if value:
                data[key] = (
                    [v for v in re.split(r"\s*[;,]\s*", value) if v] if key in _LISTS else value
                )
        doc = Document(str(path), None, data, {(): line, **{(k,): line for k in data}})
        ctx = DocContext(doc)
        meta = ctx.validate(PostmortemIn, data)
        reader.problems += [dataclasses.replace(p, document=None, line=line) for p in ctx.problems]
        if meta is None:
            continue
        times = reader.times_of(meta, lambda key, at=line: at)  # the row's line for each
        out.append(reader.incident_of(meta, times, f"{path.name}:{line}"))
    return out


def read_items(
    path: Path, header, rows, reader: _Reader, incidents: dict[str, Incident]
) -> list[ActionItem]:
    """The action items of an action-items CSV, each for a known incident."""
    columns: dict[str, int] = {}
    incident_column = None
    for i, name in enumerate(header):
        key = _header(name)
        if key in {_header(n) for n in ITEM_INCIDENT}:
            incident_column = i
        elif key in COLUMNS and COLUMNS[key] not in columns:
            columns[COLUMNS[key]] = i
        elif key not in IGNORED_COLUMNS:
            hint = did_you_mean(key, list(COLUMNS))
            reader.problem(
                1,
                f"column '{name}'",
                f"unknown column, ignored{hint}",
                "columns among: incident, " + ", ".join(sorted(set(COLUMNS))),
                warning=True,
            )
    items = []
    for n, (line, cells) in enumerate(rows, start=1):
        incident_id = cells[incident_column].strip() if incident_column < len(cells) else ""
        incident = incidents.get(incident_id)
        if incident is None:
            hint = did_you_mean(incident_id, list(incidents))
            reader.problem(
                line,
                f"row {n}: incident",
                f"unknown incident '{incident_id}'{hint}",
                "the id of an incident from a postmortem or an incidents CSV",
            )
            continue
        cells_by_name = {name: cells[i] for name, i in columns.items() if i < len(cells)}
        created = incident.postmortem_published_at or incident.resolved_at or incident.started_at
        default = f"{path.stem}-{n}"  # a row without an ID column: the file's own numbering
        item = reader._item(
            n, line, cells_by_name, None, incident_id, incident.severity, created, default
        )
        if item is not None:
            items.append(item)
    return items
