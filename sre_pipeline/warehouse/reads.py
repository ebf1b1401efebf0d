"""Reading slices back as typed frames (UTC timestamps, dates, categorical SLO ids)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import Date, DateTime, Engine, Table

from sre_pipeline.warehouse.schema import sli_events
from sre_pipeline.warehouse.writes import KEY_CHUNK


def read_slice(
    engine: Engine,
    table: Table,
    time_column: str | None = None,
    start=None,
    end=None,
    key_column: str | None = None,
    keys: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Rows of ``table`` in ``[start, end)`` (and ``keys``), ordered by primary key, typed:
    timestamps as UTC, dates as ``datetime.date``."""
    conditions = []
    if time_column and start is not None:
        conditions.append(table.c[time_column] >= start)
    if time_column and end is not None:
        conditions.append(table.c[time_column] < end)
    order = list(table.primary_key.columns)
    frames = []
    key_sets = [None] if keys is None else [
        list(keys)[i : i + KEY_CHUNK] for i in range(0, len(keys), KEY_CHUNK)
    ] or [[]]  # fmt: skip
    with engine.connect() as conn:
        for part in key_sets:
            where = conditions + ([table.c[key_column].in_(part)] if part is not None else [])
            rows = conn.execute(sa.select(table).where(*where).order_by(*order)).all()
            frames.append(pd.DataFrame(rows, columns=[c.name for c in table.columns]))
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    for column in table.columns:
        if isinstance(column.type, DateTime):
            frame[column.name] = pd.to_datetime(frame[column.name], utc=True)
        elif isinstance(column.type, Date):
            frame[column.name] = [pd.Timestamp(v).date() if v is not None else None
                                  for v in frame[column.name]]  # fmt: skip
    return frame


def read_events(engine: Engine, start, end, slos: Sequence[str] | None = None) -> pd.DataFrame:
    """SLI events in ``[start, end)`` as the evaluator takes them (categorical ``slo``)."""
    frame = read_slice(engine, sli_events, "bucket_start", start, end, "slo" if slos else None,
                       slos)  # fmt: skip
    frame = frame[["slo", "bucket_start", "good", "total"]]
    frame["slo"] = pd.Categorical(frame["slo"], categories=list(slos) if slos else None)
    return frame
