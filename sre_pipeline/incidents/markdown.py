"""The two structured parts of a postmortem Markdown file: the YAML front matter between
``---`` lines at the top, and the GitHub-flavoured table under an "Action items" heading.

Everything keeps its 1-based line number in the file so problems can point at it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_FENCE = re.compile(r"^---\s*$")
_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)\s*$")
# "Action items", "5. Action Items", "Follow-ups", "Corrective actions (short term)"
_ACTION_HEADING = re.compile(
    r"^(?:[0-9ivx]+[.)]\s*)?(action items?|follow[- ]?ups?|corrective actions?)\b", re.I
)
_SEPARATOR_CELL = re.compile(r"^:?-{3,}:?$")


@dataclass(frozen=True)
class FrontMatter:
    """The front matter's YAML text, the line its first line has in the file, and the line of
    the closing ``---`` (the body starts after it)."""

    text: str
    first_line: int
    end_line: int


@dataclass
class Table:
    """A Markdown table: header cells and data rows, each row with its line number."""

    header: list[str]
    header_line: int
    rows: list[tuple[int, list[str]]] = field(default_factory=list)


def split_lines(text: str) -> list[str]:
    """Lines as editors number them: only ``\n`` ends a line (``str.splitlines`` also splits
    on characters such as U+2028 that may sit inside pasted text), ``\r\n`` too."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def front_matter(text: str) -> FrontMatter | None:
    """The YAML between a leading ``---`` line and the next one; ``None`` when the file does
    not start with front matter (or it is never closed)."""
    lines = split_lines(text)
    if not lines or not _FENCE.match(lines[0]):
        return None
    for n, line in enumerate(lines[1:], start=1):
        if _FENCE.match(line):
            return FrontMatter("\n".join(lines[1:n]), 2, n + 1)
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


def _heading(lines: list[str], i: int) -> tuple[int, str] | None:
    """``(level, text)`` when line ``i`` (0-based) is an ATX (``## Text``) or setext heading
    (text underlined with ``===`` or ``---``)."""
    atx = _HEADING.match(lines[i])
    if atx:
        return len(atx.group(1)), atx.group(2)
    line = lines[i].strip()
    if line and not line.startswith(("|", "-", "*", ">")) and i + 1 < len(lines):
        under = _SETEXT.match(lines[i + 1])
        if under:
            return (1 if under.group(1).startswith("=") else 2), line
    return None


def action_item_tables(text: str, start_line: int = 1) -> tuple[list[Table], int | None]:
    """Every table in the "Action items" section (the heading may also read "Follow-ups" or
    "Corrective actions", numbered or not; sub-sections such as "Short term" included), and
    the heading's line; ``([], None)`` without that section. Lines before ``start_line`` (the
    front matter) are not read."""
    lines = split_lines(text)
    in_fence, section, level = False, None, 0
    tables: list[Table] = []
    n = start_line - 1  # 0-based index of the line being read
    while n < len(lines):
        line = lines[n]
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
            n += 1
            continue
        heading = None if in_fence else _heading(lines, n)
        if heading and section is None:
            if _ACTION_HEADING.match(heading[1]):
                section, level = n + 1, heading[0]
        elif heading and heading[0] <= level:
            break
        elif section is not None and not in_fence and line.strip().startswith("|"):
            if n + 1 < len(lines) and _is_separator(split_row(lines[n + 1])):
                table = _read_table(lines, n + 1)
                tables.append(table)
                n = table.rows[-1][0] if table.rows else table.header_line + 1
                continue
        n += 1
    return tables, section


def _read_table(lines: list[str], header_line: int) -> Table:
    table = Table(split_row(lines[header_line - 1]), header_line)
    for n in range(header_line + 2, len(lines) + 1):
        line = lines[n - 1]
        if not line.strip().startswith("|"):
            break
        table.rows.append((n, split_row(line)))
    return table
