"""Slice writes on SQLite and PostgreSQL: idempotent, atomic, bounded to their slice."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from sre_pipeline.warehouse import writes
from sre_pipeline.warehouse.engine import make_engine
from sre_pipeline.warehouse.schema import outbound_audit, sli_events, slo_catalog, slo_status
from sre_pipeline.warehouse.writes import Slice, replace_slice, replace_slices

DAY1 = pd.Timestamp("2026-11-01T00:00Z")
DAY2 = DAY1 + pd.Timedelta(days=1)


def events(day: pd.Timestamp, slos=("a-x", "b-y"), total=100.0, bad=1.0) -> pd.DataFrame:
    starts = pd.date_range(day, periods=288, freq="5min")
    return pd.DataFrame(
        {
            "slo": np.repeat(slos, 288),
            "bucket_start": np.tile(starts, len(slos)),
            "good": total - bad,
            "total": total,
        }
    )


def day_slice(day, slos=None) -> Slice:
    return Slice("bucket_start", day, day + pd.Timedelta(days=1), "slo" if slos else None, slos)


def table_frame(engine, table) -> pd.DataFrame:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
    return pd.DataFrame(rows, columns=[c.name for c in table.columns])


def test_rewriting_a_partition_replaces_exactly_its_slice(engine):
    replace_slice(engine, sli_events, events(DAY1), day_slice(DAY1))
    replace_slice(engine, sli_events, events(DAY2), day_slice(DAY2))
    before = table_frame(engine, sli_events)
    result = replace_slice(engine, sli_events, events(DAY1), day_slice(DAY1))
    assert (result.deleted, result.inserted) == (576, 576)
    pd.testing.assert_frame_equal(table_frame(engine, sli_events), before)  # idempotent
    changed = replace_slice(engine, sli_events, events(DAY2, bad=5.0), day_slice(DAY2))
    after = table_frame(engine, sli_events)
    assert changed.deleted == 576 and len(after) == 1152
    assert set(after.loc[after.good == 95.0, "bucket_start"].map(lambda t: t.day)) == {2}


def test_slice_limited_to_some_slos_keeps_the_others(engine):
    replace_slice(engine, sli_events, events(DAY1), day_slice(DAY1))
    replace_slice(
        engine, sli_events, events(DAY1, slos=("a-x",), bad=9.0), day_slice(DAY1, ["a-x"])
    )
    frame = table_frame(engine, sli_events)
    assert frame.groupby("slo").good.max().to_dict() == {"a-x": 91.0, "b-y": 99.0}


def test_rows_outside_the_slice_are_refused(engine):
    with pytest.raises(ValueError, match="outside"):
        replace_slice(engine, sli_events, events(DAY2), day_slice(DAY1))
    with pytest.raises(ValueError, match="not in the slice's keys"):
        replace_slice(engine, sli_events, events(DAY1), day_slice(DAY1, ["a-x"]))
    assert table_frame(engine, sli_events).empty


def test_failure_in_the_middle_leaves_the_previous_content(engine, monkeypatch):
    replace_slice(engine, sli_events, events(DAY1), day_slice(DAY1))
    before = table_frame(engine, sli_events)
    real = writes.bulk_insert

    def half_then_fail(conn, table, columns, rows):
        real(conn, table, columns, rows[: len(rows) // 2])  # half is already inserted ...
        raise RuntimeError("disk full")  # ... when the write dies

    monkeypatch.setattr(writes, "bulk_insert", half_then_fail)
    with pytest.raises(RuntimeError, match="disk full"):
        replace_slice(engine, sli_events, events(DAY1, bad=50.0), day_slice(DAY1))
    pd.testing.assert_frame_equal(table_frame(engine, sli_events), before)


def test_several_tables_in_one_transaction(engine, monkeypatch):
    """Catalog and events written together: when the second write dies, the first rolls back."""
    catalog = pd.DataFrame(
        [
            {
                "slo": "a-x",
                "service": "a",
                "name": "x",
                "description": "",
                "objective": 0.999,
                "period": "30d",
                "sli_kind": "events",
                "budgeting": "occurrences",
                "window_set": "google",
                "aspirational": False,
                "labels": {},
                "source_format": "native",
                "source_file": "a.yaml",
            }
        ]
    )
    first = replace_slices(
        engine, [(slo_catalog, catalog, Slice()), (sli_events, events(DAY1), day_slice(DAY1))]
    )
    assert [r.inserted for r in first] == [1, len(events(DAY1))]
    before = table_frame(engine, slo_catalog), table_frame(engine, sli_events)
    real = writes.bulk_insert

    def fail_on_events(conn, table, columns, rows):
        if table is sli_events:
            raise RuntimeError("disk full")
        real(conn, table, columns, rows)

    monkeypatch.setattr(writes, "bulk_insert", fail_on_events)
    with pytest.raises(RuntimeError, match="disk full"):
        replace_slices(
            engine,
            [
                (slo_catalog, catalog.assign(objective=0.5), Slice()),
                (sli_events, events(DAY1, bad=50.0), day_slice(DAY1)),
            ],
        )
    pd.testing.assert_frame_equal(table_frame(engine, slo_catalog), before[0])
    pd.testing.assert_frame_equal(table_frame(engine, sli_events), before[1])


def test_types_round_trip_nulls_json_bools_dates(engine):
    row = {
        "slo": "a-x",
        "day": date(2026, 11, 1),
        "week_start": date(2026, 10, 26),
        "at": DAY2,
        "objective": 0.999,
        "period": "30d",
        "attainment": np.nan,
        "budget_remaining": None,
        "budget_remaining_events": 1.5,
        "budget_remaining_minutes": -2.0,
        "time_to_exhaustion_hours": np.nan,
        "escalation": None,
        "policy_tier": None,
        "coverage": 0.0,
        "events_total": 0.0,
        "events_bad": 0.0,
        "good_gt_total_buckets": 2,
        "aspirational": True,
        "alerts": [{"severity": "page", "long_window": "1h"}],
        **{f"burn_rate_{w}": np.nan for w in ("5m", "30m", "1h", "2h", "6h", "1d", "3d", "period")},
    }
    frame = pd.DataFrame([row])
    replace_slice(engine, slo_status, frame, Slice("day", date(2026, 11, 1), date(2026, 11, 2)))
    got = table_frame(engine, slo_status).iloc[0]
    assert got.attainment is None and got.budget_remaining is None and got.escalation is None
    assert bool(got.aspirational) is True and got.good_gt_total_buckets == 2
    assert got.alerts == [{"severity": "page", "long_window": "1h"}]
    assert got.day == date(2026, 11, 1) and got.week_start == date(2026, 10, 26)
    assert pd.Timestamp(got["at"]).tz_localize(None) == DAY2.tz_localize(None)


def test_whole_table_slice_for_the_catalog(engine):
    catalog = pd.DataFrame(
        [
            {
                "slo": s,
                "service": s[0],
                "name": "x",
                "description": "",
                "owner": None,
                "team": None,
                "objective": 0.99,
                "period": "30d",
                "sli_kind": "events",
                "budgeting": "occurrences",
                "window_set": "google",
                "aspirational": False,
                "labels": {"tier": "1"},
                "source_format": "native",
                "source_file": "f.yaml",
            }
            for s in ("a-x", "b-y")
        ]
    )
    replace_slice(engine, slo_catalog, catalog, Slice())
    replace_slice(engine, slo_catalog, catalog.iloc[:1], Slice())
    assert table_frame(engine, slo_catalog).slo.tolist() == ["a-x"]


def test_audit_table_is_append_only_with_generated_ids(engine):
    row = {
        "at": DAY1,
        "kind": "email",
        "action": "send",
        "target": "sre@example.com",
        "fingerprint": "abc",
        "outcome": "ok",
        "detail": "",
    }
    with engine.begin() as conn:
        writes.bulk_insert(
            conn,
            outbound_audit,
            list(row),
            writes.to_rows(pd.DataFrame([row, row]), outbound_audit, engine.dialect.name),
        )
    assert table_frame(engine, outbound_audit).id.tolist() == [1, 2]


def test_sqlite_uses_wal_and_a_busy_timeout(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/w.db")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_default_url_lives_under_the_pipeline_home(tmp_path, monkeypatch):
    from sre_pipeline.warehouse.engine import default_url

    monkeypatch.delenv("SRE_PIPELINE_WAREHOUSE_URL", raising=False)
    monkeypatch.setenv("SRE_PIPELINE_HOME", str(tmp_path / "home"))
    assert default_url() == f"sqlite:///{tmp_path / 'home' / 'warehouse.db'}"
    monkeypatch.setenv("SRE_PIPELINE_WAREHOUSE_URL", "postgresql+psycopg://u@127.0.0.1/db")
    assert default_url().startswith("postgresql+psycopg://")


def test_events_read_back_exactly_as_written(engine):
    from sre_pipeline.warehouse.reads import read_events

    original = events(DAY1)
    original["good"] = original["good"] - np.arange(len(original)) % 7 / 3  # fractional counts
    replace_slice(engine, sli_events, original, day_slice(DAY1))
    got = read_events(engine, DAY1, DAY2, ["a-x", "b-y"])
    expected = original.sort_values(["slo", "bucket_start"]).reset_index(drop=True)
    got = got.sort_values(["slo", "bucket_start"]).reset_index(drop=True)
    assert str(got.bucket_start.dt.tz) == "UTC" and got.slo.dtype == "category"
    want = pd.to_datetime(expected.bucket_start, utc=True)
    pd.testing.assert_series_equal(got.bucket_start, want, check_names=False)
    np.testing.assert_array_equal(got.good.to_numpy(), expected.good.to_numpy())
    only_a = read_events(engine, DAY1, DAY2, ["a-x"])
    assert set(only_a.slo) == {"a-x"} and len(only_a) == 288


def test_the_fast_columnar_read_types_times_dates_and_bounds_like_read_slice(engine):
    """read_columns (driver cursor, no per-value processing) gives what read_slice gives, for a
    DateTime and a Date time column, with half-open bounds and an empty range."""
    from sre_pipeline.warehouse.reads import read_columns, read_slice
    from sre_pipeline.warehouse.schema import capacity_daily, capacity_samples

    ts = pd.date_range(DAY1 - pd.Timedelta(hours=1), periods=30, freq="5min")
    samples = pd.DataFrame(
        {"resource": "db", "ts": ts, "utilisation": np.linspace(0.1, 0.9, 30), "capacity": None}
    )
    replace_slice(engine, capacity_samples, samples, Slice("ts", ts[0], ts[-1] + pd.Timedelta(1)))
    days = [date(2026, 10, 30) + pd.Timedelta(days=k).to_pytimedelta() for k in range(4)]
    daily = pd.DataFrame(
        {
            "resource": ["db", "q"] * 2,
            "day": days,
            "current_utilisation": 0.5,
            "mean_utilisation": 0.4,
            "p95_utilisation": 0.6,
            "peak_utilisation": [0.7, 0.8, 0.9, 1.1],
            "samples": 288,
        }
    )
    replace_slice(engine, capacity_daily, daily, Slice("day", days[0], date(2026, 11, 3)))

    got = read_columns(
        engine, capacity_samples, ["resource", "ts", "utilisation"], "ts", DAY1, DAY2
    )
    want = read_slice(engine, capacity_samples, "ts", DAY1, DAY2)[["resource", "ts", "utilisation"]]
    assert len(got) == 18 and str(got["ts"].dt.tz) == "UTC"  # 00:00 .. 01:25, 23:00 left out
    pd.testing.assert_frame_equal(got.sort_values("ts").reset_index(drop=True), want)

    columns = [c.name for c in capacity_daily.columns]
    got = read_columns(engine, capacity_daily, columns, "day", days[1], days[3])
    want = read_slice(engine, capacity_daily, "day", days[1], days[3])
    assert list(got["day"]) == days[1:3] and all(type(d) is date for d in got["day"])
    pd.testing.assert_frame_equal(got.sort_values("day").reset_index(drop=True), want)

    empty = read_columns(engine, capacity_daily, columns, "day", date(2027, 1, 1), date(2027, 2, 1))
    assert empty.empty and list(empty.columns) == columns


def test_many_rows_per_statement_insert_every_row_once(engine, monkeypatch):
    # SQLite's multi-row INSERTs: several statements per batch, several batches, a tail of
    # fewer rows than a statement holds (PostgreSQL copies them: the same rows either way)
    monkeypatch.setattr(writes, "ROWS_PER_STATEMENT", 7)
    monkeypatch.setattr(writes, "BATCH_ROWS", 50)
    frame = events(DAY1, slos=("a-x", "b-y", "c-z"))  # 864 rows: 123 statements and 3 rows
    frame["good"] = np.arange(len(frame), dtype=float) / 3  # every row its own value
    frame["total"] = frame["good"] + 1
    result = replace_slice(engine, sli_events, frame, day_slice(DAY1))
    assert result.inserted == 864
    stored = table_frame(engine, sli_events).sort_values("good", ignore_index=True)
    assert len(stored) == 864
    assert stored["good"].tolist() == frame["good"].tolist()
    assert stored["total"].tolist() == frame["total"].tolist()
