"""Status at an instant: golden figures from the SRE workbook and hand-computed cases."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from sre_pipeline.slo.budget.evaluator import Evaluator
from sre_pipeline.slo.model import Budgeting
from sre_pipeline.slo.periods import Period
from sre_pipeline_tests.slo.factories import constant_events, make_slo, set_bad

END = "2026-11-01T00:00Z"
START_30D = "2026-10-02T00:00Z"


def status_of(events, slos, at=END, width=timedelta(minutes=5)):
    ev = Evaluator(events, slos, at, at, width=width)
    return ev.status(at).set_index("slo")


def test_full_budget_is_43_2_minutes_for_three_nines_over_30_days():
    slo = make_slo()
    row = status_of(constant_events(slo.id, START_30D, END), [slo]).loc[slo.id]
    assert row.budget_remaining == 1.0
    assert row.budget_remaining_minutes == pytest.approx(43.2)
    assert row.budget_remaining_events == pytest.approx(0.001 * 1000 * 8640)
    assert row.attainment == 1.0
    assert row.coverage == 1.0
    assert row.policy_tier == "full_velocity"
    assert math.isnan(row.time_to_exhaustion_hours) and row.escalation is None


@pytest.mark.parametrize(
    ("burn", "hours"),
    [(1, 720), (2, 360), (10, 72), (1000, 0.72)],  # SRE workbook table 5-4: 30d, 15d, 3d, 43 min
)
def test_workbook_table_5_4_time_to_exhaustion(burn, hours):
    tte = Evaluator._time_to_exhaustion(np.array([1.0]), np.array([float(burn)]), 720.0)
    assert tte[0] == pytest.approx(hours)


@pytest.mark.parametrize(
    ("burn", "escalation"), [(1000, "page"), (50, "page"), (14.4, "page"), (10, None), (2, None)]
)  # from a full 30-day budget: BR_1h >= 14.4 pages; TTE < 24 h would need BR_1h > 30
def test_time_to_exhaustion_end_to_end_and_escalation(burn, escalation):
    slo = make_slo()
    events = set_bad(
        constant_events(slo.id, START_30D, END), "2026-10-31T23:00Z", END, 1000 * 0.001 * burn
    )
    row = status_of(events, [slo]).loc[slo.id]
    consumed = burn * 12 / 8640  # one hour of the 30-day period at `burn`
    assert row.burn_rate_1h == pytest.approx(burn)
    assert row.budget_remaining == pytest.approx(1 - consumed)
    assert row.time_to_exhaustion_hours == pytest.approx(max(0.0, (1 - consumed) * 720 / burn))
    assert row.escalation == escalation


def test_uniform_error_rate_gives_equal_burn_rates_and_exhausted_budget():
    slo = make_slo()
    events = constant_events(slo.id, START_30D, END, bad=2.0)  # 0.2 % errors: burn 2
    row = status_of(events, [slo]).loc[slo.id]
    for label in ("5m", "30m", "1h", "2h", "6h", "1d", "3d", "period"):
        assert row[f"burn_rate_{label}"] == pytest.approx(2.0)
    assert row.budget_remaining == pytest.approx(-1.0)
    assert row.budget_remaining_minutes == pytest.approx(-43.2)
    assert row.policy_tier == "exhausted"
    assert row.time_to_exhaustion_hours == 0.0
    assert row.escalation == "ticket"  # exhausted and still burning, but slowly: no page


def test_zero_traffic_is_undefined_not_perfect():
    slo = make_slo()
    row = status_of(constant_events(slo.id, START_30D, END, total=0.0), [slo]).loc[slo.id]
    assert math.isnan(row.attainment) and math.isnan(row.budget_remaining)
    assert math.isnan(row.burn_rate_1h) and row.policy_tier is None
    assert row.coverage == 1.0  # the buckets exist, they just hold no events


def test_no_data_at_all_has_zero_coverage():
    slo, other = make_slo("a-x"), make_slo("b-y")
    row = status_of(constant_events(other.id, START_30D, END), [slo, other]).loc[slo.id]
    assert row.coverage == 0.0 and math.isnan(row.attainment) and row.policy_tier is None


def test_missing_buckets_are_neither_good_nor_bad():
    slo = make_slo()
    events = constant_events(slo.id, START_30D, END, bad=1.0)
    half = events[events["bucket_start"] >= pd.Timestamp("2026-10-17T00:00Z")]
    row = status_of(half, [slo]).loc[slo.id]
    assert row.coverage == pytest.approx(0.5)
    assert row.burn_rate_period == pytest.approx(1.0)  # the ratio over data present
    assert row.budget_remaining_events == pytest.approx(
        0.001 * half["total"].sum() - 4320, abs=1e-6
    )


def test_good_above_total_is_kept_and_flagged_not_clamped():
    slo = make_slo()
    events = constant_events(slo.id, START_30D, END, bad=1.0)
    events.loc[events.index[-1], "good"] = 1500.0  # 500 more good than total
    row = status_of(events, [slo]).loc[slo.id]
    assert row.good_gt_total_buckets == 1
    assert row.burn_rate_5m == pytest.approx(-500.0)  # negative bad events, visible
    assert row.events_bad == pytest.approx(8639 - 500)


def test_window_covers_buckets_starting_after_at_minus_w_and_ending_by_at():
    slo = make_slo(period=Period.rolling(timedelta(days=1)))
    events = constant_events(slo.id, "2026-10-31T00:00Z", END)
    events["good"] = events["total"] - np.arange(len(events))  # bucket i has i bad events
    at = pd.Timestamp("2026-10-31T10:07Z")
    row = status_of(events, [slo], at=at).loc[slo.id]
    # 1h at 10:07: buckets starting 09:10 .. 10:00 (11 buckets), indexes 110 .. 120
    expected = sum(range(110, 121)) / (11 * 1000) / 0.001
    assert row.burn_rate_1h == pytest.approx(expected)
    assert math.isnan(row.burn_rate_5m)  # no whole bucket lies inside 10:02 .. 10:07


def test_calendar_month_resets_at_local_midnight():
    slo = make_slo(period=Period.calendar("month", "Europe/Berlin"))
    events = constant_events(slo.id, "2026-10-01T00:00Z", "2026-11-10T00:00Z")
    events = set_bad(events, "2026-10-01T00:00Z", "2026-10-31T23:00Z", 50.0)  # October: awful
    row = status_of(events, [slo], at="2026-11-10T00:00Z").loc[slo.id]
    assert row.budget_remaining == 1.0  # November (local) started 2026-10-31T23:00Z
    assert row.budget_remaining_minutes == pytest.approx(43.2)  # November has 30 days
    assert row.coverage == 1.0
    assert row.burn_rate_3d == 0.0


def test_alerts_firing_at_the_instant():
    slo = make_slo()
    events = set_bad(constant_events(slo.id, START_30D, END), "2026-10-31T23:00Z", END, 20.0)
    row = status_of(events, [slo]).loc[slo.id]
    assert [
        (a["severity"], a["long_window"], a["short_window"], a["factor"]) for a in row.alerts
    ] == [("page", "1h", "5m", 14.4)]


def test_aspirational_slos_never_escalate_but_still_report():
    slo = make_slo(aspirational=True)
    events = set_bad(constant_events(slo.id, START_30D, END), "2026-10-31T23:00Z", END, 500.0)
    row = status_of(events, [slo]).loc[slo.id]
    assert row.escalation is None and row.aspirational
    assert row.time_to_exhaustion_hours < 1 and row.alerts


def test_timeslices_count_slices_not_events():
    slo = make_slo(
        budgeting=Budgeting(method="timeslices", slice=timedelta(minutes=10), slice_target=0.99),
        period=Period.rolling(timedelta(days=1)),
    )
    events = constant_events(slo.id, "2026-10-31T00:00Z", END)
    events = set_bad(events, "2026-10-31T12:00Z", "2026-10-31T12:05Z", 500.0)  # 25 % of a slice
    events = set_bad(events, "2026-10-31T13:00Z", "2026-10-31T13:05Z", 5.0)  # 0.25 %: still good
    row = status_of(events, [slo]).loc[slo.id]
    assert row.events_total == 144  # slices in a day
    assert row.events_bad == 1
    assert row.attainment == pytest.approx(143 / 144)


def test_ratio_timeslices_average_the_slices_ratios():
    """OpenSLO RatioTimeslices: the mean of the slices' good ratios. A quarter of one slice's
    events bad costs a quarter of a slice (Timeslices would count the whole slice bad, and a
    slice at 99.75 % not at all)."""
    slo = make_slo(
        budgeting=Budgeting(method="ratio_timeslices", slice=timedelta(minutes=10)),
        period=Period.rolling(timedelta(days=1)),
    )
    events = constant_events(slo.id, "2026-10-31T00:00Z", END)  # 1000 events a bucket
    events = set_bad(events, "2026-10-31T12:00Z", "2026-10-31T12:05Z", 500.0)  # 25 % of a slice
    events = set_bad(events, "2026-10-31T13:00Z", "2026-10-31T13:05Z", 5.0)  # 0.25 %
    row = status_of(events, [slo]).loc[slo.id]
    assert row.events_total == 144  # slices with data in the day
    assert row.events_bad == pytest.approx(0.25 + 0.0025)
    assert row.attainment == pytest.approx(1 - 0.2525 / 144)
    assert row.budget_remaining == pytest.approx(1 - (0.2525 / 144) / slo.error_budget)


def test_timeslice_shorter_than_bucket_is_a_clear_error():
    slo = make_slo(
        budgeting=Budgeting(method="timeslices", slice=timedelta(minutes=1), slice_target=0.9)
    )
    with pytest.raises(ValueError, match="svc-avail.*not a whole number of 300s buckets"):
        Evaluator(
            constant_events(slo.id, START_30D, END), [slo], END, END, width=timedelta(minutes=5)
        )


def test_unknown_and_duplicate_rows_are_reported():
    slo = make_slo()
    events = constant_events(slo.id, START_30D, END)
    extra = constant_events("ghost-slo", "2026-10-31T00:00Z", END)
    dup = events.tail(3)
    ev = Evaluator(pd.concat([events, extra, dup]), [slo], END, END, width=timedelta(minutes=5))
    assert ev.grid.unknown_ids == {"ghost-slo": 288}
    assert ev.grid.duplicate_buckets == 3
    row = ev.status().iloc[0]
    assert row.events_total == pytest.approx(8640 * 1000 + 3000)  # duplicates are summed


def test_non_finite_counts_are_dropped_and_counted():
    slo = make_slo()
    events = constant_events(slo.id, START_30D, END)
    events.loc[events.index[:5], "good"] = np.nan
    ev = Evaluator(events, [slo], END, END, width=timedelta(minutes=5))
    assert ev.grid.dropped_non_finite == 5
    assert ev.status().iloc[0].coverage == pytest.approx(8635 / 8640)
