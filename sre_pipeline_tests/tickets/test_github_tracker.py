"""The GitHub Issues back end through PyGithub against a local fake of GitHub's REST API: the
whole ticket lifecycle, pagination, refusals with GitHub's detail, and rate limits (429,
secondary and primary 403s) and 5xx under the pipeline's one retry policy."""

from __future__ import annotations

import pytest

from sre_pipeline.tickets.trackers.base import NewTicket, RetryPolicy, TrackerError, with_marker
from sre_pipeline.tickets.trackers.github import GitHubTracker
from sre_pipeline_tests.tickets.fakes import GitHubFake, forbid_sleep_and_internet

REPO = "acme/ops"


@pytest.fixture(autouse=True)
def _no_sleep_no_internet(monkeypatch):
    forbid_sleep_and_internet(monkeypatch)


@pytest.fixture
def fake():
    with GitHubFake(token="ghp_good", repos=(REPO,)) as server:
        yield server
    assert server.errors == []


@pytest.fixture
def sleeps() -> list[float]:
    return []


def tracker(fake, sleeps, *, repo=REPO, token="ghp_good", **kwargs) -> GitHubTracker:
    return GitHubTracker(
        "ops-github",
        repo,
        token,
        url=fake.url,
        policy=kwargs.pop("policy", RetryPolicy(sleep=sleeps.append)),
        seconds_between_writes=0,
        **kwargs,
    )


def new(fp="slo:checkout:budget", priority="high", **kwargs) -> NewTicket:
    return NewTicket(fp, f"Ticket {fp}", with_marker("The budget is low.", fp), priority, **kwargs)


def test_full_cycle(fake, sleeps):
    fake.add_issue(REPO, "Human issue", "no marker here")
    fake.add_issue(REPO, "Labelled, no marker", "by hand", ["sre-pipeline"])
    fake.add_issue(REPO, "A PR", with_marker("x", "pr:fp"), ["sre-pipeline"], pull_request=True)
    t = tracker(fake, sleeps)
    assert fake.requests == []  # lazy: nothing requested at construction
    assert t.project == REPO and t.label == f"GitHub {fake.url} {REPO}"

    made = t.create(new(labels=("slo",), assignee="alice"))
    sent = fake.seen("POST", r"/issues$")[0].body
    assert sent["labels"] == ["sre-pipeline", "priority:high", "slo"]
    assert sent["assignees"] == ["alice"] and sent["body"].endswith(
        "sre-pipeline fingerprint: slo:checkout:budget\n"
    )
    assert (made.tracker_id, made.state, made.priority) == ("4", "open", "high")

    opened = t.open_tickets()
    listed = fake.seen("GET", r"/issues$")
    assert [(x.tracker_id, x.fingerprint) for x in opened] == [("4", "slo:checkout:budget")]
    assert len(listed) == 1  # one page, no per-issue request for lazily missing attributes
    assert listed[0].arg("state") == "open" and listed[0].arg("labels") == "sre-pipeline"

    t.comment("4", "Still low.")
    t.set_priority("4", "urgent")
    ticket = t.get("4")
    assert (ticket.state, ticket.priority, ticket.assignee) == ("open", "urgent", "alice")
    assert [x["name"] for x in fake.repos[REPO][4]["labels"]] == [
        "sre-pipeline",
        "slo",
        "priority:urgent",
    ]

    t.close("4", "Recovered.")
    assert fake.comments[(REPO, 4)] == ["Still low.", "Recovered."]
    patch = fake.seen("PATCH")[-1].body
    assert patch == {"state": "closed", "state_reason": "completed"}
    assert t.open_tickets() == []
    closed = t.get("4")
    assert closed.state == "closed" and closed.closed_at is not None
    assert sleeps == []


def test_all_pages(fake, sleeps):
    for n in range(120):
        fake.add_issue(REPO, f"T{n}", with_marker("b", f"fp{n}"), ["sre-pipeline"])
    opened = tracker(fake, sleeps, per_page=50).open_tickets()
    assert sorted(t.fingerprint for t in opened) == sorted(f"fp{n}" for n in range(120))
    pages = fake.seen("GET", r"/issues$")
    assert [p.arg("page", "1") for p in pages] == ["1", "2", "3"]
    assert {p.arg("per_page") for p in pages} == {"50"}


def test_wrong_token_is_a_clear_401(fake, sleeps):
    with pytest.raises(TrackerError) as caught:
        tracker(fake, sleeps, token="ghp_wrong").open_tickets()
    message = str(caught.value)
    assert caught.value.status == 401
    assert "GitHub" in message and REPO in message and "token" in message
    assert "Bad credentials" in message and sleeps == []


def test_unknown_repo_is_a_404(fake, sleeps):
    with pytest.raises(TrackerError) as caught:
        tracker(fake, sleeps, repo="acme/nope").create(new())
    assert caught.value.status == 404 and "acme/nope" in str(caught.value)
    assert "does not exist" in str(caught.value)


def test_unknown_assignee_is_a_422_with_githubs_detail(fake, sleeps):
    with pytest.raises(TrackerError) as caught:
        tracker(fake, sleeps).create(new(assignee="nobody"))
    message = str(caught.value)
    assert caught.value.status == 422 and "rejected the ticket's fields" in message
    assert "Validation Failed" in message and "assignees invalid (nobody)" in message
    assert fake.repos[REPO] == {}


def test_too_long_label_is_a_422(fake, sleeps):
    with pytest.raises(TrackerError, match="maximum is 50 characters") as caught:
        tracker(fake, sleeps).create(new(labels=("x" * 51,)))
    assert caught.value.status == 422


def test_429_waits_retry_after_then_succeeds(fake, sleeps):
    fake.throttle_next(1, retry_after=7)
    made = tracker(fake, sleeps).create(new())
    assert sleeps == [7.0] and made.tracker_id == "1"
    assert len(fake.repos[REPO]) == 1


def test_secondary_rate_limit_waits_retry_after(fake, sleeps):
    fake.secondary_rate_limit_next(1, retry_after=30)
    t = tracker(fake, sleeps)
    assert t.open_tickets() == []
    assert sleeps == [30.0]


def test_secondary_rate_limit_without_retry_after_waits_a_minute(fake, sleeps):
    fake.secondary_rate_limit_next(1, retry_after=None)
    tracker(fake, sleeps).open_tickets()
    assert sleeps == [60.0]


def test_primary_rate_limit_waits_until_the_reset(fake, sleeps):
    fake.primary_rate_limit_next(1, reset_in=42)
    tracker(fake, sleeps).open_tickets()
    assert len(sleeps) == 1 and 39 <= sleeps[0] <= 42


def test_502_twice_backs_off_exponentially(fake, sleeps):
    fake.add_issue(REPO, "T", with_marker("b", "fp"), ["sre-pipeline"])
    fake.bad_gateway_next(2)
    assert [t.fingerprint for t in tracker(fake, sleeps).open_tickets()] == ["fp"]
    assert sleeps == [1.0, 2.0]


def test_a_502_after_creating_does_not_duplicate(fake, sleeps):
    fake.bad_gateway_next(1, after=True)  # the issue is made, the answer is lost
    made = tracker(fake, sleeps).create(new())
    assert len(fake.repos[REPO]) == 1 and made.tracker_id == "1"
    assert made.fingerprint == "slo:checkout:budget" and sleeps == [1.0]


def test_persistent_429_beyond_max_wait_gives_up(fake, sleeps):
    fake.throttle_next(5, retry_after=600)
    with pytest.raises(TrackerError) as caught:
        tracker(fake, sleeps).comment("1", "x")
    message = str(caught.value)
    assert "gave up after 1 attempt" in message and "asked to wait 600 s" in message
    assert caught.value.status == 429 and REPO in message and sleeps == []


def test_persistent_502_gives_up_after_the_attempts(fake, sleeps):
    fake.bad_gateway_next(3)
    policy = RetryPolicy(attempts=3, sleep=sleeps.append)
    with pytest.raises(TrackerError, match="gave up after 3 attempts") as caught:
        tracker(fake, sleeps, policy=policy).get("1")
    assert caught.value.status == 502 and sleeps == [1.0, 2.0]


def test_no_connection_is_retried_then_named(sleeps):
    with GitHubFake() as gone:
        url = gone.url  # a port nothing listens on once the fake stops
    t = GitHubTracker(
        "ops-github", REPO, "t", url=url, policy=RetryPolicy(attempts=2, sleep=sleeps.append)
    )
    with pytest.raises(TrackerError, match="no connection .*gave up after 2 attempts"):
        t.open_tickets()
    assert sleeps == [1.0]
