"""Where the daily partitions start: one rule (docs/operations.md "Partitions")."""

from __future__ import annotations

from datetime import date

import pandas as pd

from sre_pipeline.defs.factory import first_stored_day
from sre_pipeline.defs.partitions import Partitioning, first_partition
from sre_pipeline.warehouse.engine import make_engine
from sre_pipeline.warehouse.migrate import upgrade
from sre_pipeline.warehouse.schema import sli_events
from sre_pipeline.warehouse.writes import Slice, replace_slice

TODAY = date(2026, 12, 1)


def test_configured_start_wins_then_the_first_stored_day_then_a_first_backfill():
    assert first_partition(date(2026, 1, 1), date(2026, 9, 1), TODAY, 36) == date(2026, 1, 1)
    assert first_partition(None, date(2026, 9, 1), TODAY, 36) == date(2026, 9, 1)
    assert first_partition(None, None, TODAY, 36) == date(2026, 9, 28)  # 36 + 28 days before


def test_the_first_stored_day_is_read_without_creating_a_warehouse(tmp_path, warehouse_url):
    missing = tmp_path / "nothing-here.db"
    assert first_stored_day(f"sqlite:///{missing}", "UTC") is None
    assert not missing.exists()
    engine = make_engine(warehouse_url)
    upgrade(engine)
    assert first_stored_day(warehouse_url, "UTC") is None  # empty
    start = pd.Timestamp("2026-10-04T22:30Z")
    frame = pd.DataFrame({"slo": ["a-b"], "bucket_start": [start], "good": [1.0], "total": [1.0]})
    replace_slice(
        engine, sli_events, frame, Slice("bucket_start", start, start + pd.Timedelta("5min"))
    )
    engine.dispose()
    assert first_stored_day(warehouse_url, "UTC") == date(2026, 10, 4)
    assert first_stored_day(warehouse_url, "Europe/Berlin") == date(2026, 10, 5)  # local day


def test_an_unreachable_warehouse_does_not_stop_the_code_location_loading():
    assert first_stored_day("postgresql+psycopg://u:p@127.0.0.1:1/none", "UTC") is None


def test_partitions_end_today_in_the_configured_zone():
    daily = Partitioning("Europe/Berlin", date(2026, 11, 1), 36).daily
    assert daily.get_first_partition_key() == "2026-11-01" and daily.end_offset == 1
    assert daily.timezone == "Europe/Berlin"
