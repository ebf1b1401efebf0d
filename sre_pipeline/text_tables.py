"""Tables for people, laid out by tabulate: Markdown (asset metadata, check and quality
reports) and aligned plain text (the terminal).

Cells arrive as text: each caller decides how a value reads (``no data`` for NaN, escaped
pipes, thousands separators), these functions only lay the cells out. Neutral on purpose:
it imports tabulate and nothing of the project, so the domain packages, the commands and
the Dagster definitions can all share it.
"""

from __future__ import annotations

from collections.abc import Sequence

from tabulate import SEPARATING_LINE, DataRow, Line, TableFormat, tabulate


def _check(align: str | None, headers: Sequence[str]) -> str:
    """``align`` for every column (all ``l`` when not given); a mismatch is a programming
    error, caught here rather than as a skewed table."""
    align = align or "l" * len(headers)
    if len(align) != len(headers):
        raise ValueError(f"align {align!r} does not match {len(headers)} column(s)")
    return align


# The Markdown rule under the header, per column: left is Markdown's default (no colon).
_RULES = {"l": "---", "c": ":---:", "r": "---:"}
_MD_ROW = DataRow("|", "|", "|")


def markdown_table(
    rows: Sequence[Sequence[str]], headers: Sequence[str], align: str | None = None
) -> str:
    """``rows`` under ``headers`` as a compact Markdown table: ``| a | b |`` rows and a
    ``|---|---:|`` rule (``align``: one ``l``/``c``/``r`` per column, all ``l`` by default).

    Cells are used as given (no padding, no number parsing): escape pipes before calling.
    """
    align = _check(align, headers)
    rule = "|" + "".join(_RULES[a] + "|" for a in align)
    # tabulate's "pipe" format pads every cell to its column's width and draws the rule to
    # match. Markdown renders both forms alike; the compact one is what reports and asset
    # metadata have always carried (and what people grep for). stralign=None leaves cells
    # unpadded; the rule is a callable so that it ignores the column widths.
    fmt = TableFormat(
        lineabove=None,
        linebelowheader=lambda _widths, _aligns: rule,
        linebetweenrows=None,
        linebelow=None,
        headerrow=_MD_ROW,
        datarow=_MD_ROW,
        padding=1,
        with_header_hide=None,
    )
    return tabulate(
        [list(r) for r in rows],
        list(headers),
        tablefmt=fmt,
        stralign=None,
        disable_numparse=True,
        preserve_whitespace=True,
    )


# Two spaces between columns, no padding, a dashed rule where a separating line is asked
# for: tabulate's "simple" format without its lines above and below the table.
_TEXT = TableFormat(
    lineabove=None,
    linebelowheader=Line("", "-", "  ", ""),
    linebetweenrows=None,
    linebelow=None,
    headerrow=DataRow("", "  ", ""),
    datarow=DataRow("", "  ", ""),
    padding=0,
    with_header_hide=None,
)


def text_table(
    rows: Sequence[Sequence[str]],
    headers: Sequence[str],
    align: str | None = None,
    *,
    rule: bool = True,
) -> str:
    """``rows`` under ``headers`` as an aligned plain text table: two spaces between columns,
    no trailing spaces, and a dashed rule under the header unless ``rule`` is false
    (``align``: one ``l``/``r`` per column, all ``l`` by default).

    Cells are used as given (no number parsing), so "0.10x" stays "0.10x".
    """
    align = _check(align, headers)
    colalign = tuple("right" if a == "r" else "left" for a in align)
    # The header goes in as the first row: tabulate widens every column by MIN_PADDING (2)
    # beyond its header, a module-wide setting that is not safe to flip per call while other
    # threads (a Dagster run, GX) may be rendering.
    body = [list(headers), *([SEPARATING_LINE] if rule else []), *(list(r) for r in rows)]
    return tabulate(
        body,
        tablefmt=_TEXT,
        colalign=colalign,
        disable_numparse=True,
        preserve_whitespace=True,
    )
