"""Read and write the bucket-count CSV (``slo,bucket_start,good,total``) that
``sre-pipeline collect`` writes and ``sre-pipeline evaluate`` reads.

Bad rows are reported with the file, the line and the column, all at once, before anything is
computed; :mod:`sre_pipeline.slo.exchange.events_grid` then checks the rows against one bucket grid.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from sre_pipeline.inputs.problems import Problem, SpecError

COLUMNS = ["slo", "bucket_start", "good", "total"]
MAX_ROW_PROBLEMS = 20  # per column: enough to see the pattern without flooding the terminal


def _row_problems(
    file: str, mask: np.ndarray, column: str, values, message: str, expected: str, lines
):
    rows = np.flatnonzero(mask)
    out = [
        Problem(file, None, column, f"{message} ({values[i]!r})", expected, int(lines[i]))
        for i in rows[:MAX_ROW_PROBLEMS]
    ]
    if len(rows) > MAX_ROW_PROBLEMS:
        out.append(
            Problem(
                file, None, column, f"... and {len(rows) - MAX_ROW_PROBLEMS} more rows", expected
            )
        )
    return out


@dataclass
class EventsFile:
    """A parsed events CSV: the frame, each row's line in the file, and warnings."""

    file: str
    frame: pd.DataFrame
    lines: np.ndarray  # 1-based file line of each row of ``frame``
    warnings: list[Problem] = field(default_factory=list)


def _open_quote_line(path: str | Path) -> int | None:
    """The line where a quoted field opens and never closes (the CSV parser only says it hit
    the end of the file inside one). A quote opens a field only at its start; inside, ``""``
    is an escaped quote."""
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    opened, line = None, 1
    quoted = closed = False  # inside a quoted field; just after its (maybe) closing quote
    at_start = True
    for ch in text:
        if quoted:
            quoted, closed = ch != '"', ch == '"'
        elif ch == '"' and (closed or at_start):
            opened = opened if closed else line  # "" continues the field opened before
            quoted, closed = True, False
        else:
            closed = False
        line += ch == "\n"
        at_start = not quoted and ch in ",\n"
    return opened if quoted else None


def _cannot_read(file: str, path, exc: Exception) -> SpecError:
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    line = None
    if "EOF inside string" in msg:
        line = _open_quote_line(path)
        msg = "a quoted field opened here is never closed"
    return SpecError([Problem(file, None, "(file)", f"cannot read CSV: {msg}", "a CSV file", line)])


def read_events_csv(path: str | Path) -> tuple[pd.DataFrame, list[Problem]]:
    """Parse and check an events CSV; returns the frame and warnings, raises SpecError on errors
    (see :func:`read_events`)."""
    events = read_events(path)
    return events.frame, events.warnings


def read_events(path: str | Path) -> EventsFile:
    """Parse and check an events CSV, keeping each row's line; raises SpecError on errors.

    ``bucket_start`` is ISO 8601 (UTC when it has no offset); ``good`` and ``total`` are finite
    non-negative numbers. A row with good > total is kept and flagged as a warning.
    """
    file = str(path)
    try:
        # keep blank lines as rows (then drop them) so the index still maps to the file line
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, skip_blank_lines=False)
        raw = raw[(raw != "").any(axis=1)]
    except FileNotFoundError:
        raise SpecError([Problem(file, None, "(file)", "no such file", "an events CSV")]) from None
    except (OSError, pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise _cannot_read(file, path, exc) from None
    problems: list[Problem] = []
    missing = [c for c in COLUMNS if c not in raw.columns]
    extra = [c for c in raw.columns if c not in COLUMNS]
    if missing or extra:
        what = "; ".join(
            part
            for part in (
                f"missing column(s) {', '.join(missing)}" if missing else "",
                f"unexpected column(s) {', '.join(extra)}" if extra else "",
            )
            if part
        )
        raise SpecError(
            [Problem(file, None, "(header)", what, "the header " + ",".join(COLUMNS), 1)]
        )
    if raw.empty:
        raise SpecError([Problem(file, None, "(file)", "no rows", "at least one bucket row")])
    lines = raw.index.to_numpy() + 2  # 1-based, after the header

    def flag(mask, column: str, values, message: str, expected: str) -> list[Problem]:
        return _row_problems(file, np.asarray(mask), column, values, message, expected, lines)

    slo = raw["slo"].str.strip()
    problems += flag(slo == "", "slo", slo.to_numpy(), "empty", "an SLO id")
    ts = pd.to_datetime(raw["bucket_start"], utc=True, errors="coerce", format="ISO8601")
    problems += flag(
        ts.isna(),
        "bucket_start",
        raw["bucket_start"].to_numpy(),
        "not an ISO 8601 time",
        "e.g. 2026-11-02T10:05:00Z",
    )
    counts = {}
    for col in ("good", "total"):
        # to_numeric finds the bad cells, but its fast parser is not exact (1 ulp off for some
        # values); astype(float) parses the good ones exactly, so a CSV round trip is lossless
        parsed = pd.to_numeric(raw[col], errors="coerce")
        values = raw[col].where(parsed.notna(), "nan").str.strip().astype(float).to_numpy()
        bad = ~np.isfinite(values) | (values < 0)
        problems += flag(
            bad, col, raw[col].to_numpy(), "not a finite non-negative number", "a count >= 0"
        )
        counts[col] = values
    if problems:
        raise SpecError(problems)
    frame = pd.DataFrame(
        {
            "slo": pd.Categorical(slo.to_numpy()),
            "bucket_start": ts.array,
            "good": counts["good"],
            "total": counts["total"],
        }
    )
    dup = frame.duplicated(["slo", "bucket_start"])
    if dup.any():
        raise SpecError(
            flag(
                dup,
                "slo,bucket_start",
                raw["bucket_start"].to_numpy(),
                "duplicate bucket",
                "one row per SLO and bucket",
            )
        )
    gt = frame["good"].to_numpy() > frame["total"].to_numpy()
    warnings = [
        replace(p, severity="warning")
        for p in flag(
            gt,
            "good",
            raw["good"].to_numpy(),
            "good exceeds total (kept, flagged)",
            "good <= total",
        )
    ]
    return EventsFile(file, frame, lines, warnings)


def _count_text(value: float) -> str:
    """Shortest text that reads back as exactly the same float (998, 12.5, 12345678912)."""
    value = float(value)
    return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)


def write_events_csv(frame: pd.DataFrame, path: str | Path) -> None:
    """Write events in the exact format :func:`read_events_csv` reads (UTC, ISO 8601, 'Z')."""
    out = frame[COLUMNS].copy()
    out["bucket_start"] = pd.to_datetime(out["bucket_start"], utc=True).dt.strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    tmp = Path(str(path) + ".tmp")
    try:
        out.to_csv(tmp, index=False, float_format=_count_text)
        tmp.replace(path)  # never leave a half-written file where a reader expects a whole one
    except BaseException:
        tmp.unlink(missing_ok=True)  # nor a half-written one next to it (disk full, Ctrl-C)
        raise
