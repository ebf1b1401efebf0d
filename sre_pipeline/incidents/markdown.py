"""The structured parts of a postmortem Markdown file: the YAML front matter between ``---``
lines at the top, the GitHub-flavoured tables and task lists under an "Action items" heading,
and the body's paragraph lines (where templates put ``**Field:** value`` lines).

The body is parsed with markdown-it-py (CommonMark plus the GFM table extension), so a table
is what GitHub renders as one: outer pipes are optional, a row needs no pipe once the table has
started (it ends at a blank line or another block), and anything in a fenced or indented code
block is code, not a table. What counts:

- Only top-level headings open or close the section: a heading inside a list item or a
  blockquote is part of the text around it.
- A table inside a list item (indented under "- Short term:", say) is read; a table inside a
  blockquote is not, since a quote is someone else's text (another postmortem, a chat log).

Cells are the source text as written, trimmed (``**bold**`` and ``[link](url)`` stay as they
are), with ``\\|`` read as a literal pipe. Everything keeps its 1-based line number in the file
so problems can point at it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

_FENCE = re.compile(r"^---\s*$")
# "Action items", "5. Action Items", "Follow-ups", "Corrective actions (short term)"
_ACTION_HEADING = re.compile(
    r"^(?:[0-9ivx]+[.)]\s*)?(action items?|follow[- ]?ups?|corrective actions?)\b", re.I
)
# a cell boundary; a pipe right after a backslash is text, the rule markdown-it splits by too
_PIPE = re.compile(r"(?<!\\)\|")

_PARSER = MarkdownIt("commonmark").enable("table")


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
    """Cells of a table row the way GFM splits them: ``\\|`` is a literal pipe, outer pipes
    are optional. Unlike the parsed table, this keeps cells beyond the header's count."""
    cells = _PIPE.split(line.strip())
    if len(cells) > 1 and cells[0] == "":
        cells.pop(0)
    if len(cells) > 1 and cells[-1] == "":
        cells.pop()
    return [c.strip().replace("\\|", "|") for c in cells]


@dataclass(frozen=True)
class CheckItem:
    """A task-list item (``- [ ] text`` or ``- [x] text``) with its line."""

    line: int
    done: bool
    text: str


@dataclass(frozen=True)
class TextLine:
    """A line of paragraph text (outside code and quotes) under the heading it sits under."""

    line: int
    text: str
    heading: str  # the nearest top-level heading above, as written ("" before any)


@dataclass
class Body:
    """What the postmortem readers take from a Markdown body."""

    tables: list[Table] = field(default_factory=list)  # in the action-items section
    checks: list[CheckItem] = field(default_factory=list)  # in the action-items section
    section: int | None = None  # the action-items heading's line
    lines: list[TextLine] = field(default_factory=list)  # every paragraph line
    title: str | None = None  # the first level-1 heading
    title_line: int | None = None


_TASK = re.compile(r"^\[([ xX])\]\s+(.*)$", re.S)


def read_body(text: str, start_line: int = 1) -> Body:
    """The action items (tables and task lists) of the "Action items" section (the heading
    may also read "Follow-ups" or "Corrective actions", numbered or not, ``#``-style or
    underlined; sub-sections such as "Short term" included, up to the next heading of the same
    or a higher level), every paragraph line with its heading, and the first level-1 heading.
    Lines before ``start_line`` (the front matter) are not read."""
    lines = split_lines(text)
    # markdown-it also ends a line at a lone "\r"; editors (and split_lines) do not, so it
    # becomes a space to keep the parser's line numbers the file's
    body_text = "\n".join(lines[start_line - 1 :]).replace("\r", " ")
    tokens = _PARSER.parse(body_text)
    offset = start_line  # token maps count body lines from 0
    body = Body()
    level, quoted, heading, closed = 0, 0, "", False
    in_item = 0
    for i, token in enumerate(tokens):
        if token.type == "blockquote_open":
            quoted += 1
        elif token.type == "blockquote_close":
            quoted -= 1
        elif token.type == "list_item_open":
            in_item += 1
        elif token.type == "list_item_close":
            in_item -= 1
        elif token.type == "heading_open" and token.level == 0:
            depth = int(token.tag[1:])  # "h2" -> 2, for ATX and setext alike
            heading = tokens[i + 1].content
            if depth == 1 and body.title is None:
                body.title, body.title_line = heading.strip(), _line(token, offset)
            if body.section is None and not closed:
                if _ACTION_HEADING.match(heading):
                    body.section, level = _line(token, offset), depth
            elif body.section is not None and depth <= level:
                closed = True
        elif quoted:
            continue
        elif token.type == "table_open" and _open(body, closed):
            body.tables.append(_table(tokens, i, offset, lines))
        elif token.type == "inline" and tokens[i - 1].type == "paragraph_open":
            first = _line(tokens[i - 1], offset)
            task = _TASK.match(token.content) if in_item else None
            if task and _open(body, closed) and tokens[i - 2].type == "list_item_open":
                text_ = " ".join(task.group(2).split())
                body.checks.append(CheckItem(first, task.group(1) != " ", text_))
                continue
            for k, part in enumerate(token.content.split("\n")):
                body.lines.append(TextLine(first + k, part, heading))
    return body


def _open(body: Body, closed: bool) -> bool:
    return body.section is not None and not closed


def action_item_tables(text: str, start_line: int = 1) -> tuple[list[Table], int | None]:
    """The tables of the "Action items" section and the heading's line (:func:`read_body`);
    ``([], None)`` without that section."""
    body = read_body(text, start_line)
    return body.tables, body.section


def _line(token: Token, offset: int) -> int:
    assert token.map is not None  # block tokens always carry their source lines
    return token.map[0] + offset


def _table(tokens: list[Token], start: int, offset: int, lines: list[str]) -> Table:
    """The table opened at ``tokens[start]``: a row per ``tr``, a cell per inline token."""
    rows: list[tuple[int, list[str]]] = []
    for token in tokens[start + 1 :]:
        if token.type == "table_close":
            break
        if token.type == "tr_open":
            rows.append((_line(token, offset), []))
        elif token.type == "inline":
            rows[-1][1].append(token.content)
    (header_line, header), *body = rows
    table = Table(header, header_line)
    for line, cells in body:
        # markdown-it pads a short row and drops the cells past the header; those are kept
        # from the source line (an unescaped pipe shifted the columns, worth a warning)
        table.rows.append((line, cells + split_row(lines[line - 1])[len(header) :]))
    return table
