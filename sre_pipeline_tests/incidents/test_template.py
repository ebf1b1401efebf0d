"""Postmortems in the common templates without front matter: the incident report and the
post-mortem variant, well-formed, sloppy, and broken with the right line numbers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from sre_pipeline.incidents.postmortems import load_postmortems
from sre_pipeline.incidents.template import parse_duration_text, parse_time
from sre_pipeline.inputs.problems import SpecError

REPORT = """\
# Incident Report: Checkout failures after payments client 4.2

## Incident Summary
**Severity:** SEV2 (Major)
**Status:** Resolved
**Started:** 2026-11-20 19:00 UTC
**Resolved:** 2026-11-20 19:52 UTC
**Duration:** 0 hours 52 minutes
**Impact:** Checkout requests failed for 4% of users
**Cause:** Deployment
## Timeline
**19:00 UTC** - Deploy of payments client 4.2
**19:22 UTC** - Alert fired: CheckoutAvailabilityPage
**19:26 UTC** - Engineer paged and acknowledged
**19:52 UTC** - Incident resolved
## Impact Assessment
**Services Affected:** checkout, payments
## Root Cause
A response field the new client rejected.
## Action Items
- [ ] Canary payments client upgrades on 1% of traffic - Owner: alice - Due: 2026-12-04
- [x] Add the payments contract test to CI - Owner: bob - Due: 2026-11-27
"""

POSTMORTEM = """\
# Post-Mortem: Search latency regression

**Date:** 2026-11-26
**Authors:** dave, erin
**Status:** Final
**Severity:** sev3
**Started:** 2026-11-25 22:10
**Services Affected:** `search`
**Duration:** 3 hours

## Timeline

**22:10** - Latency alert fired
**23:55** - On-call engaged
**01:10** - Service restored

## Action items

- [ ] [P1] Add a latency canary - Owner: dave - Due: 2026-12-10
- [ ] Budget alerts per index - owner: erin - due: 2026-12-20 - priority: p0 - Ticket: [SRCH-4](https://t.example/SRCH-4)
"""


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def load(tmp_path: Path, name: str, text: str, tz: str = "UTC"):
    (tmp_path / name).write_text(text)
    return load_postmortems([tmp_path / name], tz)


def test_the_incident_report_template(tmp_path):
    found = load(tmp_path, "2026-11-20-checkout.md", REPORT)
    assert found.warnings == []
    (i,) = found.incidents
    assert i.incident_id == "2026-11-20-checkout"  # no id line: the file name
    assert i.title == "Checkout failures after payments client 4.2"
    assert (i.severity, i.services, i.cause) == ("SEV2", ("checkout", "payments"), "deployment")
    assert i.started_at == utc(2026, 11, 20, 19, 0)
    assert i.detected_at == utc(2026, 11, 20, 19, 22)  # "Alert fired"
    assert i.acknowledged_at == utc(2026, 11, 20, 19, 26)  # "paged and acknowledged"
    assert i.resolved_at == utc(2026, 11, 20, 19, 52)
    assert i.postmortem_published_at is None and i.postmortem_status is None  # a draft
    first, second = i.action_items
    assert (first.title, first.owner, first.due_date, first.status) == (
        "Canary payments client upgrades on 1% of traffic",
        "alice",
        date(2026, 12, 4),
        "open",
    )
    assert (second.owner, second.status, second.line) == ("bob", "done", 22)  # [x] = done
    assert first.item_id == "2026-11-20-checkout-1" and first.severity == "SEV2"


def test_the_post_mortem_variant_in_a_local_zone(tmp_path):
    found = load(tmp_path, "search.md", POSTMORTEM, "Europe/Berlin")
    (i,) = found.incidents
    assert i.severity == "SEV3" and i.services == ("search",)
    assert i.started_at == utc(2026, 11, 25, 21, 10)  # 22:10 in Berlin
    assert i.detected_at == utc(2026, 11, 25, 21, 10)
    assert i.acknowledged_at == utc(2026, 11, 25, 22, 55)
    assert i.resolved_at == utc(2026, 11, 26, 0, 10)  # 01:10 is past midnight: the next day
    assert i.postmortem_status == "final"
    assert i.postmortem_published_at == utc(2026, 11, 26, 23, 0)  # by the end of its date
    canary, budget = i.action_items
    assert (canary.title, canary.priority) == ("Add a latency canary", "P1")
    assert (budget.owner, budget.priority, budget.due_date) == ("erin", "P0", date(2026, 12, 20))
    assert budget.tracker_ref == "https://t.example/SRCH-4"
    assert found.warnings == []


def test_field_lines_override_the_timeline_and_duration_fills_the_end(tmp_path):
    text = REPORT.replace("**Resolved:** 2026-11-20 19:52 UTC\n", "").replace(
        "**Cause:** Deployment", "**Detected:** 2026-11-20 19:10 UTC"
    )
    text = text.replace("**19:52 UTC** - Incident resolved\n", "")
    (i,) = load(tmp_path, "pm.md", text).incidents
    assert i.detected_at == utc(2026, 11, 20, 19, 10)  # the line, not "Alert fired"
    assert i.resolved_at == utc(2026, 11, 20, 19, 52)  # Started + Duration
    assert i.cause == "unknown"


def test_sloppy_spacing_and_case_are_read(tmp_path):
    text = (
        "#   incident report:   Login errors  \n"
        "**severity** :  Sev 1 - critical\n"
        "** Started :**   2026-11-17T08:00:00+01:00\n"
        "**SERVICES AFFECTED:** auth ,  web and api\n"
        "**cause:** third-party\n"
        "## ACTION ITEMS\n"
        "* [X] Rotate the keys  -  OWNER:  carol  -  DUE: 2026-11-30\n"
    )
    found = load(tmp_path, "login.md", text)
    (i,) = found.incidents
    assert (i.severity, i.services, i.cause) == ("SEV1", ("auth", "web", "api"), "dependency")
    assert i.started_at == utc(2026, 11, 17, 7, 0) and i.title == "Login errors"
    (item,) = i.action_items
    assert (item.title, item.owner, item.status) == ("Rotate the keys", "carol", "done")


def test_lines_that_look_like_fields_but_cannot_be_read_warn_with_their_line(tmp_path):
    text = (
        REPORT.replace("**Cause:** Deployment", "**Cause:** solar flare")
        .replace("**Impact:**", "**Serverity:** SEV1\n**Impact:**")
        .replace("**Duration:** 0 hours 52 minutes", "**Duration:** about an hour")
        .replace("**19:22 UTC** - Alert", "**19:2x UTC** - Alert")
        .replace("- Due: 2026-12-04", "- Due: 2026-12-04 - Prio: P0")
    )
    found = load(tmp_path, "pm.md", text)
    warnings = [str(w) for w in found.warnings]
    expected = [
        "pm.md:8: **Duration**: 'about an hour' is not a duration",
        "pm.md:9: **Serverity**: not a field read here, ignored (did you mean 'severity'?)",
        "pm.md:11: **Cause**: unknown cause 'solar flare'",
        "pm.md:14: timeline: '**19:2x UTC** - Alert fired: CheckoutAvailabilityPage' has a time",
        "pm.md:22: action item: 'Prio: P0' cannot be read",
    ]
    for want in expected:
        assert any(want in w for w in warnings), (want, warnings)
    assert len(warnings) == len(expected)
    (i,) = found.incidents
    assert i.detected_at == utc(2026, 11, 20, 19, 26)  # the ack line: detected by then


@pytest.mark.parametrize(
    ("old", "new", "error"),
    [
        ("**Severity:** SEV2 (Major)\n", "", "pm.md:1: severity: no severity"),
        ("**Severity:** SEV2 (Major)", "**Severity:** SEV2\n**Started:** 2026-11-20 18:00Z", None),
        ("**Services Affected:** checkout, payments", "", "pm.md:1: services: no services"),
        ("- Due: 2026-12-04", "- Due: 2026-12-41", "pm.md:21: action items row 1: Due"),
        (
            "- Owner: alice",
            "- Priority: P9 - Owner: alice",
            "pm.md:21: action items row 1: Priority",
        ),
    ],
)
def test_broken_template_lines_are_errors_with_their_line(tmp_path, old, new, error):
    (tmp_path / "pm.md").write_text(REPORT.replace(old, new))
    if error is None:  # a second Started line is a warning: the first one counts
        found = load_postmortems([tmp_path / "pm.md"])
        assert any("pm.md:7: **Started**: a second started" in str(w) for w in found.warnings)
        assert found.incidents[0].started_at == utc(2026, 11, 20, 18, 0)
        return
    with pytest.raises(SpecError) as exc:
        load_postmortems([tmp_path / "pm.md"])
    assert any(error in str(p) for p in exc.value.problems), [str(p) for p in exc.value.problems]


def test_a_file_that_is_neither_form_says_what_either_needs(tmp_path):
    (tmp_path / "notes.md").write_text("# Notes\n\nSomething happened.\n")
    with pytest.raises(SpecError) as exc:
        load_postmortems([tmp_path])
    (problem,) = exc.value.problems
    assert "notes.md:1" in str(problem) and "**Severity:** SEV2" in str(problem)


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("2026-11-20 19:00 UTC", utc(2026, 11, 20, 19)),
        ("2026-11-20T19:00:00Z", utc(2026, 11, 20, 19)),
        ("2026-11-20 20:00 +01:00", utc(2026, 11, 20, 19)),
        ("2026-11-20 20:00 Europe/Berlin", utc(2026, 11, 20, 19)),
        ("2026-11-20 19:00", datetime(2026, 11, 20, 19)),
        ("yesterday", None),
        ("2026-11-20", None),
    ],
)
def test_time_forms(text, want):
    got = parse_time(text)
    assert got == want and (got is None or (got.tzinfo is None) == (want.tzinfo is None))


def test_durations():
    assert parse_duration_text("0 hours 52 minutes") == timedelta(minutes=52)
    assert parse_duration_text("1h 5m") == timedelta(hours=1, minutes=5)
    assert parse_duration_text("2 hours") == timedelta(hours=2)
    assert parse_duration_text("soon") is None
