"""Suite results kept with a fingerprint of what they checked (``quality_results``).

Each daily check stores its day's outcome with the day's data fingerprint (row count and the
sums of its value columns, computed by the database over the stored rows) and a digest of the
suite's inputs (the catalog's ids, the bucket width, the thresholds). The weekly data-quality
section recomputes the fingerprint (one aggregate query a day) and re-runs the suite only where
it differs: a re-collected, edited or deleted day, a changed catalog or threshold, or a day no
check stored. So the section stays true to the warehouse at publish time, works without a
Dagster instance, and does not read and validate 20 million events at 10,000 SLOs.

What a fingerprint cannot see: an edit that keeps the row count and every sum (a value moved
from one bucket to another by hand). Every write by the pipeline re-runs the check and stores
a new result, so only a manual edit of that exact kind escapes, and only until the day is
re-collected.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import Engine, Table

from sre_pipeline.warehouse.schema import quality_results

SUM_RTOL = 1e-12  # sums of the same rows in another order (PostgreSQL's parallel aggregates)


@dataclass(frozen=True)
class Fingerprint:
    """What a suite run checked: the data's rows and sums, and a digest of its inputs."""

    inputs: str
    rows: int
    sums: tuple[float, ...]

    def matches(self, other: Fingerprint) -> bool:
        """Same inputs, rows and sums (up to the last bits of a float sum)."""
        return (
            self.inputs == other.inputs
            and self.rows == other.rows
            and len(self.sums) == len(other.sums)
            and all(
                math.isclose(a, b, rel_tol=SUM_RTOL, abs_tol=1e-9)
                for a, b in zip(self.sums, other.sums, strict=True)
            )
        )


@dataclass(frozen=True)
class StoredRun:
    """One stored suite result."""

    fingerprint: Fingerprint
    rows: int
    errors: tuple[str, ...]
    warnings: tuple[str, ...]
    partial: dict[str, float]  # series with coverage under 100 %
    settled: str | None = None  # the day's settled state the check saw (rollup.settled_digest)


def inputs_digest(*parts) -> str:
    """SHA-256 of the suite's inputs (JSON; sets and tuples as sorted lists)."""
    text = json.dumps(parts, sort_keys=True, default=lambda x: sorted(map(str, x)))
    return hashlib.sha256(text.encode()).hexdigest()


def fingerprint(
    engine: Engine,
    table: Table,
    time_column: str,
    value_columns: Sequence[str],
    start,
    end,
    inputs: str,
) -> Fingerprint:
    """Rows of ``table`` in ``[start, end)`` and the sums of ``value_columns``, summed by the
    database (one aggregate over the time index; nothing is read into Python)."""
    col = table.c[time_column]
    lo, hi = (pd.Timestamp(x).tz_convert("UTC").to_pydatetime() for x in (start, end))
    query = sa.select(
        sa.func.count(), *(sa.func.coalesce(sa.func.sum(table.c[c]), 0.0) for c in value_columns)
    ).where(col >= lo, col < hi)
    with engine.connect() as conn:
        rows, *sums = conn.execute(query).one()
    return Fingerprint(inputs, int(rows), tuple(float(s) for s in sums))


def store(
    engine: Engine,
    suite: str,
    scope: str,
    print_: Fingerprint,
    rows: int,
    errors: Sequence[str],
    warnings: Sequence[str],
    partial: dict[str, float] | None = None,
    settled: str | None = None,
) -> None:
    """Keep a suite's result over ``scope``, replacing the one stored before; ``settled``: the
    :func:`~sre_pipeline.slo.budget.rollup.settled_digest` of the day's roll-ups it saw (a
    day in progress)."""
    row = {
        "suite": suite,
        "scope": scope,
        "inputs": print_.inputs,
        "data_rows": print_.rows,
        "data_sums": json.dumps(list(print_.sums)),
        "rows": int(rows),
        "errors": json.dumps(list(errors)),
        "warnings": json.dumps(list(warnings)),
        "partial": json.dumps(partial or {}, sort_keys=True),
        "checked_at": pd.Timestamp.now(tz="UTC").to_pydatetime(),
        "settled": settled,
    }
    key = (quality_results.c.suite == suite) & (quality_results.c.scope == scope)
    with engine.begin() as conn:
        conn.execute(sa.delete(quality_results).where(key))
        conn.execute(sa.insert(quality_results), [row])


def load(engine: Engine, suite: str, scopes: Sequence[str]) -> dict[str, StoredRun]:
    """The stored results of ``suite`` over ``scopes`` (those that have one)."""
    if not scopes or not sa.inspect(engine).has_table("quality_results"):
        return {}
    t = quality_results
    query = sa.select(t).where(t.c.suite == suite, t.c.scope.in_(list(scopes)))
    out = {}
    with engine.connect() as conn:
        for r in conn.execute(query).mappings():
            out[r["scope"]] = StoredRun(
                Fingerprint(r["inputs"], r["data_rows"], tuple(json.loads(r["data_sums"]))),
                r["rows"],
                tuple(json.loads(r["errors"])),
                tuple(json.loads(r["warnings"])),
                json.loads(r["partial"]),
                r.get("settled"),
            )
    return out
