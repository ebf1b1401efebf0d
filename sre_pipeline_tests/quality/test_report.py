"""The review's data-quality section, computed from a real warehouse (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest

from sre_pipeline.incidents.model import Incident, action_items_frame, incidents_frame
from sre_pipeline.quality.report import QualityInputs, quality_report
from sre_pipeline.warehouse import schema as tables
from sre_pipeline.warehouse.migrate import upgrade
from sre_pipeline.warehouse.writes import Slice, replace_slice
from sre_pipeline_tests.slo.factories import constant_events

pytestmark = pytest.mark.slow  # the weekly section over both warehouses

DAYS = [date(2026, 11, 9), date(2026, 11, 10), date(2026, 11, 11)]
NOW = pd.Timestamp("2026-11-20T12:00Z")
INPUTS = QualityInputs(
    slos=["shop-availability", "shop-latency", "blog-availability"],
    services=["shop", "blog"],
    resource_steps={"db-cpu": 3600},
    bucket_seconds=300,
)


def incident(services: tuple[str, ...]) -> Incident:
    return Incident(
        "INC-1",
        "t",
        "SEV2",
        services,
        datetime(2026, 11, 10, tzinfo=UTC),
        None,
        None,
        None,
        None,
        "inc-1.md",
    )


@pytest.fixture
def warehouse(warehouse_engine):
    """Three days: shop-availability complete; shop-latency misses 12 h of the 10th (50 %);
    blog-availability misses one bucket of the 11th (99.65 %); hourly capacity samples; an
    incident on a service nobody knows."""
    upgrade(warehouse_engine)
    events = pd.concat(
        [
            constant_events("shop-availability", "2026-11-09", "2026-11-12"),
            constant_events("shop-latency", "2026-11-09", "2026-11-10T00:00"),
            constant_events("shop-latency", "2026-11-10T12:00", "2026-11-12"),
            constant_events("blog-availability", "2026-11-09", "2026-11-12").drop(index=[700]),
        ]
    )
    start, end = pd.Timestamp("2026-11-09", tz="UTC"), pd.Timestamp("2026-11-12", tz="UTC")
    replace_slice(warehouse_engine, tables.sli_events, events, Slice("bucket_start", start, end))
    hours = pd.date_range(start, end, freq="1h", inclusive="left")
    samples = pd.DataFrame(
        {"resource": "db-cpu", "ts": hours, "utilisation": 0.5, "capacity": None}
    )
    replace_slice(warehouse_engine, tables.capacity_samples, samples, Slice("ts", start, end))
    bad = [incident(("shop", "payroll"))]
    replace_slice(warehouse_engine, tables.incidents, incidents_frame(bad, "UTC"), Slice())
    replace_slice(warehouse_engine, tables.action_items, action_items_frame(bad), Slice())
    return warehouse_engine


def test_runs_failures_coverage_and_partial_data(warehouse):
    report = quality_report(warehouse, INPUTS, DAYS, NOW)
    assert len(report.runs) == 3 * 2 + 2  # events and capacity per day, incidents, items
    (failed,) = report.failed
    assert (failed.suite, failed.scope, failed.errors) == ("incidents", "all", ("services known",))
    assert [(r.suite, r.scope) for r in report.warned] == [("sli_events", "2026-11-10")]
    low = report.low_coverage
    assert low.to_dict("records") == [{"slo": "shop-latency", "worst": 0.5, "days": 1}]
    partial = report.partial.to_dict("records")
    assert partial == [
        {"slo": "shop-latency", "day": date(2026, 11, 10), "coverage": 0.5},
        {"slo": "blog-availability", "day": date(2026, 11, 11), "coverage": 287 / 288},
    ]
    assert report.rests_on_partial_data
    assert report.summary() == (
        "8 check runs, 1 failed, 1 with warnings; figures of 2 SLO(s) rest on partial data."
    )
    text = report.markdown()
    assert "## Data quality (2026-11-09 to 2026-11-11)" in text
    assert "| incidents | all | 1 | services known |" in text
    assert "| shop-latency | 50.0% | 1 |" in text
    assert "| blog-availability | 2026-11-11 | 99.7% |" in text
    # the same week, the same answer
    again = quality_report(warehouse, INPUTS, DAYS, NOW)
    assert again.markdown() == text


def test_clean_week_says_so(warehouse):
    replace_slice(
        warehouse, tables.incidents, incidents_frame([incident(("shop",))], "UTC"), Slice()
    )
    report = quality_report(warehouse, INPUTS, DAYS[:1], NOW)
    assert not report.failed and not report.warned and not report.rests_on_partial_data
    assert report.summary() == "4 check runs, 0 failed, 0 with warnings."
    assert "Partial data" not in report.markdown()


def test_today_is_judged_up_to_what_has_settled(warehouse):
    """Collected up to 12:00 and checked at 12:02: complete SLOs are complete (the bucket in
    progress and the freshness allowance are not expected yet), and fresh."""
    day = pd.Timestamp("2026-11-11", tz="UTC")
    now = pd.Timestamp("2026-11-11T12:02Z")
    with warehouse.begin() as conn:
        conn.execute(tables.sli_events.delete().where(tables.sli_events.c.bucket_start >= now))
    report = quality_report(warehouse, INPUTS, [day.date()], now)
    # settled until 11:30 (now - 30 min, floored to 5 min): 138 buckets; blog lost 10:20
    assert report.partial.to_dict("records") == [
        {"slo": "blog-availability", "day": date(2026, 11, 11), "coverage": 137 / 138}
    ]
    events = report.runs[0]
    assert events.passed and not events.warnings
    late = quality_report(warehouse, INPUTS, [day.date()], now + pd.Timedelta(hours=1))
    assert "fresh: newest bucket within 30 min" in late.runs[0].warnings


def test_empty_warehouse_and_future_days(warehouse_engine):
    upgrade(warehouse_engine)
    later = [NOW.date() + timedelta(days=1)]
    report = quality_report(warehouse_engine, INPUTS, later, NOW)
    assert report.partial.empty and not report.failed  # nothing expected yet
    report = quality_report(warehouse_engine, INPUTS, DAYS[:1], NOW)
    assert set(report.partial["coverage"]) == {0.0} and len(report.low_coverage) == 3


def reads(monkeypatch) -> list:
    """Records every day of events the report reads back to validate."""
    import sre_pipeline.quality.report as report_module

    seen, real = [], report_module.read_events
    monkeypatch.setattr(
        report_module, "read_events", lambda *a, **k: seen.append(a[1]) or real(*a, **k)
    )
    return seen


def test_kept_results_are_reused_while_the_day_and_the_inputs_are_unchanged(warehouse, monkeypatch):
    fresh = quality_report(warehouse, INPUTS, DAYS, NOW)  # nothing kept: validates, keeps nothing
    assert quality_report(warehouse, INPUTS, DAYS, NOW, keep=True).markdown() == fresh.markdown()
    seen = reads(monkeypatch)
    again = quality_report(warehouse, INPUTS, DAYS, NOW)
    assert seen == []  # every day from its kept result: no events read, no suite run
    assert again.markdown() == fresh.markdown() and again.events_rows == fresh.events_rows
    pd.testing.assert_frame_equal(again.partial, fresh.partial)
    assert [(r.suite, r.scope, r.rows, r.errors, r.warnings) for r in again.runs] == [
        (r.suite, r.scope, r.rows, r.errors, r.warnings) for r in fresh.runs
    ]

    # a day whose data changed is validated again, and only that day
    with warehouse.begin() as conn:
        t = tables.sli_events
        first = t.c.bucket_start == datetime(2026, 11, 10, 6, tzinfo=UTC)
        conn.execute(t.update().where(first, t.c.slo == "shop-availability").values(good=2000.0))
    changed = quality_report(warehouse, INPUTS, DAYS, NOW)
    assert seen == [pd.Timestamp("2026-11-10", tz="UTC")]
    assert ("sli_events", "2026-11-10") in [(r.suite, r.scope) for r in changed.failed]

    # other inputs (an SLO more in the catalog): every day again
    seen.clear()
    more = QualityInputs(**{**INPUTS.__dict__, "slos": [*INPUTS.slos, "new-availability"]})
    quality_report(warehouse, more, DAYS, NOW)
    assert len(seen) == 3


def test_a_check_result_kept_while_the_day_was_in_progress_is_not_reused(warehouse, monkeypatch):
    from sre_pipeline.quality.report import events_day, keep_events_day
    from sre_pipeline.warehouse.reads import read_events

    day = DAYS[-1]
    during = pd.Timestamp("2026-11-11T18:00Z")  # an hourly check of that day
    start, end = pd.Timestamp(day, tz="UTC"), pd.Timestamp(day, tz="UTC") + timedelta(days=1)
    events = read_events(warehouse, start, end)
    result, partial = events_day(events, INPUTS, day, during)
    keep_events_day(warehouse, INPUTS, day, during, result, partial)
    seen = reads(monkeypatch)
    quality_report(warehouse, INPUTS, [day], NOW)
    assert seen == [start]  # judged up to 17:30 then: validated again as a whole day
