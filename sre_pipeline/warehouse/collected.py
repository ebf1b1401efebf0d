"""Writing what a collection returned without losing what it did not.

A collection of a time window replaces the stored rows of that window per key (SLO or capacity
resource), but only for the keys it actually collected:

- keys whose queries failed (server down, timeout, rejected answer) keep their rows untouched;
- a key whose query succeeded but returned no series, where rows are stored, is a failure too:
  a query that silently matches nothing after a relabelling must not empty the history;
- keys no longer configured are removed only by a collection in which nothing failed.

When nothing is to be replaced no transaction is opened at all, so a run against a stopped
server leaves the warehouse exactly as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Engine, Table

from sre_pipeline.warehouse.reads import stored_keys
from sre_pipeline.warehouse.writes import Slice, replace_slices


@dataclass(frozen=True)
class CollectedWrite:
    """What a collection write did: rows removed and inserted, and per key what happened."""

    deleted: int
    inserted: int
    replaced: list[str] = field(default_factory=list)  # keys whose window was replaced
    kept: list[str] = field(default_factory=list)  # failed keys, left as stored
    vanished: list[str] = field(default_factory=list)  # stored keys that answered no series

    @property
    def complete(self) -> bool:
        """True when every configured key was replaced (nothing kept, nothing vanished)."""
        return not self.kept and not self.vanished


def write_collected(
    engine: Engine,
    table: Table,
    frame: pd.DataFrame,
    window: tuple[pd.Timestamp, pd.Timestamp],
    time_column: str,
    key_column: str,
    configured: Sequence[str],
    failed: Iterable[str] = (),
    no_data: Iterable[str] = (),
    companions: Sequence[tuple[Table, pd.DataFrame, str]] = (),
    companion_window: tuple[pd.Timestamp, pd.Timestamp] | None = None,
    others: Iterable[str] = (),
) -> CollectedWrite:
    """Replace ``window`` of ``table`` with ``frame`` for the keys that were collected.

    ``failed`` keys and ``no_data`` keys with stored rows are kept as they are; ``frame`` rows
    of kept keys are not written. ``companions`` (table, frame, its time column) are derived
    from the same collection (the daily roll-ups): replaced for the same keys and window in
    the same transaction, so they never disagree with the rows they were made from; over
    ``companion_window`` instead when given (the roll-ups of a day collected from a resume
    point start at its midnight, before the window). ``others`` are configured keys this
    write does not collect (another resume group's): neither replaced nor orphans.
    """
    start, end = window
    stored = stored_keys(engine, table, time_column, start, end, key_column)
    failed, others = set(failed), set(others)
    vanished = sorted((set(no_data) & stored) - failed)
    keep = failed | set(vanished)
    replace = [k for k in configured if k not in keep]
    if keep or others:
        if not keep:
            replace += sorted(stored - set(configured) - others)  # orphans, as below
        where = Slice(time_column, start, end, key_column, replace)
    else:
        replace += sorted(stored - set(configured))  # orphans of a changed configuration
        where = Slice(time_column, start, end)  # the whole window: one range delete
    kept = sorted(k for k in failed if k in set(configured) | stored)
    if not replace:
        return CollectedWrite(0, 0, [], kept, vanished)
    writes = [(table, frame, where)]
    for other, rows, column in companions:
        if companion_window is None:
            writes.append((other, rows, replace_time_column(where, column)))
        else:
            lo, hi = companion_window
            writes.append((other, rows, Slice(column, lo, hi, key_column, replace)))
    if keep:
        writes = [(t, f[f[key_column].astype(str).isin(replace)], w) for t, f, w in writes]
    written = replace_slices(engine, writes)[0]
    return CollectedWrite(written.deleted, written.inserted, replace, kept, vanished)


def replace_time_column(where: Slice, column: str) -> Slice:
    """``where`` on another table whose time column is ``column``."""
    return Slice(column, where.start, where.end, where.key_column, where.keys)
