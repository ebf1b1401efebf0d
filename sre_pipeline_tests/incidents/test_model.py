"""Canonical severities and statuses, and the warehouse frames."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from sre_pipeline.incidents.model import (
    ActionItem,
    Incident,
    action_items_frame,
    incidents_frame,
    normalise_severity,
    normalise_status,
)


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("SEV1", "SEV1"),
        ("sev2", "SEV2"),
        ("Sev 3", "SEV3"),
        ("SEV-2", "SEV2"),
        (2, "SEV2"),
        ("SEV4", None),
        ("P1", None),
        ("critical", None),
    ],
)
def test_severity(raw, want):
    assert normalise_severity(raw) == want


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("", "open"),
        ("Open", "open"),
        ("In progress", "in_progress"),
        ("in_progress", "in_progress"),
        ("DONE", "done"),
        ("Closed", "done"),
        ("won't fix", "wontfix"),
        ("Won’t fix", "wontfix"),
        ("wontfix", "wontfix"),
        ("blocked", None),
        ("maybe", None),
    ],
)
def test_status(raw, want):
    assert normalise_status(raw) == want


def incident(**fields) -> Incident:
    base = dict(
        incident_id="INC-1",
        title="t",
        severity="SEV2",
        services=("shop",),
        started_at=datetime(2026, 11, 15, 23, 30, tzinfo=UTC),
        detected_at=None,
        acknowledged_at=None,
        resolved_at=None,
        postmortem_published_at=None,
        postmortem_ref="x.md",
    )
    return Incident(**{**base, **fields})


def test_week_start_is_the_monday_in_the_zone():
    # Sunday 23:30 UTC is already Monday in Berlin
    frame = incidents_frame([incident()], "Europe/Berlin")
    assert frame["week_start"].tolist() == [date(2026, 11, 16)]
    assert incidents_frame([incident()], "UTC")["week_start"].tolist() == [date(2026, 11, 9)]
    assert frame["services"].tolist() == [["shop"]]
    assert str(frame["started_at"].dt.tz) == "UTC"


def test_frames_of_nothing_have_the_columns():
    assert len(incidents_frame([], "UTC")) == 0 and "week_start" in incidents_frame([], "UTC")
    assert list(action_items_frame([]).columns)[:3] == ["item_id", "incident_id", "title"]


def test_action_items_frame():
    item = ActionItem(
        "A-1", "INC-1", "fix", "alice", None, "SEV2", "open", None, date(2026, 12, 1), None, None
    )
    frame = action_items_frame([incident(action_items=(item,))])
    assert frame.loc[0, "due_date"] == date(2026, 12, 1) and frame.loc[0, "owner"] == "alice"
