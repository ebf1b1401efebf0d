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


def rows(text: str, start_line: int = 1) -> list[list[tuple[int, list[str]]]]:
    tables, _ = action_item_tables(text, start_line)
    return [t.rows for t in tables]


def test_table_without_outer_pipes():
    text = "## Action items\n\nAction | Owner | Due\n--- | --- | ---\nFix it | alice | 2026-12-04\n"
    text += "Test it | bob | 2026-12-05\n"
    (table,), _ = action_item_tables(text)
    assert table.header == ["Action", "Owner", "Due"] and table.header_line == 3
    assert table.rows == [
        (5, ["Fix it", "alice", "2026-12-04"]),
        (6, ["Test it", "bob", "2026-12-05"]),
    ]


def test_indented_code_block_is_not_a_table():
    text = "## Action items\n\n    | Action |\n    |---|\n    | a |\n"
    assert action_item_tables(text) == ([], 1)


@pytest.mark.parametrize(("fence", "close"), [("```", "```"), ("~~~", "~~~"), ("````md", "````")])
def test_fenced_table_is_not_a_table(fence, close):
    table = "| Action |\n|---|\n| a |\n"
    text = f"## Action items\n\n{fence}\n{table}{close}\n\n| Action |\n|---|\n| b |\n"
    assert rows(text) == [[(11, ["b"])]]


def test_fenced_heading_does_not_end_the_section():
    text = "## Action items\n```\n## Lessons\n```\n| Action |\n|---|\n| a |\n"
    assert rows(text) == [[(7, ["a"])]]


def test_setext_section_and_subsections():
    text = (
        "Postmortem\n==========\n\nAction items\n------------\n\nShort term\n\n### Now\n"
        "| Action |\n|---|\n| a |\n\nLessons\n-------\n| Action |\n|---|\n| z |\n"
    )
    tables, heading = action_item_tables(text)
    assert heading == 4 and [t.rows for t in tables] == [[(12, ["a"])]]


def test_subsections_included_until_a_heading_of_the_same_or_higher_level():
    text = (
        "# Postmortem\n## Action items\n| Action |\n|---|\n| a |\n### Long term\n#### Later\n"
        "| Action |\n|---|\n| b |\n# Appendix\n| Action |\n|---|\n| z |\n"
    )
    assert rows(text) == [[(5, ["a"])], [(10, ["b"])]]


def test_crlf_keeps_line_numbers_with_front_matter():
    text = "---\r\nid: A\r\n---\r\n# T\r\n\r\n## Action items\r\n\r\n| Action | Owner |\r\n"
    text += "|---|---|\r\n| a | x |\r\n| b | y |\r\n"
    fm = front_matter(text)
    assert fm is not None and fm.end_line == 3
    (table,), heading = action_item_tables(text, fm.end_line + 1)
    assert heading == 6 and table.header_line == 8
    assert table.rows == [(10, ["a", "x"]), (11, ["b", "y"])]


def test_a_row_with_extra_cells_keeps_them_and_a_short_row_is_padded():
    text = "## Action items\n| Action | Owner |\n|---|---|\n| a `x|y` | alice | more |\n| b |\n"
    assert rows(text) == [[(4, ["a `x", "y`", "alice", "more"]), (5, ["b", ""])]]


def test_escaped_pipe_and_inline_markdown_kept_as_written():
    text = "## Action items\n| Action | Ticket |\n|---|---|\n"
    text += "| Use `a \\| b` **now** | [T-1](https://t/1) |\n"
    assert rows(text) == [[(4, ["Use `a | b` **now**", "[T-1](https://t/1)"])]]


def test_tables_in_lists_are_read_and_in_blockquotes_not():
    text = (
        "## Action items\n\n- Short term:\n\n  | Action |\n  |---|\n  | a |\n\n"
        "> Quoted from INC-1:\n>\n> | Action |\n> |---|\n> | z |\n"
    )
    assert rows(text) == [[(7, ["a"])]]


def test_header_and_delimiter_must_agree():
    # not a table in GFM: the delimiter row has two cells under a one-cell header
    text = "## Action items\n| Action |\n|---|---|\n| a |\n"
    assert action_item_tables(text) == ([], 1)


def test_headings_in_lists_or_quotes_do_not_end_the_section():
    text = "## Action items\n- ## Lessons\n\n> ## Lessons\n\n| Action |\n|---|\n| a |\n"
    assert rows(text) == [[(8, ["a"])]]


def test_a_line_right_under_the_table_is_a_row_as_on_github():
    # GFM ends a table at a blank line (or another block), not at a line without a pipe
    text = "## Action items\n| Action |\n|---|\n| a |\nand b\n\nAfter the table.\n"
    assert rows(text) == [[(4, ["a"]), (5, ["and b"])]]
