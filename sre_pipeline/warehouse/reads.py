"""Reading slices back as typed frames (UTC timestamps, dates, categorical SLO ids)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import Date, DateTime, Engine, Table

from sre_pipeline.slo.budget.rollup import ROLLUP_COLUMNS
from sre_pipeline.slo.model import SLO
from sre_pipeline.warehouse.schema import burn_alert_episodes, sli_events, slo_catalog, slo_daily
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
    return _with_types(frame, table)


def _with_types(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    """Timestamps as UTC, dates as ``datetime.date`` (what SQLite returns as text too)."""
    for column in table.columns:
        if isinstance(column.type, DateTime):
            frame[column.name] = pd.to_datetime(frame[column.name], utc=True)
        elif isinstance(column.type, Date):
            frame[column.name] = [
                pd.Timestamp(v).date() if v is not None else None for v in frame[column.name]
            ]
    return frame


FETCH_ROWS = 500_000
EVENT_COLUMNS = ("slo", "bucket_start", "good", "total")  # sli_events as the evaluator reads it
_SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"  # the text SQLAlchemy's SQLite DATETIME stores


def _utc(value) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def read_columns(
    engine: Engine,
    table: Table,
    columns: Sequence[str],
    time_column: str,
    start,
    end,
    categorical: str | None = None,
    key_column: str | None = None,
    keys: Sequence[str] | None = None,
) -> pd.DataFrame:
    """``columns`` of the rows of ``table`` whose ``time_column`` (a DateTime or a Date) is in
    ``[start, end)`` (and, given ``keys``, whose ``key_column`` is one of them; at most
    :data:`KEY_CHUNK` keys), in no particular order: times as UTC timestamps, dates as
    ``datetime.date``, ``categorical`` (a key column) as a pandas categorical.

    The fast path for millions of rows: fetched through the driver's cursor in chunks and
    turned into numpy columns chunk by chunk, without SQLAlchemy's per-value type processing,
    so no Python object per row outlives its chunk.
    """
    types = {c.name: c.type for c in table.columns}
    is_date = isinstance(types[time_column], Date) and not isinstance(types[time_column], DateTime)
    with engine.connect() as conn:
        dialect = conn.dialect.name
        names = [f'"{c}"' for c in columns]
        if dialect == "postgresql":
            names = [
                f'EXTRACT(EPOCH FROM "{c}")::float8' if isinstance(types[c], DateTime) else n
                for c, n in zip(columns, names, strict=True)
            ]
            mark = "%s"
            bounds = (
                (pd.Timestamp(start).date(), pd.Timestamp(end).date())
                if is_date
                else (_utc(start).to_pydatetime(), _utc(end).to_pydatetime())
            )
        else:
            mark = "?"
            bounds = (
                (pd.Timestamp(start).date().isoformat(), pd.Timestamp(end).date().isoformat())
                if is_date
                else (_utc(start).strftime(_SQLITE_TIME), _utc(end).strftime(_SQLITE_TIME))
            )
        sql = (
            f'SELECT {", ".join(names)} FROM "{table.name}" '
            f'WHERE "{time_column}" >= {mark} AND "{time_column}" < {mark}'
        )
        if keys is not None:
            if not 0 < len(keys) <= KEY_CHUNK:
                raise ValueError(f"read_columns takes 1..{KEY_CHUNK} keys, not {len(keys)}")
            sql += f' AND "{key_column}" IN ({", ".join([mark] * len(keys))})'
            bounds = (*bounds, *keys)
        raw = conn.connection.dbapi_connection
        # PostgreSQL: a server-side cursor streams the chunks; a client-side one would hold
        # the whole answer in libpq's memory at once (2.8 GB for 14 million events)
        cursor = raw.cursor(name="sre_pipeline_read") if dialect == "postgresql" else raw.cursor()
        try:
            cursor.execute(sql, bounds)
            parts = []
            while chunk := cursor.fetchmany(FETCH_ROWS):
                parts.append(_typed(chunk, columns, types, dialect, categorical))
        finally:
            cursor.close()
    if not parts:
        return pd.DataFrame(
            {c: _typed([], [c], types, dialect, None)[c] for c in columns}, columns=list(columns)
        )
    return pd.concat(parts, ignore_index=True)


def _typed(rows: list[tuple], columns, types, dialect: str, categorical) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(rows, columns=list(columns))
    for name in columns:
        kind = types[name]
        if isinstance(kind, DateTime):
            if dialect == "postgresql":
                frame[name] = pd.to_datetime(frame[name].astype(float), unit="s", utc=True)
            else:
                frame[name] = pd.to_datetime(frame[name], format=_SQLITE_TIME, utc=True)
        elif isinstance(kind, Date) and dialect != "postgresql":
            # one conversion per distinct day, not per row
            days = pd.to_datetime(frame[name], format="%Y-%m-%d")
            unique = {d: d.date() for d in days.unique()}
            frame[name] = days.map(unique).astype(object)
    if categorical:
        frame[categorical] = frame[categorical].astype("category")  # unified after concat
    return frame


def read_events(engine: Engine, start, end, slos: Sequence[str] | None = None) -> pd.DataFrame:
    """SLI events in ``[start, end)`` as the evaluator takes them (categorical ``slo``), read
    with :func:`read_columns`."""

    columns = list(EVENT_COLUMNS)
    few = slos is not None and 0 < len(slos) <= KEY_CHUNK  # filtered in SQL, on the index
    frame = read_columns(
        engine,
        sli_events,
        columns,
        "bucket_start",
        start,
        end,
        "slo",
        *(("slo", list(slos)) if few else ()),
    )
    wanted = list(slos) if slos is not None else sorted(frame["slo"].astype(object).unique())
    if slos is not None:
        frame = frame[frame["slo"].isin(set(wanted))]
    frame["slo"] = pd.Categorical(frame["slo"].astype(object), categories=wanted)
    return frame[columns].reset_index(drop=True)


def read_event_parts(engine: Engine, parts: Sequence[tuple], ids: Sequence[str]) -> pd.DataFrame:
    """Events of each ``(start, end, SLO ids)`` part as one frame (categories: ``ids``): the
    read of a plan that needs different stretches of buckets for different SLOs."""
    frames = [read_events(engine, lo, hi, part) for lo, hi, part in parts if part and hi > lo]
    frames = [f for f in frames if len(f)] or frames[:1]  # empty ones would change dtypes
    if not frames:
        return read_events(engine, pd.Timestamp(0, tz="UTC"), pd.Timestamp(0, tz="UTC"), ids)
    if len(frames) == 1:
        frames[0]["slo"] = frames[0]["slo"].cat.set_categories(list(ids))
        return frames[0]
    frame = pd.concat([f.astype({"slo": object}) for f in frames], ignore_index=True)
    frame["slo"] = pd.Categorical(frame["slo"], categories=list(ids))
    return frame


def latest_event_time(engine: Engine, start, end, slos: Sequence[str]) -> pd.Timestamp | None:
    """Start of the latest bucket in ``[start, end)`` of any of ``slos`` (UTC), or None: read
    backwards on the time index until a row of one of them, so usually one row."""
    wanted = set(slos)
    col = sli_events.c.bucket_start
    query = (
        sa.select(col, sli_events.c.slo)
        .where(col >= _utc(start).to_pydatetime(), col < _utc(end).to_pydatetime())
        .order_by(col.desc())
    )
    with engine.connect() as conn:
        result = conn.execution_options(yield_per=1000).execute(query)
        for stamp, slo in result:
            if slo in wanted:
                result.close()
                return _utc(stamp)
    return None


def read_rollups(engine: Engine, start, end, slos: Sequence[str]) -> pd.DataFrame:
    """Daily roll-ups (``slo_daily``) of ``slos`` whose day starts in ``[start, end)``."""
    few = 0 < len(slos) <= KEY_CHUNK
    frame = read_columns(
        engine,
        slo_daily,
        ROLLUP_COLUMNS,
        "day_start",
        start,
        end,
        None,
        *(("slo", list(slos)) if few else ()),
    )
    if not few:
        frame = frame[frame["slo"].astype(object).isin(set(slos))]
    return frame[ROLLUP_COLUMNS].reset_index(drop=True)


def read_episodes(engine: Engine, start, end) -> pd.DataFrame:
    """Burn-rate alert episodes overlapping ``[start, end)``: started before ``end`` and
    ended after ``start`` or still open (``end`` NULL), ordered by key."""
    t = burn_alert_episodes
    query = (
        sa.select(t)
        .where(t.c.start < end, sa.or_(t.c.end.is_(None), t.c.end > start))
        .order_by(*t.primary_key.columns)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return _with_types(pd.DataFrame(rows, columns=[c.name for c in t.columns]), t)


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


# (listed too, digest of the stored spec texts) -> the SLOs they parse to: parsing 10,000 specs
# took 1.4 s at each read (the collection, then its check, of every hourly run)
_PARSED: dict[tuple[bool, str], tuple[SLO, ...]] = {}
_PARSED_MAX = 4


def _catalog_specs(engine: Engine, include_listed: bool) -> list[tuple[str, str | None]]:
    """(id, spec as the stored JSON text) of the catalog's rows, in catalog order."""
    spec = sa.cast(slo_catalog.c.spec, sa.Text)  # the stored text itself, not parsed
    query = sa.select(slo_catalog.c.slo, spec).order_by(slo_catalog.c.position, slo_catalog.c.slo)
    if not include_listed:
        query = query.where(slo_catalog.c.collectable)
    with engine.connect() as conn:
        return [(str(slo), text) for slo, text in conn.execute(query)]


def _specs_key(include_listed: bool, specs: list[tuple[str, str | None]]) -> tuple[bool, str]:
    digest = hashlib.blake2b(digest_size=20)
    for slo, text in specs:
        digest.update(slo.encode() + b"\0" + (text or "").encode() + b"\1")
    return include_listed, digest.hexdigest()


def stored_catalog(engine: Engine, include_listed: bool = False) -> list[SLO] | None:
    """The SLOs of the materialised ``slo_catalog`` the pipeline collects, in catalog order
    (with ``include_listed``, those it lists without collecting too); None when nothing is
    stored or a row predates the stored spec (schema revision 0003). The same stored specs
    are parsed once per process."""
    specs = _catalog_specs(engine, include_listed)
    if not specs or any(text is None for _, text in specs):
        return None
    key = _specs_key(include_listed, specs)
    if key not in _PARSED:
        _remember(key, tuple(SLO.model_validate(json.loads(text)) for _, text in specs))
    return list(_PARSED[key])


def remember_stored_catalog(engine: Engine, slos: Sequence[SLO]) -> None:
    """Tell :func:`stored_catalog` what the stored specs parse to: ``slos``, the SLOs just
    written (or found unchanged) by the catalog step, which the specs were dumped from."""
    by_id = {s.id: s for s in slos}
    for include_listed in (False, True):
        specs = _catalog_specs(engine, include_listed)
        if specs and all(text is not None and slo in by_id for slo, text in specs):
            _remember(_specs_key(include_listed, specs), tuple(by_id[slo] for slo, _ in specs))


def _remember(key: tuple[bool, str], slos: tuple[SLO, ...]) -> None:
    if len(_PARSED) >= _PARSED_MAX:
        del _PARSED[next(iter(_PARSED))]
    _PARSED[key] = slos


def stored_catalog_ids(engine: Engine) -> list[str] | None:
    """The ids of the SLOs :func:`stored_catalog` returns, without parsing their specs."""
    specs = _catalog_specs(engine, False)
    if not specs or any(text is None for _, text in specs):
        return None
    return [slo for slo, _ in specs]
