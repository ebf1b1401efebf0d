"""The embedded demo source: deterministic, realistic, and it shows what a review must."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

from sre_pipeline.slo.evaluator import Evaluator
from sre_pipeline.slo.loader import load_catalog
from sre_pipeline.sources.demo import Scenario, generate_events
from sre_pipeline_tests.slo.factories import make_slo

END = pd.Timestamp("2026-11-02T00:00Z")


def test_same_inputs_give_identical_counts():
    slos = [make_slo("a-x"), make_slo("b-y")]
    one = generate_events(slos, END, days=3)
    two = generate_events(slos, END, days=3)
    pd.testing.assert_frame_equal(one, two)
    assert len(one) == 2 * 3 * 288
    assert (one.good <= one.total).all() and (one.total >= 0).all()
    assert one.bucket_start.max() == END - timedelta(minutes=5)


def test_other_seed_gives_other_counts():
    slos = [make_slo("a-x")]
    assert not generate_events(slos, END, days=1).equals(generate_events(slos, END, days=1, seed=8))


def test_scenarios_burn_and_gap_where_they_say():
    slo = make_slo("a-x")
    scenarios = [
        Scenario("a-x", timedelta(hours=2), timedelta(hours=1), 20.0),
        Scenario("a-x", timedelta(hours=6), timedelta(hours=1), 0.0, gap=True),
    ]
    events = generate_events([slo], END, days=31, scenarios=scenarios)
    status = Evaluator(events, [slo], END - timedelta(hours=1), END).status(
        END - timedelta(hours=1)
    )
    assert 12 < status.iloc[0].burn_rate_1h < 30
    gap = events[
        (events.bucket_start >= END - timedelta(hours=6))
        & (events.bucket_start < END - timedelta(hours=5))
    ]
    assert gap.empty


def test_example_catalog_demo_has_an_exhausted_budget_and_a_slow_burn():
    catalog = load_catalog(["examples/slos"])
    events = generate_events(catalog.slos, END, days=33)
    status = Evaluator(events, catalog.slos, END, END).status(END).set_index("slo")
    assert status.loc["cart-availability"].policy_tier == "exhausted"
    assert any(a["severity"] == "ticket" for a in status.loc["payments-latency"].alerts)
    assert status.loc["catalog-availability"].coverage < 1
