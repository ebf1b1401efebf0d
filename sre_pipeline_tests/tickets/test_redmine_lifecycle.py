"""The lifecycle against a real Redmine: a condition that clears closes its ticket there."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from sre_pipeline.tickets.sync import SyncSettings, sync
from sre_pipeline.tickets.trackers.redmine import RedmineTracker
from sre_pipeline.warehouse.migrate import upgrade
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
