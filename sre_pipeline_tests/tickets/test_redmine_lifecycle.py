"""The lifecycle against a real Redmine: a condition that clears closes its ticket there; an
action item whose issue a person closed there counts as done."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from sre_pipeline.inputs.tickets_config import TrackerIn
from sre_pipeline.tickets.readback import apply_tickets, read_back, stored_tracking
from sre_pipeline.tickets.refs import resolve
from sre_pipeline.tickets.sync import SyncSettings, sync
from sre_pipeline.tickets.trackers.redmine import RedmineTracker
from sre_pipeline.warehouse import schema as tables
from sre_pipeline.warehouse.migrate import upgrade
from sre_pipeline.warehouse.reads import read_slice
from sre_pipeline_tests.tickets.test_sync import KINDS, W46, W47, want

pytestmark = pytest.mark.slow


def test_a_condition_that_clears_closes_its_redmine_issue(redmine_server, tmp_path):
    project = redmine_server.create_project("clears")
    tracker = RedmineTracker("ops", redmine_server.url, project, redmine_server.api_key)
    engine = sa.create_engine(f"sqlite:///{tmp_path}/w.db")
    upgrade(engine)
    go = lambda wanted, at: sync(  # noqa: E731 - a one-line helper
        engine, {"ops": tracker}, lambda w: "ops", wanted, KINDS, at, SyncSettings()
    )
    assert go([want("checkout"), want("cart")], W46).summary()["opened"] == 2
    assert go([want("checkout"), want("cart")], W47).summary()["updated"] == 2
    report = go([want("checkout")], W47)
    assert report.summary()["closed"] == 1
    issues = {i["subject"]: i for i in redmine_server.issues(project)}
    cart = redmine_server.issue(issues["burn-page cart"]["id"])
    assert cart["status"]["name"] == "Closed"
    assert any("Cleared as of the week of" in (j.get("notes") or "") for j in cart["journals"])
    assert {t.fingerprint for t in tracker.open_tickets()} == {"burn-page:checkout"}
    engine.dispose()


def test_an_item_closed_in_redmine_counts_as_done_and_a_stopped_redmine_keeps_it(
    redmine_server, tmp_path
):
    """The postmortem names a Redmine issue a person filed; they close it there, the
    postmortem still says open: the read-back counts it done and says so. A Redmine that
    stops answering leaves that stored reading as it was."""
    project = redmine_server.create_project("readback")
    filed = redmine_server.create_issue(project, "Add a cache timeout alert")
    other = redmine_server.create_issue(project, "Write the runbook")
    trackers_in = {
        "ops": TrackerIn(
            type="redmine", url=redmine_server.url, project=project, api_key_env="RM_KEY"
        )
    }
    tracker = RedmineTracker("ops", redmine_server.url, project, redmine_server.api_key)
    engine = sa.create_engine(f"sqlite:///{tmp_path}/w.db")
    upgrade(engine)
    refs = {"ai-1": f"{redmine_server.url}/issues/{filed}", "ai-2": f"#{other}", "ai-3": "#999999"}
    with engine.begin() as conn:
        conn.execute(
            tables.action_items.insert(),
            [
                {
                    "item_id": k,
                    "incident_id": "inc-1",
                    "title": k,
                    "owner": "alice",
                    "status": "open",
                    "tracker_ref": ref,
                    "created_week": date(2026, 11, 9),
                }
                for k, ref in refs.items()
            ],
        )
    redmine_server.close_issue(filed, notes="cache timeout alert shipped")
    resolver = lambda ref, item: resolve(ref, trackers_in, "ops")  # noqa: E731
    back = read_back(engine, {"ops": tracker}, resolver, W47)
    assert back.errors == {}
    state = {r.item_id: (r.tracker_id, r.state) for r in stored_tracking(engine).itertuples()}
    assert state == {
        "ai-1": (str(filed), "closed"),
        "ai-2": (str(other), "open"),
        "ai-3": ("999999", "missing"),
    }
    items, conflicts = apply_tickets(
        read_slice(engine, tables.action_items), stored_tracking(engine)
    )
    assert dict(zip(items["item_id"], items["status"], strict=True)) == {
        "ai-1": "done",
        "ai-2": "open",
        "ai-3": "open",
    }
    assert conflicts[0].startswith(f"ai-1: closed in ops #{filed} on ")
    assert conflicts[0].endswith("(Closed), still open in the postmortem; counted as done")
    assert conflicts[1] == "ai-3: #999999 is not a ticket in ops"

    before = stored_tracking(engine).to_dict("records")
    stopped = RedmineTracker("ops", "http://127.0.0.1:9", project, redmine_server.api_key)
    back = read_back(engine, {"ops": stopped}, resolver, W47)
    assert list(back.errors) == ["ops"]
    assert stored_tracking(engine).to_dict("records") == before
    engine.dispose()
