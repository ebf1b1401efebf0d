"""GitHub Issues as a tracker, through PyGithub: the maintained GitHub REST client (typed
objects, ``Link``-header pagination, GitHub Enterprise base URLs, token auth).

Quirks worked around:

- PyGithub retries by itself (its ``GithubRetry`` sleeps on 403 secondary limits and 5xx);
  ``retry=None`` switches that off so :func:`~.base.with_retries` alone decides, and its
  pacing of every read (0.25 s) is off. Its 1 s pause before each write, which GitHub's best
  practices ask for to avoid secondary limits, is kept (``seconds_between_writes``; 0 in tests).
- ``lazy=True``: ``get_repo`` and ``get_issue`` make no request, so nothing is requested at
  construction, a comment or close is one request, and every request happens inside
  ``with_retries`` where its errors are mapped. (``get_repo(lazy=...)`` is deprecated.)
- A partially loaded object fetches itself when an attribute the answer lacked is read:
  ``issue.pull_request`` on a plain listed issue would GET every issue, so pull requests (which
  the issues endpoint lists too) are told apart by their ``html_url`` (``/pull/``) instead.
- ``timeout`` must be an int (an assertion in ``Github``).
- Rate limits per GitHub's docs: a 403/429 that is a (secondary) rate limit waits
  ``Retry-After``, else until ``x-ratelimit-reset`` when ``x-ratelimit-remaining`` is 0, else
  one minute; other 401/403/404/422 are refused with GitHub's message and field errors.
- GitHub has no due date field: the due date is already in the description.
"""

from __future__ import annotations

import math

from github import Auth, Github, GithubException

from sre_pipeline.tickets.trackers.base import (
    MANAGED_LABEL,
    PRIORITIES,
    NewTicket,
    Retryable,
    RetryPolicy,
    Ticket,
    fingerprint_of,
    retry_after,
)
from sre_pipeline.tickets.trackers.http_errors import Calls, describe, failure

DEFAULT_URL = "https://api.github.com"


def _detail(data) -> str:
    """GitHub's ``message`` and, for a 422, its ``errors`` (field, code, value or message)."""
    if not isinstance(data, dict):
        return describe(data)
    errors = []
    for error in data.get("errors") or []:
        if isinstance(error, dict):
            what = error.get("message") or " ".join(
                str(error[key]) for key in ("field", "code") if error.get(key)
            )
            value = error.get("value")
            errors.append(f"{what} ({value})" if value not in (None, "") else what)
        else:
            errors.append(str(error))
    return "; ".join(filter(None, [str(data.get("message") or ""), *errors]))


def github_failure(label: str, repo: str, exc: GithubException) -> Exception:
    """Retryable for 429, 5xx and rate-limit 403s (waiting as GitHub's docs say), else the
    refused error with GitHub's detail."""
    headers = {k.lower(): v for k, v in (exc.headers or {}).items()}
    detail = _detail(exc.data)
    limited = exc.status == 429 or (
        exc.status == 403
        and (
            "rate limit" in detail.lower()
            or "retry-after" in headers
            or headers.get("x-ratelimit-remaining") == "0"
        )
    )
    if limited:
        wait = retry_after(headers)
        return Retryable(
            f"HTTP {exc.status} rate limited: {detail[:200]}",
            60.0 if wait is None else wait,
            exc.status,
        )
    return failure(label, repo, exc.status, headers, detail)


def _is_pull_request(issue) -> bool:
    return "/pull/" in (issue.html_url or "")


class GitHubTracker:
    """The issues of one GitHub repository (``owner/name``) that carry ``sre-pipeline``.

    Priorities are labels (``priority:high``, or ``priority_labels``); ``tracker_id`` is the
    issue number. ``url`` is the API root (GitHub Enterprise: ``https://host/api/v3``).
    """

    def __init__(
        self,
        name: str,
        repo: str,
        token: str,
        *,
        url: str = DEFAULT_URL,
        policy: RetryPolicy | None = None,
        timeout_s: float = 30.0,
        priority_labels: dict[str, str] | None = None,
        per_page: int = 100,
        seconds_between_writes: float | None = 1.0,
    ):
        self.name = name
        self.project = repo
        self.url = url.rstrip("/")
        self.label = f"GitHub {repo}" if self.url == DEFAULT_URL else f"GitHub {self.url} {repo}"
        self.priority_labels = priority_labels or {p: f"priority:{p}" for p in PRIORITIES}
        self._github = Github(
            auth=Auth.Token(token),
            base_url=self.url,
            timeout=max(1, math.ceil(timeout_s)),
            per_page=per_page,
            retry=None,
            seconds_between_requests=None,
            seconds_between_writes=seconds_between_writes or None,
            lazy=True,
        )
        self._calls = Calls(
            self.label,
            repo,
            policy or RetryPolicy(),
            timeout_s,
            lambda exc: (
                github_failure(self.label, repo, exc) if isinstance(exc, GithubException) else None
            ),
        )

    def _repo(self):
        return self._github.get_repo(self.project)  # lazy: no request

    def _issue(self, tracker_id: str):
        return self._repo().get_issue(int(tracker_id))  # lazy: no request

    def _ticket(self, issue) -> Ticket:
        names = [label.name for label in issue.labels]
        by_label = {label: p for p, label in self.priority_labels.items()}
        return Ticket(
            tracker_id=str(issue.number),
            title=issue.title,
            state="closed" if issue.state == "closed" else "open",
            url=issue.html_url,
            fingerprint=fingerprint_of(issue.body),
            status=issue.state,
            assignee=issue.assignees[0].login if issue.assignees else None,
            closed_at=issue.closed_at,
            priority=next((by_label[n] for n in names if n in by_label), None),
        )

    def _open(self) -> list[Ticket]:
        issues = self._repo().get_issues(state="open", labels=[MANAGED_LABEL])
        return [self._ticket(i) for i in issues if not _is_pull_request(i)]

    def open_tickets(self) -> list[Ticket]:
        """Open issues labelled ``sre-pipeline`` whose body carries the marker, all pages."""
        return [t for t in self._calls.run("list open issues", self._open) if t.fingerprint]

    def get(self, tracker_id: str) -> Ticket:
        """One issue, open or closed."""
        return self._calls.run(
            f"read issue #{tracker_id}", lambda: self._ticket(self._issue(tracker_id))
        )

    def create(self, ticket: NewTicket) -> Ticket:
        """A new issue with the managed, priority and ticket labels (and assignee)."""
        labels = list(
            dict.fromkeys([MANAGED_LABEL, self.priority_labels[ticket.priority], *ticket.labels])
        )
        extra = {"assignees": [ticket.assignee]} if ticket.assignee else {}

        def create():
            issue = self._repo().create_issue(
                title=ticket.title, body=ticket.description, labels=labels, **extra
            )
            return self._ticket(issue)

        def find():
            return next((t for t in self._open() if t.fingerprint == ticket.fingerprint), None)

        return self._calls.create(f"open an issue ({ticket.fingerprint})", create, find)

    def comment(self, tracker_id: str, text: str) -> None:
        """A comment on the issue."""
        self._calls.run(
            f"comment on issue #{tracker_id}",
            lambda: self._issue(tracker_id).create_comment(text),
        )

    def close(self, tracker_id: str, text: str) -> None:
        """Comment, then close as completed (two requests, each retried on its own)."""
        self.comment(tracker_id, text)
        self._calls.run(
            f"close issue #{tracker_id}",
            lambda: self._issue(tracker_id).edit(state="closed", state_reason="completed"),
        )

    def set_priority(self, tracker_id: str, priority: str) -> None:
        """Swap the priority label: add the new one, remove any other priority label."""
        target = self.priority_labels[priority]

        def swap():
            issue = self._issue(tracker_id)
            present = {label.name for label in issue.labels}  # the one GET
            if target not in present:
                issue.add_to_labels(target)
            for other in self.priority_labels.values():
                if other != target and other in present:
                    issue.remove_from_labels(other)

        self._calls.run(f"set the priority of issue #{tracker_id}", swap)
