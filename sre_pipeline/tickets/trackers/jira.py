"""Jira issues as a tracker, through the ``jira`` library: the Atlassian REST client (JQL
search with pagination, transitions, comments; Server/Data Center and Cloud).

REST v2 throughout, so descriptions and comments are plain text (v3 wants Atlassian Document
Format). Quirks worked around:

- ``ResilientSession`` retries 429 and 503 by itself, sleeping up to 60 s with jitter (and
  a dropped connection up to 80 s): ``max_retries=0`` makes it answer at once, so
  :func:`~.base.with_retries` alone decides.
- ``JIRA()`` calls ``serverInfo`` in its constructor, outside any retry: ``get_server_info=False``
  stops that. But the library then believes it talks to Server, and its search depends on the
  deployment: Cloud removed ``GET /rest/api/2/search`` (410) for ``/rest/api/2/search/jql``
  (token pages, ``enhanced_search_issues``), Data Center has only ``/search`` (``startAt``
  pages, ``search_issues``). So the first call (inside ``with_retries``) reads ``serverInfo``,
  sets ``deploymentType`` and checks the project exists (a clear 404, not a JQL 400).
- Searching reads ``GET /rest/api/2/field`` once (the library maps JQL names to field ids).
- ``create_issue`` looks the project and issue type up unless given as ``{"key": ...}`` and
  ``{"name": ...}``, and fetches the new issue again unless ``prefetch=False``.
- Jira answers rejected fields with 400 and ``{"errors": {"priority": "..."}}``: worded here
  like a 422. Labels cannot contain spaces: spaces become ``-``.
- Assignee: on Server/Data Center the user name as is (``{"name": ...}``); on Cloud, which
  knows only account ids, a user search (``query=``) for the configured name, e-mail or id.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from jira import JIRA, JIRAError

from sre_pipeline.tickets.trackers.base import (
    MANAGED_LABEL,
    NewTicket,
    RetryPolicy,
    Ticket,
    TrackerError,
    fingerprint_of,
)
from sre_pipeline.tickets.trackers.http_errors import Calls, describe, failure

DEFAULT_PRIORITIES = {"urgent": "Highest", "high": "High", "normal": "Medium", "low": "Low"}
FIELDS = (
    "summary",
    "description",
    "status",
    "labels",
    "priority",
    "assignee",
    "duedate",
    "resolutiondate",
)


def jira_failure(label: str, project: str, exc: JIRAError) -> Exception:
    """Retryable for 429/5xx, else refused with Jira's messages; a 400 naming fields reads
    as rejected fields."""
    if exc.status_code is None:
        return TrackerError(f"{label} project '{project}': {exc.text}")
    response = exc.response
    body = {}
    if response is not None:
        try:
            body = response.json()
        except ValueError:
            body = {}
    body = body if isinstance(body, dict) else {}
    errors = body.get("errors") if isinstance(body.get("errors"), dict) else {}
    messages = [describe(body.get("errorMessages")), describe(errors)]
    detail = "; ".join(m for m in messages if m) or exc.text or ""
    headers = response.headers if response is not None else None
    return failure(label, project, exc.status_code, headers, detail, fields_rejected=bool(errors))


def _label(name: str) -> str:
    return re.sub(r"\s+", "-", name.strip())


class JiraTracker:
    """The issues of one Jira project (key ``OPS``) labelled ``sre-pipeline``; ``tracker_id``
    is the issue key (``OPS-7``). ``email`` + ``token``: basic auth (Jira Cloud); ``token``
    alone: a Bearer personal access token (Server/Data Center)."""

    def __init__(
        self,
        name: str,
        url: str,
        project: str,
        *,
        token: str | None = None,
        email: str | None = None,
        policy: RetryPolicy | None = None,
        timeout_s: float = 30.0,
        issue_type: str = "Task",
        priorities: dict[str, str] | None = None,
        labels: dict[str, str] | None = None,
        done_transition: str | None = None,
    ):
        self.name = name
        self.url = url.rstrip("/")
        self.project = project
        self.label = f"Jira {self.url}"
        self.issue_type = issue_type
        self.priorities = {**DEFAULT_PRIORITIES, **(priorities or {})}
        self.labels = labels or {}
        self.done_transition = done_transition
        self._cloud: bool | None = None
        auth = {"basic_auth": (email, token or "")} if email else {"token_auth": token}
        self._client = JIRA(
            server=self.url,
            options={"rest_api_version": "2"},
            get_server_info=False,
            max_retries=0,
            timeout=timeout_s,
            **auth,
        )
        self._calls = Calls(
            self.label,
            project,
            policy or RetryPolicy(),
            timeout_s,
            lambda exc: (
                jira_failure(self.label, project, exc) if isinstance(exc, JIRAError) else None
            ),
        )

    def _connect(self) -> None:
        """Once, inside the first call: the deployment type (which search) and the project."""
        if self._cloud is None:
            info = self._client.server_info()
            self._client.deploymentType = info.get("deploymentType")
            self._client.project(self.project)
            self._cloud = info.get("deploymentType") == "Cloud"

    def _ticket(self, issue) -> Ticket:
        fields = issue.raw.get("fields") or {}
        status = fields.get("status") or {}
        category = (status.get("statusCategory") or {}).get("key")
        by_name = {n: p for p, n in self.priorities.items()}
        assignee = fields.get("assignee") or {}
        resolved = fields.get("resolutiondate")
        return Ticket(
            tracker_id=issue.key,
            title=fields.get("summary") or "",
            state="closed" if category == "done" else "open",
            url=f"{self.url}/browse/{issue.key}",
            fingerprint=fingerprint_of(fields.get("description")),
            status=status.get("name"),
            assignee=assignee.get("displayName"),
            due_date=date.fromisoformat(fields["duedate"]) if fields.get("duedate") else None,
            closed_at=datetime.fromisoformat(resolved) if resolved else None,
            priority=by_name.get((fields.get("priority") or {}).get("name")),
        )

    def _open(self) -> list[Ticket]:
        self._connect()
        jql = (
            f'project = "{self.project}" AND labels = "{MANAGED_LABEL}" AND statusCategory != Done'
        )
        search = self._client.enhanced_search_issues if self._cloud else self._client.search_issues
        return [self._ticket(i) for i in search(jql, maxResults=False, fields=list(FIELDS))]

    def open_tickets(self) -> list[Ticket]:
        """Open (status category not done) labelled issues with the marker, all pages."""
        return [t for t in self._calls.run("search open issues", self._open) if t.fingerprint]

    def get(self, tracker_id: str) -> Ticket:
        """One issue by key, open or closed."""

        def read():
            self._connect()
            return self._ticket(self._client.issue(tracker_id, fields=",".join(FIELDS)))

        return self._calls.run(f"read issue {tracker_id}", read)

    def _assignee(self, user: str) -> dict:
        if not self._cloud:
            return {"name": user}
        found = self._client.search_users(query=user, maxResults=10)
        wanted = user.casefold()
        exact = [
            u.raw
            for u in found
            if wanted
            in {
                str(u.raw.get(key) or "").casefold()
                for key in ("accountId", "emailAddress", "displayName")
            }
        ]
        matches = exact or ([found[0].raw] if len(found) == 1 else [])
        if len(matches) != 1:
            raise TrackerError(
                f"{self.label} project '{self.project}': no single Jira user matches '{user}' "
                f"({len(found)} found): map the owner to an account id in the tracker's users:"
            )
        return {"accountId": matches[0]["accountId"]}

    def create(self, ticket: NewTicket) -> Ticket:
        """A new issue: type, priority, labels, due date and assignee."""
        labels = [MANAGED_LABEL, *(self.labels.get(x, x) for x in ticket.labels)]
        fields = {
            "project": {"key": self.project},
            "summary": ticket.title,
            "description": ticket.description,
            "issuetype": {"name": self.issue_type},
            "priority": {"name": self.priorities[ticket.priority]},
            "labels": list(dict.fromkeys(_label(x) for x in labels)),
        }
        if ticket.due_date:
            fields["duedate"] = ticket.due_date.isoformat()
        if ticket.assignee:

            def assignee():
                self._connect()
                return self._assignee(ticket.assignee)

            fields["assignee"] = self._calls.run(f"look up user '{ticket.assignee}'", assignee)

        def create():
            self._connect()
            issue = self._client.create_issue(fields=fields, prefetch=False)
            return Ticket(
                tracker_id=issue.key,
                title=ticket.title,
                state="open",
                url=f"{self.url}/browse/{issue.key}",
                fingerprint=fingerprint_of(ticket.description),
                assignee=ticket.assignee,
                due_date=ticket.due_date,
                priority=ticket.priority,
            )

        def find():
            return next((t for t in self._open() if t.fingerprint == ticket.fingerprint), None)

        return self._calls.create(f"open an issue ({ticket.fingerprint})", create, find)

    def comment(self, tracker_id: str, text: str) -> None:
        """A comment on the issue."""
        self._calls.run(
            f"comment on {tracker_id}", lambda: self._client.add_comment(tracker_id, text)
        )

    def _done(self, transitions: list[dict]) -> dict | None:
        if self.done_transition:
            wanted = self.done_transition.casefold()
            return next(
                (t for t in transitions if wanted in (str(t["id"]), t["name"].casefold())), None
            )
        return next(
            (
                t
                for t in transitions
                if ((t.get("to") or {}).get("statusCategory") or {}).get("key") == "done"
            ),
            None,
        )

    def close(self, tracker_id: str, text: str) -> None:
        """Comment, then the transition to done (``done_transition``, else the first whose
        target status is in the done category)."""
        self.comment(tracker_id, text)

        def transition():
            chosen = self._done(self._client.transitions(tracker_id))
            if chosen is not None:
                self._client.transition_issue(tracker_id, str(chosen["id"]))
                return
            self._connect()
            if self._ticket(self._client.issue(tracker_id, fields="status")).state == "closed":
                return  # already done (an earlier attempt's answer was lost)
            raise TrackerError(
                f"{self.label} project '{self.project}': {tracker_id} has no transition "
                + (f"'{self.done_transition}'" if self.done_transition else "to a done status")
                + ": set done_transition to one of its workflow's transitions"
            )

        self._calls.run(f"close {tracker_id}", transition)

    def set_priority(self, tracker_id: str, priority: str) -> None:
        """The priority field, by name (``priorities``)."""
        name = self.priorities[priority]

        def update():
            issue = self._client.issue(tracker_id, fields="priority")
            issue.update(fields={"priority": {"name": name}})

        self._calls.run(f"set the priority of {tracker_id}", update)
