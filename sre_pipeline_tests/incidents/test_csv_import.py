"""Incidents and action items from CSV exports: read like postmortems, checked with file:line
and column, joined to incidents from Markdown files."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from sre_pipeline.incidents.postmortems import load_postmortems
from sre_pipeline.inputs.problems import SpecError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "postmortems"
INCIDENTS = """\
id,title,severity,services,started,detected,acknowledged,resolved,published,cause,status
INC-9001,Queue backlog,SEV2,notifications; api,2026-11-10T08:00:00Z,2026-11-10T08:05:00Z,\
2026-11-10T08:09:00Z,2026-11-10T09:00:00Z,2026-11-11T10:00:00Z,capacity,final
INC-9002,"DNS, again",sev3,api,2026-11-11 10:00,,,,,,
"""
ITEMS = """\
Incident,ID,Action,Owner,Due,Status,Priority,Ticket
INC-9001,Q-1,Autoscale the workers,alice,2026-11-20,open,P0,OPS-1
INC-9001,,"Alert on queue age, per queue",bob,2026-11-25,done,p1,
INC-2026-042,,Follow up from the export,carol,,in progress,,
"""


def test_incidents_and_items_from_csv_join_the_postmortems(tmp_path):
    (tmp_path / "incidents.csv").write_text(INCIDENTS)
    (tmp_path / "items.csv").write_text(ITEMS)
    found = load_postmortems([EXAMPLES, tmp_path], "Europe/Berlin")
    by_id = {i.incident_id: i for i in found.incidents}
    queue = by_id["INC-9001"]
    assert queue.services == ("notifications", "api") and queue.cause == "capacity"
    assert queue.postmortem_status == "final"
    assert queue.acknowledged_at == datetime(2026, 11, 10, 8, 9, tzinfo=UTC)
    assert by_id["INC-9002"].started_at == datetime(2026, 11, 11, 9, 0, tzinfo=UTC)  # Berlin
    assert by_id["INC-9002"].title == "DNS, again"
    first, second = queue.action_items
    assert (first.item_id, first.priority, first.tracker_ref) == ("Q-1", "P0", "OPS-1")
    assert (second.item_id, second.title, second.status, second.priority) == (
        "items-2",
        "Alert on queue age, per queue",
        "done",
        "P1",
    )
    assert second.created_at == datetime(2026, 11, 11, 10, 0, tzinfo=UTC)  # published
    assert second.source.endswith("items.csv") and second.line == 3
    extra = by_id["INC-2026-042"].action_items[-1]  # an item for a Markdown postmortem
    assert (extra.title, extra.status, extra.due_date) == (
        "Follow up from the export",
        "in_progress",
        None,
    )
    assert first.due_date == date(2026, 11, 20)


@pytest.mark.parametrize(
    ("name", "text", "error"),
    [
        ("i.csv", INCIDENTS.replace(",SEV2,", ",SEV7,"), "i.csv:2: severity: unknown severity"),
        ("i.csv", INCIDENTS.replace("2026-11-11 10:00", "soon"), "i.csv:3: started: 'soon'"),
        ("i.csv", INCIDENTS.replace("capacity,final", "cosmic rays,final"), "i.csv:2: cause"),
        ("i.csv", INCIDENTS.replace("INC-9002", "INC-9001"), "i.csv: id: incident 'INC-9001'"),
        ("x.csv", "foo,bar\n1,2\n", "x.csv:1: (header): neither an incidents nor"),
        ("x.csv", 'id,started\n"unclosed,2026\n', "x.csv:"),
    ],
)
def test_bad_incident_csv_rows_name_file_line_and_column(tmp_path, name, text, error):
    (tmp_path / name).write_text(text)
    with pytest.raises(SpecError) as exc:
        load_postmortems([tmp_path])
    problems = [str(p) for p in exc.value.problems]
    assert any(error in p for p in problems), problems


@pytest.mark.parametrize(
    ("old", "new", "error"),
    [
        (
            "INC-9001,Q-1",
            "INC-9009,Q-1",
            "items.csv:2: row 1: incident: unknown incident 'INC-9009'",
        ),
        ("2026-11-20,open", "20/11/2026,open", "items.csv:2: action items row 1: Due"),
        (",P0,", ",P7,", "items.csv:2: action items row 1: Priority"),
        (",done,", ",finished,", "items.csv:3: action items row 2: Status"),
    ],
)
def test_bad_item_csv_rows_name_file_line_and_column(tmp_path, old, new, error):
    (tmp_path / "incidents.csv").write_text(INCIDENTS)
    (tmp_path / "items.csv").write_text(ITEMS.replace(old, new))
    with pytest.raises(SpecError) as exc:
        load_postmortems([EXAMPLES, tmp_path])
    problems = [str(p) for p in exc.value.problems]
    assert any(error in p for p in problems), problems


def test_unknown_csv_columns_warn_with_a_suggestion(tmp_path):
    (tmp_path / "incidents.csv").write_text(INCIDENTS.replace(",cause,", ",casue,"))
    found = load_postmortems([tmp_path])
    (warning,) = found.warnings
    assert (
        "incidents.csv:1: column 'casue': unknown column, ignored (did you mean 'cause'?)"
        in str(warning)
    )
