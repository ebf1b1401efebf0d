"""What should have a ticket open: each condition at its threshold, with its fingerprint, and
never for an aspirational SLO."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from sre_pipeline.tickets.conditions import (
    action_item_conditions,
    capacity_conditions,
    run_failure_conditions,
    slo_conditions,
)
from sre_pipeline_tests.slo.factories import make_slo

NAN = np.nan


def status(*rows) -> pd.DataFrame:
    return pd.DataFrame(
        rows,
        columns=[
            "slo",
            "budget_remaining",
            "time_to_exhaustion_hours",
            "burn_rate_1h",
            "policy_tier",
        ],
    )


def episode(slo: str, severity: str) -> dict:
    return {
        "slo": slo,
        "severity": severity,
        "long_window": "1h",
        "short_window": "5m",
        "start": pd.Timestamp("2026-11-20 10:00", tz="UTC"),
        "end": None,
    }


SLOS = [
    make_slo("shop-avail"),
    make_slo("cart-avail"),
    make_slo("pay-avail"),
    make_slo("lab-avail", aspirational=True),
]


def test_slo_conditions_and_their_fingerprints():
    rows = status(
        ("shop-avail", -0.2, 0.0, 3.0, "exhausted"),  # exhausted: the policy ticket only
        ("cart-avail", 0.4, 23.9, 20.0, "slow_down"),  # runs out within a day
        ("pay-avail", 0.6, 24.0, 1.0, "normal"),  # exactly a day: no ticket
        ("lab-avail", -1.0, 0.0, 9.0, "exhausted"),  # aspirational: never
    )
    firing = pd.DataFrame(
        [
            episode("cart-avail", "page"),
            episode("pay-avail", "ticket"),
            episode("lab-avail", "page"),
        ]
    )
    wanted = {w.fingerprint: w for w in slo_conditions(SLOS, rows, firing)}
    assert sorted(wanted) == [
        "budget-policy:shop-avail",
        "burn-page:cart-avail",
        "burn-ticket:pay-avail",
        "exhaustion:cart-avail",
    ]
    assert wanted["burn-page:cart-avail"].priority == "high"
    assert wanted["burn-ticket:pay-avail"].priority == "normal"
    assert "feature freeze" in wanted["budget-policy:shop-avail"].title
    assert "23.9 h" in wanted["exhaustion:cart-avail"].title


def test_action_items_open_and_not_yet_in_a_tracker():
    items = pd.DataFrame(
        [
            (
                "A-1",
                "INC-1",
                "Canary the deploy",
                "alice",
                None,
                "open",
                date(2026, 12, 4),
                None,
                "P0",
            ),
            ("A-2", "INC-1", "Contract test", "bob", "payments", "done", None, None, None),
            ("A-3", "INC-1", "Runbook", None, None, "in_progress", None, "https://t/9", None),
            ("A-4", "INC-2", "Alert on saturation", None, None, "open", None, None, None),
        ],
        columns=[
            "item_id",
            "incident_id",
            "title",
            "owner",
            "team",
            "status",
            "due_date",
            "tracker_ref",
            "priority",
        ],
    )
    wanted = action_item_conditions(items, {"INC-1": "payments"})
    assert [w.fingerprint for w in wanted] == ["action-item:A-1", "action-item:A-4"]
    first = wanted[0]
    assert (first.priority, first.team, first.assignee, first.due_date) == (
        "high",
        "payments",
        "alice",
        date(2026, 12, 4),
    )
    assert wanted[1].priority == "normal" and wanted[1].team is None


def test_capacity_thresholds_and_forecasts_inside_the_horizon():
    def row(resource, scale, emergency, scale_on=None):
        return {
            "resource": resource,
            "day": date(2026, 11, 30),
            "peak_utilisation": 0.85,
            "headroom": 1.2,
            "headroom_target": 2.0,
            "scale_status": scale,
            "scale_on": scale_on,
            "emergency_status": emergency,
            "emergency_on": None,
        }

    frame = pd.DataFrame(
        [
            row("db", "already above", "already above"),
            row("cache", "forecast", "not rising", date(2027, 2, 28)),  # 90 days: inside
            row("disk", "forecast", "not rising", date(2027, 3, 1)),  # 91 days: outside
        ]
    )
    wanted = {w.fingerprint: w.priority for w in capacity_conditions(frame, horizon_days=90)}
    assert wanted == {
        "capacity-scale:db": "normal",
        "capacity-emergency:db": "urgent",
        "capacity-forecast:cache": "low",
    }


def test_run_failures_one_per_job():
    (w,) = run_failure_conditions([("status_job", "sli_events: Prometheus unreachable")])
    assert (w.fingerprint, w.priority) == ("run-failure:status_job", "high")
    assert "Prometheus unreachable" in w.body
