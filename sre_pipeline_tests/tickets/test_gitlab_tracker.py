"""The GitLab back end through python-gitlab against a local fake of GitLab's REST v4 API: the
whole ticket lifecycle, pagination, refusals with GitLab's detail, and 429 (``Retry-After``
read from the headers python-gitlab's exceptions drop) and 5xx under the one retry policy."""

from __future__ import annotations

from datetime import date

import pytest

from sre_pipeline.tickets.trackers.base import NewTicket, RetryPolicy, TrackerError, with_marker
from sre_pipeline.tickets.trackers.gitlab import GitLabTracker
from sre_pipeline_tests.tickets.fakes import GitLabFake, forbid_sleep_and_internet

PROJECT = "acme/ops"


@pytest.fixture(autouse=True)
def _no_sleep_no_internet(monkeypatch):
    forbid_sleep_and_internet(monkeypatch)


@pytest.fixture
def fake():
    with GitLabFake(token="glpat-good", projects={PROJECT: 42}) as server:
        yield server
    assert server.errors == []


@pytest.fixture
def sleeps() -> list[float]:
    return []


def tracker(fake, sleeps, *, project=PROJECT, token="glpat-good", **kwargs) -> GitLabTracker:
    policy = kwargs.pop("policy", RetryPolicy(sleep=sleeps.append))
    return GitLabTracker("ops-gitlab", fake.url, project, token, policy=policy, **kwargs)


def new(fp="slo:checkout:budget", priority="high", **kwargs) -> NewTicket:
    return NewTicket(fp, f"Ticket {fp}", with_marker("The budget is low.", fp), priority, **kwargs)


def test_full_cycle(fake, sleeps):
    fake.add_issue(PROJECT, "Human issue", "no marker")
    fake.add_issue(PROJECT, "Labelled, no marker", "by hand", ["sre-pipeline"])
    t = tracker(fake, sleeps)
    assert fake.requests == []  # lazy project: nothing requested at construction

    made = t.create(new(labels=("slo",), assignee="alice", due_date=date(2024, 6, 1)))
    assert fake.seen("GET", "/users$")[0].arg("username") == "alice"
    sent = fake.seen("POST", r"/issues$")[0]
    assert sent.path == "/api/v4/projects/acme%2Fops/issues"
    assert sent.body["assignee_ids"] == [fake.users["alice"]["id"]]
    assert sent.body["due_date"] == "2024-06-01"
    assert sent.body["labels"] == ["sre-pipeline", "priority::high", "slo"]
    assert (made.tracker_id, made.assignee, made.due_date) == ("3", "alice", date(2024, 6, 1))

    opened = t.open_tickets()
    assert [(x.tracker_id, x.fingerprint, x.priority) for x in opened] == [
        ("3", "slo:checkout:budget", "high")
    ]
    listed = fake.seen("GET", r"/issues$")[0]
    assert listed.arg("state") == "opened" and listed.arg("labels") == "sre-pipeline"

    t.comment("3", "Still low.")
    t.set_priority("3", "urgent")
    swap = fake.seen("PUT")[-1].body
    assert swap["add_labels"] == "priority::urgent"
    assert set(swap["remove_labels"].split(",")) == {
        "priority::low",
        "priority::normal",
        "priority::high",
    }
    ticket = t.get("3")
    assert (ticket.state, ticket.priority, ticket.status) == ("open", "urgent", "opened")

    t.close("3", "Recovered.")
    assert fake.notes[(42, 3)] == ["Still low.", "Recovered."]
    assert fake.seen("PUT")[-1].body == {"state_event": "close"}
    assert t.open_tickets() == []
    closed = t.get("3")
    assert closed.state == "closed" and closed.closed_at is not None
    assert sleeps == []


def test_numeric_project_id(fake, sleeps):
    fake.add_issue(PROJECT, "T", with_marker("b", "fp"), ["sre-pipeline"])
    assert [t.fingerprint for t in tracker(fake, sleeps, project="42").open_tickets()] == ["fp"]
    assert fake.requests[0].path == "/api/v4/projects/42/issues"


def test_all_pages(fake, sleeps):
    for n in range(120):
        fake.add_issue(PROJECT, f"T{n}", with_marker("b", f"fp{n}"), ["sre-pipeline"])
    opened = tracker(fake, sleeps, per_page=50).open_tickets()
    assert sorted(t.fingerprint for t in opened) == sorted(f"fp{n}" for n in range(120))
    assert [p.arg("page", "1") for p in fake.seen("GET", r"/issues$")] == ["1", "2", "3"]


def test_wrong_token_is_a_clear_401(fake, sleeps):
    with pytest.raises(TrackerError) as caught:
        tracker(fake, sleeps, token="glpat-wrong").open_tickets()
    message = str(caught.value)
    assert caught.value.status == 401
    assert "GitLab" in message and PROJECT in message and "token" in message


def test_unknown_project_is_a_404(fake, sleeps):
    with pytest.raises(TrackerError) as caught:
        tracker(fake, sleeps, project="acme/nope").open_tickets()
    assert caught.value.status == 404 and "acme/nope" in str(caught.value)
    assert "404 Project Not Found" in str(caught.value)


def test_rejected_field_is_a_400_with_gitlabs_detail(fake, sleeps):
    ticket = NewTicket("fp", "x" * 300, with_marker("b", "fp"), "low")
    with pytest.raises(TrackerError) as caught:
        tracker(fake, sleeps).create(ticket)
    message = str(caught.value)
    assert caught.value.status == 400 and "HTTP 400" in message
    assert "rejected the ticket's fields" in message
    assert "title: is too long (maximum is 255 characters)" in message


def test_unknown_assignee_is_named(fake, sleeps):
    with pytest.raises(TrackerError, match="no GitLab user 'nobody'"):
        tracker(fake, sleeps).create(new(assignee="nobody"))
    assert fake.seen("POST") == []


def test_429_waits_retry_after_then_succeeds(fake, sleeps):
    fake.throttle_next(1, retry_after=7)
    made = tracker(fake, sleeps).create(new())
    assert sleeps == [7.0] and made.tracker_id == "1"
    assert len(fake.projects[PROJECT]["issues"]) == 1
    assert len(fake.seen("POST")) == 2  # python-gitlab did not retry (or sleep) by itself


def test_502_twice_backs_off_exponentially(fake, sleeps):
    fake.add_issue(PROJECT, "T", with_marker("b", "fp"), ["sre-pipeline"])
    fake.bad_gateway_next(2)
    assert [t.fingerprint for t in tracker(fake, sleeps).open_tickets()] == ["fp"]
    assert sleeps == [1.0, 2.0]


def test_a_502_after_creating_does_not_duplicate(fake, sleeps):
    fake.bad_gateway_next(1, after=True)
    made = tracker(fake, sleeps).create(new())
    assert len(fake.projects[PROJECT]["issues"]) == 1 and made.fingerprint == "slo:checkout:budget"


def test_persistent_429_beyond_max_wait_gives_up(fake, sleeps):
    fake.throttle_next(5, retry_after=600)
    with pytest.raises(TrackerError) as caught:
        tracker(fake, sleeps).close("1", "x")
    message = str(caught.value)
    assert "gave up after 1 attempt" in message and "asked to wait 600 s" in message
    assert caught.value.status == 429 and PROJECT in message and sleeps == []
