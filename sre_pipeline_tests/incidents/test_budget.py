"""Incident budget attribution on a hand-checked fixture: bad events counted exactly inside the
span (prorated at the edges), the share of the period's budget, downtime minutes, and the
workbook's 20 % rule at its boundary."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from sre_pipeline.incidents.budget import attribute, needs_p0
from sre_pipeline.incidents.model import ActionItem, Incident
from sre_pipeline.slo.periods import Period
from sre_pipeline_tests.slo.factories import make_slo

WIDTH = timedelta(minutes=5)
START = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)
SLO = make_slo("shop-avail", 0.99, Period.rolling(timedelta(days=28)))


def events(bad_at: dict[datetime, float]) -> pd.DataFrame:
    """100 events per 5-minute bucket from a day before the 28 days ahead of the incident to
    12:00 on its day; the bad events of the buckets in ``bad_at``."""
    first, last = START - timedelta(days=29), START + timedelta(hours=2)
    starts = pd.date_range(first, last, freq="5min", inclusive="left")
    bad = np.array([bad_at.get(t.to_pydatetime(), 0.0) for t in starts])
    return pd.DataFrame(
        {"slo": "shop-avail", "bucket_start": starts, "good": 100 - bad, "total": 100.0}
    )


def incident(minutes: float, **kw) -> Incident:
    return Incident(
        incident_id=kw.pop("incident_id", "INC-1"),
        title="Shop down",
        severity="SEV2",
        services=kw.pop("services", ("shop",)),
        started_at=START,
        detected_at=None,
        acknowledged_at=None,
        resolved_at=START + timedelta(minutes=minutes),
        postmortem_published_at=None,
        postmortem_ref="pm.md",
        **kw,
    )


def test_bad_events_inside_the_span_share_of_budget_and_downtime_minutes():
    bad = {START + WIDTH * k: 10.0 for k in range(-1, 7)}  # 09:55 .. 10:30, 10 bad each
    rows = attribute([incident(30)], [SLO], events(bad), WIDTH, START)
    (row,) = rows.to_dict("records")
    assert row["bad_events"] == 60.0  # 10:00 .. 10:25: six buckets; 09:55 and 10:30 outside
    assert row["span_events"] == 600.0
    # the 28 days before 10:30: 8,064 buckets of 100 events, 1 % of them allowed bad
    assert row["period_events"] == 806_400.0 and row["budget_events"] == pytest.approx(8064.0)
    assert row["budget_share"] == pytest.approx(60 / 8064)
    assert row["downtime_minutes"] == pytest.approx(3.0)  # 20 events a minute: 60 bad = 3 min
    half = attribute([incident(32.5)], [SLO], events(bad), WIDTH, START).iloc[0]
    assert half["bad_events"] == pytest.approx(65.0)  # half of the 10:30 bucket


def test_an_open_incident_runs_to_now_and_other_services_do_not_count():
    bad = {START + WIDTH * k: 10.0 for k in range(12)}
    open_one = replace(incident(0), resolved_at=None)
    rows = attribute([open_one], [SLO], events(bad), WIDTH, START + timedelta(minutes=20))
    assert rows.iloc[0]["bad_events"] == 40.0
    other = attribute([incident(30, services=("search",))], [SLO], events(bad), WIDTH, START)
    assert other.empty


def test_without_events_there_is_no_budget_and_no_figure_is_guessed():
    empty = pd.DataFrame(columns=["slo", "bucket_start", "good", "total"])
    (row,) = attribute([incident(30)], [SLO], empty, WIDTH, START).to_dict("records")
    assert row["bad_events"] == 0.0
    assert np.isnan(row["budget_share"]) and np.isnan(row["downtime_minutes"])


def item(priority: str | None) -> ActionItem:
    fields = dict(owner="alice", team=None, severity="SEV2", status="open", created_at=None)
    return ActionItem(
        "A-1",
        "INC-1",
        "Fix it",
        **fields,
        due_date=None,
        completed_at=None,
        tracker_ref=None,
        priority=priority,
    )


@pytest.mark.parametrize(
    ("share", "published", "priority", "flagged"),
    [
        (0.20, None, None, False),  # exactly 20 %: not more than
        (0.2000001, None, None, True),
        (0.45, datetime(2026, 11, 12, tzinfo=UTC), "P0", False),
        (0.45, datetime(2026, 11, 12, tzinfo=UTC), "P1", True),  # no P0 item
        (0.45, None, "P0", True),  # a draft is not a postmortem yet
    ],
)
def test_the_20_percent_rule_at_its_boundary(share, published, priority, flagged):
    inc = replace(incident(30), postmortem_published_at=published, action_items=(item(priority),))
    frame = pd.DataFrame({"incident_id": ["INC-1"], "four_week_share": [share]})
    assert needs_p0(frame, [inc]) == (["INC-1"] if flagged else [])


def test_time_slice_budgets_count_bad_slices_inside_the_span():
    """15-minute slices, target 95 % good: a slice is bad when more than 15 of its 300 events
    are. 10:00-10:15 has 30 bad (a bad slice), 10:15-10:30 has 3 (a good slice)."""
    from sre_pipeline.slo.model import Budgeting

    budgeting = Budgeting(method="timeslices", slice=timedelta(minutes=15), slice_target=0.95)
    sliced = make_slo("shop-latency", 0.99, Period.rolling(timedelta(days=28)), budgeting=budgeting)
    bad = {START: 10.0, START + WIDTH: 10.0, START + 2 * WIDTH: 10.0, START + 3 * WIDTH: 3.0}
    frame = events(bad).assign(slo="shop-latency")
    (row,) = attribute([incident(30)], [sliced], frame, WIDTH, START).to_dict("records")
    assert row["bad_events"] == 1.0 and row["span_events"] == 2.0  # slices, not events
    assert row["period_events"] == 28 * 96  # the 15-minute slices of 28 days
    assert row["budget_share"] == pytest.approx(1 / (0.01 * 28 * 96))
    assert row["downtime_minutes"] == pytest.approx(15.0)  # one bad slice of 15 minutes


def test_budget_outside_incidents_counts_overlapping_incidents_once():
    from sre_pipeline.incidents.budget import outside_incidents

    bad = {START + WIDTH * k: 10.0 for k in range(-6, 18)}  # 09:30 .. 11:30, 10 bad each
    first = incident(30)  # 10:00 .. 10:30
    second = replace(  # 10:15 .. 10:45, overlapping the first
        incident(45, incident_id="INC-2"), started_at=START + timedelta(minutes=15)
    )
    other = incident(60, incident_id="INC-3", services=("search",))  # not the shop's
    window = (START - timedelta(hours=1), START + timedelta(hours=2))
    (row,) = outside_incidents(
        [SLO], events(bad), [first, second, other], WIDTH, *window, START + timedelta(hours=3)
    ).to_dict("records")
    assert row["bad_events"] == 240.0  # 24 buckets inside the window
    assert row["incident_bad_events"] == 90.0  # 10:00 .. 10:45 once, not 60 + 60
    assert row["outside_bad_events"] == 150.0
    assert row["total_events"] == 3600.0  # 36 buckets of the window


def test_budget_outside_incidents_cuts_spans_to_the_window_and_runs_open_ones_to_now():
    from sre_pipeline.incidents.budget import outside_incidents

    bad = {START + WIDTH * k: 10.0 for k in range(-12, 24)}  # 09:00 .. 12:00
    still_open = replace(incident(0), started_at=START - timedelta(hours=5), resolved_at=None)
    window = (START, START + timedelta(hours=2))  # the incident started before the window
    (row,) = outside_incidents(
        [SLO], events(bad), [still_open], WIDTH, *window, START + timedelta(minutes=30)
    ).to_dict("records")
    assert (row["bad_events"], row["incident_bad_events"]) == (240.0, 60.0)  # open to 10:30


def test_an_open_incident_stops_where_the_collected_events_do():
    bad = {START + WIDTH * k: 10.0 for k in range(24)}  # to 12:00, where the events end
    open_one = replace(incident(0), resolved_at=None)
    later = attribute([open_one], [SLO], events(bad), WIDTH, START + timedelta(days=9))
    sooner = attribute([open_one], [SLO], events(bad), WIDTH, START + timedelta(hours=2))
    assert later.iloc[0]["span_end"] == START + timedelta(hours=2)
    assert later.iloc[0]["span_coverage"] == 1.0  # not the days after the data
    assert later.drop(columns="span_end").equals(sooner.drop(columns="span_end"))
