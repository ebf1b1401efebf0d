"""The Redmine back end against a real Redmine (slow: the ``redmine_server`` fixture), and its
retry and error mapping against a small scripted HTTP server on 127.0.0.1 (fast)."""

from __future__ import annotations

import json
import secrets
import threading
import time
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from sre_pipeline.tickets.trackers import redmine as redmine_module
from sre_pipeline.tickets.trackers.base import (
    NewTicket,
    RetryPolicy,
    TrackerError,
    marker,
    with_marker,
)
from sre_pipeline.tickets.trackers.redmine import RedmineTracker
from sre_pipeline_tests.services.redmine import HUMAN
from sre_pipeline_tests.services.system import free_port


class Sleeps(list):
    """A RetryPolicy ``sleep`` that records the waits instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def policy(attempts: int = 3) -> RetryPolicy:
    return RetryPolicy(attempts=attempts, base_s=1.0, sleep=Sleeps())


def new_ticket(fingerprint: str | None = None, **fields) -> NewTicket:
    fingerprint = fingerprint or f"test:{secrets.token_hex(4)}"
    values = {
        "fingerprint": fingerprint,
        "title": f"Error budget exhausted: {fingerprint}",
        "description": with_marker("The SLO has spent its budget.", fingerprint),
        "priority": "high",
        **fields,
    }
    return NewTicket(**values)


# --- against the real Redmine -------------------------------------------------------------


@pytest.fixture
def project(redmine_server) -> str:
    """A project of its own for each test, so listings see only that test's issues."""
    return redmine_server.create_project(f"t-{secrets.token_hex(4)}")


@pytest.fixture
def tracker(redmine_server, project) -> RedmineTracker:
    return RedmineTracker(
        "ops-redmine", redmine_server.url, project, redmine_server.api_key, policy=policy()
    )


@pytest.mark.slow
def test_lifecycle_create_list_comment_reprioritise_close(redmine_server, tracker):
    due = date.today() + timedelta(days=7)
    created = tracker.create(new_ticket("budget-policy:shop-avail", assignee=HUMAN, due_date=due))
    assert created.tracker_id.isdigit()
    assert created.url == f"{redmine_server.url}/issues/{created.tracker_id}"
    assert created.state == "open" and created.status == "New"
    assert created.fingerprint == "budget-policy:shop-avail"
    assert created.priority == "high"
    assert created.assignee == "Alice Human"
    assert created.due_date == due
    assert created.closed_at is None
    raw = redmine_server.issue(created.tracker_id)
    assert raw["tracker"]["name"] == redmine_server.trackers[0]  # the project's first
    assert raw["description"].rstrip().endswith(marker("budget-policy:shop-avail"))

    listed = tracker.open_tickets()
    assert [(t.tracker_id, t.fingerprint) for t in listed] == [
        (created.tracker_id, "budget-policy:shop-avail")
    ]
    assert listed[0] == created

    tracker.comment(created.tracker_id, "Still burning: 12% left.")
    tracker.set_priority(created.tracker_id, "urgent")
    got = tracker.get(created.tracker_id)
    assert got.priority == "urgent" and got.state == "open"
    assert redmine_server.issue(created.tracker_id)["priority"]["name"] == "Urgent"

    before = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=2)
    tracker.close(created.tracker_id, "Recovered: the budget is back above 0.")
    assert tracker.open_tickets() == []
    closed = tracker.get(created.tracker_id)
    assert closed.state == "closed" and closed.status == "Closed"
    assert closed.closed_at is not None and closed.closed_at.tzinfo is not None
    assert before <= closed.closed_at <= datetime.now(UTC) + timedelta(seconds=2)
    notes = [j["notes"] for j in redmine_server.issue(created.tracker_id)["journals"]]
    assert "Still burning: 12% left." in notes
    assert "Recovered: the budget is back above 0." in notes


@pytest.mark.slow
def test_issues_not_ours_are_never_listed(redmine_server, tracker, project):
    redmine_server.create_issue(project, "A human's bug", "Checkout is slow sometimes.")
    redmine_server.create_issue(
        project, "Mentions us", "I saw an sre-pipeline fingerprint somewhere, no marker line."
    )
    ours = tracker.create(new_ticket())
    closed_ours = tracker.create(new_ticket())
    redmine_server.close_issue(closed_ours.tracker_id)  # a human closed it
    assert [t.tracker_id for t in tracker.open_tickets()] == [ours.tracker_id]
    assert tracker.get(closed_ours.tracker_id).state == "closed"


@pytest.mark.slow
def test_open_tickets_pages_through_everything(redmine_server, tracker, project, monkeypatch):
    monkeypatch.setattr(redmine_module, "PAGE", 2)  # five of ours span three pages
    ids = []
    for n in range(5):
        ids.append(tracker.create(new_ticket(f"page:{n}")).tracker_id)
        redmine_server.create_issue(project, f"human {n}", "no marker")
    listed = tracker.open_tickets()
    assert [t.tracker_id for t in listed] == ids
    assert [t.fingerprint for t in listed] == [f"page:{n}" for n in range(5)]


@pytest.mark.slow
def test_a_description_without_the_marker_gets_it(redmine_server, tracker):
    created = tracker.create(new_ticket("plain:1", description="No marker here."))
    assert created.fingerprint == "plain:1"
    assert redmine_server.issue(created.tracker_id)["description"].startswith("No marker here.")


@pytest.mark.slow
def test_tracker_and_closed_status_settings(redmine_server, project):
    tracker = RedmineTracker(
        "ops-redmine",
        redmine_server.url,
        project,
        redmine_server.api_key,
        policy=policy(),
        tracker_name="feature",  # names match ignoring case
        closed_status="Rejected",
    )
    created = tracker.create(new_ticket(priority="low"))
    assert redmine_server.issue(created.tracker_id)["tracker"]["name"] == "Feature"
    assert created.priority == "low"
    tracker.close(created.tracker_id, "Not needed.")
    assert tracker.get(created.tracker_id).status == "Rejected"


@pytest.mark.slow
def test_assignee_by_a_members_name_and_unknown_assignee(tracker):
    assert tracker.create(new_ticket(assignee="Alice Human")).assignee == "Alice Human"
    with pytest.raises(TrackerError, match="no user 'nobody-here'") as info:
        tracker.create(new_ticket(assignee="nobody-here"))
    assert "member of the project" in str(info.value)
    assert tracker.open_tickets()[0].assignee == "Alice Human"  # nothing else was opened


@pytest.mark.slow
def test_bad_api_key_is_a_401_naming_redmine_and_the_project(redmine_server, project):
    tracker = RedmineTracker("x", redmine_server.url, project, "0" * 40, policy=policy())
    with pytest.raises(TrackerError) as info:
        tracker.open_tickets()
    assert info.value.status == 401
    message = str(info.value)
    assert redmine_server.url in message and f"'{project}'" in message
    assert "API key" in message and "check" in message
    assert tracker.policy.sleep == []  # a refusal is not retried


@pytest.mark.slow
def test_unknown_project_is_a_404(redmine_server):
    tracker = RedmineTracker("x", redmine_server.url, "no-such", redmine_server.api_key)
    with pytest.raises(TrackerError, match="project does not exist") as info:
        tracker.open_tickets()
    assert info.value.status == 404
    assert "'no-such'" in str(info.value) and redmine_server.url in str(info.value)
    with pytest.raises(TrackerError, match="HTTP 404"):
        tracker.create(new_ticket())


@pytest.mark.slow
def test_unknown_issue_number_is_a_404(tracker):
    with pytest.raises(TrackerError) as info:
        tracker.get("999999")
    assert info.value.status == 404
    with pytest.raises(TrackerError, match="not a Redmine issue number"):
        tracker.get("OPS-1")


@pytest.mark.slow
def test_wrong_priority_and_tracker_names_are_clear(redmine_server, project):
    tracker = RedmineTracker(
        "ops-redmine",
        redmine_server.url,
        project,
        redmine_server.api_key,
        priorities={"urgent": "Critical"},  # the others keep their defaults
    )
    with pytest.raises(TrackerError, match="no issue priority 'Critical'") as info:
        tracker.create(new_ticket(priority="urgent"))
    assert "Immediate" in str(info.value) and "our 'urgent'" in str(info.value)
    with pytest.raises(TrackerError, match="unknown priority 'p1'"):
        tracker.create(new_ticket(priority="p1"))
    assert tracker.create(new_ticket(priority="normal")).priority == "normal"
    wrong_tracker = RedmineTracker(
        "x", redmine_server.url, project, redmine_server.api_key, tracker_name="Epic"
    )
    with pytest.raises(TrackerError, match="no tracker 'Epic'.*Bug, Feature, Support"):
        wrong_tracker.create(new_ticket())
    wrong_status = RedmineTracker(
        "x", redmine_server.url, project, redmine_server.api_key, closed_status="New"
    )
    with pytest.raises(TrackerError, match="'New' is not a closed status"):
        wrong_status.close("1", "x")


@pytest.mark.slow
def test_a_rejected_field_is_a_422_with_redmines_message(tracker):
    with pytest.raises(TrackerError) as info:
        tracker.create(new_ticket(title=""))  # Redmine requires a subject
    assert info.value.status == 422
    assert "rejected the ticket's fields" in str(info.value) and "Subject" in str(info.value)


@pytest.mark.slow
def test_an_item_filed_when_already_overdue_starts_on_its_due_date(redmine_server, tracker):
    """Redmine starts an issue today and refuses a due date before its start (a 422 found on
    the demo's overdue action items): such an item starts on its due date."""
    yesterday = date.today() - timedelta(days=1)
    created = tracker.create(new_ticket(due_date=yesterday))
    issue = redmine_server.issue(created.tracker_id)
    assert issue["due_date"] == issue["start_date"] == yesterday.isoformat()


@pytest.mark.slow
def test_a_priority_redmine_does_not_map_back_is_none(redmine_server, tracker):
    created = tracker.create(new_ticket())
    redmine_server.api(
        "PUT",
        f"/issues/{created.tracker_id}.json",
        json_body={"issue": {"priority_id": 5}},  # Immediate: none of ours
    ).raise_for_status()
    assert tracker.get(created.tracker_id).priority is None


# --- a stopped server: nothing listens ---------------------------------------------------


def test_nothing_listening_is_a_tracker_error_naming_the_url_after_retries():
    url = f"http://127.0.0.1:{free_port()}"
    tracker = RedmineTracker("ops-redmine", url, "ops", "key", policy=policy(attempts=4))
    with pytest.raises(TrackerError) as info:
        tracker.open_tickets()
    message = str(info.value)
    assert url in message and "'ops'" in message
    assert "cannot connect" in message and "Connection refused" in message
    assert "gave up after 4 attempts" in message
    assert tracker.policy.sleep == [1.0, 2.0, 4.0]  # the policy's back-off, no Retry-After
    assert info.value.status is None


# --- a scripted server: the retry and error mapping ---------------------------------------

STATUSES = [
    {"id": 1, "name": "New", "is_closed": False},
    {"id": 5, "name": "Closed", "is_closed": True},
]
PRIORITY_ROWS = [
    {"id": n, "name": name, "is_default": name == "Normal", "active": True}
    for n, name in enumerate(["Low", "Normal", "High", "Urgent", "Immediate"], 1)
]


class FakeRedmine:
    """Just enough of Redmine's REST API for one project ``ops``, on 127.0.0.1.

    :meth:`fail` scripts error answers; ``delay_s`` delays every answer; ``requests``
    records (method, path) of each request.
    """

    def __init__(self):
        self.requests: list[tuple[str, str]] = []
        self._faults: list[dict] = []
        self.delay_s = 0.0
        self.issues: dict[int, dict] = {}
        self.users_forbidden = True  # a non-admin key
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"null")
                status, headers, answer = fake.handle(self.command, self.path, body)
                time.sleep(fake.delay_s)
                data = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
                data = b"" if answer is None else data
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client timed out and left

            do_GET = do_POST = do_PUT = _serve

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> FakeRedmine:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def count(self, method: str, path: str) -> int:
        return self.requests.count((method, path))

    def fail(self, status, headers=None, *, on=None, after=False, times=1, body=None) -> None:
        """Answer the next ``times`` requests (to ``on``, a (method, path), or any) with
        ``status`` (and ``body``, bytes): instead of carrying them out, or ``after``."""
        fault = {"on": on, "after": after, "status": status, "headers": headers or {}}
        fault["body"] = body
        self._faults.extend(dict(fault) for _ in range(times))

    def _fault(self, method: str, path: str, after: bool) -> dict | None:
        for fault in self._faults:
            if fault["after"] == after and fault["on"] in (None, (method, path)):
                self._faults.remove(fault)
                return fault
        return None

    def handle(self, method: str, target: str, body):
        url = urlsplit(target)
        path, query = url.path, parse_qs(url.query)
        with self._lock:
            self.requests.append((method, path))
            fault = self._fault(method, path, after=False)
            if fault is None:
                answer = self._route(method, path, query, body)
                fault = self._fault(method, path, after=True)
            if fault is not None:
                return fault["status"], fault["headers"], fault["body"]
            return answer

    def _route(self, method, path, query, body):
        if path == "/issue_statuses.json":
            return 200, {}, {"issue_statuses": STATUSES}
        if path == "/enumerations/issue_priorities.json":
            return 200, {}, {"issue_priorities": PRIORITY_ROWS}
        if path == "/projects/ops.json":
            project = {"id": 1, "identifier": "ops", "trackers": [{"id": 1, "name": "Bug"}]}
            return 200, {}, {"project": project}
        if path == "/users.json":
            if self.users_forbidden:
                return 403, {}, None
            return 200, {}, {"users": [], "total_count": 0, "offset": 0, "limit": 100}
        if path == "/projects/ops/memberships.json":
            members = [{"id": 1, "user": {"id": 7, "name": "Alice Human"}, "roles": []}]
            return 200, {}, {"memberships": members, "total_count": 1, "offset": 0, "limit": 100}
        if method == "GET" and path == "/issues.json":
            found = [i for i in self.issues.values() if not i["status"]["is_closed"]]
            return 200, {}, {"issues": found, "total_count": len(found), "offset": 0, "limit": 100}
        if method == "POST" and path == "/projects/ops/issues.json":
            fields = body["issue"]
            number = len(self.issues) + 1
            self.issues[number] = {
                "id": number,
                "subject": fields["subject"],
                "description": fields["description"],
                "status": STATUSES[0],
                "priority": {"id": fields["priority_id"], "name": "High"},
                "assigned_to": {"id": 7, "name": "Alice Human"}
                if fields.get("assigned_to_id") == 7
                else None,
                "due_date": fields.get("due_date"),
                "closed_on": None,
            }
            return 201, {}, {"issue": self.issues[number]}
        if path.startswith("/issues/") and path.endswith(".json"):
            number = int(path.removeprefix("/issues/").removesuffix(".json"))
            if number not in self.issues:
                return 404, {}, None
            issue = self.issues[number]
            if method == "PUT":
                fields = body["issue"]
                if fields.get("notes"):
                    issue.setdefault("journals", []).append({"notes": fields["notes"]})
                if "status_id" in fields:
                    issue["status"] = next(s for s in STATUSES if s["id"] == fields["status_id"])
                return 204, {}, None
            if "journals" not in query.get("include", [""])[0]:
                issue = {k: v for k, v in issue.items() if k != "journals"}
            return 200, {}, {"issue": issue}
        return 404, {}, None


@pytest.fixture
def fake():
    with FakeRedmine() as server:
        yield server


def fake_tracker(fake: FakeRedmine, attempts: int = 3, **kwargs) -> RedmineTracker:
    return RedmineTracker("ops-redmine", fake.url, "ops", "key", policy=policy(attempts), **kwargs)


def test_429_waits_what_retry_after_says_then_succeeds(fake):
    fake.issues[1] = {"id": 1, "subject": "x", "description": marker("f"), "status": STATUSES[0]}
    fake.fail(429, {"Retry-After": "2"})
    tracker = fake_tracker(fake)
    ticket = tracker.get("1")
    assert ticket.tracker_id == "1" and ticket.fingerprint == "f"
    assert tracker.policy.sleep == [2.0]
    assert fake.count("GET", "/issues/1.json") == 2


def test_5xx_backs_off_and_succeeds(fake):
    fake.fail(503)
    fake.fail(502)
    tracker = fake_tracker(fake, attempts=3)
    assert tracker.open_tickets() == []
    assert tracker.policy.sleep == [1.0, 2.0]
    assert fake.count("GET", "/issues.json") == 3


def test_5xx_that_persists_gives_up_naming_the_tracker(fake):
    fake.fail(500, times=10)
    tracker = fake_tracker(fake, attempts=3)
    with pytest.raises(TrackerError) as info:
        tracker.open_tickets()
    assert info.value.status == 500
    message = str(info.value)
    assert fake.url in message and "'ops'" in message and "list open issues" in message
    assert "HTTP 500" in message and "gave up after 3 attempts" in message
    assert fake.count("GET", "/issues.json") == 3  # no retries of the library's own


def test_a_retry_after_longer_than_the_cap_fails_at_once(fake):
    fake.fail(429, {"Retry-After": "600"})
    tracker = fake_tracker(fake)
    with pytest.raises(TrackerError, match="asked to wait 600 s") as info:
        tracker.open_tickets()
    assert info.value.status == 429
    assert tracker.policy.sleep == []


def test_create_retried_after_a_5xx_does_not_open_a_second_issue(fake):
    # the create is carried out, then a proxy answers 502
    fake.fail(502, on=("POST", "/projects/ops/issues.json"), after=True)
    tracker = fake_tracker(fake)
    created = tracker.create(new_ticket("once:1"))
    assert fake.count("POST", "/projects/ops/issues.json") == 1
    assert list(fake.issues) == [1]
    assert created.tracker_id == "1" and created.fingerprint == "once:1"
    assert tracker.policy.sleep == [1.0]


def test_create_retried_after_a_429_posts_again(fake):
    fake.fail(429, {"Retry-After": "1"}, on=("POST", "/projects/ops/issues.json"))
    tracker = fake_tracker(fake)
    created = tracker.create(new_ticket("twice:1"))
    assert fake.count("POST", "/projects/ops/issues.json") == 2
    assert fake.count("GET", "/issues.json") == 0  # nothing to look for
    assert created.tracker_id == "1"


def test_a_read_timeout_is_retried_and_named(fake):
    fake.delay_s = 1.0
    tracker = fake_tracker(fake, attempts=2, timeout_s=0.2)
    with pytest.raises(TrackerError, match="no answer within 0.2 s") as info:
        tracker.open_tickets()
    assert fake.url in str(info.value) and "gave up after 2 attempts" in str(info.value)


def test_a_redirect_is_not_followed(fake):
    fake.fail(302, {"Location": "https://redmine.example.org/issues.json"})
    with pytest.raises(TrackerError, match="redirected to https://redmine.example.org") as info:
        fake_tracker(fake).open_tickets()
    assert info.value.status == 302
    assert len(fake.requests) == 1


def test_an_answer_that_is_not_json_asks_about_the_url(fake):
    fake.fail(200, body=b"<html>Sign in to the company portal</html>")
    with pytest.raises(TrackerError, match="not JSON: is the url Redmine's own base URL") as info:
        fake_tracker(fake).open_tickets()
    assert fake.url in str(info.value)


def test_403_names_the_rest_api_setting(fake):
    fake.fail(403)
    with pytest.raises(TrackerError, match="REST API is off") as info:
        fake_tracker(fake).open_tickets()
    assert info.value.status == 403 and "write access" in str(info.value)


def test_a_non_admin_key_finds_the_assignee_among_the_members(fake):
    tracker = fake_tracker(fake)
    created = tracker.create(new_ticket(assignee="alice human"))
    assert created.assignee == "Alice Human"
    assert fake.count("GET", "/users.json") == 1  # 403: not an admin key
    tracker.create(new_ticket(assignee="Alice Human"))
    assert fake.count("GET", "/projects/ops/memberships.json") == 1  # cached


def test_close_that_redmine_ignores_is_an_error(fake):
    fake.issues[1] = {"id": 1, "subject": "x", "description": marker("f"), "status": STATUSES[0]}
    fake.fail(204, on=("PUT", "/issues/1.json"))  # "saved", but nothing changed
    with pytest.raises(TrackerError, match="kept issue #1 in status 'New'.*Workflow"):
        fake_tracker(fake).close("1", "done")


def test_a_note_retried_after_a_5xx_is_not_added_twice(fake):
    fake.issues[1] = {"id": 1, "subject": "x", "description": marker("f"), "status": STATUSES[0]}
    tracker = fake_tracker(fake)
    fake.fail(502, on=("PUT", "/issues/1.json"), after=True)  # saved, then a proxy's 502
    tracker.comment("1", "Still burning.")
    fake.fail(503, on=("PUT", "/issues/1.json"), after=True)
    tracker.close("1", "Recovered.")
    assert fake.count("PUT", "/issues/1.json") == 2
    assert [j["notes"] for j in fake.issues[1]["journals"]] == ["Still burning.", "Recovered."]
    assert tracker.get("1").state == "closed"
    assert tracker.policy.sleep == [1.0, 1.0]


def test_a_note_retried_after_a_429_is_sent_again(fake):
    fake.issues[1] = {"id": 1, "subject": "x", "description": marker("f"), "status": STATUSES[0]}
    fake.fail(429, {"Retry-After": "0"}, on=("PUT", "/issues/1.json"))  # refused, not saved
    tracker = fake_tracker(fake)
    tracker.comment("1", "Still burning.")
    assert fake.count("PUT", "/issues/1.json") == 2
    assert [j["notes"] for j in fake.issues[1]["journals"]] == ["Still burning."]
    assert tracker.policy.sleep == [0.0]


def test_library_retries_are_off():
    tracker = RedmineTracker("x", "http://127.0.0.1:1", "ops", "key")
    session = tracker._redmine.engine.session
    for prefix in ("http://", "https://"):
        assert session.get_adapter(prefix + "127.0.0.1").max_retries.total == 0
    assert session.headers["X-Redmine-API-Key"] == "key"
