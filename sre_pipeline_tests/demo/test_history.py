"""The embedded demo source: deterministic, realistic, and it shows what a review must."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

from sre_pipeline.demo.history import generate_events
from sre_pipeline.demo.plan import DemoPlan, Scenario, load_plan
from sre_pipeline.slo.budget.evaluator import Evaluator
from sre_pipeline.slo.spec.loader import load_catalog
from sre_pipeline_tests.slo.factories import make_slo

END = pd.Timestamp("2026-11-02T00:00Z")


def plan(*scenarios: Scenario, seed: int = 7) -> DemoPlan:
    return DemoPlan(seed, tuple(scenarios), {})


def test_same_inputs_give_identical_counts():
    slos = [make_slo("a-x"), make_slo("b-y")]
    one = generate_events(slos, END, days=3, plan=plan())
    two = generate_events(slos, END, days=3, plan=plan())
    pd.testing.assert_frame_equal(one, two)
    assert len(one) == 2 * 3 * 288
    assert (one.good <= one.total).all() and (one.total >= 0).all()
    assert one.bucket_start.max() == END - timedelta(minutes=5)


def test_a_day_is_the_same_whichever_range_it_is_generated_in():
    slos = [make_slo("a-x")]
    month = generate_events(slos, END, days=30, plan=plan(), anchor=END)
    day = generate_events(slos, END - pd.Timedelta(days=10), days=1, plan=plan(), anchor=END)
    same = month[month.bucket_start.isin(day.bucket_start)].reset_index(drop=True)
    pd.testing.assert_frame_equal(same, day.reset_index(drop=True))


def test_other_seed_gives_other_counts():
    slos = [make_slo("a-x")]
    a = generate_events(slos, END, days=1, plan=plan())
    b = generate_events(slos, END, days=1, plan=plan(seed=8))
    assert not a.equals(b)


def test_scenarios_burn_and_gap_where_they_say():
    slo = make_slo("a-x")
    p = plan(
        Scenario("a-x", timedelta(hours=2), timedelta(hours=1), 20.0),
        Scenario("a-x", timedelta(hours=6), timedelta(hours=1), 0.0, gap=True),
    )
    events = generate_events([slo], END, days=31, plan=p)
    at = END - timedelta(hours=1)
    status = Evaluator(events, [slo], at, at).status(at)
    assert 12 < status.iloc[0].burn_rate_1h < 30
    ts = events.bucket_start
    assert events[(ts >= END - timedelta(hours=6)) & (ts < END - timedelta(hours=5))].empty


def test_example_catalog_demo_has_an_exhausted_budget_and_a_slow_burn():
    catalog = load_catalog(["examples/slos"])
    events = generate_events(catalog.slos, END, days=33, plan=load_plan())
    status = Evaluator(events, catalog.slos, END, END).status(END).set_index("slo")
    assert status.loc["cart-availability"].policy_tier == "exhausted"
    assert any(a["severity"] == "ticket" for a in status.loc["payments-latency"].alerts)
    assert status.loc["catalog-availability"].coverage < 1
    assert (events[events.slo == "api-gateway-uptime"].total == 5).all()  # probe samples
    assert (events[events.slo == "user-profile-availability"].total == 300).all()  # seconds
