"""Collection writes on SQLite and PostgreSQL: what failed keeps what was stored, what worked
is replaced, and two writers of one slice at once leave exactly one copy of every row."""

from __future__ import annotations

import threading
import time

import pandas as pd
import sqlalchemy as sa

from sre_pipeline.warehouse import writes
from sre_pipeline.warehouse.collected import write_collected
from sre_pipeline.warehouse.engine import make_engine
from sre_pipeline.warehouse.schema import capacity_samples, sli_events
from sre_pipeline_tests.warehouse.test_writes import DAY1, DAY2, events, table_frame

WINDOW = (DAY1, DAY2)
SLOS = ["a-x", "b-y", "c-z"]


def write(engine, frame, failed=(), no_data=(), configured=SLOS):
    return write_collected(
        engine, sli_events, frame, WINDOW, "bucket_start", "slo", configured, failed, no_data
    )


def dump(engine) -> dict[str, pd.DataFrame]:
    return {t.name: table_frame(engine, t) for t in (sli_events, capacity_samples)}


def test_a_total_outage_changes_nothing_and_opens_no_transaction(engine, monkeypatch):
    write(engine, events(DAY1, SLOS))
    before = dump(engine)
    opened = []
    monkeypatch.setattr(writes, "replace_slices", lambda *a, **k: opened.append(a) or [])
    result = write(engine, events(DAY1, [])[:0], failed=SLOS)
    assert (result.deleted, result.inserted, result.replaced) == (0, 0, [])
    assert result.kept == SLOS and not result.complete
    assert opened == []
    for name, frame in dump(engine).items():
        pd.testing.assert_frame_equal(frame, before[name], obj=name)


def test_failed_slos_keep_their_rows_and_the_others_are_replaced(engine):
    write(engine, events(DAY1, SLOS, bad=1.0))
    result = write(engine, events(DAY1, ["a-x", "c-z"], bad=7.0), failed=["b-y"])
    assert result.kept == ["b-y"] and result.replaced == ["a-x", "c-z"]
    stored = table_frame(engine, sli_events)
    bad = (stored["total"] - stored["good"]).groupby(stored["slo"]).unique()
    assert [list(v) for v in bad] == [[7.0], [1.0], [7.0]]  # a-x, b-y (kept), c-z
    assert len(stored) == 3 * 288


def test_no_series_where_rows_are_stored_is_a_failure_not_an_empty_replacement(engine):
    write(engine, events(DAY1, SLOS))
    result = write(engine, events(DAY1, ["a-x", "b-y"]), no_data=["c-z"])
    assert result.vanished == ["c-z"] and not result.complete
    assert len(table_frame(engine, sli_events).query("slo == 'c-z'")) == 288
    # a new SLO that never had data is news, not a failure
    fresh = write(engine, events(DAY1, SLOS), no_data=["d-new"], configured=[*SLOS, "d-new"])
    assert fresh.complete and fresh.vanished == []


def test_rows_of_removed_slos_go_only_with_a_complete_collection(engine):
    write(engine, events(DAY1, SLOS))
    partial = write(engine, events(DAY1, ["a-x"]), failed=["b-y"], configured=["a-x", "b-y"])
    assert set(table_frame(engine, sli_events)["slo"]) == set(SLOS)  # c-z kept in an outage
    assert partial.kept == ["b-y"]
    complete = write(engine, events(DAY1, ["a-x", "b-y"]), configured=["a-x", "b-y"])
    assert complete.complete and set(table_frame(engine, sli_events)["slo"]) == {"a-x", "b-y"}


def test_two_writers_of_one_slice_at_once_leave_one_copy(engine, monkeypatch):
    """The first writer holds its transaction between DELETE and INSERT while the second
    starts: without serialisation PostgreSQL's second DELETE misses the first's new rows."""
    real_insert = writes.bulk_insert
    started = threading.Event()

    def slow_insert(conn, table, columns, rows):
        started.set()
        time.sleep(0.5)
        real_insert(conn, table, columns, rows)

    monkeypatch.setattr(writes, "bulk_insert", slow_insert)
    errors = []

    def run(bad):
        try:
            write(engine, events(DAY1, SLOS, bad=bad))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    first = threading.Thread(target=run, args=(2.0,))
    first.start()
    assert started.wait(10)
    second = threading.Thread(target=run, args=(3.0,))
    second.start()
    first.join(30)
    second.join(30)
    assert errors == []
    stored = table_frame(engine, sli_events)
    assert len(stored) == 3 * 288
    assert not stored.duplicated(["slo", "bucket_start"]).any()
    assert set(stored["total"] - stored["good"]) == {3.0}  # the later writer's rows


def test_a_slice_write_serialises_on_a_table_lock_on_postgresql(new_warehouse_url):
    """(SQLite has one writer at a time by design; PostgreSQL needs the lock.)"""
    engine = make_engine(new_warehouse_url("postgresql"))
    with engine.begin() as conn:
        writes._lock_tables(conn, ["sli_events"])
        locks = conn.execute(sa.text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"))
        assert locks.scalar_one() == 1
    with engine.connect() as conn:
        after = conn.execute(sa.text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"))
        assert after.scalar_one() == 0  # released at commit
    engine.dispose()
