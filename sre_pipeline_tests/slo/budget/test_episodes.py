"""Alert episodes over a range and the budget-remaining series, on hand-checked incidents."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest

from sre_pipeline.slo.budget.episodes import alert_episodes, budget_series
from sre_pipeline.slo.budget.evaluator import Evaluator
from sre_pipeline.slo.periods import Period
from sre_pipeline.slo.windows import WindowPair
from sre_pipeline_tests.slo.factories import constant_events, make_slo, set_bad

W5 = timedelta(minutes=5)
T = pd.Timestamp("2026-10-20T10:00Z")


def _episodes(events, slos, start="2026-10-15T00:00Z", end="2026-10-25T00:00Z", **kw):
    ev = Evaluator(events, slos, start, end, width=W5)
    return alert_episodes(ev, **kw)


def test_one_hour_incident_at_burn_20_pages_with_exact_boundaries():
    slo = make_slo()
    events = constant_events(slo.id, "2026-09-10T00:00Z", "2026-10-25T00:00Z")
    events = set_bad(events, T, T + pd.Timedelta("60min"), 20.0)  # 2 % errors: burn 20
    eps = _episodes(events, [slo])
    page = eps[(eps.long_window == "1h") & (eps.short_window == "5m")]
    assert len(page) == 1
    # 1h burn = 20 * k / 12 exceeds 14.4 from the 9th bad bucket on: fires at T+45m
    assert page.iloc[0].start == T + pd.Timedelta("45min")
    # the first clean bucket [T+60m, T+65m) drops the 5m burn to 0 at T+65m
    assert page.iloc[0].end == T + pd.Timedelta("65min")
    assert page.iloc[0].peak_burn_rate == pytest.approx(20.0)
    assert page.iloc[0].severity == "page" and page.iloc[0].factor == pytest.approx(14.4)
    # 6h burn peaks at 20/6 = 3.33 < 6: the 6h/30m pair never fires
    assert eps[eps.long_window == "6h"].empty
    # 1d/2h ticket: 1d burn 20/24 = 0.83 < 3: no ticket either
    assert set(eps.long_window) == {"1h"}


def test_open_episode_at_range_end_has_no_end():
    slo = make_slo()
    events = constant_events(slo.id, "2026-09-10T00:00Z", "2026-10-25T00:00Z")
    events = set_bad(events, "2026-10-24T22:00Z", "2026-10-25T00:00Z", 50.0)
    eps = _episodes(events, [slo])
    assert eps[eps.long_window == "1h"].iloc[0].end is pd.NaT


def test_slow_burn_raises_tickets_not_pages():
    slo = make_slo()
    events = constant_events(slo.id, "2026-09-10T00:00Z", "2026-10-25T00:00Z")
    events = set_bad(events, "2026-10-18T00:00Z", "2026-10-25T00:00Z", 1.5)  # burn 1.5 for 7 d
    eps = _episodes(events, [slo])
    assert set(eps.severity) == {"ticket"}
    assert set(zip(eps.long_window, eps.short_window, strict=True)) == {("3d", "6h")}


def test_no_events_no_episodes_and_empty_frame_has_columns():
    slo = make_slo()
    eps = _episodes(constant_events(slo.id, "2026-09-10T00:00Z", "2026-10-25T00:00Z"), [slo])
    assert eps.empty
    assert list(eps.columns)[:5] == ["slo", "severity", "long_window", "short_window", "factor"]


def test_slos_with_different_windows_and_factors_in_one_run():
    google = make_slo("a-x")
    tight = make_slo(
        "b-y",
        objective=0.99,
        windows=(WindowPair(timedelta(hours=2), timedelta(minutes=10), 2.0, "ticket"),),
    )
    events = pd.concat(
        [
            set_bad(
                constant_events(s.id, "2026-09-10T00:00Z", "2026-10-25T00:00Z"),
                T,
                T + pd.Timedelta("3h"),
                30.0,  # burn 30 for a 99.9 % SLO, 3 for a 99 % one
            )
            for s in (google, tight)
        ]
    )
    eps = _episodes(events, [google, tight], threads=2)
    b = eps[eps.slo == "b-y"]
    assert len(b) == 1 and b.iloc[0].factor == 2.0 and b.iloc[0].peak_burn_rate == pytest.approx(3)
    assert {"1h", "6h"} <= set(eps[eps.slo == "a-x"].long_window)


def test_many_slos_spanning_row_blocks(monkeypatch):
    monkeypatch.setattr("sre_pipeline.slo.budget.episodes.BLOCK_ROWS", 3)
    slos = [make_slo(f"s{i}-x") for i in range(8)]
    frames = []
    for i, s in enumerate(slos):
        e = constant_events(s.id, "2026-10-10T00:00Z", "2026-10-25T00:00Z")
        if i % 2:
            e = set_bad(e, T, T + pd.Timedelta("2h"), 30.0)
        frames.append(e)
    eps = _episodes(pd.concat(frames), slos)
    assert sorted(eps.slo.unique()) == [f"s{i}-x" for i in (1, 3, 5, 7)]
    per_slo = eps.groupby("slo").size()
    assert per_slo.nunique() == 1  # identical incidents give identical episodes


def test_budget_series_falls_during_an_incident_and_recovers_as_it_rolls_out():
    slo = make_slo(period=Period.rolling(timedelta(days=1)))
    events = constant_events(slo.id, "2026-10-18T00:00Z", "2026-10-23T00:00Z")
    events = set_bad(events, T, T + pd.Timedelta("1h"), 10.0)  # burn 10 for 1 h of a 1 d period
    ev = Evaluator(events, [slo], "2026-10-19T00:00Z", "2026-10-22T00:00Z", width=W5)
    series = budget_series(ev, step_s=3600).set_index("at")["budget_remaining"]
    assert series[T] == pytest.approx(1.0)
    assert series[T + pd.Timedelta("1h")] == pytest.approx(1 - 10 / 24)
    assert series[T + pd.Timedelta("12h")] == pytest.approx(1 - 10 / 24)
    assert series[T + pd.Timedelta("25h")] == pytest.approx(1.0)  # rolled out of the window
    assert len(series) == 72
