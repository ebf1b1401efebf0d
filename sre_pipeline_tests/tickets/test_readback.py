"""Action items read back from the tickets they live as (ours, or the one the postmortem
names), on a real warehouse (SQLite and PostgreSQL): what the review then counts, and every
disagreement worded."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from sre_pipeline.inputs.tickets_config import TrackerIn
from sre_pipeline.tickets.readback import (
    apply_tickets,
    not_read_back,
    read_back,
    stored_tracking,
)
from sre_pipeline.tickets.refs import resolve
from sre_pipeline.tickets.trackers.base import Ticket, TrackerError
from sre_pipeline.warehouse import schema as tables
from sre_pipeline.warehouse.migrate import upgrade
from sre_pipeline.warehouse.reads import read_slice

AS_OF = datetime(2026, 11, 23, tzinfo=UTC)
TRACKERS = {
    "ops": TrackerIn(type="redmine", url="https://rm.example", project="ops", api_key_env="K"),
    "srch": TrackerIn(type="jira", url="https://jira.example", project="SRCH", token_env="T"),
}


class Tracker:
    """A tracker of fixed tickets that counts the reads and can be down."""

    def __init__(self, name: str, tickets: dict[str, Ticket]):
        self.name, self.label, self.project = name, f"Fake {name}", "p"
        self.tickets, self.reads, self.down = tickets, [], False

    def get(self, tracker_id: str) -> Ticket:
        self.reads.append(tracker_id)
        if self.down:
            raise TrackerError(f"{self.label}: HTTP 503", 503)
        if tracker_id not in self.tickets:
            raise TrackerError(f"{self.label}: no ticket {tracker_id}", 404)
        return self.tickets[tracker_id]


def item(item_id: str, status: str = "open", ref: str | None = None, due=None) -> dict:
    return {
        "item_id": item_id,
        "incident_id": "inc-1",
        "title": f"fix {item_id}",
        "owner": "alice",
        "team": "search",
        "status": status,
        "due_date": due,
        "tracker_ref": ref,
        "created_week": date(2026, 11, 2),
    }


ITEMS = [
    item("ai-open", ref="ops#1"),
    item("ai-closed", ref="https://rm.example/issues/2", due=date(2026, 11, 20)),
    item("ai-done-here", status="done", ref="SRCH-7"),
    item("ai-missing", ref="#99"),
    item("ai-elsewhere", ref="CART-501"),
    item("ai-ours"),
    item("ai-plain"),
]


@pytest.fixture
def engine(warehouse_engine):
    upgrade(warehouse_engine)
    with warehouse_engine.begin() as conn:
        conn.execute(tables.action_items.insert(), ITEMS)
        conn.execute(
            tables.tickets.insert(),
            [
                {
                    "tracker": "ops",
                    "tracker_id": "50",
                    "fingerprint": "action-item:ai-ours",
                    "kind": "action-item",
                    "subject": "ai-ours",
                    "title": "[ai-ours] fix ai-ours",
                    "state": "closed",
                    "closed_by": "tracker",
                    "closed_at": datetime(2026, 11, 18, 9, tzinfo=UTC),
                    "remote_status": "Resolved",
                    "opened_at": datetime(2026, 11, 9, tzinfo=UTC),
                    "opened_week": date(2026, 11, 2),
                    "synced_at": AS_OF,
                }
            ],
        )
    return warehouse_engine


@pytest.fixture
def trackers():
    return {
        "ops": Tracker(
            "ops",
            {
                "1": Ticket("1", "one", "open", status="In Progress", assignee="alice"),
                "2": Ticket(
                    "2",
                    "two",
                    "closed",
                    status="Closed",
                    due_date=date(2026, 11, 27),
                    closed_at=datetime(2026, 11, 17, 23, 30, tzinfo=UTC),
                ),
            },
        ),
        "srch": Tracker("srch", {"SRCH-7": Ticket("SRCH-7", "seven", "open", status="To Do")}),
    }


def resolver(ref, item):
    return resolve(ref, TRACKERS, "ops")


def rows(engine) -> dict[str, tuple]:
    t = stored_tracking(engine)
    return {
        r.item_id: (r.source, r.tracker, r.tracker_id, r.state, r.remote_status)
        for r in t.itertuples()
    }


def test_every_kind_of_reference_read_back_and_worded(engine, trackers):
    back = read_back(engine, trackers, resolver, AS_OF, "Europe/Berlin")
    assert back.errors == {}
    assert rows(engine) == {
        "ai-open": ("postmortem", "ops", "1", "open", "In Progress"),
        "ai-closed": ("postmortem", "ops", "2", "closed", "Closed"),
        "ai-done-here": ("postmortem", "srch", "SRCH-7", "open", "To Do"),
        "ai-missing": ("postmortem", "ops", "99", "missing", None),
        "ai-elsewhere": ("postmortem", None, None, "unresolved", None),
        "ai-ours": ("pipeline", "ops", "50", "closed", "Resolved"),
    }
    tracking = stored_tracking(engine)
    # closed at 23:30 UTC on Tuesday 17th is 00:30 on the 18th in Berlin: same ISO week
    assert tracking.loc["ai-closed", "closed_week"] == date(2026, 11, 16)
    assert not_read_back(tracking) == ["ai-elsewhere (CART-501)"]
    items, conflicts = apply_tickets(
        read_slice(engine, tables.action_items), tracking, "Europe/Berlin"
    )
    status = dict(zip(items["item_id"], items["status"], strict=True))
    assert status == {
        "ai-open": "open",
        "ai-closed": "done",
        "ai-done-here": "done",
        "ai-missing": "open",
        "ai-elsewhere": "open",
        "ai-ours": "done",
        "ai-plain": "open",
    }
    assert conflicts == [
        "ai-closed: closed in ops #2 on 2026-11-18 (Closed), still open in the postmortem; "
        "counted as done",
        "ai-closed: due 2026-11-20 in the postmortem, 2026-11-27 in ops #2",
        "ai-done-here: done in the postmortem, still open in srch SRCH-7 (To Do)",
        "ai-missing: #99 is not a ticket in ops",
        "ai-ours: closed in ops #50 on 2026-11-18 (Resolved), still open in the postmortem; "
        "counted as done",
    ]


def test_a_rerun_is_the_same_and_settled_items_are_not_asked_again(engine, trackers):
    read_back(engine, trackers, resolver, AS_OF)
    first = stored_tracking(engine).to_dict("records")
    with engine.begin() as conn:  # the postmortem catches up with the tracker
        t = tables.action_items
        conn.execute(t.update().where(t.c.item_id == "ai-closed").values(status="done"))
    trackers["ops"].reads.clear()
    read_back(engine, trackers, resolver, AS_OF)
    assert "2" not in trackers["ops"].reads  # both sides say closed: settled
    again = stored_tracking(engine).to_dict("records")
    assert again == first


def test_a_tracker_that_is_down_keeps_what_was_read_and_is_asked_once(engine, trackers):
    read_back(engine, trackers, resolver, AS_OF)
    before = stored_tracking(engine).to_dict("records")
    trackers["ops"].down = True
    trackers["ops"].reads.clear()
    later = datetime(2026, 11, 30, tzinfo=UTC)
    back = read_back(engine, trackers, resolver, later)
    assert list(back.errors) == ["ops"] and "HTTP 503" in back.errors["ops"]
    # items are read in item_id order: ai-closed's URL is the first ops read
    assert (
        "reading back https://rm.example/issues/2 (action item ai-closed)" in (back.errors["ops"])
    )
    assert trackers["ops"].reads == ["2"]  # given up on after the first failure
    after = {r["item_id"]: r for r in stored_tracking(engine).to_dict("records")}
    for r in before:
        if r["tracker"] == "ops" and r["source"] == "postmortem":
            assert after[r["item_id"]] == r  # the previous read stands, synced_at too
    assert after["ai-done-here"]["synced_at"].replace(tzinfo=UTC) == later


def test_a_dry_run_stores_nothing(engine, trackers):
    back = read_back(engine, trackers, resolver, AS_OF, dry_run=True)
    assert len(back.rows) == 6
    with engine.connect() as conn:
        assert (
            conn.execute(
                sa.select(sa.func.count()).select_from(tables.action_item_tracking)
            ).scalar()
            == 0
        )
