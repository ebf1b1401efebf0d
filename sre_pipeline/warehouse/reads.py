"""Reading slices back as typed frames (UTC timestamps, dates, categorical SLO ids)."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import Date, DateTime, Engine, Table

from sre_pipeline.slo.model import SLO
from sre_pipeline.warehouse.schema import slo_catalog
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
    key_sets = (
        [None]
        if keys is None
        else [list(keys)[i : i + KEY_CHUNK] for i in range(0, len(keys), KEY_CHUNK)] or [[]]
    )
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
            frame[column.name] = [
                pd.Timestamp(v).date() if v is not None else None for v in frame[column.name]
            ]
    return frame


FETCH_ROWS = 500_000


def read_events(engine: Engine, start, end, slos: Sequence[str] | None = None) -> pd.DataFrame:
    """SLI events in ``[start, end)`` as the evaluator takes them (categorical ``slo``).

    Millions of rows: fetched through the driver's cursor in chunks and turned into numpy
    columns chunk by chunk, so no Python object per row outlives its chunk.
    """
    start_ts, end_ts = pd.Timestamp(start), pd.Timestamp(end)
    start_ts = (
        start_ts.tz_localize("UTC") if start_ts.tzinfo is None else start_ts.tz_convert("UTC")
    )
    end_ts = end_ts.tz_localize("UTC") if end_ts.tzinfo is None else end_ts.tz_convert("UTC")
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            sql = (
                "SELECT slo, EXTRACT(EPOCH FROM bucket_start)::float8, good, total "
                "FROM sli_events WHERE bucket_start >= %s AND bucket_start < %s"
            )
            params = (start_ts.to_pydatetime(), end_ts.to_pydatetime())
        else:
            fmt = "%Y-%m-%d %H:%M:%S.%f"  # the text SQLAlchemy's SQLite DATETIME stores
            sql = (
                "SELECT slo, bucket_start, good, total FROM sli_events "
                "WHERE bucket_start >= ? AND bucket_start < ?"
            )
            params = (start_ts.strftime(fmt), end_ts.strftime(fmt))
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            cursor.execute(sql, params)
            parts = []
            while chunk := cursor.fetchmany(FETCH_ROWS):
                parts.append(_event_columns(chunk, conn.dialect.name))
        finally:
            cursor.close()
    if parts:
        frame = pd.concat(parts, ignore_index=True)
    else:
        frame = pd.DataFrame(
            {
                "slo": pd.Series(dtype=object),
                "good": [],
                "total": [],
                "bucket_start": pd.Series(dtype="datetime64[ns, UTC]"),
            }
        )
    wanted = list(slos) if slos is not None else sorted(frame["slo"].unique())
    if slos is not None:
        frame = frame[frame["slo"].isin(set(wanted))]
    frame["slo"] = pd.Categorical(frame["slo"], categories=wanted)
    return frame[["slo", "bucket_start", "good", "total"]].reset_index(drop=True)


def _event_columns(rows: list[tuple], dialect: str) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(rows, columns=["slo", "bucket_start", "good", "total"])
    if dialect == "postgresql":
        frame["bucket_start"] = pd.to_datetime(frame["bucket_start"], unit="s", utc=True)
    else:
        frame["bucket_start"] = pd.to_datetime(
            frame["bucket_start"], format="%Y-%m-%d %H:%M:%S.%f", utc=True
        )
    frame["slo"] = frame["slo"].astype("category")  # small per chunk; unified after concat
    return frame


def stored_keys(
    engine: Engine, table: Table, time_column: str, start, end, key_column: str
) -> set[str]:
    """Distinct ``key_column`` values of the rows in ``[start, end)`` (read on the time index)."""
    col = table.c[time_column]
    query = sa.select(table.c[key_column]).where(col >= start, col < end).distinct()
    with engine.connect() as conn:
        return {str(v) for (v,) in conn.execute(query)}


def first_event_time(engine: Engine) -> pd.Timestamp | None:
    """Start of the oldest stored SLI bucket (UTC), or None for an empty or new warehouse."""
    if not sa.inspect(engine).has_table("sli_events"):
        return None
    with engine.connect() as conn:
        oldest = conn.execute(
            sa.select(sa.func.min(sa.text("bucket_start"))).select_from(sa.table("sli_events"))
        ).scalar()
    if oldest is None:
        return None
    ts = pd.Timestamp(oldest)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def stored_catalog(engine: Engine) -> list[SLO] | None:
    """The SLOs of the materialised ``slo_catalog`` in catalog order; None when nothing is
    stored or a row predates the stored spec (schema revision 0003)."""
    query = sa.select(slo_catalog.c.spec).order_by(slo_catalog.c.position, slo_catalog.c.slo)
    with engine.connect() as conn:
        specs = [row.spec for row in conn.execute(query)]
    if not specs or any(spec is None for spec in specs):
        return None
    return [SLO.model_validate(json.loads(s) if isinstance(s, str) else s) for s in specs]
