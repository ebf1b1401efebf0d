"""The two structured parts of a postmortem Markdown file: the YAML front matter between
``---`` lines at the top, and the GitHub-flavoured table under an "Action items" heading.

Everything keeps its 1-based line number in the file so problems can point at it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_FENCE = re.compile(r"^---\s*$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_ACTION_HEADING = re.compile(r"^(action items?|follow[- ]?ups?|corrective actions?)\b", re.I)
_SEPARATOR_CELL = re.compile(r"^:?-{3,}:?$")


@dataclass(frozen=True)
class FrontMatter:
    """The front matter's YAML text and the line its first line has in the file."""

    text: str
    first_line: int


@dataclass
class Table:
    """A Markdown table: header cells and data rows, each row with its line number."""

    header: list[str]
    header_line: int
    rows: list[tuple[int, list[str]]] = field(default_factory=list)


def front_matter(text: str) -> FrontMatter | None:
    """The YAML between a leading ``---`` line and the next one; ``None`` when the file does
    not start with front matter (or it is never closed)."""
    lines = text.splitlines()
    if not lines or not _FENCE.match(lines[0]):
        return None
    for n, line in enumerate(lines[1:], start=1):
        if _FENCE.match(line):
            return FrontMatter("\n".join(lines[1:n]), 2)
    return None


def split_row(line: str) -> list[str]:
    """Cells of a table row; ``\\|`` is a literal pipe, outer pipes are optional."""
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    cells = re.split(r"(?<!\\)\|", body)
    return [c.strip().replace("\\|", "|") for c in cells]


def _is_separator(cells: list[str]) -> bool:
    return bool(cells) and all(_SEPARATOR_CELL.match(c.replace(" ", "")) for c in cells)


def action_items_table(text: str) -> tuple[Table | None, int | None]:
    """The first table in the "Action items" section (the heading may also read "Follow-ups"
    or "Corrective actions"), and the heading's line; ``(None, None)`` without that section,
    ``(None, line)`` when the section has no table."""
    lines = text.splitlines()
    in_fence, section, level = False, None, 0
    for n, line in enumerate(lines, start=1):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
            continue
        heading = None if in_fence else _HEADING.match(line)
        if heading and section is None:
            if _ACTION_HEADING.match(heading.group(2)):
                section, level = n, len(heading.group(1))
            continue
        if section is None or in_fence:
            continue
        if heading and len(heading.group(1)) <= level:
            return None, section
        if line.strip().startswith("|") and n < len(lines):
            separator = split_row(lines[n])  # the next line
            if _is_separator(separator):
                return _read_table(lines, n), section
    return None, section


def _read_table(lines: list[str], header_line: int) -> Table:
    table = Table(split_row(lines[header_line - 1]), header_line)
    for n in range(header_line + 2, len(lines) + 1):
        line = lines[n - 1]
        if not line.strip().startswith("|"):
            break
        table.rows.append((n, split_row(line)))
    return table
