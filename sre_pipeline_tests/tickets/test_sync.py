"""The ticket lifecycle against the outbox tracker and a real warehouse (SQLite and
PostgreSQL): once, one comment a week, closed on recovery, never twice."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from sre_pipeline.tickets.conditions import Wanted
from sre_pipeline.tickets.sync import SyncSettings, open_tickets, sync
from sre_pipeline.tickets.trackers.base import TrackerError
from sre_pipeline.tickets.trackers.outbox import OutboxTracker
from sre_pipeline.warehouse import schema as tables
from sre_pipeline.warehouse.migrate import upgrade

KINDS = {"burn-page", "budget-policy", "action-item", "overflow"}
W46 = datetime(2026, 11, 16, tzinfo=UTC)  # the end of 2026-W46
W47 = W46 + timedelta(7)


def want(subject: str, kind: str = "burn-page", **kw) -> Wanted:
    return Wanted(
        f"{kind}:{subject}",
        kind,
        subject,
        f"{kind} {subject}",
        f"about {subject}",
        kw.pop("priority", "high"),
        **kw,
    )


@pytest.fixture
def engine(warehouse_engine):
    upgrade(warehouse_engine)
    return warehouse_engine


@pytest.fixture
def outbox(tmp_path):
    return OutboxTracker("outbox", tmp_path / "tickets")


def run(engine, outbox, wanted, as_of=W46, **settings):
    trackers = {"outbox": outbox}
    return sync(
        engine,
        trackers,
        lambda w: "outbox",
        wanted,
        KINDS,
        as_of,
        SyncSettings(**settings),
        week=(as_of - timedelta(days=1)).date()
        - timedelta(days=(as_of - timedelta(days=1)).weekday()),
    )


def lines(outbox) -> list[dict]:
    if not outbox.path.exists():
        return []
    return [json.loads(x) for x in outbox.path.read_text().splitlines()]


def audit(engine) -> list[tuple]:
    t = tables.outbound_audit
    with engine.connect() as conn:
        return conn.execute(
            sa.select(t.c.action, t.c.fingerprint, t.c.outcome)
            .where(t.c.kind == "ticket")
            .order_by(t.c.id)
        ).all()


def test_opened_once_then_one_comment_a_week_then_closed(engine, outbox):
    wanted = [want("checkout"), want("cart", "budget-policy")]
    first = run(engine, outbox, wanted)
    assert first.summary()["opened"] == 2
    again = run(engine, outbox, wanted)  # the same week re-run: nothing new
    assert again.summary() == {**again.summary(), "opened": 0, "updated": 0, "kept": 2}
    assert [x["action"] for x in lines(outbox)] == ["create", "create"]
    week2 = run(engine, outbox, wanted, W47)
    assert week2.summary()["updated"] == 2
    run(engine, outbox, wanted, W47)  # at most one comment a week
    assert [x["action"] for x in lines(outbox)].count("comment") == 2
    cleared = run(engine, outbox, wanted[:1], W47)  # the budget recovered
    assert cleared.summary()["closed"] == 1
    assert {t.fingerprint for t in outbox.open_tickets()} == {"burn-page:checkout"}
    assert list(open_tickets(engine)["fingerprint"]) == ["burn-page:checkout"]
    closes = [x for x in lines(outbox) if x["action"] == "close"]
    assert closes[0]["text"].startswith("Cleared as of the week of 2026-11-16")
    assert [a for a in audit(engine) if a[0] == "open"] == [
        ("open", "burn-page:checkout", "done"),
        ("open", "budget-policy:cart", "done"),
    ]


def test_kinds_not_evaluated_are_never_closed(engine, outbox):
    run(engine, outbox, [want("nightly", "run-failure")])
    later = sync(engine, {"outbox": outbox}, lambda w: "outbox", [], KINDS, W47)
    assert later.summary()["closed"] == 0 and len(outbox.open_tickets()) == 1


def test_only_comment_when_closing_is_off(engine, outbox):
    run(engine, outbox, [want("checkout")])
    run(engine, outbox, [], W47, close_on_clear=False)
    run(engine, outbox, [], W47, close_on_clear=False)
    assert [x["action"] for x in lines(outbox)] == ["create", "comment"]
    assert len(outbox.open_tickets()) == 1


def test_a_lost_warehouse_does_not_duplicate(engine, outbox, new_warehouse_url):
    run(engine, outbox, [want("checkout")])
    fresh = sa.create_engine(new_warehouse_url("sqlite"))
    upgrade(fresh)
    report = run(fresh, outbox, [want("checkout")])
    assert report.summary()["opened"] == 0 and report.count("adopt") == 1
    assert len(outbox.open_tickets()) == 1
    assert list(open_tickets(fresh)["tracker_id"]) == ["1"]
    fresh.dispose()


class SlowOutbox(OutboxTracker):
    """Reads slowly, so two runs without the lock would both see nothing open."""

    def open_tickets(self):
        found = super().open_tickets()
        time.sleep(0.5)
        return found


def test_two_runs_at_once_give_one_ticket(engine, tmp_path):
    outbox = SlowOutbox("outbox", tmp_path / "tickets")
    errors = []

    def go():
        try:
            run(engine, outbox, [want("checkout")])
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=go) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert [x["action"] for x in lines(outbox)] == ["create"]
    assert len(open_tickets(engine)) == 1


def test_cap_opens_twenty_and_summarises_the_rest(engine, outbox):
    wanted = [want(f"slo-{i:02d}") for i in range(5)]
    report = run(engine, outbox, wanted, max_new=2)
    assert report.summary()["opened"] == 3  # two and the summary ticket
    assert report.summary()["capped"] == 3
    summary = next(t for t in outbox.open_tickets() if t.fingerprint == "overflow:outbox")
    created = next(x for x in lines(outbox) if x["id"] == summary.tracker_id)
    assert "burn-page:slo-04" in created["description"]
    nxt = run(engine, outbox, wanted, W47, max_new=2)
    assert nxt.summary()["opened"] == 2 and nxt.summary()["capped"] == 1
    done = run(engine, outbox, wanted, W47, max_new=2)
    assert done.summary()["capped"] == 0
    assert "overflow:outbox" not in {t.fingerprint for t in outbox.open_tickets()}
    assert len(outbox.open_tickets()) == 5


def test_dry_run_sends_and_stores_nothing(engine, outbox):
    report = run(engine, outbox, [want("checkout")], dry_run=True)
    assert report.dry_run and report.summary()["opened"] == 1
    assert lines(outbox) == [] and len(open_tickets(engine)) == 0
    assert audit(engine) == [("open", "burn-page:checkout", "dry-run")]


def test_halted_does_nothing(engine, outbox):
    report = sync(
        engine,
        {"outbox": outbox},
        lambda w: "outbox",
        [want("checkout")],
        KINDS,
        W46,
        halted="emergency stop: file /x exists",
    )
    assert report.halted and report.actions == [] and lines(outbox) == []


def test_closed_by_a_person_stays_closed_until_the_condition_returns(engine, outbox):
    run(engine, outbox, [want("checkout")])
    outbox.close("1", "we know, handled in the migration")  # a person closes it
    held = run(engine, outbox, [want("checkout")], W47)
    assert held.count("closed-in-tracker") == 1 and held.summary()["opened"] == 0
    assert run(engine, outbox, [want("checkout")], W47).summary()["opened"] == 0
    run(engine, outbox, [], W47)  # it cleared
    back = run(engine, outbox, [want("checkout")], W47 + timedelta(7))
    assert back.summary()["opened"] == 1
    assert [t.tracker_id for t in outbox.open_tickets()] == ["2"]


def test_overdue_action_item_comment_then_priority_bump(engine, outbox):
    item = want("INC-1-1", "action-item", priority="normal", due_date=date(2026, 11, 14))
    run(engine, outbox, [item], W46 - timedelta(7))  # not due yet
    run(engine, outbox, [item])  # 2 days late: one overdue comment, inside the grace
    actions = [x["action"] for x in lines(outbox)]
    assert actions == ["create", "comment", "comment"]
    assert "Overdue: this action item was due on 2026-11-14" in lines(outbox)[-1]["text"]
    run(engine, outbox, [item], W47)  # 9 days late: the priority goes up one step
    assert outbox.get("1").priority == "high"
    run(engine, outbox, [item], W47)
    actions = [x["action"] for x in lines(outbox)]
    assert actions.count("priority") == 1 and actions.count("comment") == 3


def test_an_item_already_overdue_says_so_when_opened(engine, outbox):
    item = want("INC-1-2", "action-item", priority="normal", due_date=date(2026, 11, 10))
    run(engine, outbox, [item])
    assert [x["action"] for x in lines(outbox)] == ["create"]
    assert "Overdue: due on 2026-11-10 (6 days ago)" in lines(outbox)[0]["description"]


class Broken(OutboxTracker):
    def open_tickets(self):
        raise TrackerError("Redmine http://127.0.0.1:9 project 'ops': HTTP 401: check the key", 401)


def test_a_failing_tracker_is_reported_and_the_others_still_sync(engine, outbox, tmp_path):
    trackers = {"outbox": outbox, "ops": Broken("ops", tmp_path / "ops")}
    wanted = [want("checkout"), want("cart", team="payments")]
    report = sync(engine, trackers, lambda w: "ops" if w.team else "outbox", wanted, KINDS, W46)
    assert "HTTP 401" in report.errors["ops"]
    assert report.summary()["opened"] == 1 and len(outbox.open_tickets()) == 1


def test_an_unreadable_outbox_line_is_a_clear_error(outbox):
    outbox.folder.mkdir(parents=True)
    outbox.path.write_text('{"action": "create", "id": "1"\n')
    with pytest.raises(TrackerError, match=r"outbox\.jsonl: line 1 is not JSON"):
        outbox.open_tickets()


def test_run_failure_ticket_opened_once_and_closed_when_the_job_recovers(engine, tmp_path):
    from types import SimpleNamespace

    from sre_pipeline.inputs.tickets_config import TicketsIn, TrackerIn
    from sre_pipeline.tickets.setup import sync_run_failure, sync_week

    folder = tmp_path / "t"
    config = SimpleNamespace(
        tickets=TicketsIn(trackers={"outbox": TrackerIn(type="outbox", folder=str(folder))}),
        time_zone="UTC",
        emergency_stop_file=None,
    )
    outbox = OutboxTracker("outbox", folder)
    first = sync_run_failure(engine, config, "status_job", "boom", W46)
    assert first.summary()["opened"] == 1
    assert sync_run_failure(engine, config, "status_job", "boom", W46).summary()["opened"] == 0
    assert sync_run_failure(engine, config, "weekly_job", "bang", W46).summary()["closed"] == 0
    assert {t.fingerprint for t in outbox.open_tickets()} == {
        "run-failure:status_job",
        "run-failure:weekly_job",
    }
    week = date(2026, 11, 16)
    assert sync_week(engine, config, week).summary()["closed"] == 0  # the CLI: runs unknown
    still = sync_week(engine, config, week, failures=[("status_job", "run 1 failed")])
    assert still.summary()["closed"] == 1  # weekly_job's latest run succeeded
    assert [t.fingerprint for t in outbox.open_tickets()] == ["run-failure:status_job"]
    recovered = sync_week(engine, config, week, failures=[])
    assert recovered.summary()["closed"] == 1 and outbox.open_tickets() == []


def test_a_cleared_ticket_the_warehouse_lost_is_still_closed_and_recorded(
    engine, outbox, new_warehouse_url
):
    run(engine, outbox, [want("checkout")])
    fresh = sa.create_engine(new_warehouse_url("sqlite"))
    upgrade(fresh)
    assert run(fresh, outbox, [], W47).summary()["closed"] == 1
    assert outbox.open_tickets() == []
    with fresh.connect() as conn:
        row = conn.execute(sa.select(tables.tickets)).mappings().one()
    assert (row["fingerprint"], row["state"], row["closed_by"]) == (
        "burn-page:checkout",
        "closed",
        "pipeline",
    )
    assert row["priority"] == "high" and row["kind"] == "burn-page"
    fresh.dispose()
