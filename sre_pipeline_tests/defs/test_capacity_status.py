"""The capacity status asset over collected samples: each day's own figures and forecasts,
re-runs that replace exactly their days, on both warehouse engines."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa

from sre_pipeline.defs.resources import (
    PipelineSettings,
    QualityResource,
    SLISource,
    WarehouseResource,
)
from sre_pipeline.sources.capacity import CapacityResult
from sre_pipeline.sources.collector import CollectResult
from sre_pipeline.warehouse import schema as tables
from sre_pipeline_tests.defs.pipeline import pipeline, range_tags
from sre_pipeline_tests.defs.test_assets import SPEC

FIRST, LAST = date(2026, 10, 20), date(2026, 11, 16)  # 28 days
CAPACITY = """
resources:
  - name: search-index
    utilisation: max(mem)
    team: discovery
  - name: queue
    utilisation: max(depth)
    thresholds: {warn: 0.6, scale: 0.75, emergency: 0.9}
"""


def peak_of(resource: str, day: date) -> float:
    n = (day - FIRST).days
    return 0.505 + 0.01 * n if resource == "search-index" else 0.5  # search: 0.775 on LAST


class Source(SLISource):
    """Hourly samples rising to each day's peak at 23:00 UTC."""

    def events(self, slos, start, end, width) -> CollectResult:
        return CollectResult(events=pd.DataFrame(columns=["slo", "bucket_start", "good", "total"]))

    def capacity(self, resources, start, end) -> CapacityResult:
        ts = pd.date_range(start, end, freq="1h", inclusive="left")
        rows = [
            (r.name, t, peak_of(r.name, t.date()) * (t.hour + 1) / 24, 100.0)
            for r in resources
            for t in ts
        ]
        return CapacityResult(
            pd.DataFrame(rows, columns=["resource", "ts", "utilisation", "capacity"])
        )


@pytest.fixture
def p(tmp_path, warehouse_url):
    (tmp_path / "slos").mkdir()
    (tmp_path / "slos" / "shop.yaml").write_text(SPEC)
    (tmp_path / "capacity.yaml").write_text(CAPACITY)
    resources = {
        "settings": PipelineSettings(
            slos=[str(tmp_path / "slos")], capacity=str(tmp_path / "capacity.yaml")
        ),
        "source": Source(),
        "warehouse": WarehouseResource(url=warehouse_url),
        "quality": QualityResource(),
    }
    built = pipeline(resources)
    tags = range_tags(FIRST.isoformat(), LAST.isoformat())
    assert built.materialize(["capacity_samples", "capacity_daily"], tags=tags).success
    return built


def status(p) -> pd.DataFrame:
    engine = sa.create_engine(p.resources["warehouse"].url)
    with engine.connect() as conn:
        frame = pd.read_sql(sa.text("SELECT * FROM capacity_status ORDER BY resource, day"), conn)
    engine.dispose()
    return frame


def test_each_day_has_its_own_figures_state_and_forecast(p):
    result = p.materialize(["capacity_status"], partition_key=LAST.isoformat())
    assert result.success
    rows = status(p)
    assert len(rows) == 2
    search = rows[rows["resource"] == "search-index"].iloc[0]
    assert search["peak_utilisation"] == pytest.approx(0.775)
    assert search["state"] == "warn" and search["trend"] == "rising"
    assert search["warn_status"] == "already above"
    assert str(search["warn_since"])[:10] == (FIRST + timedelta(days=20)).isoformat()  # 0.705
    assert search["scale_status"] == "forecast"
    assert str(search["scale_on"])[:10] == (LAST + timedelta(days=3)).isoformat()  # 0.805
    assert search["headroom"] == pytest.approx(1 / 0.775) and not search["headroom_ok"]
    assert search["peak_growth_wow"] == pytest.approx(0.775 / 0.705 - 1)
    queue = rows[rows["resource"] == "queue"].iloc[0]
    assert queue["state"] == "ok" and queue["trend"] == "not rising"
    assert queue["scale_status"] == "not rising" and pd.isna(queue["scale_on"])
    meta = result.asset_materializations_for_node("capacity_status")[0].metadata
    assert meta["states"].value == {"emergency": 0, "scale": 0, "warn": 1, "ok": 1}
    assert meta["below_headroom_target"].value == ["search-index"]


def test_a_multi_day_run_writes_each_days_own_row_and_reruns_replace_them(p):
    tags = range_tags((LAST - timedelta(days=2)).isoformat(), LAST.isoformat())
    result = p.materialize(["capacity_status"], tags=tags)
    assert result.success
    first = status(p)
    assert len(first) == 6
    peaks = first[first["resource"] == "search-index"]["peak_utilisation"].tolist()
    assert peaks == pytest.approx([0.755, 0.765, 0.775])
    by_day = {
        m.partition: m.metadata["dagster/row_count"].value
        for m in result.asset_materializations_for_node("capacity_status")
    }
    assert by_day == {d: 2 for d in ("2026-11-14", "2026-11-15", "2026-11-16")}
    assert p.materialize(["capacity_status"], tags=tags).success
    pd.testing.assert_frame_equal(status(p), first)


def test_the_blocking_check_passes_clean_days_and_names_bad_rows(p):
    day = LAST.isoformat()
    clean = p.materialize(["capacity_status"], ("check_capacity_status",), partition_key=day)
    (evaluation,) = clean.get_asset_check_evaluations()
    assert evaluation.passed
    engine = sa.create_engine(p.resources["warehouse"].url)
    with engine.begin() as conn:  # a state the peak does not give, a forecast in the past
        conn.execute(
            sa.text(
                "UPDATE capacity_status SET state = 'ok', scale_on = :past, "
                "mean_utilisation = NULL WHERE resource = 'search-index'"
            ),
            {"past": LAST - timedelta(days=1)},
        )
    engine.dispose()
    from sre_pipeline.quality.suites import capacity_status_suite
    from sre_pipeline.sources.capacity import load_resources

    levels = {r.name: r.thresholds for r in load_resources(p.resources["settings"].capacity)}
    result = capacity_status_suite(status(p), levels)  # what the check runs on these rows
    assert not result.passed
    failed = [o.name for o in result.errors]
    for name in (
        "state consistent with the peak and the thresholds",
        "forecast dates after the status day",
        "figures present on a day with a state (no NaN)",
    ):
        assert any(name in f for f in failed), (name, failed)


def test_the_capacity_command_prints_the_day_worst_first(p, monkeypatch, capsys, tmp_path):
    import json

    from sre_pipeline.cli import main

    assert p.materialize(["capacity_status"], partition_key=LAST.isoformat()).success
    monkeypatch.setenv("SRE_PIPELINE_WAREHOUSE_URL", p.resources["warehouse"].url)
    monkeypatch.setenv("SRE_PIPELINE_CONFIG", str(tmp_path / "sre_pipeline.yaml"))
    (tmp_path / "sre_pipeline.yaml").write_text("capacity: capacity.yaml\nslos: [slos]\n")
    assert main(["capacity"]) == 0  # the newest day
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "Capacity on 2026-11-16: 2 resources (1 warn, 1 ok)"
    body = [ln for ln in lines if ln.startswith(("search-index", "queue"))]
    assert body[0].startswith("search-index") and body[1].startswith("queue")  # worst first
    assert "since 11-09" in body[0] and " 11-19 " in body[0]  # warn since, scale on
    assert "1.3x < target" in body[0] and "not rising" in body[1]
    assert "nan" not in out.lower() and max(map(len, lines)) <= 120

    assert main(["capacity", "--day", "2026-11-16", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [r["resource"] for r in doc["resources"]] == ["search-index", "queue"]
    search = doc["resources"][0]
    assert search["scale_on"] == "2026-11-19" and search["warn_since"] == "2026-11-09"
    assert "NaN" not in json.dumps(doc)

    assert main(["capacity", "--day", "2026-11-01"]) == 2
    assert "--day 2026-11-01: no capacity status stored for that day" in capsys.readouterr().err
    monkeypatch.setenv("SRE_PIPELINE_WAREHOUSE_URL", f"sqlite:///{tmp_path}/none.db")
    assert main(["capacity"]) == 2
    err = capsys.readouterr().err
    assert "no warehouse at" in err and "Traceback" not in err
    assert not (tmp_path / "none.db").exists()


def test_the_daily_roll_up_holds_each_days_figures_and_reruns_replace_it(p):
    engine = sa.create_engine(p.resources["warehouse"].url)
    with engine.connect() as conn:
        daily = pd.read_sql(sa.text("SELECT * FROM capacity_daily ORDER BY resource, day"), conn)
    assert len(daily) == 2 * 28  # two resources, 28 days
    last = daily[(daily["resource"] == "search-index") & (daily["day"].astype(str) == str(LAST))]
    row = last.iloc[0]
    assert row["peak_utilisation"] == pytest.approx(0.775) and row["samples"] == 24
    assert row["current_utilisation"] == pytest.approx(0.775)  # 23:00, the day's last sample
    assert row["mean_utilisation"] == pytest.approx(0.775 * 12.5 / 24)
    tags = range_tags(FIRST.isoformat(), LAST.isoformat())
    assert p.materialize(["capacity_daily"], tags=tags).success
    with engine.connect() as conn:
        again = pd.read_sql(sa.text("SELECT * FROM capacity_daily ORDER BY resource, day"), conn)
    engine.dispose()
    pd.testing.assert_frame_equal(again, daily)


def test_a_run_above_a_threshold_longer_than_the_days_read_says_its_real_start(p):
    """The status reads 35 days of roll-ups; a resource above 90 % for 80 days says since the
    first of them, followed back in the stored roll-ups."""
    start = LAST - timedelta(days=79)
    rows = [
        {
            "resource": "queue",
            "day": start + timedelta(days=k),
            "current_utilisation": 0.95,
            "mean_utilisation": 0.93,
            "p95_utilisation": 0.95,
            "peak_utilisation": 0.96,
            "samples": 24,
        }
        for k in range(80)
    ]
    before = {"resource": "queue", "day": start - timedelta(days=1)} | {
        k: 0.5 for k in ("current_utilisation", "mean_utilisation", "p95_utilisation")
    }
    engine = sa.create_engine(p.resources["warehouse"].url)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM capacity_daily WHERE resource = 'queue'"))
        conn.execute(
            sa.insert(tables.capacity_daily),
            [*rows, before | {"peak_utilisation": 0.5, "samples": 24}],
        )
    engine.dispose()
    assert p.materialize(["capacity_status"], partition_key=LAST.isoformat()).success
    queue = status(p).set_index("resource").loc["queue"]
    assert queue["state"] == "emergency"
    for level in ("warn", "scale", "emergency"):
        assert queue[f"{level}_status"] == "already above"
        assert str(queue[f"{level}_since"])[:10] == start.isoformat()
    search = status(p).set_index("resource").loc["search-index"]
    assert str(search["warn_since"])[:10] == (FIRST + timedelta(days=20)).isoformat()


def test_days_with_samples_but_no_roll_up_fail_the_status_and_keep_what_is_stored(p):
    """Samples stored before capacity_daily existed (or a roll-up never run) are a hole the
    status must not compute across: the step fails naming the days and the command."""
    day = LAST.isoformat()
    assert p.materialize(["capacity_status"], partition_key=day).success
    before = status(p)
    engine = sa.create_engine(p.resources["warehouse"].url)
    gone = [LAST - timedelta(days=k) for k in (3, 4)]
    with engine.begin() as conn:
        conn.execute(sa.delete(tables.capacity_daily).where(tables.capacity_daily.c.day.in_(gone)))
    engine.dispose()
    result = p.materialize(["capacity_status"], partition_key=day, raise_on_error=False)
    assert not result.success
    (failure,) = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    message = failure.event_specific_data.error.message
    assert f"no roll-up for 2 day(s) with stored samples ({gone[1]}..{gone[0]})" in message
    assert "backfill --assets capacity_daily" in message
    pd.testing.assert_frame_equal(status(p), before)
