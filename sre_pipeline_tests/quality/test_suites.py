"""Data-quality suites: a clean frame passes every outcome, and for every outcome a crafted bad
frame makes exactly that outcome fail, with its severity, unexpected count and sample rows."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from sre_pipeline.quality import suites
from sre_pipeline.quality.gx_runner import SuiteResult, warm_up

DAY = pd.Timestamp("2026-11-01T00:00Z")
HOUR = DAY + pd.Timedelta(hours=1)
SLOS = ["api-availability", "api-latency", "web-availability"]
STEPS = {"cpu-a": 300, "mem-b": 300}
SERVICES = ["api", "web", "db"]


@pytest.fixture(scope="module", autouse=True)
def gx_ready():
    """Import GX and build its context once for the module (it costs seconds)."""
    warm_up()


def events() -> pd.DataFrame:
    starts = pd.date_range(DAY, periods=12, freq="5min")
    n = len(SLOS)
    return pd.DataFrame(
        {
            "slo": np.repeat(SLOS, 12),
            "bucket_start": np.tile(starts, n),
            "good": np.full(12 * n, 95.0),
            "total": np.full(12 * n, 100.0),
        }
    )


def capacity() -> pd.DataFrame:
    ts = pd.date_range(DAY, periods=12, freq="5min")
    return pd.DataFrame(
        {
            "resource": np.repeat(list(STEPS), 12),
            "ts": np.tile(ts, 2),
            "utilisation": np.linspace(0.0, 1.0, 24),
            "capacity": [np.nan] * 12 + [64.0] * 12,
        }
    )


def incidents() -> pd.DataFrame:
    t = DAY + pd.Timedelta(hours=2)
    m = pd.Timedelta(minutes=1)
    return pd.DataFrame(
        {
            "incident_id": ["INC-1", "INC-2", "INC-3"],
            "title": ["a", "b", "c"],
            "severity": ["SEV1", "SEV2", "SEV3"],
            "services": [["api"], ["api", "db"], ["web"]],
            "started_at": [t, t, t],
            "detected_at": [t + m, t + m, pd.NaT],
            "acknowledged_at": [t + 2 * m, pd.NaT, pd.NaT],
            "resolved_at": [t + 3 * m, t + 5 * m, pd.NaT],
        }
    )


def action_items() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "item_id": ["AI-1", "AI-2", "AI-3"],
            "incident_id": ["INC-1", "INC-1", "INC-2"],
            "title": ["x", "y", "z"],
            "owner": ["alice", "bob", "carol"],
            "due_date": [date(2026, 11, 10), "2026-12-01", pd.Timestamp("2026-11-20")],
            "status": ["open", "in_progress", "done"],
        }
    )


def run_events(frame, **kw) -> SuiteResult:
    args = {"now": DAY + pd.Timedelta(days=2), "day_end": HOUR, **kw}
    return suites.events_suite(frame, SLOS, 300, DAY, args.pop("day_end"), args.pop("now"), **args)


def run_capacity(frame, **kw) -> SuiteResult:
    return suites.capacity_suite(frame, STEPS, DAY, HOUR, DAY + pd.Timedelta(days=2), **kw)


RUNNERS: dict[str, tuple[Callable, Callable]] = {
    "events": (events, run_events),
    "capacity": (capacity, run_capacity),
    "incidents": (incidents, lambda f: suites.incidents_suite(f, SERVICES)),
    "action_items": (action_items, suites.action_items_suite),
}


def add(row: dict) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def mutate(f: pd.DataFrame) -> pd.DataFrame:
        extra = pd.DataFrame([row]).astype(f.dtypes.to_dict())  # same dtypes: no all-NA upcast
        return pd.concat([f, extra], ignore_index=True)

    return mutate


def put(index: int, **values) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def mutate(f: pd.DataFrame) -> pd.DataFrame:
        f = f.copy()
        for col, v in values.items():
            f[col] = f[col].astype(object) if v is None or isinstance(v, list) else f[col]
            f.at[index, col] = v
        return f

    return mutate


@dataclass
class Bad:
    suite: str
    outcome: str
    severity: str
    mutate: Callable[[pd.DataFrame], pd.DataFrame]
    count: int = 1
    sample: dict = field(default_factory=dict)  # a subset of the first sample
    also: tuple[str, ...] = ()  # outcomes that necessarily fail too
    kwargs: dict = field(default_factory=dict)


T0 = DAY.isoformat()
CASES = [
    Bad(
        "events",
        "slo known to the catalog",
        "error",
        add({"slo": "ghost", "bucket_start": DAY, "good": 1.0, "total": 1.0}),
        sample={"slo": "ghost"},
    ),
    Bad(
        "events",
        "slo not null",
        "error",
        add({"slo": None, "bucket_start": DAY, "good": 1.0, "total": 1.0}),
    ),
    Bad(
        "events",
        "bucket_start not null",
        "error",
        add({"slo": SLOS[0], "bucket_start": None, "good": 1.0, "total": 1.0}),
    ),
    Bad("events", "good not null", "error", put(4, good=np.nan), sample={"good": None}),
    Bad("events", "total not null", "error", put(4, total=np.nan), sample={"total": None}),
    Bad("events", "good >= 0", "error", put(5, good=-1.0), sample={"good": -1.0}),
    # total < 0 with good >= 0 is also good > total: both fail by construction
    Bad(
        "events",
        "total >= 0",
        "error",
        put(5, total=-1.0),
        sample={"total": -1.0},
        also=("good <= total",),
    ),
    Bad(
        "events",
        "good <= total",
        "error",
        put(7, good=101.0),
        sample={"slo": SLOS[0], "bucket_start": "2026-11-01T00:35:00+00:00", "good": 101.0},
    ),
    Bad(
        "events",
        "bucket_start aligned to the bucket width",
        "error",
        add(
            {
                "slo": SLOS[1],
                "bucket_start": DAY + pd.Timedelta(seconds=61),
                "good": 1.0,
                "total": 1.0,
            }
        ),
        sample={"bucket_start": "2026-11-01T00:01:01+00:00"},
    ),
    Bad(
        "events",
        "no duplicate (slo, bucket)",
        "error",
        lambda f: pd.concat([f, f.iloc[[13]]], ignore_index=True),
        count=2,
        sample={"slo": SLOS[1], "bucket_start": "2026-11-01T00:05:00+00:00"},
    ),
    Bad(
        "events",
        "coverage per SLO >= 95%",
        "warn",
        lambda f: f.drop(index=[14]),
        sample={"slo": SLOS[1], "coverage": round(11 / 12, 4), "present": 11, "expected": 12},
    ),
    Bad(
        "events",
        "coverage per SLO >= 90%",
        "warn",
        lambda f: f[f.slo != SLOS[2]],
        sample={"slo": SLOS[2], "coverage": 0.0},
        kwargs={"coverage_threshold": 0.9},
    ),
    # today's partition, 40 minutes after the newest bucket ended; coverage 12/20 >= 50 %
    Bad(
        "events",
        "fresh: newest bucket within 30 min",
        "warn",
        lambda f: f,
        sample={"newest_bucket_start": "2026-11-01T00:55:00+00:00", "lag_minutes": 40.0},
        kwargs={
            "day_end": DAY + pd.Timedelta(days=1),
            "now": HOUR + pd.Timedelta(minutes=40),
            "coverage_threshold": 0.5,
        },
    ),
    Bad(
        "capacity",
        "resource known",
        "error",
        add({"resource": "gpu-z", "ts": DAY, "utilisation": 0.5, "capacity": None}),
        sample={"resource": "gpu-z"},
    ),
    Bad(
        "capacity",
        "resource not null",
        "error",
        add({"resource": None, "ts": DAY, "utilisation": 0.5, "capacity": None}),
    ),
    Bad(
        "capacity",
        "ts not null",
        "error",
        add({"resource": "cpu-a", "ts": None, "utilisation": 0.5, "capacity": None}),
    ),
    Bad("capacity", "utilisation not null", "error", put(3, utilisation=np.nan)),
    Bad(
        "capacity",
        "utilisation within [0, 1]",
        "error",
        put(3, utilisation=-0.1),
        sample={"resource": "cpu-a", "utilisation": -0.1},
    ),
    Bad(
        "capacity",
        "utilisation within [0, 1]",
        "error",
        put(3, utilisation=1.5),
        sample={"resource": "cpu-a", "utilisation": 1.5, "capacity": None},
    ),
    Bad(
        "capacity",
        "over-commit (utilisation > 1 with a capacity series)",
        "warn",
        put(15, utilisation=1.25),
        sample={"resource": "mem-b", "utilisation": 1.25},
    ),
    Bad(
        "capacity",
        "no duplicate (resource, ts)",
        "error",
        lambda f: pd.concat([f, f.iloc[[0]]], ignore_index=True),
        count=2,
        sample={"resource": "cpu-a", "ts": T0},
    ),
    Bad(
        "capacity",
        "coverage per resource >= 95%",
        "warn",
        lambda f: f.drop(index=[20]),
        sample={"resource": "mem-b", "present": 11, "expected": 12},
    ),
    Bad("incidents", "incident_id not null", "error", put(1, incident_id=None)),
    Bad(
        "incidents",
        "no duplicate incident_id",
        "error",
        put(2, incident_id="INC-1"),
        count=2,
        sample={"incident_id": "INC-1"},
    ),
    Bad(
        "incidents",
        "started_at not null",
        "error",
        put(1, started_at=pd.NaT),
        sample={"incident_id": "INC-2"},
    ),
    Bad(
        "incidents",
        "started <= detected <= acknowledged <= resolved (where present)",
        "error",
        put(0, detected_at=DAY),
        sample={"incident_id": "INC-1"},
    ),
    # acknowledged is missing: resolved is compared with detected
    Bad(
        "incidents",
        "started <= detected <= acknowledged <= resolved (where present)",
        "error",
        put(1, resolved_at=DAY + pd.Timedelta(hours=2, seconds=30)),
        sample={"incident_id": "INC-2"},
    ),
    Bad(
        "incidents",
        "severity in SEV1..SEV3",
        "error",
        put(2, severity="SEV4"),
        sample={"severity": "SEV4"},
    ),
    Bad(
        "incidents",
        "services known",
        "error",
        put(1, services=["api", "ghost"]),
        sample={"incident_id": "INC-2", "services": "api, ghost"},
    ),
    Bad("action_items", "item_id not null", "error", put(0, item_id=None)),
    Bad("action_items", "no duplicate item_id", "error", put(1, item_id="AI-3"), count=2),
    Bad("action_items", "owner not null", "error", put(1, owner=None), sample={"item_id": "AI-2"}),
    Bad("action_items", "owner not blank", "error", put(1, owner="  "), sample={"item_id": "AI-2"}),
    Bad(
        "action_items",
        "due_date not null",
        "error",
        put(2, due_date=None),
        sample={"item_id": "AI-3", "due_date": None},
    ),
    Bad(
        "action_items",
        "due_date is a real date",
        "error",
        put(2, due_date="2026-02-30"),
        sample={"due_date": "2026-02-30"},
    ),
    Bad(
        "action_items",
        "due_date is a real date",
        "error",
        put(0, due_date="next week"),
        sample={"item_id": "AI-1"},
    ),
    Bad(
        "action_items",
        "status in the allowed set",
        "error",
        put(0, status="closed"),
        sample={"status": "closed"},
    ),
]


@pytest.mark.parametrize("suite", list(RUNNERS))
def test_clean_frame_passes_every_outcome(suite):
    make, run = RUNNERS[suite]
    result = run(make())
    assert result.rows == len(make())
    assert [o.name for o in result.outcomes if not o.success] == []
    assert result.passed and not result.errors and not result.warnings
    assert all(o.unexpected_count == 0 and o.samples == [] for o in result.outcomes)


def test_every_outcome_has_a_failing_case():
    covered = {(c.suite, c.outcome) for c in CASES}
    for suite, (make, run) in RUNNERS.items():
        names = {o.name for o in run(make()).outcomes}
        assert {n for s, n in covered if s == suite} >= names, suite


@pytest.mark.parametrize("case", CASES, ids=[f"{c.suite}:{c.outcome}" for c in CASES])
def test_bad_frame_fails_exactly_that_outcome(case):
    make, run = RUNNERS[case.suite]
    result = run(case.mutate(make()), **case.kwargs)
    failed = {o.name for o in result.outcomes if not o.success}
    assert failed == {case.outcome, *case.also}
    outcome = next(o for o in result.outcomes if o.name == case.outcome)
    assert outcome.severity == case.severity
    assert outcome.unexpected_count == case.count
    assert outcome.expectation.startswith("expect_") or outcome.expectation == "custom"
    assert outcome.samples, "failed outcomes carry sample rows"
    assert len(outcome.samples) <= 5
    assert case.sample.items() <= outcome.samples[0].items()
    for sample in outcome.samples:
        assert all(v is None or isinstance(v, str | int | float) for v in sample.values())
    assert result.passed is (case.severity == "warn" and not case.also)
    assert "FAILED" in result.markdown() and case.outcome in result.markdown()


def test_unexpected_percent_and_samples_capped():
    frame = events()
    frame["good"] = 101.0  # every row
    outcome = next(o for o in run_events(frame).outcomes if o.name == "good <= total")
    assert outcome.expectation == "expect_column_pair_values_a_to_be_greater_than_b"
    assert outcome.unexpected_count == 36 and outcome.unexpected_percent == pytest.approx(100.0)
    assert len(outcome.samples) == 5


@pytest.mark.parametrize("suite", list(RUNNERS))
def test_empty_frame_does_not_crash(suite):
    make, run = RUNNERS[suite]
    result = run(make().iloc[:0])
    failed = {o.name for o in result.outcomes if not o.success}
    assert failed == ({o.name for o in result.outcomes if o.name.startswith("coverage")})
    assert result.passed


def test_empty_events_for_today_fail_coverage_and_freshness():
    result = run_events(events().iloc[:0], day_end=DAY + pd.Timedelta(days=1), now=HOUR)
    assert {o.name for o in result.warnings} == {
        "coverage per SLO >= 95%",
        "fresh: newest bucket within 30 min",
    }
    assert result.passed


def test_freshness_is_skipped_for_past_days_and_configurable():
    stale = {"day_end": DAY + pd.Timedelta(days=1), "now": HOUR + pd.Timedelta(minutes=40)}
    relaxed = run_events(events(), coverage_threshold=0.5, freshness=timedelta(hours=1), **stale)
    assert relaxed.warnings == []
    assert run_events(events()).warnings == []


def test_great_expectations_is_imported_lazily():
    code = (
        "import sys, sre_pipeline.quality.suites, sre_pipeline.quality.gx_runner; "
        "assert 'great_expectations' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-11-01T12:02Z", "2026-11-01T11:30Z"),  # today: now - 30 min, floored to 5 min
        ("2026-11-01T00:10Z", "2026-10-31T23:40Z"),  # early: nothing of the day is expected yet
        ("2026-11-02T00:20Z", "2026-11-01T23:50Z"),  # yesterday, just after midnight
        ("2026-11-03T00:00Z", "2026-11-02T00:00Z"),  # a finished day: its end
    ],
)
def test_settled_end(now, expected):
    end = suites.settled_end(
        DAY + pd.Timedelta(days=1), pd.Timestamp(now), timedelta(minutes=30), 300
    )
    assert end == pd.Timestamp(expected)


def test_events_collected_up_to_now_are_complete_for_today():
    """12:02, collected up to 12:00: no coverage warning for the bucket still in progress."""
    now = pd.Timestamp("2026-11-01T12:02Z")
    starts = pd.date_range(DAY, now.floor("5min"), freq="5min", inclusive="left")
    frame = pd.DataFrame(
        [{"slo": s, "bucket_start": t, "good": 9.0, "total": 10.0} for s in SLOS for t in starts]
    )
    result = suites.events_suite(frame, SLOS, 300, DAY, DAY + pd.Timedelta(days=1), now, 1.0)
    assert result.passed and not result.warnings, result.markdown()


@pytest.mark.parametrize("grid", [True, False], ids=["grid", "hashed"])
@pytest.mark.parametrize("as_category", [False, True], ids=["object", "category"])
def test_coverage_counts_distinct_stamps_of_each_key_inside_the_window(
    monkeypatch, grid, as_category
):
    if not grid:  # the hashed path of a key x stamp grid too large to mark
        monkeypatch.setattr(suites, "GRID_CELLS", 0)
    rng = np.random.default_rng(5)
    stamps = pd.date_range(DAY - pd.Timedelta(hours=1), periods=14 * 12, freq="5min")
    rows = pd.DataFrame(
        {"key": rng.choice(["a", "b", "c", None], 3000), "t": rng.choice(stamps, 3000)}
    )
    rows.loc[rows.index[::97], "t"] = pd.NaT
    window = (DAY, DAY + pd.Timedelta(hours=12))
    keys = rows["key"].astype("category") if as_category else rows["key"]
    table = suites.coverage_table(keys, rows["t"], window, {"a": 300, "b": 300, "z": 600})
    # what it counts, the slow way: distinct (key, stamp) pairs inside the window
    inside = rows.dropna()
    inside = inside[(inside["t"] >= window[0]) & (inside["t"] < window[1])].drop_duplicates()
    want = inside.groupby("key").size()
    got = table.set_index("series")
    assert got.loc["a", "present"] == want["a"] and got.loc["b", "present"] == want["b"]
    assert got.loc["z", "present"] == 0 and got.loc["z", "expected"] == 72
    assert got.loc["a", "expected"] == 144 and "c" not in got.index
    assert list(table["coverage"]) == sorted(table["coverage"])  # worst first
