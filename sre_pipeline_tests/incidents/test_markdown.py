"""Front matter and the action-items table of postmortem Markdown."""

from __future__ import annotations

import pytest

from sre_pipeline.incidents.markdown import action_items_table, front_matter, split_row


def test_front_matter_between_fences():
    fm = front_matter("---\nid: A\ntitle: x\n---\n# Title\n")
    assert fm is not None and fm.text == "id: A\ntitle: x" and fm.first_line == 2


@pytest.mark.parametrize("text", ["# no front matter\n", "---\nid: A\n", ""])
def test_no_front_matter(text):
    assert front_matter(text) is None


@pytest.mark.parametrize(
    ("line", "cells"),
    [
        ("| a | b |", ["a", "b"]),
        ("a | b", ["a", "b"]),
        ("| a \\| b | c |", ["a | b", "c"]),
        ("|  | x |", ["", "x"]),
    ],
)
def test_split_row(line, cells):
    assert split_row(line) == cells


DOC = """---
id: A
---
# Incident

| Not | This |
|-----|------|
| x | y |

```
## Action items
| fenced | table |
|---|---|
```

## Action items

Some text first.

| Action | Owner |
|:-------|------:|
| Fix it | alice |
| Test it | bob |

After the table.

## Lessons
| Other | Table |
|---|---|
"""


def test_table_under_the_action_items_heading():
    table, heading = action_items_table(DOC)
    assert heading == 16
    assert table.header == ["Action", "Owner"] and table.header_line == 20
    assert table.rows == [(22, ["Fix it", "alice"]), (23, ["Test it", "bob"])]


@pytest.mark.parametrize(
    "title", ["Action Items", "Follow-ups", "Corrective actions", "Action item"]
)
def test_heading_spellings(title):
    table, _ = action_items_table(f"## {title}\n\n| Action |\n|---|\n| a |\n")
    assert table is not None and table.rows == [(5, ["a"])]


def test_section_without_table_and_no_section():
    assert action_items_table("## Action items\n\nnone yet\n\n## Next\n| a |\n|---|\n") == (None, 1)
    assert action_items_table("# Summary\n| a |\n|---|\n") == (None, None)


def test_subheading_stays_in_section():
    table, _ = action_items_table("## Action items\n### Short term\n| Action |\n|---|\n| a |\n")
    assert table is not None and table.rows == [(5, ["a"])]
