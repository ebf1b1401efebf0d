"""The bucket width of an events CSV, and rows that do not fit one grid of that width.

Every row of an events file is one bucket of the same width, aligned to 00:00 UTC. A file
that mixes widths (a collector run at 5m appended to one at 1m, or a row one minute off) would
be evaluated on the wrong grid without a word, so each row that does not fit is an error with
its line. The width, when not given, is the most common spacing of consecutive buckets of an
SLO (a greatest common divisor would turn one stray row into a 1-minute grid).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sre_pipeline.inputs.durations import format_duration
from sre_pipeline.inputs.problems import Problem, SpecError
from sre_pipeline.slo.budget.grid import infer_width
from sre_pipeline.slo.exchange.events_csv import MAX_ROW_PROBLEMS, EventsFile


def _spacings(events: EventsFile) -> pd.DataFrame:
    """``slo``, ``spacing`` (ns) and ``line`` of each row after the first of its SLO."""
    frame = pd.DataFrame(
        {
            "slo": events.frame["slo"].astype(str).to_numpy(),
            "ts": events.frame["bucket_start"].array.asi8,
            "line": events.lines,
        }
    ).sort_values(["slo", "ts"], kind="stable")
    same = frame["slo"].to_numpy()[1:] == frame["slo"].to_numpy()[:-1]
    later = frame.iloc[1:][same]
    return pd.DataFrame(
        {
            "slo": later["slo"].to_numpy(),
            "spacing": np.diff(frame["ts"].to_numpy())[same],
            "line": later["line"].to_numpy(),
        }
    )


def _modes(spacings: pd.DataFrame) -> pd.DataFrame:
    """The most common spacing per SLO (ties: the smallest), with its count."""
    counts = spacings.value_counts(["slo", "spacing"]).rename("n").reset_index()
    counts = counts.sort_values(["slo", "n", "spacing"], ascending=[True, False, True])
    return counts.drop_duplicates("slo").set_index("slo")


def _label(width_ns: int) -> str:
    return format_duration(pd.Timedelta(int(width_ns), "ns").to_pytimedelta())


def _off_grid(events: EventsFile, width_ns: int) -> list[Problem]:
    """A problem for each row (the first few) that does not start on the grid."""
    rows = np.flatnonzero(events.frame["bucket_start"].array.asi8 % width_ns)
    label = _label(width_ns)
    expected = f"buckets {label} wide, aligned, or --bucket with the file's width"
    out = []
    for i in rows[:MAX_ROW_PROBLEMS]:
        start = f"{events.frame['bucket_start'].iloc[i]:%Y-%m-%dT%H:%M:%SZ}"
        message = f"{start} is not on the {label} bucket grid (counted from 00:00 UTC)"
        line = int(events.lines[i])
        out.append(Problem(events.file, None, "bucket_start", message, expected, line))
    if len(rows) > MAX_ROW_PROBLEMS:
        more = f"... and {len(rows) - MAX_ROW_PROBLEMS} more rows off the grid"
        out.append(Problem(events.file, None, "bucket_start", more, expected))
    return out


def _other_widths(spacings: pd.DataFrame, modes: pd.DataFrame, width_ns: int, file: str):
    """A problem for each SLO whose buckets are mostly spaced otherwise than the file's."""
    expected = "one bucket width per file (or --bucket with the width, for sparse rows)"
    out = []
    for slo, mode in modes[modes["spacing"] != width_ns].iterrows():
        spaced = spacings[(spacings["slo"] == slo) & (spacings["spacing"] == mode["spacing"])]
        message = (
            f"SLO '{slo}' has buckets {_label(mode['spacing'])} apart (the first such here), "
            f"the file's are {_label(width_ns)}"
        )
        line = int(spaced["line"].iloc[0])
        out.append(Problem(file, None, "bucket_start", message, expected, line))
    return out


def bucket_width(events: EventsFile, width_ns: int | None = None) -> int | None:
    """The bucket width (ns) of ``events``: ``width_ns`` when given, else inferred; None when a
    single bucket leaves it undecidable. Rows off the grid, and (when inferred) an SLO spaced
    at another width, raise :class:`SpecError` with their lines."""
    problems: list[Problem] = []
    if width_ns is None:
        spacings = _spacings(events)
        if spacings.empty:
            width_ns = infer_width(events.frame)  # one bucket per SLO: offsets across SLOs
        else:
            modes = _modes(spacings)
            totals = modes.groupby("spacing")["n"].sum()
            width_ns = int(totals.sort_index().idxmax())
            problems += _other_widths(spacings, modes, width_ns, events.file)
        if width_ns is None:
            return None
    problems = _off_grid(events, width_ns) + problems
    if problems:
        raise SpecError(problems)
    return int(width_ns)
