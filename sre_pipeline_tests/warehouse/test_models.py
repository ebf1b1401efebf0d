"""The dbt-like model runner and the shipped marts, on SQLite and on PostgreSQL 15.

The fixture is small enough to check by hand; the comments next to the expectations show the
arithmetic. The same assertions run on both engines, which is the proof of identical results.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from sre_pipeline.slo.policy import tier_for
from sre_pipeline.warehouse import schema
from sre_pipeline.warehouse.models import ModelError, discover

UTC = dt.UTC
AS_OF = "2026-01-14"
D = dt.date.fromisoformat


def ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


# (slo, objective, first day, [(budget_remaining, escalation, coverage) per day])
STATUS = [
    (
        "checkout-availability",
        0.999,
        "2026-01-05",
        [
            (0.90, None, 1.0),
            (0.85, None, 1.0),
            (0.80, None, 1.0),
            (0.60, "ticket", 1.0),
            (0.55, None, 1.0),
            (0.50, "page", 0.3),
            (0.45, "page", 1.0),  # week of 01-05
            (0.40, None, 1.0),
            (0.42, None, 1.0),
            (0.30, "ticket", 1.0),  # Mon-Wed of 01-12
        ],
    ),
    (
        "search-latency",
        0.99,
        "2026-01-05",
        [
            (1.0, None, 1.0),
            (1.0, None, 1.0),
            (0.95, None, 1.0),
            (0.95, None, 1.0),
            (0.90, None, 1.0),
            (0.85, None, 1.0),
            (0.80, None, 1.0),
            (0.80, None, 1.0),
            (0.78, None, 1.0),
            (0.76, None, 1.0),
        ],
    ),
    # not in the catalog; no data in the week of 01-05, so 01-12 has no previous week
    ("legacy-uptime", 0.95, "2025-12-22", [(0.5, None, 1.0), (0.4, None, 1.0)]),
    ("legacy-uptime", 0.95, "2026-01-12", [(None, None, 0.0), (-0.2, "page", 1.0)]),
]


def status_rows() -> list[dict]:
    rows = []
    for slo, objective, first, days in STATUS:
        for i, (budget, escalation, coverage) in enumerate(days):
            day = D(first) + dt.timedelta(days=i)
            attainment = None if budget is None else 1 - (1 - objective) * (1 - budget)
            rows.append(
                dict(
                    slo=slo,
                    day=day,
                    week_start=day - dt.timedelta(days=day.weekday()),
                    at=ts(f"{day}T23:59:00"),
                    objective=objective,
                    period="28d",
                    attainment=attainment,
                    budget_remaining=budget,
                    escalation=escalation,
                    policy_tier=tier_for(budget),
                    coverage=coverage,
                    aspirational=False,
                    alerts=[],
                )
            )
    return rows


def catalog_row(slo: str, service: str, owner: str, team: str, objective: float) -> dict:
    return dict(
        slo=slo,
        service=service,
        name=slo,
        owner=owner,
        team=team,
        objective=objective,
        period="28d",
        sli_kind="events",
        budgeting="events",
        window_set="default",
        aspirational=False,
        labels={},
        source_format="native",
        source_file="slos.yaml",
    )


def monday(day: dt.date | None) -> dt.date | None:
    return day and day - dt.timedelta(days=day.weekday())


def item(i, owner, team, severity, status, due, priority=None, created=None, done=None, inc=None):
    created, done = created and ts(created), done and ts(done)
    return dict(
        item_id=f"ai-{i}",
        incident_id=inc,
        title=f"item {i}",
        owner=owner,
        team=team,
        severity=severity,
        status=status,
        due_date=due and D(due),
        priority=priority,
        created_at=created,
        completed_at=done,
        created_week=monday(created and created.date()),
        completed_week=monday(done and done.date()),
    )


def incident(i, sev, week, started, detected, acked, resolved, published, cause="unknown") -> dict:
    t = lambda s: s and ts(s)  # noqa: E731
    return dict(
        cause=cause,
        postmortem_status="final" if published else "draft",
        incident_id=f"inc-{i}",
        title=f"incident {i}",
        severity=sev,
        services=[],
        started_at=t(started),
        detected_at=t(detected),
        acknowledged_at=t(acked),
        resolved_at=t(resolved),
        postmortem_published_at=t(published),
        week_start=D(week),
    )


def capacity(resource, day, peak, mean, state, scale=("not rising", None)) -> dict:
    """A capacity status row: headroom is capacity over peak (1 / peak), target 2x."""
    day = D(day)
    return dict(
        resource=resource,
        day=day,
        week_start=day - dt.timedelta(days=day.weekday()),
        peak_utilisation=peak,
        mean_utilisation=mean,
        state=state,
        headroom=1 / peak if peak else None,
        headroom_target=2.0,
        headroom_ok=(1 / peak >= 2.0) if peak else None,
        scale_status=scale[0],
        scale_on=D(scale[1]) if scale[1] else None,
    )


def load_fixture(engine: sa.Engine) -> None:
    schema.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            schema.slo_catalog.insert(),
            [
                catalog_row("checkout-availability", "checkout", "alice", "payments", 0.999),
                catalog_row("search-latency", "search", "bob", "discovery", 0.99),
            ],
        )
        conn.execute(schema.slo_status.insert(), status_rows())
        conn.execute(
            schema.action_items.insert(),
            [
                item(
                    *(1, "alice", "payments", "sev1", "done", "2026-01-10", "P0"),
                    *("2026-01-05T12:00", "2026-01-09T00:00", "inc-1"),
                ),
                item(  # overdue, a P0
                    *(2, "alice", "payments", "sev2", "open", "2026-01-12", "P0"),
                    *("2026-01-06T09:00", None, "inc-2"),
                ),
                item(
                    *(3, "bob", "discovery", "sev2", "in_progress", "2026-01-20", "P1"),
                    *("2026-01-08T23:00", None, "inc-3"),
                ),
                item(  # closed, not overdue; no completion date
                    *(4, "bob", "discovery", "sev1", "wontfix", "2026-01-01", "P2"),
                    *("2026-01-02T10:00", None, "inc-1"),
                ),
                item(  # due today: not overdue yet
                    *(5, None, "payments", "sev1", "open", AS_OF, "P0"),
                    *("2026-01-13T10:00", None, "inc-5"),
                ),
                item(6, "carol", None, None, "Done", None, None, None, "2026-01-13T08:00"),
            ],
        )
        conn.execute(
            schema.incidents.insert(),
            [
                incident(
                    1,
                    "sev1",
                    "2026-01-05",
                    "2026-01-05T10:00",
                    "2026-01-05T10:05",
                    "2026-01-05T10:15",
                    "2026-01-05T12:00",
                    "2026-01-06T12:00",
                    "deployment",
                ),  # pm 24 h
                incident(
                    2,
                    "sev1",
                    "2026-01-05",
                    "2026-01-07T08:00",
                    "2026-01-07T08:15",
                    "2026-01-07T08:20",
                    "2026-01-07T09:30",
                    "2026-01-10T09:30",
                    "configuration",
                ),  # pm 72 h
                incident(
                    3,
                    "SEV2",
                    "2026-01-05",
                    "2026-01-08T00:00",
                    None,
                    None,
                    "2026-01-08T06:00",
                    None,
                    "dependency",
                ),
                incident(
                    4,
                    "sev2",
                    "2026-01-12",
                    "2026-01-12T23:00",
                    "2026-01-12T23:02:30",
                    "2026-01-12T23:10",
                    None,
                    None,
                ),
                incident(
                    5,
                    "sev1",
                    "2026-01-12",
                    "2026-01-13T09:00",
                    "2026-01-13T09:01",
                    "2026-01-13T09:03",
                    "2026-01-13T09:31",
                    "2026-01-15T09:31",
                    "deployment",
                ),  # pm 48 h
            ],
        )
        conn.execute(
            schema.capacity_status.insert(),
            [
                capacity("db-cpu", "2026-01-05", 0.50, 0.3, "ok"),
                capacity("db-cpu", "2026-01-06", 0.85, 0.6, "scale", ("already above", None)),
                capacity("db-cpu", "2026-01-07", 0.75, 0.6, "warn", ("forecast", "2026-01-20")),
                capacity("db-cpu", "2026-01-12", 0.95, 0.9, "emergency", ("already above", None)),
                capacity("db-cpu", "2026-01-13", 0.40, 0.2, "OK"),
                capacity("disk", "2026-01-05", None, None, None, ("insufficient data", None)),
            ],
        )
        conn.execute(schema.incident_budget.insert(), INCIDENT_BUDGET)
        conn.execute(schema.budget_outside_incidents.insert(), OUTSIDE)
        conn.execute(schema.alert_incident_links.insert(), LINKS)
        conn.execute(schema.incident_detection.insert(), DETECTION)


CAUSES = {"inc-1": "deployment", "inc-2": "configuration", "inc-3": "dependency"}


def cost(inc, slo, week, bad, share, four, minutes, coverage) -> dict:
    return dict(
        incident_id=inc,
        slo=slo,
        week_start=D(week),
        service=slo.split("-")[0],
        severity="SEV1",
        cause=CAUSES.get(inc, "deployment"),
        span_start=ts(f"{week}T10:00"),
        span_end=ts(f"{week}T11:00"),
        bad_events=bad,
        span_events=1000.0,
        span_coverage=coverage,
        period_events=1e5,
        budget_events=100.0,
        budget_share=share,
        downtime_minutes=minutes,
        four_week_share=four,
    )


# bad events, budget share, 4-week share, downtime minutes, span coverage
INCIDENT_BUDGET = [
    cost("inc-1", "checkout-availability", "2026-01-05", 50, 0.25, 0.30, 10.8, 1.0),
    cost("inc-1", "search-latency", "2026-01-05", 20, 0.05, 0.06, 2.0, 0.5),
    cost("inc-2", "checkout-availability", "2026-01-05", 10, 0.50, 0.20, 21.6, 1.0),  # = 20 %
    cost("inc-3", "search-latency", "2026-01-05", 30, 0.30, 0.21, 30.0, 1.0),  # > 20 %, draft
    cost("inc-5", "checkout-availability", "2026-01-12", 5, None, None, None, 0.0),
]


def outside(slo, week, bad, inside, total, budget) -> dict:
    return dict(
        slo=slo,
        week_start=D(week),
        service=slo.split("-")[0],
        bad_events=bad,
        incident_bad_events=inside,
        outside_bad_events=bad - inside,
        total_events=total,
        budget_events=budget,
        outside_share=(bad - inside) / budget if budget else None,
    )


OUTSIDE = [
    outside("checkout-availability", "2026-01-05", 100, 60, 1e5, 100.0),  # 40 outside: 0.4
    outside("search-latency", "2026-01-05", 50, 50, 5000, 50.0),
    outside("checkout-availability", "2026-01-12", 5, 5, 1e4, None),  # no status: no share
]


def link(slo, windows, start, severity, inc) -> dict:
    return dict(
        week_start=monday(D(start[:10])),
        slo=slo,
        service=slo.split("-")[0],
        long_window=windows[0],
        short_window=windows[1],
        episode_start=ts(start),
        episode_end=None,
        severity=severity,
        incident_id=inc,
    )


LINKS = [
    link("checkout-availability", ("1h", "5m"), "2026-01-05T10:02", "page", "inc-1"),
    link("search-latency", ("6h", "30m"), "2026-01-05T10:30", "ticket", "inc-1"),
    link("checkout-availability", ("6h", "30m"), "2026-01-07T07:00", "page", "inc-2"),
    link("checkout-availability", ("6h", "30m"), "2026-01-07T07:00", "page", "inc-3"),  # one ep.
    link("checkout-availability", ("1h", "5m"), "2026-01-09T03:00", "page", None),
    link("search-latency", ("1d", "2h"), "2026-01-10T00:00", "ticket", None),
]


def detection(inc, week, lead, gap) -> dict:
    return dict(
        incident_id=inc,
        week_start=D(week),
        detected_at=ts(f"{week}T10:00"),
        first_alert_at=None if lead is None else ts(f"{week}T09:00"),
        alert_lead_minutes=lead,
        alert_episodes=0 if lead is None else 1,
        detection_gap=gap,
    )


DETECTION = [
    detection("inc-1", "2026-01-05", 3.0, False),
    detection("inc-2", "2026-01-05", 75.0, False),
    detection("inc-3", "2026-01-05", None, True),
    detection("inc-4", "2026-01-12", None, True),
    detection("inc-5", "2026-01-12", 1.0, False),
]


def fetch(engine: sa.Engine, model: str, order_by: str, columns: str = "*") -> list[tuple]:
    """Rows as tuples, dates as ISO text (SQLite returns text, PostgreSQL dates)."""
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(f'SELECT {columns} FROM "{model}" ORDER BY {order_by}').all()
    return [tuple(v.isoformat() if isinstance(v, dt.date) else v for v in row) for row in rows]


@pytest.fixture
def marts(warehouse_engine) -> sa.Engine:
    load_fixture(warehouse_engine)
    runs = discover().run(warehouse_engine, {"as_of": AS_OF})
    assert {r.name: r.rows for r in runs} == {
        "stg_slo_status": 24,
        "stg_action_items": 6,
        "weekly_slo_summary": 6,
        "action_item_completion": 14,
        "incident_metrics": 4,
        "capacity_weekly": 3,
        "incident_costs": 4,
        "budget_by_cause": 6,
        "alert_coverage": 2,
        "action_items_weekly": 3,
        "overdue_p0_items": 1,
        "incident_weeks": 2,
    }
    return warehouse_engine


def test_shipped_models_graph():
    graph = discover()
    assert graph.order().index("stg_slo_status") < graph.order().index("weekly_slo_summary")
    assert graph.models["stg_slo_status"].depends_on == ("slo_status", "slo_catalog")
    assert graph.model_dependencies("weekly_slo_summary") == ["stg_slo_status"]
    assert graph.models["stg_slo_status"].materialized == "view"
    assert graph.models["weekly_slo_summary"].materialized == "table"
    assert graph.models["action_item_completion"].required_vars == ("as_of",)


def test_weekly_slo_summary(marts):
    cols = (
        "slo, service, week_start, last_day, days, attainment, budget_remaining, policy_tier,"
        " min_budget_remaining, page_days, ticket_days, mean_coverage, prev_attainment,"
        " prev_budget_remaining, attainment_delta, budget_remaining_delta"
    )
    with marts.connect() as conn:
        got = conn.exec_driver_sql(
            f"SELECT {cols} FROM weekly_slo_summary ORDER BY slo, week_start"
        ).all()
    got = [tuple(v.isoformat() if isinstance(v, dt.date) else v for v in r) for r in got]
    a = lambda objective, budget: 1 - (1 - objective) * (1 - budget)  # noqa: E731
    expected = [
        (
            "checkout-availability",
            "checkout",
            "2026-01-05",
            "2026-01-11",
            7,
            a(0.999, 0.45),
            0.45,
            "slow_down",
            0.45,
            2,
            1,
            6.3 / 7,
            None,
            None,
            None,
            None,
        ),
        (
            "checkout-availability",
            "checkout",
            "2026-01-12",
            "2026-01-14",
            3,
            a(0.999, 0.30),
            0.30,
            "slow_down",
            0.30,
            0,
            1,
            1.0,
            a(0.999, 0.45),
            0.45,
            -0.00015,
            -0.15,
        ),
        # legacy-uptime: not in the catalog (service NULL); the 01-12 week has no previous week
        (
            "legacy-uptime",
            None,
            "2025-12-22",
            "2025-12-23",
            2,
            a(0.95, 0.4),
            0.4,
            "slow_down",
            0.4,
            0,
            0,
            1.0,
            None,
            None,
            None,
            None,
        ),
        (
            "legacy-uptime",
            None,
            "2026-01-12",
            "2026-01-13",
            2,
            a(0.95, -0.2),
            -0.2,
            "exhausted",
            -0.2,
            1,
            0,
            0.5,
            None,
            None,
            None,
            None,
        ),
        (
            "search-latency",
            "search",
            "2026-01-05",
            "2026-01-11",
            7,
            0.998,
            0.80,
            "full_velocity",
            0.80,
            0,
            0,
            1.0,
            None,
            None,
            None,
            None,
        ),
        (
            "search-latency",
            "search",
            "2026-01-12",
            "2026-01-14",
            3,
            0.9976,
            0.76,
            "full_velocity",
            0.76,
            0,
            0,
            1.0,
            0.998,
            0.80,
            -0.0004,
            -0.04,
        ),
    ]
    assert got == [pytest.approx(e) for e in expected]


def test_action_item_completion(marts):
    got = fetch(
        marts,
        "action_item_completion",
        "dimension, value",
        "dimension, value, total, done, open, overdue, completion_rate",
    )
    # dimension, value, total, done, open, overdue, completion_rate
    assert got == [
        pytest.approx(e)
        for e in [
            ("owner", "(unassigned)", 1, 0, 1, 0, 0.0),  # item 5, due today
            ("owner", "alice", 2, 1, 1, 1, 0.5),  # item 2 overdue
            ("owner", "bob", 2, 0, 1, 0, 0.0),  # item 4 wontfix: neither open nor done
            ("owner", "carol", 1, 1, 0, 0, 1.0),  # "Done" counts as done
            ("priority", "(none)", 1, 1, 0, 0, 1.0),
            ("priority", "P0", 3, 1, 2, 1, 1 / 3),  # items 1, 2 (overdue), 5 (due today)
            ("priority", "P1", 1, 0, 1, 0, 0.0),
            ("priority", "P2", 1, 0, 0, 0, 0.0),
            ("severity", "(none)", 1, 1, 0, 0, 1.0),
            ("severity", "sev1", 3, 1, 1, 0, 1 / 3),  # items 1, 4, 5
            ("severity", "sev2", 2, 0, 2, 1, 0.0),  # items 2, 3
            ("team", "(unassigned)", 1, 1, 0, 0, 1.0),
            ("team", "discovery", 2, 0, 1, 0, 0.0),
            ("team", "payments", 3, 1, 2, 1, 1 / 3),  # items 1, 2, 5
        ]
    ]


def test_action_item_ages(marts):
    got = fetch(
        marts,
        "action_item_completion",
        "value",
        "value, mean_open_age_days, oldest_open_days, mean_days_to_complete",
    )
    got = {row[0]: row[1:] for row in got if row[0].startswith(("P", "("))}
    assert got["P0"] == pytest.approx((4.5, 8, 4.0))  # open: 01-06 and 01-13 to 01-14; done 4 d
    assert got["P1"] == pytest.approx((6.0, 6, None))
    assert got["P2"] == (None, None, None)  # wontfix: neither open nor done


def test_action_items_weekly(marts):
    # week, created, completed, open at the week's end
    assert fetch(marts, "action_items_weekly", "week_start") == [
        ("2025-12-29", 1, 0, 0),  # item 4, closed as wontfix (no date): never counted open
        ("2026-01-05", 3, 1, 2),  # items 1-3 created, 1 completed: 2 and 3 open
        ("2026-01-12", 1, 1, 3),  # item 5 created; item 6 (created unknown) completed
    ]


def test_overdue_p0_items(marts):
    assert fetch(marts, "overdue_p0_items", "item_id") == [
        (
            "ai-2",
            "item 2",
            "alice",
            "payments",
            "inc-2",
            "incident 2",
            "2026-01-12",
            2,
            "open",
            None,
        )
    ]


def tracked(item_id: str, state: str, closed_by: str | None, closed: str | None) -> dict:
    """An action_item_tracking row as the ticket step reads one back."""
    at = closed and ts(closed)
    return dict(
        item_id=item_id,
        source="pipeline",
        tracker="ops",
        tracker_id="7",
        state=state,
        closed_by=closed_by,
        closed_at=at,
        closed_week=monday(at and at.date()),
        synced_at=ts("2026-01-14T00:00:00"),
    )


def test_items_closed_in_their_tracker_count_as_done(marts):
    with marts.begin() as conn:
        conn.execute(
            schema.action_item_tracking.insert(),
            [
                tracked("ai-2", "closed", "tracker", "2026-01-13T09:00:00"),  # a person closed it
                tracked("ai-3", "closed", "pipeline", "2026-01-13T09:00:00"),  # not a verdict
                tracked("ai-4", "closed", "tracker", "2026-01-13T09:00:00"),  # wontfix stays
                tracked("ai-5", "open", None, None),
            ],
        )
    discover().run(marts, {"as_of": AS_OF})
    assert fetch(marts, "overdue_p0_items", "item_id") == []  # ai-2 was the only one
    assert fetch(marts, "action_items_weekly", "week_start")[-1] == ("2026-01-12", 1, 2, 2)
    got = fetch(marts, "stg_action_items", "item_id", "item_id, status, postmortem_status")
    assert got[1:5] == [
        ("ai-2", "done", "open"),
        ("ai-3", "in_progress", "in_progress"),
        ("ai-4", "wontfix", "wontfix"),
        ("ai-5", "open", "open"),
    ]


def test_incident_costs(marts):
    got = fetch(
        marts,
        "incident_costs",
        "week_start, rank_in_week",
        "week_start, rank_in_week, incident_id, cause, worst_slo, worst_budget_share, "
        "worst_four_week_share, slos, bad_events, budget_points, downtime_minutes, "
        "span_coverage, p0_items, needs_p0_postmortem",
    )
    assert got == [
        pytest.approx(e)
        for e in [
            # 20 % of a 4-week budget exactly is not "more than": no flag
            (
                *("2026-01-05", 1, "inc-2", "configuration", "checkout-availability", 0.5, 0.2),
                *(1, 10, 0.5, 21.6, 1.0, 1, 0),
            ),
            # over 20 %, postmortem a draft and no P0 item: flagged
            (
                *("2026-01-05", 2, "inc-3", "dependency", "search-latency", 0.3, 0.21),
                *(1, 30, 0.3, 30.0, 1.0, 0, 1),
            ),
            # over 20 %, published with a P0 item: fine; two SLOs, the worst coverage shown
            (
                *("2026-01-05", 3, "inc-1", "deployment", "checkout-availability", 0.25, 0.3),
                *(2, 70, 0.3, 10.8, 0.5, 1, 0),
            ),
            # no budget to take a share of: NULL, ranked last
            (
                *("2026-01-12", 1, "inc-5", "deployment", "checkout-availability", None, None),
                *(1, 5, None, None, 0.0, 1, 0),
            ),
        ]
    ]


def test_budget_by_cause(marts):
    # week, cause, incidents, SLO impacts, bad events, budget points, downtime minutes
    assert fetch(marts, "budget_by_cause", "week_start, cause") == [
        pytest.approx(e)
        for e in [
            ("2026-01-05", "(outside incidents)", 0, 1, 40, 0.4, None),
            ("2026-01-05", "configuration", 1, 1, 10, 0.5, 21.6),
            ("2026-01-05", "dependency", 1, 1, 30, 0.3, 30.0),
            ("2026-01-05", "deployment", 1, 2, 70, 0.3, 12.8),
            ("2026-01-12", "(outside incidents)", 0, 0, 0, None, None),
            ("2026-01-12", "deployment", 1, 1, 5, None, None),
        ]
    ]


def test_incident_weeks(marts):
    # week, declared, attributed, bad events, budget points, downtime, need P0, outside
    assert fetch(marts, "incident_weeks", "week_start") == [
        pytest.approx(e)
        for e in [
            ("2026-01-05", 3, 3, 110, 1.1, 62.4, 1, 40, 0.4),
            ("2026-01-12", 2, 1, 5, None, None, 0, 0, None),  # inc-4: not attributed
        ]
    ]


def test_alert_coverage(marts):
    # week, episodes, linked, unexplained, unexplained pages, incidents, gaps, mean lead
    assert fetch(marts, "alert_coverage", "week_start") == [
        pytest.approx(e)
        for e in [
            ("2026-01-05", 5, 3, 2, 1, 3, 1, 39.0),  # one episode overlaps two incidents
            ("2026-01-12", 0, 0, 0, 0, 2, 1, 1.0),  # incidents, no episodes
        ]
    ]


def test_incident_metrics(marts):
    got = fetch(marts, "incident_metrics", "week_start, severity")
    # week, severity, incidents, resolved, MTTD, MTTA, MTTR (min), pm on time, on-time share
    assert got == [
        pytest.approx(e)
        for e in [
            ("2026-01-05", "sev1", 2, 2, (5 + 15) / 2, (10 + 5) / 2, (120 + 90) / 2, 1, 0.5),
            ("2026-01-05", "sev2", 1, 1, None, None, 360.0, 0, 0.0),  # no detection recorded
            ("2026-01-12", "sev1", 1, 1, 1.0, 2.0, 31.0, 1, 1.0),  # published exactly at 48 h
            ("2026-01-12", "sev2", 1, 0, 2.5, 7.5, None, 0, None),  # unresolved: no share
        ]
    ]


def test_capacity_weekly(marts):
    got = fetch(
        marts,
        "capacity_weekly",
        "resource, week_start",
        "resource, week_start, days, days_with_data, peak_utilisation, mean_utilisation, "
        "worst_state, min_headroom, headroom_target, days_below_headroom_target, last_day, "
        "last_state, scale_status, scale_on",
    )
    assert got == [
        pytest.approx(e)
        for e in [
            # three days; the tightest headroom is the 0.85 peak's; two days under 2x; the
            # forecast as of the last day (01-07): scale on 01-20
            (
                *("db-cpu", "2026-01-05", 3, 3, 0.85, 1.5 / 3, "scale", 1 / 0.85, 2.0, 2),
                *("2026-01-07", "warn", "forecast", "2026-01-20"),
            ),
            (
                *("db-cpu", "2026-01-12", 2, 2, 0.95, 0.55, "emergency", 1 / 0.95, 2.0, 1),
                *("2026-01-13", "OK", "not rising", None),
            ),
            # a day without data: no figures, its status says why
            (
                *("disk", "2026-01-05", 1, 0, None, None, None, None, 2.0, 0),
                *("2026-01-05", None, "insufficient data", None),
            ),
        ]
    ]


def test_rerun_is_idempotent(marts):
    before = {m: fetch(marts, m, "1, 2, 3") for m in discover().models}
    discover().run(marts, {"as_of": AS_OF})
    assert {m: fetch(marts, m, "1, 2, 3") for m in discover().models} == before


def write_models(root: Path, **files: str) -> Path:
    """``name="sql"`` (or ``sub__name``) as ``root/sub/name.sql``; returns ``root``."""
    for key, sql in files.items():
        path = root / (key.replace("__", "/") + ".sql")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(sql)
    return root


def test_unknown_ref_names_file_ref_and_suggestion(tmp_path):
    write_models(tmp_path, marts__a="SELECT * FROM {{ ref('slo_stats') }}")
    with pytest.raises(ModelError, match=r"a\.sql: ref\('slo_stats'\) .*did you mean 'slo_status'"):
        discover(tmp_path)


@pytest.mark.parametrize(
    "files, cycle",
    [
        ({"a": "SELECT * FROM {{ ref('b') }}", "b": "SELECT * FROM {{ ref('a') }}"}, "a -> b -> a"),
        ({"a": "SELECT * FROM {{ ref('a') }}"}, "a -> a"),
    ],
)
def test_cycle_is_named(tmp_path, files, cycle):
    write_models(tmp_path, **files)
    with pytest.raises(ModelError, match=f"cycle: {cycle}$"):
        discover(tmp_path)


def test_duplicate_names_and_bad_materialization(tmp_path):
    write_models(tmp_path / "dup", staging__x="SELECT 1 AS n", marts__x="SELECT 2 AS n")
    with pytest.raises(ModelError, match=r"two models named 'x': .*marts/x\.sql and .*staging/x"):
        discover(tmp_path / "dup")
    write_models(tmp_path / "mat", y="{{ config(materialized='tabel') }} SELECT 1 AS n")
    with pytest.raises(ModelError, match=r"y\.sql: materialized='tabel'.*did you mean 'table'"):
        discover(tmp_path / "mat")


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_missing_var_names_model_and_var(dialect):
    graph = discover()
    with pytest.raises(ModelError, match="model 'action_item_completion'.*'as_of' is not set"):
        graph.render("action_item_completion", dialect, {"week_start": "2026-01-12"})
    sql = graph.render("action_item_completion", dialect, {"as_of": dt.date(2026, 1, 14)})
    assert "2026-01-14'" in sql


def test_var_default_and_undefined_name(tmp_path):
    write_models(tmp_path, a="SELECT {{ var('n', 3) }} AS n", b="SELECT {{ nope }} AS n")
    graph = discover(tmp_path)
    assert graph.render("a", "sqlite", {}) == "SELECT 3 AS n"
    with pytest.raises(ModelError, match="model 'b'.*'nope' is undefined"):
        graph.render("b", "postgresql", {})


def test_bad_sql_names_model_shows_sql_and_rolls_back(warehouse_engine, tmp_path):
    schema.metadata.create_all(warehouse_engine)
    root = write_models(
        tmp_path,
        a="{{ config(materialized='view') }} SELECT slo FROM {{ ref('slo_catalog') }}",
        b="{{ config(materialized='table') }} SELECT COUNT(*) AS n FROM {{ ref('a') }}",
    )
    assert [r.name for r in discover(root).run(warehouse_engine)] == ["a", "b"]
    write_models(root, b="SELECT no_such_column FROM {{ ref('a') }}")
    with pytest.raises(ModelError, match="model 'b'") as err:
        discover(root).run(warehouse_engine)
    assert "no_such_column" in str(err.value)
    assert 'SELECT no_such_column FROM "a"' in str(err.value)  # the rendered SQL
    assert fetch(warehouse_engine, "b", "n") == [(0,)]  # the previous run's b, still a table
    assert fetch(warehouse_engine, "a", "slo") == []


def test_select_rebuilds_model_and_dependent_views(warehouse_engine, tmp_path):
    schema.metadata.create_all(warehouse_engine)
    root = write_models(
        tmp_path,
        a="{{ config(materialized='view') }} SELECT slo FROM {{ ref('slo_catalog') }}",
        v="{{ config(materialized='view') }} SELECT slo FROM {{ ref('a') }}",
        t="{{ config(materialized='table') }} SELECT slo FROM {{ ref('a') }}",
    )
    graph = discover(root)
    graph.run(warehouse_engine)
    with warehouse_engine.begin() as conn:
        conn.execute(schema.slo_catalog.insert(), [catalog_row("s", "svc", "o", "t", 0.99)])
    runs = graph.run(warehouse_engine, select="a")  # PostgreSQL: v must go before a can
    assert [(r.name, r.rows) for r in runs] == [("a", 1), ("v", 1)]
    assert fetch(warehouse_engine, "t", "slo") == []  # not selected: not rebuilt
    with pytest.raises(ModelError, match="no model named 'b'"):
        graph.run(warehouse_engine, select="b")


def test_percent_signs_reach_the_database_as_written(warehouse_engine, tmp_path):
    schema.metadata.create_all(warehouse_engine)
    with warehouse_engine.begin() as conn:
        conn.execute(
            schema.slo_catalog.insert(),
            [catalog_row(s, "svc", "o", "t", 0.99) for s in ("checkout-a", "search-b")],
        )
    root = write_models(
        tmp_path,
        p="{{ config(materialized='table') }}\n-- more than 20 % of a budget\n"
        "SELECT slo, '100%' AS label FROM {{ ref('slo_catalog') }} WHERE slo LIKE 'check%'",
    )
    discover(root).run(warehouse_engine)
    assert fetch(warehouse_engine, "p", "slo") == [("checkout-a", "100%")]
