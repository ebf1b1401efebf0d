"""GitLab issues as a tracker, through python-gitlab: the GitLab REST (v4) client the community
maintains (projects by path or id, ``Link``-header pagination, notes, private tokens).

Quirks worked around:

- python-gitlab retries by itself, and not only when asked: ``retry_transient_errors`` (5xx,
  timeouts) is a client setting, but obeying 429 (sleeping ``Retry-After``, up to 10 times) is
  a per-request argument defaulting to True (``obey_rate_limit``, ``max_retries``).
  :class:`_Client` forces ``obey_rate_limit=False, retry_transient_errors=False,
  max_retries=0`` on every request so :func:`~.base.with_retries` alone decides.
- Its exceptions (``GitlabHttpError`` and the per-operation ``GitlabListError``,
  ``GitlabCreateError``... raised ``from`` it) keep the status and body but drop the response
  headers, so ``Retry-After`` would be lost: :class:`_Client` records the headers of the last
  response (a ``requests`` response hook, per thread) and attaches them to the exception.
- ``list()`` without ``get_all``/``iterator`` returns one page and warns; listing uses
  ``get_all=True``. ``projects.get(..., lazy=True)`` and ``issues.get(..., lazy=True)`` make no
  request, so nothing is requested at construction and a comment is one request.
- GitLab answers validation failures with 400 (``{"message": {"title": [...]}}`` or
  ``{"error": "... is invalid"}``), worded here like a 422 (the ticket's fields).
- The priority is a scoped label (``priority::high``) swapped with ``add_labels`` /
  ``remove_labels`` in one request (scoped labels replace each other only on paid tiers).
"""

from __future__ import annotations

import threading
from datetime import date, datetime

import gitlab
from gitlab.exceptions import GitlabError

from sre_pipeline.tickets.trackers.base import (
    MANAGED_LABEL,
    PRIORITIES,
    NewTicket,
    RetryPolicy,
    Ticket,
    TrackerError,
    fingerprint_of,
)
from sre_pipeline.tickets.trackers.http_errors import Calls, describe, failure


class _Client(gitlab.Gitlab):
    """python-gitlab's client with its own retries off and the failing answer's headers kept
    (as ``response_headers`` on the exception)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._last = threading.local()
        self.session.hooks["response"].append(self._remember)

    def _remember(self, response, *args, **kwargs):
        self._last.headers = response.headers

    def http_request(self, *args, **kwargs):
        kwargs.update(obey_rate_limit=False, retry_transient_errors=False, max_retries=0)
        self._last.headers = None
        try:
            return super().http_request(*args, **kwargs)
        except GitlabError as exc:
            exc.response_headers = self._last.headers
            raise


def gitlab_failure(label: str, project: str, exc: GitlabError) -> Exception:
    """Retryable for 429/5xx (``Retry-After`` from the kept headers), else refused with
    GitLab's message; a 400 names rejected fields."""
    headers, cause = None, exc
    while cause is not None and headers is None:
        headers = getattr(cause, "response_headers", None)
        cause = cause.__cause__
    status = exc.response_code
    if status is None:
        return TrackerError(f"{label} project '{project}': {exc}")
    return failure(
        label, project, status, headers, describe(exc.error_message), fields_rejected=True
    )


def _day(value) -> date | None:
    return date.fromisoformat(value) if value else None


def _instant(value) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class GitLabTracker:
    """The issues of one GitLab project (path ``group/name`` or numeric id) that carry
    ``sre-pipeline``. ``tracker_id`` is the issue's ``iid``."""

    def __init__(
        self,
        name: str,
        url: str,
        project: str,
        token: str,
        *,
        policy: RetryPolicy | None = None,
        timeout_s: float = 30.0,
        priority_labels: dict[str, str] | None = None,
        per_page: int = 100,
    ):
        self.name = name
        self.url = url.rstrip("/")
        self.project = str(project)
        self.label = f"GitLab {self.url}"
        self.per_page = per_page
        self.priority_labels = priority_labels or {p: f"priority::{p}" for p in PRIORITIES}
        self._gl = _Client(
            self.url, private_token=token, timeout=timeout_s, retry_transient_errors=False
        )
        self._calls = Calls(
            self.label,
            self.project,
            policy or RetryPolicy(),
            timeout_s,
            lambda exc: (
                gitlab_failure(self.label, self.project, exc)
                if isinstance(exc, GitlabError)
                else None
            ),
        )

    def _issues(self):
        return self._gl.projects.get(self.project, lazy=True).issues  # lazy: no request

    def _ticket(self, issue) -> Ticket:
        data = issue.asdict()
        assignees = data.get("assignees") or ([data["assignee"]] if data.get("assignee") else [])
        by_label = {label: p for p, label in self.priority_labels.items()}
        labels = data.get("labels") or []
        return Ticket(
            tracker_id=str(data["iid"]),
            title=data["title"],
            state="closed" if data.get("state") == "closed" else "open",
            url=data.get("web_url"),
            fingerprint=fingerprint_of(data.get("description")),
            status=data.get("state"),
            assignee=assignees[0].get("username") if assignees else None,
            due_date=_day(data.get("due_date")),
            closed_at=_instant(data.get("closed_at")),
            priority=next((by_label[n] for n in labels if n in by_label), None),
        )

    def _open(self) -> list[Ticket]:
        issues = self._issues().list(
            state="opened", labels=[MANAGED_LABEL], get_all=True, per_page=self.per_page
        )
        return [self._ticket(i) for i in issues]

    def open_tickets(self) -> list[Ticket]:
        """Open issues labelled ``sre-pipeline`` whose description carries the marker."""
        return [t for t in self._calls.run("list open issues", self._open) if t.fingerprint]

    def get(self, tracker_id: str) -> Ticket:
        """One issue by ``iid``, open or closed."""
        return self._calls.run(
            f"read issue #{tracker_id}", lambda: self._ticket(self._issues().get(tracker_id))
        )

    def _user_id(self, username: str) -> int:
        users = self._calls.run(
            f"look up user '{username}'",
            lambda: self._gl.users.list(username=username, get_all=False),
        )
        if not users:
            raise TrackerError(
                f"{self.label} project '{self.project}': no GitLab user '{username}' to assign "
                "the ticket to: check the tracker's users: mapping"
            )
        return users[0].id

    def create(self, ticket: NewTicket) -> Ticket:
        """A new issue: labels, due date and (resolved by username) assignee."""
        labels = list(
            dict.fromkeys([MANAGED_LABEL, self.priority_labels[ticket.priority], *ticket.labels])
        )
        data = {"title": ticket.title, "description": ticket.description, "labels": labels}
        if ticket.due_date:
            data["due_date"] = ticket.due_date.isoformat()
        if ticket.assignee:
            data["assignee_ids"] = [self._user_id(ticket.assignee)]

        def find():
            return next((t for t in self._open() if t.fingerprint == ticket.fingerprint), None)

        return self._calls.create(
            f"open an issue ({ticket.fingerprint})",
            lambda: self._ticket(self._issues().create(data)),
            find,
        )

    def comment(self, tracker_id: str, text: str) -> None:
        """A note on the issue."""
        self._calls.run(
            f"comment on issue #{tracker_id}",
            lambda: self._issues().get(tracker_id, lazy=True).notes.create({"body": text}),
        )

    def close(self, tracker_id: str, text: str) -> None:
        """A note, then ``state_event=close`` (each retried on its own)."""
        self.comment(tracker_id, text)
        self._calls.run(
            f"close issue #{tracker_id}",
            lambda: self._issues().update(tracker_id, {"state_event": "close"}),
        )

    def set_priority(self, tracker_id: str, priority: str) -> None:
        """Add the priority label and remove the other priority labels, in one request."""
        target = self.priority_labels[priority]
        others = [label for label in self.priority_labels.values() if label != target]
        self._calls.run(
            f"set the priority of issue #{tracker_id}",
            lambda: self._issues().update(
                tracker_id, {"add_labels": target, "remove_labels": ",".join(others)}
            ),
        )
