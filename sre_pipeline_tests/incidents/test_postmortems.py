"""Reading postmortems: the examples, every format error with file/line/field, warnings."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from sre_pipeline.incidents.postmortems import load_postmortems
from sre_pipeline.inputs.problems import SpecError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "postmortems"

GOOD = """---
id: INC-7
title: Shop down
severity: sev1
services: [shop, payments]
started: 2026-11-10T10:00:00Z
detected: 2026-11-10T10:05:00Z
acknowledged: 2026-11-10T10:07:00Z
resolved: 2026-11-10T11:00:00Z
published: 2026-11-11T09:00:00Z
---
# Shop down

## Action items

| ID | Action | Owner | Team | Priority | Due | Status | Completed | Ticket | Type |
|----|--------|-------|------|----------|-----|--------|-----------|--------|------|
| A-1 | Add a canary | alice | web | SEV2 | 2026-11-20 | Done | 2026-11-18 | WEB-1 | mitigate |
| | Write the runbook | TBD | | | | | | | |
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def errors(tmp_path: Path, text: str) -> list[str]:
    write(tmp_path, "pm.md", text)
    with pytest.raises(SpecError) as exc:
        load_postmortems([tmp_path])
    return [str(p) for p in exc.value.problems]


def test_examples_load():
    found = load_postmortems([EXAMPLES])
    ids = [i.incident_id for i in found.incidents]
    assert ids == [
        "INC-2026-031",
        "INC-2026-039",
        "INC-2026-040",
        "INC-2026-041",
        "INC-2026-042",
        "INC-2026-043",
    ]
    assert sum(len(i.action_items) for i in found.incidents) == 11
    assert not found.warnings and len(found.files) == 6  # the README is not a postmortem
    cart = found.incidents[1]
    assert cart.severity == "SEV1" and cart.services == ("cart",)
    assert cart.started_at == datetime(2026, 11, 14, tzinfo=UTC)
    assert cart.postmortem_ref.startswith("https://")
    assert [a.status for a in cart.action_items] == ["done", "open", "in_progress", "wontfix"]
    assert found.incidents[-1].resolved_at is None and not found.incidents[-1].action_items


def test_fields_and_defaults(tmp_path):
    write(tmp_path, "pm.md", GOOD)
    (incident,) = load_postmortems([tmp_path]).incidents
    assert incident.severity == "SEV1" and incident.services == ("shop", "payments")
    assert incident.postmortem_ref == "pm.md"
    first, second = incident.action_items
    assert (first.item_id, first.owner, first.team) == ("A-1", "alice", "web")
    assert (first.severity, first.status) == ("SEV2", "done")
    assert (first.due_date, first.tracker_ref) == (date(2026, 11, 20), "WEB-1")
    assert first.completed_at == datetime(2026, 11, 18, tzinfo=UTC)
    assert first.created_at == incident.postmortem_published_at
    # an item without id, owner ("TBD"), due date or status: id from the incident and row,
    # the incident's severity, open; missing owner/due are for the data-quality check
    assert (second.item_id, second.owner, second.due_date) == ("INC-7-2", None, None)
    assert (second.severity, second.status, second.team) == ("SEV1", "open", None)


def test_naive_times_are_in_the_given_zone(tmp_path):
    write(tmp_path, "pm.md", GOOD.replace("2026-11-10T10:00:00Z", "2026-11-10 11:00:00"))
    (incident,) = load_postmortems([tmp_path], "Europe/Berlin").incidents
    assert incident.started_at == datetime(2026, 11, 10, 10, tzinfo=UTC)
    assert incident.detected_at == datetime(2026, 11, 10, 10, 5, tzinfo=UTC)  # had an offset


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "severity: sev1",
            "severity: SEV5",
            "pm.md:4: severity: unknown severity 'SEV5'; expected one of SEV1, SEV2, SEV3",
        ),
        (
            "services: [shop, payments]",
            "servics: [shop]",
            "pm.md:5: servics: unknown key 'servics' (did you mean 'services'?)",
        ),
        ("started: 2026-11-10T10:00:00Z", "started: yesterday", "pm.md:6: started:"),
        ("id: INC-7", "id: INC 7", "pm.md:2: id: 'INC 7' is not a valid name"),
        (
            "| 2026-11-20 |",
            "| 2026-11-31 |",
            "pm.md:18: action items row 1: Due: '2026-11-31' is not a date; expected a real day",
        ),
        (
            "| Done |",
            "| someday |",
            "pm.md:18: action items row 1: Status: unknown status 'someday'; expected one of open",
        ),
        ("| SEV2 |", "| P7 |", "pm.md:18: action items row 1: Priority: unknown priority 'P7'"),
        ("| Add a canary |", "|  |", "pm.md:18: action items row 1: Action: empty action"),
        ("| ID | Action |", "| ID | Task |", "pm.md:16: action items table: no 'Action' column"),
        ("title: Shop down\n", "title: Shop down\ntitle: again\n", "pm.md:4: title: duplicate key"),
        (
            "services: [shop, payments]",
            "services: [shop, payments",
            "pm.md:6: (document): YAML syntax error",
        ),
        (
            "detected: 2026-11-10T10:05:00Z",
            "detected: 10:06",
            "pm.md:7: detected: 606 is not a date and time; expected an ISO 8601 date and time",
        ),
        (
            "resolved: 2026-11-10T11:00:00Z",
            "resolved: 1763640000",
            "pm.md:9: resolved: 1763640000 is not a date and time",
        ),
        (
            "started: 2026-11-10T10:00:00Z",
            "started: 2026-11-10",
            "pm.md:6: started: '2026-11-10' is a date without a time",
        ),
        (
            "started: 2026-11-10T10:00:00Z",
            "started: '2026-11-10'",
            "pm.md:6: started: '2026-11-10' is a date without a time",
        ),
        (
            "started: 2026-11-10T10:00:00Z",
            "started: 1026-11-10T10:00:00Z",
            "pm.md:6: started: year 1026 is out of range; expected a year in 1970..2200",
        ),
        (
            "services: [shop, payments]",
            "services: shop",
            "pm.md:5: services: Input should be a valid list",
        ),
    ],
)
def test_format_errors_name_file_line_and_field(tmp_path, old, new, expected):
    assert old in GOOD
    found = errors(tmp_path, GOOD.replace(old, new))
    assert any(expected in p for p in found), found


def test_missing_required_fields_all_reported(tmp_path):
    found = errors(tmp_path, "---\nid: INC-1\n---\n")
    for field in ("title", "severity", "services", "started"):
        assert any(f": {field}: required field is missing" in p for p in found), found


def test_no_front_matter(tmp_path):
    (problem,) = errors(tmp_path, "# Just notes\n")
    assert "pm.md:1: (front matter): no YAML front matter" in problem


def test_duplicates_across_files_and_within_one(tmp_path):
    write(tmp_path, "a.md", GOOD)
    write(tmp_path, "b.md", GOOD.replace("| A-1 |", "| A-9 |"))
    second_row = "| | Write the runbook |"
    write(
        tmp_path,
        "c.md",
        GOOD.replace("id: INC-7", "id: INC-8").replace(second_row, "| X-1 | Write the runbook |"),
    )
    with pytest.raises(SpecError) as exc:
        load_postmortems([tmp_path])
    found = sorted(str(p).replace(f"error: {tmp_path}/", "") for p in exc.value.problems)
    assert found == [
        f"b.md:2: id: incident 'INC-7' also in {tmp_path}/a.md; expected each incident once",
        f"c.md:18: action items: ID: action item 'A-1' also in {tmp_path}/a.md:18; expected "
        "unique ids across postmortems",
    ]
    # inside one file: an automatic id colliding with an explicit one names both lines
    write(tmp_path / "one", "pm.md", GOOD.replace("| A-1 |", "| INC-7-2 |"))
    with pytest.raises(SpecError) as exc:
        load_postmortems([tmp_path / "one"])
    (problem,) = exc.value.problems
    assert "pm.md:19: action items row 2: ID: action item 'INC-7-2' already on line 18" in str(
        problem
    )


def test_every_file_reported_at_once(tmp_path):
    write(tmp_path, "a.md", GOOD.replace("severity: sev1", "severity: bad"))
    write(tmp_path, "b.md", "no front matter")
    with pytest.raises(SpecError) as exc:
        load_postmortems([tmp_path, tmp_path / "missing"])
    files = {Path(p.file).name for p in exc.value.problems}
    assert files == {"a.md", "b.md", "missing"}


def test_nonexistent_local_time_is_an_error(tmp_path):
    # 2026-03-29 02:30 does not exist in Berlin: the clocks go from 02:00 to 03:00
    write(tmp_path, "pm.md", GOOD.replace("2026-11-10T10:00:00Z", "2026-03-29 02:30:00"))
    with pytest.raises(SpecError) as exc:
        load_postmortems([tmp_path], "Europe/Berlin")
    assert "pm.md:6: started: 2026-03-29 02:30 does not exist in Europe/Berlin" in str(exc.value)
    (incident,) = load_postmortems([tmp_path], "UTC").incidents  # fine where it exists
    assert incident.started_at == datetime(2026, 3, 29, 2, 30, tzinfo=UTC)


def test_bom_crlf_and_odd_line_breaks(tmp_path):
    text = "\ufeff" + GOOD.replace("# Shop down\n", "# Shop down\u2028(pasted)\n")
    path = tmp_path / "pm.md"
    path.write_bytes(text.replace("\n", "\r\n").encode())
    write(tmp_path, "x", "")  # not a postmortem: no .md suffix
    (incident,) = load_postmortems([path]).incidents
    assert [a.line for a in incident.action_items] == [18, 19]
    path.write_bytes(text.replace("| SEV2 |", "| SEV9 |").encode("utf-8"))
    with pytest.raises(SpecError, match="pm.md:18: action items row 1: Priority"):  # SEV9
        load_postmortems([path])


def test_extra_cells_warn(tmp_path):
    row = "| A-1 | Add a canary | alice |"
    write(tmp_path, "pm.md", GOOD.replace(row, "| A-1 | Add a `x|y` canary | alice |"))
    with pytest.raises(SpecError) as exc:  # the pipe shifted the columns: Due is now a team
        load_postmortems([tmp_path])
    text = "\n".join(map(str, exc.value.problems))
    assert "warning: " in text and "pm.md:18: action items row 1: 11 cells under 10 columns" in text
    assert text.index("11 cells") < text.index("unknown priority")  # the cause comes first


def test_published_postmortem_without_action_items_warns(tmp_path):
    text = GOOD[: GOOD.index("## Action items")]
    found = load_postmortems([write(tmp_path, "pm.md", text)])
    (warning,) = found.warnings
    assert "pm.md:12: action items: a published postmortem without an 'Action items'" in str(
        warning
    )
    draft = text.replace("published: 2026-11-11T09:00:00Z\n", "")
    assert not load_postmortems([write(tmp_path, "pm.md", draft)]).warnings


def test_unknown_column_is_a_warning_with_a_hint(tmp_path):
    write(tmp_path, "pm.md", GOOD.replace("| Owner |", "| Onwer |"))
    found = load_postmortems([tmp_path])
    (warning,) = found.warnings
    assert "unknown column, ignored (did you mean 'owner'?)" in str(warning)
    assert found.incidents[0].action_items[0].owner is None  # then the check catches it


def test_section_without_table_warns(tmp_path):
    text = GOOD[: GOOD.index("| ID |")] + "To be decided.\n"
    found = load_postmortems([write(tmp_path, "pm.md", text)])
    assert found.incidents[0].action_items == ()
    assert "the section has no table" in str(found.warnings[0])
