"""Escalation: a page means a fast burn, a ticket a budget that runs out within a day.

The 1-hour burn rate pages at the SLO's fastest page factor (or when a page pair fires); an
exhausted or nearly spent budget burning slowly is a ticket, never a page.
"""

from __future__ import annotations

import math
from datetime import timedelta

import pandas as pd
import pytest

from sre_pipeline.slo.budget.evaluator import Evaluator
from sre_pipeline.slo.periods import Period
from sre_pipeline.slo.windows import WindowPair, google_windows, pyrra_windows
from sre_pipeline_tests.slo.factories import constant_events, make_slo, set_bad

END = pd.Timestamp("2026-11-01T00:00Z")
H, D, MIN = timedelta(hours=1), timedelta(days=1), timedelta(minutes=1)
TOTAL = 1000.0  # events per 5-minute bucket


def _iso(t: pd.Timestamp) -> str:
    return t.isoformat()


def burning(slo, last_hour_burn: float, earlier_consumed: float = 0.0) -> pd.DataFrame:
    """Clean traffic over the SLO's period, ``earlier_consumed`` of the budget spent by a 12 h
    burst ten days ago and the last hour at ``last_hour_burn``."""
    period = slo.period.nominal
    events = constant_events(slo.id, _iso(END - period), _iso(END), total=TOTAL)
    bad_per_unit = TOTAL * slo.error_budget
    if earlier_consumed:
        burst_burn = earlier_consumed * period / (12 * H)
        burst = END - 10 * D
        events = set_bad(events, _iso(burst), _iso(burst + 12 * H), bad_per_unit * burst_burn)
    return set_bad(events, _iso(END - H), _iso(END), bad_per_unit * last_hour_burn)


def status(slos, events) -> pd.DataFrame:
    ev = Evaluator(events, slos, END, END, width=timedelta(minutes=5))
    return ev.status(END).set_index("slo")


def row_of(slo, events) -> pd.Series:
    return status([slo], events).loc[slo.id]


def page_pairs(row) -> list[str]:
    pages = (a for a in row.alerts if a["severity"] == "page")
    return [f"{a['long_window']}+{a['short_window']}" for a in pages]


PERIODS = [(30, 14.4), (28, 13.44)]  # Google set: 2 % of the budget in 1 h


@pytest.mark.parametrize(("days", "factor"), PERIODS)
def test_burn_at_the_fastest_page_factor_pages(days, factor):
    slo = make_slo(period=Period.rolling(timedelta(days=days)))
    assert max(w.factor for w in slo.windows if w.severity == "page") == pytest.approx(factor)
    row = row_of(slo, burning(slo, factor))
    assert row.burn_rate_1h == pytest.approx(factor)  # float noise either side of the factor
    assert row.time_to_exhaustion_hours > 24  # TTE alone would not even ticket
    assert row.escalation == "page"


@pytest.mark.parametrize(("days", "factor"), PERIODS)
@pytest.mark.parametrize(("earlier", "escalation"), [(0.0, None), (0.7, "ticket")])
def test_burn_just_below_the_factor_is_a_ticket_within_a_day_else_nothing(
    days, factor, earlier, escalation
):
    slo = make_slo(period=Period.rolling(timedelta(days=days)))
    row = row_of(slo, burning(slo, factor * (1 - 1e-6), earlier_consumed=earlier))
    assert row.burn_rate_1h < factor and page_pairs(row) == []
    assert (row.time_to_exhaustion_hours < 24) == (escalation == "ticket")
    assert row.escalation == escalation


def test_fast_hourly_burn_pages_without_a_firing_pair():
    slo = make_slo()
    events = burning(slo, 20 * 12 / 11)
    events = set_bad(events, _iso(END - 5 * MIN), _iso(END), 0.0)  # last bucket clean
    row = row_of(slo, events)
    assert row.burn_rate_1h == pytest.approx(20) and page_pairs(row) == []  # 5m is clean
    assert row.escalation == "page"


def test_firing_six_hour_page_pair_pages_below_the_fastest_factor():
    slo = make_slo()
    events = constant_events(slo.id, _iso(END - 30 * D), _iso(END))
    events = set_bad(events, _iso(END - 6 * H), _iso(END), TOTAL * slo.error_budget * 10)
    row = row_of(slo, events)
    assert row.burn_rate_1h == pytest.approx(10)  # < 14.4
    assert page_pairs(row) == ["6h+30m"]  # 10 > 6 over both 6h and 30m
    assert row.time_to_exhaustion_hours == pytest.approx((1 - 60 / 720) * 72)  # 66 h
    assert row.escalation == "page"


def test_exhausted_budget_burning_slowly_is_a_ticket_not_a_page():
    slo = make_slo()
    row = row_of(slo, burning(slo, 0.07, earlier_consumed=1.5))
    assert row.budget_remaining < 0 and row.policy_tier == "exhausted"
    assert row.time_to_exhaustion_hours == 0.0
    assert row.burn_rate_1h == pytest.approx(0.07)
    assert row.escalation == "ticket"


@pytest.mark.parametrize(("days", "factor"), PERIODS)
def test_exhausted_budget_burning_at_the_factor_pages(days, factor):
    slo = make_slo(period=Period.rolling(timedelta(days=days)))
    row = row_of(slo, burning(slo, factor, earlier_consumed=1.5))
    assert row.policy_tier == "exhausted" and row.time_to_exhaustion_hours == 0.0
    assert row.escalation == "page"


def test_nearly_spent_budget_half_an_hour_from_exhaustion_at_2x_is_a_ticket():
    slo = make_slo()
    row = row_of(slo, burning(slo, 2, earlier_consumed=1 - 3 / 720))  # R = 1/720 after
    assert row.budget_remaining == pytest.approx(1 / 720)
    assert row.time_to_exhaustion_hours == pytest.approx(0.5)
    assert page_pairs(row) == []
    assert row.escalation == "ticket"


@pytest.mark.parametrize(("burn", "earlier"), [(500, 0.0), (20, 1.5), (0.07, 1.5)])
def test_aspirational_slos_never_escalate(burn, earlier):
    slo = make_slo(aspirational=True)
    row = row_of(slo, burning(slo, burn, earlier_consumed=earlier))
    assert row.burn_rate_1h == pytest.approx(burn)
    assert row.escalation is None


def test_nothing_burning_never_escalates():
    quiet, idle, stopped = make_slo("a-quiet"), make_slo("b-idle"), make_slo("c-stopped")
    # c-stopped: a custom page pair whose short window still burns after the last hour
    stopped = stopped.model_copy(update={"windows": (WindowPair(6 * H, 2 * H, 6.0, "page"),)})
    over = burning(quiet, 0.0, earlier_consumed=1.5)  # exhausted, no error in the last hour
    no_traffic = constant_events(idle.id, _iso(END - 30 * D), _iso(END - H))  # BR_1h undefined
    no_traffic = set_bad(no_traffic, _iso(END - 11 * D), _iso(END - 10 * D), 100.0)
    events = constant_events(stopped.id, _iso(END - 30 * D), _iso(END))
    events = set_bad(events, _iso(END - 6 * H), _iso(END - H), 20.0)  # 6h: 16.7x, 2h: 10x
    got = status([quiet, idle, stopped], pd.concat([over, no_traffic, events]))
    assert got.loc["a-quiet", "burn_rate_1h"] == 0 and got.loc["a-quiet", "budget_remaining"] < 0
    assert math.isnan(got.loc["b-idle", "burn_rate_1h"])
    assert got.loc["b-idle", "policy_tier"] == "exhausted"
    assert got.loc["c-stopped", "burn_rate_1h"] == 0 and got.loc["c-stopped", "alerts"]
    assert got["escalation"].tolist() == [None, None, None]


CUSTOM = (
    WindowPair(2 * H, 10 * MIN, 5.0, "page"),
    WindowPair(D, 2 * H, 2.0, "ticket"),
)
TWO_PAGES = (  # the fastest page factor is the largest, 20, not the first listed
    WindowPair(6 * H, 30 * MIN, 8.0, "page"),
    WindowPair(H, 5 * MIN, 20.0, "page"),
    WindowPair(D, 2 * H, 3.0, "ticket"),
)


@pytest.mark.parametrize(
    ("windows", "burn", "escalation"),
    [
        (CUSTOM, 5.0, "page"),  # the 2h+10m pair is not firing (2h: 2.5x)
        (CUSTOM, 4.99, None),  # would page nothing, ticket nothing: TTE 144 h
        (TWO_PAGES, 20.0, "page"),
        (TWO_PAGES, 19.9, None),  # above Google's 14.4, below this set's fastest factor
        (pyrra_windows(30 * D), 14.0, "page"),  # Pyrra keeps 14 at every period
        (pyrra_windows(30 * D), 13.99, None),
    ],
)
def test_custom_window_sets_page_at_their_own_fastest_factor(windows, burn, escalation):
    slo = make_slo(windows=windows)
    row = row_of(slo, burning(slo, burn))
    assert row.time_to_exhaustion_hours > 24
    assert row.escalation == escalation


@pytest.mark.parametrize(
    ("burn", "earlier", "escalation"),
    [
        (100.0, 0.0, "ticket"),  # TTE 7.2 h: a ticket by TTE, never a page
        (20.0, 0.0, None),  # TTE 36 h
        (0.07, 1.5, "ticket"),  # exhausted
    ],
)
def test_slo_without_page_pairs_never_pages(burn, earlier, escalation):
    slo = make_slo(windows=tuple(w for w in google_windows(30 * D) if w.severity == "ticket"))
    row = row_of(slo, burning(slo, burn, earlier_consumed=earlier))
    assert row.escalation == escalation


def test_worked_example_of_the_math_doc():
    """docs/math.md, "Worked example": checkout pages on its 20x burn although its TTE is
    30 h; payments, exhausted and burning at 0.1x, gets a ticket, not a page."""
    end, total = pd.Timestamp("2026-03-31T12:00Z"), 1000.0
    cases = {  # id: ([(start, length, error ratio)], aspirational)
        "checkout": ([(end - 3 * D, H, 0.10), (end - H, H, 0.02)], False),
        "cart": ([(end - 9 * D, 8 * H, 0.05), (end - H, H, 0.005)], False),
        "ads": ([(end - 5 * D, 8 * H, 0.045), (end - H, H, 0.20)], False),
        "payments": ([(end - 10 * D, 12 * H, 0.20), (end - H, H, 0.0001)], False),
        "search": ([(end - 10 * D, 12 * H, 0.20)], False),
        "recs": ([(end - H, H, 0.05)], True),
    }
    slos, frames = [], []
    for name, (bursts, aspirational) in cases.items():
        slos.append(make_slo(f"{name}-availability", aspirational=aspirational))
        events = constant_events(slos[-1].id, _iso(end - 30 * D), _iso(end), total=total)
        for start, length, ratio in bursts:
            events = set_bad(events, _iso(start), _iso(start + length), total * ratio)
        frames.append(events)
    slos.append(make_slo("idle-availability"))
    frames.append(constant_events(slos[-1].id, _iso(end - 30 * D), _iso(end - 3 * D), total=0))
    ev = Evaluator(pd.concat(frames), slos, end, end, width=timedelta(minutes=5))
    got = ev.status(end).set_index("slo")
    assert got["burn_rate_1h"].round(6).tolist()[:6] == [20, 5, 200, 0.1, 0, 50]
    assert got["time_to_exhaustion_hours"].round(1).tolist()[:6] == [30, 63, 0.8, 0, 0, 13.4]
    assert got["escalation"].tolist() == ["page", None, "page", "ticket", None, None, None]
