"""Front matter and the action-items table of postmortem Markdown."""

from __future__ import annotations

import pytest

from sre_pipeline.incidents.markdown import (
    action_item_tables,
    front_matter,
    split_lines,
    split_row,
)


def test_front_matter_between_fences():
    fm = front_matter("---\nid: A\ntitle: x\n---\n# Title\n")
    assert fm is not None and fm.text == "id: A\ntitle: x" and fm.first_line == 2
    assert fm.end_line == 4


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
    (table,), heading = action_item_tables(DOC)
    assert heading == 16
    assert table.header == ["Action", "Owner"] and table.header_line == 20
    assert table.rows == [(22, ["Fix it", "alice"]), (23, ["Test it", "bob"])]


@pytest.mark.parametrize(
    "title",
    [
        "## Action Items",
        "# Action item",
        "## Follow-ups",
        "### Corrective actions",
        "## 5. Action items",
        "## IV) Action items",
        "Action Items\n------------",
        "Action items\n====",
    ],
)
def test_heading_spellings(title):
    text = f"{title}\n\n| Action |\n|---|\n| a |\n"
    (table,), heading = action_item_tables(text)
    assert heading == 1 and table.rows == [(len(title.split("\n")) + 4, ["a"])]


def test_section_without_table_and_no_section():
    text = "## Action items\n\nnone yet\n\n## Next\n| Action |\n|---|\n| x |\n"
    assert action_item_tables(text) == ([], 1)
    assert action_item_tables("# Summary\n| Action |\n|---|\n| x |\n") == ([], None)


def test_every_table_of_the_section_and_its_subsections():
    text = (
        "## Action items\n### Short term\n| Action |\n|---|\n| a |\n\n### Long term\n"
        "| Action | Owner |\n|---|---|\n| b | x |\n| c | y |\n## Lessons\n| Action |\n"
        "|---|\n| z |\n"
    )
    tables, _ = action_item_tables(text)
    assert [t.rows for t in tables] == [[(5, ["a"])], [(10, ["b", "x"]), (11, ["c", "y"])]]


def test_front_matter_is_not_searched_for_the_heading():
    text = "---\n# Action items are tracked below\nid: x\n---\n# Postmortem\n## Action items\n"
    text += "| Action |\n|---|\n| a |\n"
    fm = front_matter(text)
    (table,), heading = action_item_tables(text, fm.end_line + 1)
    assert heading == 6 and table.rows == [(9, ["a"])]


def test_lines_are_numbered_like_an_editor():
    # U+2028 inside a line is not a line break; CRLF is one
    assert split_lines("a\u2028b\r\nc\n") == ["a\u2028b", "c"]
    text = "## Action items\r\n\u2028note\r\n| Action |\r\n|---|\r\n| a |\r\n"
    (table,), _ = action_item_tables(text)
    assert table.rows == [(5, ["a"])]
