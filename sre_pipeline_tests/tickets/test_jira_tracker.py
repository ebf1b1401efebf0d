"""The Jira back end through the ``jira`` library against a local fake of Jira's REST v2 API,
as Server/Data Center (Bearer token, ``/search``) and as Cloud (e-mail + token, ``/search/jql``):
the whole ticket lifecycle, pagination, refusals with Jira's detail, and 429/5xx under the one
retry policy."""

from __future__ import annotations

from datetime import date

import pytest

from sre_pipeline.tickets.trackers.base import NewTicket, RetryPolicy, TrackerError, with_marker
from sre_pipeline.tickets.trackers.jira import JiraTracker
from sre_pipeline_tests.tickets.fakes import DONE, JiraFake, _status, forbid_sleep_and_internet

EMAIL = "sre-bot@example.com"


@pytest.fixture(autouse=True)
def _no_sleep_no_internet(monkeypatch):
    forbid_sleep_and_internet(monkeypatch)


@pytest.fixture(params=["Server", "Cloud"])
def fake(request):
    cloud = request.param == "Cloud"
    with JiraFake("jira-good", email=EMAIL if cloud else None, deployment=request.param) as server:
        yield server
    assert server.errors == []


@pytest.fixture
def sleeps() -> list[float]:
    return []


def tracker(fake, sleeps, *, project="OPS", token="jira-good", **kwargs) -> JiraTracker:
    return JiraTracker(
        "ops-jira",
        fake.url,
        project,
        token=token,
        email=fake.email,
        policy=kwargs.pop("policy", RetryPolicy(sleep=sleeps.append)),
        **kwargs,
    )


def new(fp="slo:checkout:budget", priority="high", **kwargs) -> NewTicket:
    return NewTicket(fp, f"Ticket {fp}", with_marker("The budget is low.", fp), priority, **kwargs)


def test_full_cycle(fake, sleeps):
    fake.add_issue("OPS", "Human issue", "no marker")
    fake.add_issue("OPS", "Labelled, no marker", "by hand", ["sre-pipeline"])
    t = tracker(fake, sleeps)
    assert fake.requests == []  # no serverInfo at construction

    made = t.create(new(labels=("slo budget",), assignee="alice", due_date=date(2024, 6, 1)))
    fields = fake.seen("POST", r"/issue$")[0].body["fields"]
    assert fields["project"] == {"key": "OPS"} and fields["issuetype"] == {"name": "Task"}
    assert fields["priority"] == {"name": "High"} and fields["duedate"] == "2024-06-01"
    assert fields["labels"] == ["sre-pipeline", "slo-budget"]  # no spaces in Jira labels
    assignee = {"accountId": fake.users[0]["accountId"]} if fake.cloud else {"name": "alice"}
    assert fields["assignee"] == assignee
    assert made.tracker_id == "OPS-3" and made.url == f"{fake.url}/browse/OPS-3"

    opened = t.open_tickets()
    assert [(x.tracker_id, x.fingerprint, x.priority) for x in opened] == [
        ("OPS-3", "slo:checkout:budget", "high")
    ]
    endpoint = "/search/jql" if fake.cloud else "/search"
    search = fake.seen("GET", endpoint + "$")[0]
    assert search.arg("jql") == (
        'project = "OPS" AND labels = "sre-pipeline" AND statusCategory != Done'
    )

    t.comment("OPS-3", "Still low.")
    t.set_priority("OPS-3", "urgent")
    assert fake.seen("PUT")[-1].body["fields"] == {"priority": {"name": "Highest"}}
    ticket = t.get("OPS-3")
    assert (ticket.state, ticket.status, ticket.priority) == ("open", "To Do", "urgent")
    assert ticket.assignee == "Alice Example" and ticket.due_date == date(2024, 6, 1)

    t.close("OPS-3", "Recovered.")
    assert fake.comments["OPS-3"] == ["Still low.", "Recovered."]
    assert fake.seen("POST", "/transitions$")[-1].body["transition"] == {"id": 31}
    assert t.open_tickets() == []
    closed = t.get("OPS-3")
    assert (closed.state, closed.status) == ("closed", "Done") and closed.closed_at is not None
    assert sleeps == []


def test_configured_done_transition(fake, sleeps):
    resolved = _status("10002", "Resolved", "done")
    fake.workflow["new"] = [("51", "Cancel", DONE), ("61", "Resolve", resolved)]
    fake.add_issue("OPS", "T", with_marker("b", "fp"), ["sre-pipeline"])
    tracker(fake, sleeps, done_transition="Resolve").close("OPS-1", "done")
    assert fake.issues["OPS-1"]["fields"]["status"]["name"] == "Resolved"


def test_no_done_transition_is_explained(fake, sleeps):
    fake.workflow["new"] = []
    fake.add_issue("OPS", "T", with_marker("b", "fp"), ["sre-pipeline"])
    with pytest.raises(TrackerError, match="has no transition to a done status"):
        tracker(fake, sleeps).close("OPS-1", "done")


def test_all_pages(fake, sleeps):
    fake.max_results = 25
    for n in range(120):
        fake.add_issue("OPS", f"T{n}", with_marker("b", f"fp{n}"), ["sre-pipeline"])
    opened = tracker(fake, sleeps).open_tickets()
    assert sorted(t.fingerprint for t in opened) == sorted(f"fp{n}" for n in range(120))
    pages = fake.seen("GET", "/search(/jql)?$")
    assert len(pages) == 5
    if not fake.cloud:
        assert [p.arg("startAt") for p in pages] == ["0", "25", "50", "75", "100"]


def test_wrong_token_is_a_clear_401(fake, sleeps):
    with pytest.raises(TrackerError) as caught:
        tracker(fake, sleeps, token="jira-wrong").open_tickets()
    message = str(caught.value)
    assert caught.value.status == 401
    assert "Jira" in message and "'OPS'" in message and "token" in message


def test_unknown_project_is_a_404(fake, sleeps):
    with pytest.raises(TrackerError) as caught:
        tracker(fake, sleeps, project="NOPE").open_tickets()
    assert caught.value.status == 404 and "No project could be found with key 'NOPE'" in str(
        caught.value
    )


def test_unknown_issue_is_a_404(fake, sleeps):
    with pytest.raises(TrackerError) as caught:
        tracker(fake, sleeps).get("OPS-99")
    assert caught.value.status == 404 and "Issue does not exist" in str(caught.value)


@pytest.mark.parametrize(
    ("settings", "detail"),
    [
        ({"priorities": {"high": "Blocker"}}, "priority: Priority name 'Blocker' is not valid"),
        ({"issue_type": "Incident"}, "issuetype: Specify a valid issue type"),
    ],
)
def test_rejected_fields_read_like_a_422(fake, sleeps, settings, detail):
    with pytest.raises(TrackerError) as caught:
        tracker(fake, sleeps, **settings).create(new())
    message = str(caught.value)
    assert caught.value.status == 400 and "HTTP 400" in message
    assert "rejected the ticket's fields" in message and detail in message
    assert fake.issues == {}


def test_429_waits_retry_after_then_succeeds(fake, sleeps):
    fake.throttle_next(1, retry_after=7)
    made = tracker(fake, sleeps).create(new())
    assert sleeps == [7.0] and made.tracker_id == "OPS-1"


def test_502_twice_backs_off_exponentially(fake, sleeps):
    fake.bad_gateway_next(2)
    assert tracker(fake, sleeps).open_tickets() == []
    assert sleeps == [1.0, 2.0]


def test_a_502_after_creating_does_not_duplicate(fake, sleeps):
    t = tracker(fake, sleeps)
    t.open_tickets()  # connected: the next request is the create
    fake.bad_gateway_next(1, after=True)
    made = t.create(new())
    assert list(fake.issues) == ["OPS-1"] and made.tracker_id == "OPS-1"


def test_persistent_429_beyond_max_wait_gives_up(fake, sleeps):
    fake.throttle_next(5, retry_after=600)
    with pytest.raises(TrackerError) as caught:
        tracker(fake, sleeps).comment("OPS-1", "x")
    message = str(caught.value)
    assert "gave up after 1 attempt" in message and "asked to wait 600 s" in message
    assert caught.value.status == 429 and "'OPS'" in message and sleeps == []
