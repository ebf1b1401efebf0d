"""Schema versioning: an older warehouse is upgraded in place and keeps its data."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from sre_pipeline.warehouse.engine import make_engine
from sre_pipeline.warehouse.migrate import current_revision, head_revision, upgrade
from sre_pipeline.warehouse.schema import metadata


def test_new_warehouse_matches_the_schema_exactly(warehouse_url):
    engine = make_engine(warehouse_url)
    assert current_revision(engine) is None
    assert upgrade(engine) == head_revision() == "0014"
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    assert upgrade(engine) == "0014"  # idempotent
    engine.dispose()


def test_first_revision_warehouse_is_upgraded_with_its_data(warehouse_url):
    engine = make_engine(warehouse_url)
    upgrade(engine, "0001")
    status = sa.table(
        "slo_status",
        *(
            sa.column(c)
            for c in (
                "slo",
                "day",
                "at",
                "objective",
                "period",
                "good_gt_total_buckets",
                "aspirational",
                "alerts",
                "budget_remaining",
            )
        ),
    )
    events = sa.table(
        "sli_events", *(sa.column(c) for c in ("slo", "bucket_start", "good", "total"))
    )
    with engine.begin() as conn:
        conn.execute(
            sa.insert(status),
            [
                {
                    "slo": "a-x",
                    "day": date(2026, 11, d),
                    "at": f"2026-11-{d + 1:02d} 00:00:00",
                    "objective": 0.999,
                    "period": "30d",
                    "good_gt_total_buckets": 0,
                    "aspirational": False,
                    "alerts": "[]",
                    "budget_remaining": 0.5 + d / 100,
                }
                for d in (1, 2, 3)
            ],
        )
        conn.execute(
            sa.insert(events),
            [{"slo": "a-x", "bucket_start": "2026-11-01 00:00:00", "good": 9.0, "total": 10.0}],
        )
    assert upgrade(engine) == "0014"
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT day, week_start, budget_remaining FROM slo_status ORDER BY day")
        ).all()
        assert conn.execute(sa.text("SELECT good, total FROM sli_events")).all() == [(9.0, 10.0)]
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    as_dates = [(str(d)[:10], str(w)[:10], b) for d, w, b in rows]
    assert as_dates == [
        ("2026-11-01", "2026-10-26", 0.51),  # a Sunday belongs to the week of Monday the 26th
        ("2026-11-02", "2026-11-02", 0.52),
        ("2026-11-03", "2026-11-02", 0.53),
    ]
    engine.dispose()


def test_concurrent_first_upgrades_do_not_race(new_warehouse_url):
    from concurrent.futures import ThreadPoolExecutor

    url = new_warehouse_url("postgresql")
    engines = [make_engine(url) for _ in range(3)]
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(upgrade, engines))
    assert results == ["0014"] * 3
    for engine in engines:
        engine.dispose()


def test_sqlite_time_series_are_stored_in_key_order_and_keep_their_rows(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    upgrade(engine, "0011")
    row = {"slo": "a-x", "bucket_start": "2026-11-01 00:05:00.000000", "good": 9.0, "total": 10.0}
    sample = {"resource": "db", "ts": "2026-11-01 00:00:00.000000", "utilisation": 0.5}
    with engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO sli_events VALUES (:slo, :bucket_start, :good, :total)"), row
        )
        conn.execute(
            sa.text("INSERT INTO capacity_samples VALUES (:resource, :ts, :utilisation, NULL)"),
            sample,
        )

    def ddl(table: str) -> str:
        with engine.connect() as conn:
            query = "SELECT sql FROM sqlite_master WHERE name = :t"
            return conn.execute(sa.text(query), {"t": table}).scalar_one()

    assert "WITHOUT ROWID" not in ddl("sli_events")
    assert upgrade(engine) == "0014"
    for table in ("sli_events", "slo_daily", "capacity_samples"):
        assert "WITHOUT ROWID" in ddl(table)
        assert f"CONSTRAINT pk_{table} PRIMARY KEY" in ddl(table)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT * FROM sli_events")).all() == [tuple(row.values())]
        assert conn.execute(
            sa.text("SELECT resource, utilisation FROM capacity_samples")
        ).all() == [("db", 0.5)]
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    from alembic import command

    from sre_pipeline.warehouse.migrate import _config

    config = _config()
    with engine.begin() as conn:  # and back: the downgrade keeps the rows too
        config.attributes["connection"] = conn
        command.downgrade(config, "0011")
    assert "WITHOUT ROWID" not in ddl("sli_events")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT * FROM sli_events")).all() == [tuple(row.values())]
    engine.dispose()
